package message

import (
	"context"

	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// RunSend runs one chunk of the sending job of a message inside tx, as
// the scheduler does.
func (s *Store) RunSend(ctx context.Context, tx *store.Tx, id string) error {
	return s.onSend(ctx, tx, schedule.Job{Kind: jobSend, SubjectID: id})
}

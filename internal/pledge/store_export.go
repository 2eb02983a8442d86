package pledge

import (
	"context"

	"repertoire/internal/participation"
	"repertoire/internal/store"
)

// Titles names pledges by id (participation.Action: a person's data
// export names what they committed to).
func (s *Store) Titles(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error) {
	return participation.TitlesOf(ctx, q, `SELECT id, title FROM pledges WHERE id IN $ids`, ids)
}

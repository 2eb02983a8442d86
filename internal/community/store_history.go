package community

import (
	"context"
	"database/sql"
	"errors"

	"repertoire"
)

// Empty reports whether no community exists yet: a Repertoire that has
// seen no use, the only kind the demo is loaded into.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var one int
	err := s.db.Reader().QueryRowContext(ctx, `SELECT 1 FROM communities LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, repertoire.Internal(err)
	}
	return false, nil
}

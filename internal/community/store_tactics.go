package community

import (
	"context"
	"strconv"
	"strings"

	"repertoire"
	"repertoire/internal/store"
)

// Slugs reads the slugs of communities by id: id → slug, for the links of
// what they hold (a campaign's petitions). q may be a transaction.
func Slugs(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	marks := make([]string, len(ids))
	for i, id := range ids {
		args[i], marks[i] = id, "$"+strconv.Itoa(i+1)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, slug FROM communities WHERE id IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, slug string
		if err := rows.Scan(&id, &slug); err != nil {
			return nil, repertoire.Internal(err)
		}
		out[id] = slug
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

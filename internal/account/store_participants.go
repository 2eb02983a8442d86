package account

import (
	"context"
	"strconv"
	"strings"

	"repertoire"
	"repertoire/internal/store"
)

// emailsChunk bounds the ids of one lookup: SQLite resolves numbered
// parameters by scanning, so a few hundred keep each statement cheap.
const emailsChunk = 500

// Emails reads the addresses of people by id: person id → email. Ids
// without a person are left out. It takes q so that a caller inside a
// transaction reads what the transaction wrote.
func Emails(ctx context.Context, q store.Queryer, personIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(personIDs))
	for start := 0; start < len(personIDs); start += emailsChunk {
		chunk := personIDs[start:min(start+emailsChunk, len(personIDs))]
		args := make([]any, len(chunk))
		marks := make([]string, len(chunk))
		for i, id := range chunk {
			args[i], marks[i] = id, "$"+strconv.Itoa(i+1)
		}
		rows, err := q.QueryContext(ctx, `SELECT id, email FROM people WHERE id IN (`+strings.Join(marks, ",")+`)`, args...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			var id, email string
			if err := rows.Scan(&id, &email); err != nil {
				rows.Close()
				return nil, repertoire.Internal(err)
			}
			out[id] = email
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	return out, nil
}

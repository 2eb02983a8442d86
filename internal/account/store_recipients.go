package account

import (
	"context"

	"repertoire"
	"repertoire/internal/store"
)

// Address is where a person is mailed, and in which language.
type Address struct {
	Email string
	Lang  string // the person's preferred language
}

// addressChunk is how many people one statement of Addresses reads.
const addressChunk = 1000

// Addresses reads the email address and preferred language of each person
// in ids, inside tx, a thousand people a statement: mailings to many people
// (a pledge's committed people) read them in a few hundred statements.
// Unknown ids are left out.
func Addresses(ctx context.Context, tx *store.Tx, ids []string) (map[string]Address, error) {
	out := make(map[string]Address, len(ids))
	args := make([]any, 0, min(len(ids), addressChunk))
	for start := 0; start < len(ids); start += addressChunk {
		part := ids[start:min(start+addressChunk, len(ids))]
		args = args[:0]
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, email, preferred_language FROM people WHERE id IN `+
			store.Rows(tx.Dialect, 1, len(part)), args...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			var id string
			var a Address
			if err := rows.Scan(&id, &a.Email, &a.Lang); err != nil {
				rows.Close()
				return nil, repertoire.Internal(err)
			}
			out[id] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	return out, nil
}

package account

import (
	"context"

	"repertoire"
	"repertoire/internal/store"
)

// The contacts organizers added to their communities' lists.

// contactsOf is an SQL subquery selecting the contacts of the communities
// the subquery communities selects.
func contactsOf(communities string) string {
	return "SELECT person_id FROM community_contacts WHERE community_id IN (" + communities + ")"
}

// addContact puts the person on the community's list (once).
func addContact(ctx context.Context, tx *store.Tx, communityID, personID, addedBy string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO community_contacts (community_id, person_id, added_by, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (community_id, person_id) DO NOTHING`, communityID, personID, nullable(addedBy), tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

func nullable(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// personExists reports whether someone has the id.
func personExists(ctx context.Context, q store.Queryer, id string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE id = $1`, id).Scan(&n); err != nil {
		return false, repertoire.Internal(err)
	}
	return n > 0, nil
}

// reached reports whether the person (bound at $1) meets cond, a
// reachCondition on p.id whose organizer is bound at $2.
func reached(ctx context.Context, q store.Queryer, cond, personID, organizerID string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM people p WHERE p.id = $1 AND `+cond, personID, organizerID).Scan(&n); err != nil {
		return false, repertoire.Internal(err)
	}
	return n > 0, nil
}

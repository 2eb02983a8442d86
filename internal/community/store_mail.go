package community

import (
	"context"

	"repertoire"
	"repertoire/internal/store"
)

// organizerIDs lists the people who run the community (active owners and
// organizers), by id.
func organizerIDs(ctx context.Context, q store.Queryer, communityID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT person_id FROM memberships
		WHERE community_id = $1 AND status = $2 AND role IN ($3, $4) ORDER BY person_id`,
		communityID, StatusActive, RoleOwner, RoleOrganizer)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, repertoire.Internal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return ids, nil
}

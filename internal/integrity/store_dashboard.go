package integrity

import (
	"context"

	"repertoire/internal/community"
	"repertoire/internal/store"
)

// openGroups counts the groups open for review in each community the
// person organizes.
func openGroups(ctx context.Context, q store.Queryer, personID string) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.community_id, COUNT(*) FROM integrity_groups g
		WHERE g.status = '`+StatusOpen+`' AND `+community.OrganizeCondition("g.community_id", "$1")+` GROUP BY g.community_id`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

package community

import (
	"context"
	"strconv"
	"strings"

	"repertoire"
	"repertoire/internal/store"
)

// byIDsChunk is how many communities one statement of ByIDs reads.
const byIDsChunk = 500

// ByIDs reads the communities with the given ids from q (the read pool or
// a transaction), for capabilities that show a community beside their own
// rows (a campaign's community slug and name). Unknown ids are left out.
func ByIDs(ctx context.Context, q store.Queryer, ids []string) (map[string]*Community, error) {
	out := make(map[string]*Community, len(ids))
	for start := 0; start < len(ids); start += byIDsChunk {
		part := ids[start:min(start+byIDsChunk, len(ids))]
		marks := make([]string, len(part))
		args := make([]any, len(part))
		for i, id := range part {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), id
		}
		rows, err := q.QueryContext(ctx, `SELECT `+communityColumns+` FROM communities c WHERE c.id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			c, err := scanCommunity(rows)
			if err != nil {
				rows.Close()
				return nil, repertoire.Internal(err)
			}
			out[c.ID] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	return out, nil
}

// OrganizerIDs lists the people who run a community, in id order: its
// active owners and organizers (those told of a tactic's progress).
func OrganizerIDs(ctx context.Context, q store.Queryer, communityID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT person_id FROM memberships
		WHERE community_id = $1 AND status = $2 AND role IN ($3, $4) ORDER BY person_id`, communityID, StatusActive, RoleOwner, RoleOrganizer)
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

package campaign

import (
	"context"
	"strconv"
	"strings"

	"repertoire"
	"repertoire/internal/community"
	"repertoire/internal/store"
)

// VisibleCondition is an SQL condition true when the campaign whose id is
// in column belongs to a community visible to the person bound at
// placeholder personArg (community.VisibleCondition, the one rule; bind ""
// for a visitor). Admins are not covered: callers that want them to see
// everything drop the condition.
func VisibleCondition(column, personArg string) string {
	return "(" + column + " IN (SELECT id FROM campaigns WHERE " + community.VisibleCondition("community_id", personArg) + "))"
}

// headsChunk is how many campaigns one statement of Heads reads.
const headsChunk = 500

// Heads reads the campaigns with the given ids from q (the read pool or a
// transaction) with their community's slug and name, without targets or
// demands: what a tactic shows of its campaign. Unknown ids are left out.
func Heads(ctx context.Context, q store.Queryer, ids []string) (map[string]*Campaign, error) {
	var cs []*Campaign
	for start := 0; start < len(ids); start += headsChunk {
		part := ids[start:min(start+headsChunk, len(ids))]
		marks := make([]string, len(part))
		args := make([]any, len(part))
		for i, id := range part {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), id
		}
		rows, err := q.QueryContext(ctx, `SELECT `+campaignColumns+` FROM campaigns c WHERE c.id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			c, err := scanCampaign(rows)
			if err != nil {
				rows.Close()
				return nil, repertoire.Internal(err)
			}
			cs = append(cs, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	cs, err := fillCommunities(ctx, q, cs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Campaign, len(cs))
	for _, c := range cs {
		out[c.ID] = c
	}
	return out, nil
}

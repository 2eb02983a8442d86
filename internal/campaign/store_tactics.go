package campaign

import (
	"context"
	"strconv"
	"strings"

	"repertoire"
	"repertoire/internal/store"
)

// What a campaign's tactics (petitions, pledges) read and write of their
// campaign, without loading the whole campaign.

// Ref is what names a campaign in a tactic's pages and links.
type Ref struct {
	ID          string
	CommunityID string
	Slug        string
	Title       string
}

// refsChunk bounds the ids of one "IN (…)" lookup.
const refsChunk = 500

// inList returns "$from, $from+1, …" for n arguments.
func inList(from, n int) string {
	m := make([]string, n)
	for i := range m {
		m[i] = "$" + strconv.Itoa(from+i)
	}
	return strings.Join(m, ",")
}

// Refs reads the campaigns of ids: id → ref; ids of no campaign are left
// out. q may be a transaction.
func Refs(ctx context.Context, q store.Queryer, ids []string) (map[string]Ref, error) {
	out := make(map[string]Ref, len(ids))
	for start := 0; start < len(ids); start += refsChunk {
		chunk := ids[start:min(start+refsChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, `SELECT id, community_id, slug, title FROM campaigns WHERE id IN (`+inList(1, len(chunk))+`)`, args...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			var r Ref
			if err := rows.Scan(&r.ID, &r.CommunityID, &r.Slug, &r.Title); err != nil {
				rows.Close()
				return nil, repertoire.Internal(err)
			}
			out[r.ID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	return out, nil
}

// DemandsByID reads the demands of ids, of any campaign, in the order of
// their campaign's list (section, then number), without their histories;
// ids of no demand are left out. q may be a transaction.
func DemandsByID(ctx context.Context, q store.Queryer, ids []string) ([]Demand, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return queryDemands(ctx, q, `d.id IN (`+inList(1, len(ids))+`)`, args, "", false)
}

// RecordUpdate adds an entry to a campaign's timeline inside tx, the
// transaction of what the entry tells (a petition's delivery).
func RecordUpdate(ctx context.Context, tx *store.Tx, personID, campaignID string, in UpdateInput) error {
	if err := in.normalize(tx.Now); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO campaign_updates (id, campaign_id, title, body, published_at, created_by)
		SELECT $1, id, $3, $4, $5, $6 FROM campaigns WHERE id = $2`, store.NewID(), campaignID, in.Title, in.Body, in.PublishedAt, nullID(personID))
	if err != nil {
		return repertoire.Internal(err)
	}
	return touchExisting(ctx, tx, campaignID)
}

// RecordDemandStatus records a status change of one of the campaign's
// demands inside tx (see Store.SetDemandStatus).
func RecordDemandStatus(ctx context.Context, tx *store.Tx, personID, campaignID, demandID string, change StatusChange) error {
	if err := change.normalize(tx.Now); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM demands WHERE id = $1 AND campaign_id = $2`, demandID, campaignID).Scan(&n); err != nil {
		return repertoire.Internal(err)
	}
	if n == 0 {
		return repertoire.Errorf(repertoire.ENOTFOUND, "campaign.demand_not_found")
	}
	if err := recordStatus(ctx, tx, personID, demandID, change); err != nil {
		return err
	}
	return touch(ctx, tx, campaignID)
}

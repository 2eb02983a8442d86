package gateway

import (
	"context"

	"repertoire/internal/api"
	"repertoire/internal/store"
)

// PoliciesPage is a page of a community's policies, adopted or proposed,
// newest first, within the filter (modified_date: when adopted, else
// created), and how many there are in all.
func (s *Store) PoliciesPage(ctx context.Context, communityID string, f api.Filter, offset, limit int) ([]*Policy, int, error) {
	p := &store.Page{Offset: offset, Limit: limit}
	p.Cond("community_id = " + p.Args.Add(communityID))
	p.Cond(f.Where("created_at", "COALESCE(adopted_at, created_at)", p.Args.Add)...)
	return store.SelectPage(ctx, s.db.Reader(), policyColumns, "FROM gateway_policies", "created_at DESC, id DESC", p, scanPolicy)
}

// StrikesPage is a page of a community's data strikes, called or
// proposed, newest first, within the filter (modified_date: when called,
// else created), and how many there are in all.
func (s *Store) StrikesPage(ctx context.Context, communityID string, f api.Filter, offset, limit int) ([]*Strike, int, error) {
	p := &store.Page{Offset: offset, Limit: limit}
	p.Cond("s.community_id = " + p.Args.Add(communityID))
	p.Cond(f.Where("s.created_at", "COALESCE(s.called_at, s.created_at)", p.Args.Add)...)
	return store.SelectPage(ctx, s.db.Reader(), strikeColumns, "FROM gateway_strikes s", "s.created_at DESC, s.id DESC", p, scanStrike)
}

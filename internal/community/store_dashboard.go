package community

import (
	"context"
)

// Organized lists the communities the person organizes or owns, by name.
func (s *Store) Organized(ctx context.Context, personID string) ([]*Community, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+communityColumns+` FROM communities c WHERE `+
		OrganizeCondition("c.id", "$1")+` ORDER BY c.name, c.id`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Community
	for rows.Next() {
		c, err := scanCommunity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DashboardItems are the requests to join waiting in the communities the
// person organizes, one line per community.
func (s *Store) DashboardItems(ctx context.Context, personID string) ([]DashboardItem, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.id, c.slug, COUNT(*) FROM memberships m JOIN communities c ON c.id = m.community_id
		WHERE m.status = '`+StatusRequested+`' AND `+OrganizeCondition("c.id", "$1")+` GROUP BY c.id, c.slug ORDER BY c.id`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DashboardItem
	for rows.Next() {
		var it DashboardItem
		var slug string
		if err := rows.Scan(&it.CommunityID, &slug, &it.Count); err != nil {
			return nil, err
		}
		it.Label, it.Path = "community.dashboard.requests", "/c/"+slug+"/members"
		out = append(out, it)
	}
	return out, rows.Err()
}

// Dashboard is the community's part of the organizer's dashboard: the
// requests to join waiting for them.
func (h *Handler) Dashboard() Dashboarder { return h.Store }

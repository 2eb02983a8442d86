package message

import (
	"context"
	"time"

	"repertoire"
	"repertoire/internal/community"
)

// upcomingOnDashboard is how many scheduled messages the dashboard shows.
const upcomingOnDashboard = 50

// Dashboard is the messages' part of the organizer's dashboard: the
// messages scheduled in the communities they organize, and when.
func (h *Handler) Dashboard() community.Dashboarder { return h.Store }

// DashboardItems are the scheduled messages of the communities the
// person organizes, soonest first, each under its first version's
// subject.
func (s *Store) DashboardItems(ctx context.Context, personID string) ([]community.DashboardItem, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT m.id, m.community_id, m.scheduled_at,
		COALESCE((SELECT v.subject FROM message_versions v WHERE v.message_id = m.id ORDER BY v.lang LIMIT 1), '')
		FROM messages m WHERE m.status = 'scheduled' AND m.community_id IN (`+community.OrganizedBy("$1")+`)
		ORDER BY m.scheduled_at, m.id LIMIT $2`, personID, upcomingOnDashboard)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []community.DashboardItem
	for rows.Next() {
		var m Message
		var at time.Time
		var subject string
		if err := rows.Scan(&m.ID, &m.CommunityID, &at, &subject); err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, community.DashboardItem{CommunityID: m.CommunityID, Scheduled: true, Label: "message.dashboard.scheduled",
			Title: subject, At: at, Instant: true, Path: m.Path()})
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

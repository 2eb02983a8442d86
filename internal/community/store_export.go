package community

import "repertoire/internal/account"

// ExportSections are the parts of a person's data export the communities
// hold: their memberships and the communities they created.
func ExportSections() []account.ExportSection {
	return []account.ExportSection{
		{Name: "memberships", SQL: `SELECT c.slug AS community, c.name AS community_name, m.role, m.status, m.created_at, m.modified_at
			FROM memberships m JOIN communities c ON c.id = m.community_id WHERE m.person_id = $1 ORDER BY m.created_at`},
		{Name: "communities_created", SQL: `SELECT slug, name, created_at FROM communities WHERE created_by = $1 ORDER BY created_at`},
	}
}

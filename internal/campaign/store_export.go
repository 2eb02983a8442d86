package campaign

import "repertoire/internal/account"

// ExportSections are the parts of a person's data export the campaigns
// hold: what they created, the demand statuses they set and the updates
// they wrote.
func ExportSections() []account.ExportSection {
	return []account.ExportSection{
		{Name: "campaigns_created", SQL: `SELECT slug, title, summary, language, translations, created_at FROM campaigns WHERE created_by = $1 ORDER BY created_at`},
		{Name: "demand_status_changes", SQL: `SELECT d.text AS demand, s.status, s.note, s.evidence_url, s.changed_at
			FROM demand_status_changes s JOIN demands d ON d.id = s.demand_id WHERE s.changed_by = $1 ORDER BY s.changed_at`},
		{Name: "campaign_updates", SQL: `SELECT c.slug AS campaign, u.title, u.published_at
			FROM campaign_updates u JOIN campaigns c ON c.id = u.campaign_id WHERE u.created_by = $1 ORDER BY u.published_at`},
	}
}

package participation

import "repertoire/internal/account"

// ExportSection is the person's participations in their data export: what
// they took part in, its state, dates, comment and consents. Never the IP
// address, the email domain kept for the rate limits, or the token hash.
// The action's title is read from the tactics' tables (petitions, pledges)
// because an export section is one query; a new tactic adds its table here.
func ExportSection() account.ExportSection {
	return account.ExportSection{Name: "participations", SQL: `SELECT p.kind, COALESCE(pt.title, pl.title, '') AS action_title,
		p.status, p.origin_system, p.comment,
		CASE WHEN p.public_name THEN 'yes' ELSE 'no' END AS public_name,
		CASE WHEN p.contact_ok THEN 'yes' ELSE 'no' END AS contact_ok,
		CASE WHEN p.share_with_target THEN 'yes' ELSE 'no' END AS share_with_target,
		p.given_name, p.family_name, p.locality, p.country, p.lang, p.checkin,
		p.created_at, p.confirmed_at, p.withdrawn_at, p.modified_at
		FROM participations p LEFT JOIN petitions pt ON pt.id = p.action_id LEFT JOIN pledges pl ON pl.id = p.action_id
		WHERE p.person_id = $1 ORDER BY p.created_at, p.id`}
}

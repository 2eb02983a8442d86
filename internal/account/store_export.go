package account

import (
	"context"

	"repertoire"

	"repertoire/internal/outbox"
	"repertoire/internal/store"
)

// exportSections are what this package holds about a person, and the mail
// the outbox keeps for them (the outbox cannot name account's types).
// Secrets (password hash, token hashes) are never selected.
func exportSections() []ExportSection {
	return []ExportSection{
		{Name: "person", One: true, SQL: `SELECT id, email, given_name, family_name, locality, region, postal_code, country,
			preferred_language, custom_fields, origin_system, created_at, modified_at FROM people WHERE id = $1`},
		{Name: "account", One: true, SQL: `SELECT created_at, confirmed_at, CASE WHEN is_admin THEN 'yes' ELSE 'no' END AS is_admin,
			CASE WHEN password_hash <> '' THEN 'yes' ELSE 'no' END AS has_password FROM accounts WHERE person_id = $1`},
		{Name: "sessions", One: true, SQL: `SELECT COUNT(*) AS active FROM sessions WHERE person_id = $1`},
		{Name: "api_tokens", SQL: `SELECT name, created_at, last_used_at FROM api_tokens WHERE person_id = $1 ORDER BY created_at`},
		{Name: "mail_links", SQL: `SELECT purpose, created_at, expires_at, used_at FROM mail_tokens WHERE person_id = $1 ORDER BY created_at`},
		{Name: "phone_numbers", SQL: `SELECT number, is_primary, number_type, extension, description, operator, country, sms_capable,
			do_not_call, status, created_at, modified_at FROM phone_numbers WHERE person_id = $1 ORDER BY created_at, id`},
		{Name: "community_contacts", SQL: `SELECT community_id, created_at FROM community_contacts WHERE person_id = $1 ORDER BY created_at`},
		{Name: "mails", SQL: outbox.ExportMails, WithEmail: true},
	}
}

// exportEmail is the person's address, "" when there is no such person.
func exportEmail(ctx context.Context, q store.Queryer, personID string) (string, error) {
	var email string
	err := q.QueryRowContext(ctx, `SELECT email FROM people WHERE id = $1`, personID).Scan(&email)
	if err = store.NotFound(err, ""); err != nil && repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
		return "", err
	}
	return email, nil
}

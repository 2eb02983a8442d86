package participation

import (
	"context"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// The links mailed for a participation after its first (participation_links),
// each with the choices it confirms. See again and byLink.

// storedLink is one of them: the hash of its secret and its choices.
type storedLink struct {
	hash    string
	choices Choices
}

// linksOf reads the links of a participation kept apart from its first.
func linksOf(ctx context.Context, q store.Queryer, participationID string) ([]storedLink, error) {
	rows, err := q.QueryContext(ctx, `SELECT token_hash, given_name, family_name, locality, country, comment, public_name,
		contact_ok, share_with_target, lang, payload FROM participation_links WHERE participation_id = $1`, participationID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []storedLink
	for rows.Next() {
		var l storedLink
		c := &l.choices
		if err := rows.Scan(&l.hash, &c.GivenName, &c.FamilyName, &c.Locality, &c.Country, &c.Comment, &c.PublicName,
			&c.ContactOK, &c.ShareWithTarget, &c.Lang, &c.Payload); err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, l)
	}
	return out, internalErr(rows.Err())
}

// keepFirstLink moves a participation's first link, with the choices it
// confirms (the participation's own until then), beside the others: from
// now on a confirmation may change those choices, and that link must still
// confirm what it was mailed for. Its created_at is the participation's.
func keepFirstLink(ctx context.Context, tx *store.Tx, participationID string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO participation_links (id, participation_id, person_id, token_hash, comment,
		public_name, contact_ok, share_with_target, given_name, family_name, locality, country, lang, created_at, payload)
		SELECT $2, id, person_id, token_hash, comment, public_name, contact_ok, share_with_target, given_name, family_name,
		locality, country, lang, created_at, payload FROM participations WHERE id = $1 AND token_hash IS NOT NULL`,
		participationID, store.NewID()); err != nil {
		return repertoire.Internal(err)
	}
	return setLink(ctx, tx, participationID, nil)
}

// addLink keeps a new link of a participation with the choices it confirms.
func addLink(ctx context.Context, tx *store.Tx, participationID, personID, hash string, c Choices) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO participation_links (id, participation_id, person_id, token_hash, comment,
		public_name, contact_ok, share_with_target, given_name, family_name, locality, country, lang, created_at, payload)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		store.NewID(), participationID, personID, hash, c.Comment, c.PublicName, c.ContactOK, c.ShareWithTarget,
		c.GivenName, c.FamilyName, c.Locality, c.Country, c.Lang, tx.Now, c.Payload)
	return internalErr(err)
}

// linksSince counts the links of a person's participations made since.
func linksSince(ctx context.Context, tx *store.Tx, personID string, since time.Time) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM participation_links WHERE person_id = $1 AND created_at > $2`,
		personID, since).Scan(&n)
	return n, internalErr(err)
}

// setChoices makes c the choices of a participation: its link confirming
// them was followed.
func setChoices(ctx context.Context, tx *store.Tx, id string, c Choices) error {
	_, err := tx.ExecContext(ctx, `UPDATE participations SET given_name = $2, family_name = $3, locality = $4, country = $5,
		comment = $6, public_name = $7, contact_ok = $8, share_with_target = $9, lang = $10, modified_at = $11, payload = $12 WHERE id = $1`,
		id, c.GivenName, c.FamilyName, c.Locality, c.Country, c.Comment, c.PublicName, c.ContactOK, c.ShareWithTarget, c.Lang, tx.Now, c.Payload)
	return internalErr(err)
}

// exportLinksSQL is the links section of a person's export (see
// PersonData): what each link mailed for their participations confirms.
const exportLinksSQL = `SELECT p.kind, p.action_id, l.created_at, l.comment,
	CASE WHEN l.public_name THEN 'yes' ELSE 'no' END AS public_name,
	CASE WHEN l.contact_ok THEN 'yes' ELSE 'no' END AS contact_ok,
	CASE WHEN l.share_with_target THEN 'yes' ELSE 'no' END AS share_with_target,
	l.given_name, l.family_name, l.locality, l.country, l.lang, l.payload
	FROM participation_links l JOIN participations p ON p.id = l.participation_id
	WHERE p.person_id = $1 ORDER BY l.created_at, l.id`

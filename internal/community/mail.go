package community

import (
	"context"

	"repertoire"
	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
)

// mailer renders membership mails in each recipient's language; a Store
// without one (tools, store tests) sends none.
type mailer struct {
	cat     *i18n.Catalog
	baseURL string
}

// recipient is a person a membership mail goes to.
type recipient struct{ id, email, lang, name string }

// mailRequest tells the community's organizers and owners that personID
// asks to join, with the page where they answer.
func (s *Store) mailRequest(ctx context.Context, tx *store.Tx, c *Community, personID string) error {
	if s.mail == nil {
		return nil
	}
	asker, err := personOf(ctx, tx, personID)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT p.id, p.email, p.preferred_language, p.given_name FROM memberships m
		JOIN people p ON p.id = m.person_id
		WHERE m.community_id = $1 AND m.status = $2 AND m.role IN ($3, $4) ORDER BY p.id`,
		c.ID, StatusActive, RoleOwner, RoleOrganizer)
	if err != nil {
		return repertoire.Internal(err)
	}
	var to []recipient
	for rows.Next() {
		var r recipient
		if err := rows.Scan(&r.id, &r.email, &r.lang, &r.name); err != nil {
			rows.Close()
			return repertoire.Internal(err)
		}
		to = append(to, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return repertoire.Internal(err)
	}
	url := s.mail.baseURL + "/c/" + c.Slug + "/members"
	for _, r := range to {
		l := s.mail.cat.For(r.lang)
		m := outbox.Message{PersonID: r.id, To: r.email, Lang: l.Lang,
			Subject: l.T("community.mail.request.subject", "Name", asker.name, "Community", c.Name),
			Body:    l.T("community.mail.request.body", "Name", asker.name, "Community", c.Name, "URL", url)}
		if err := outbox.Enqueue(ctx, tx, s.mail.baseURL, m); err != nil {
			return err
		}
	}
	return nil
}

// mailApproved tells personID that their request to join is approved.
func (s *Store) mailApproved(ctx context.Context, tx *store.Tx, c *Community, personID string) error {
	if s.mail == nil {
		return nil
	}
	r, err := personOf(ctx, tx, personID)
	if err != nil {
		return err
	}
	l := s.mail.cat.For(r.lang)
	return outbox.Enqueue(ctx, tx, s.mail.baseURL, outbox.Message{PersonID: r.id, To: r.email, Lang: l.Lang, Transactional: true,
		Subject: l.T("community.mail.approved.subject", "Community", c.Name),
		Body:    l.T("community.mail.approved.body", "Community", c.Name, "URL", s.mail.baseURL+"/c/"+c.Slug)})
}

func personOf(ctx context.Context, tx *store.Tx, id string) (recipient, error) {
	r := recipient{id: id}
	err := tx.QueryRowContext(ctx, `SELECT email, preferred_language, given_name FROM people WHERE id = $1`, id).Scan(&r.email, &r.lang, &r.name)
	if err != nil {
		return r, store.NotFound(err, "person.not_found")
	}
	return r, nil
}

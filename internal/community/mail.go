package community

import (
	"context"

	"repertoire"
	"repertoire/internal/account"
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
	ids, err := OrganizerIDs(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	people, err := account.Contacts(ctx, tx, ids)
	if err != nil {
		return err
	}
	url := s.mail.baseURL + "/c/" + c.Slug + "/members"
	for _, id := range ids {
		p, ok := people[id]
		if !ok {
			continue
		}
		r := recipient{id: p.ID, email: p.Email, lang: p.Language, name: p.GivenName}
		l := s.mail.cat.For(r.lang)
		m := outbox.Message{PersonID: r.id, About: personID, To: r.email, Lang: l.Lang, Catalog: s.mail.cat,
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
	return outbox.Enqueue(ctx, tx, s.mail.baseURL, outbox.Message{PersonID: r.id, To: r.email, Lang: l.Lang, Transactional: true, Catalog: s.mail.cat,
		Subject: l.T("community.mail.approved.subject", "Community", c.Name),
		Body:    l.T("community.mail.approved.body", "Community", c.Name, "URL", s.mail.baseURL+"/c/"+c.Slug)})
}

// mailInvitation mails an invitation link to an address an organizer
// typed. It goes to an address, not to a person the site knows, so it
// carries no unsubscribe link; it is a mail the organizer asked for, one
// per address, within MailInvitationsPerHour.
func (s *Store) mailInvitation(ctx context.Context, tx *store.Tx, c *Community, email, inviter, lang, token string) error {
	if s.mail == nil {
		return nil
	}
	l := s.mail.cat.For(lang)
	url := s.mail.baseURL + "/invite/" + token
	return outbox.Enqueue(ctx, tx, s.mail.baseURL, outbox.Message{To: email, Lang: l.Lang, Transactional: true,
		Subject: l.T("community.mail.invitation.subject", "Name", inviter, "Community", c.Name),
		Body:    l.T("community.mail.invitation.body", "Name", inviter, "Community", c.Name, "URL", url, "Days", int(InvitationLifetime.Hours()/24))})
}

func personOf(ctx context.Context, tx *store.Tx, id string) (recipient, error) {
	people, err := account.Contacts(ctx, tx, []string{id})
	if err != nil {
		return recipient{id: id}, err
	}
	p, ok := people[id]
	if !ok {
		return recipient{id: id}, repertoire.Errorf(repertoire.ENOTFOUND, "person.not_found")
	}
	return recipient{id: id, email: p.Email, lang: p.Language, name: p.GivenName}, nil
}

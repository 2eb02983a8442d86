package decision

import (
	"context"
	"strings"

	"repertoire/internal/account"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// linkMarker is replaced by each elector's own link in the ballot mail,
// which is otherwise rendered once per language.
const linkMarker = "\x00link\x00"

// mailElectors queues to each elector, in their language, the mail that
// opens voting with their single-use ballot link. A Store without a
// catalog (the demo) sends none.
func (s *Store) mailElectors(ctx context.Context, tx *store.Tx, d *Decision, links []electorLink) error {
	if s.cat == nil || len(links) == 0 {
		return nil
	}
	ids := make([]string, len(links))
	for i, l := range links {
		ids[i] = l.personID
	}
	people, err := account.Contacts(ctx, tx, ids)
	if err != nil {
		return err
	}
	type rendered struct{ subject, body string }
	byLang := map[string]rendered{}
	msgs := make([]outbox.Message, 0, len(links))
	for _, l := range links {
		p, ok := people[l.personID]
		if !ok || p.Email == "" {
			continue
		}
		r, ok := byLang[p.Language]
		if !ok {
			loc := s.cat.For(p.Language)
			secrecy := loc.T("decision.mail.open_ballot")
			if d.Secret {
				secrecy = loc.T("decision.mail.secret_ballot")
			}
			r = rendered{
				subject: loc.T("decision.mail.open.subject", "Community", d.CommunityName, "Title", d.Title),
				body: loc.T("decision.mail.open.body", "Community", d.CommunityName, "Title", d.Title, "Link", linkMarker,
					"Closes", web.FormatDate(loc.Lang, d.ClosesAt), "Secrecy", secrecy, "URL", s.baseURL+d.Path()),
			}
			byLang[p.Language] = r
		}
		body := strings.Replace(r.body, linkMarker, s.baseURL+"/vote/"+l.id+"."+l.secret, 1)
		// Transactional: a member's vote is not a newsletter; the footer
		// still lets them stop all other mail.
		msgs = append(msgs, outbox.Message{PersonID: l.personID, To: p.Email, Subject: r.subject, Body: body, Lang: p.Language,
			Transactional: true, Catalog: s.cat})
	}
	return outbox.EnqueueBatch(ctx, tx, s.baseURL, msgs)
}

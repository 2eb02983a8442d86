package pledge

import (
	"context"
	"strings"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// The mails to every committed person.
const (
	mailActivated = "activated" // it's on: here is the plan
	mailUnderWay  = "under_way" // it's on, and the window has started: join us now
	mailLapsed    = "lapsed"    // the deadline passed first
	mailReminder  = "reminder"  // the day before the window
	mailCheckin   = "checkin"   // did you hold the line?
	mailClosed    = "closed"    // its organizers stopped it
)

// Number writes a count the way each language does: 100,000 / 100 000.
func Number(lang string, n int) string { return web.FormatNumber(lang, n) }

func date(lang string, t time.Time) string { return web.FormatDate(lang, t) }

// sentence is the pledge in one sentence, in l's language.
func (s *Store) sentence(l *i18n.Localizer, p *Pledge) string {
	return l.T("pledge.sentence", "Action", p.Action, "Start", date(l.Lang, p.WindowStart), "End", date(l.Lang, p.LastDay()),
		"Threshold", Number(l.Lang, p.Threshold), "Deadline", date(l.Lang, p.Deadline))
}

// Markers replaced by each person's own links in the check-in mail, which
// is otherwise rendered once per language.
const (
	heldMarker  = "\x00held\x00"
	brokeMarker = "\x00broke\x00"
)

// fanOut queues one mail of the given kind to every confirmed committed
// person, in their language, inside tx. The activation mail skips those a
// latecomer's confirmation already mailed.
func (s *Store) fanOut(ctx context.Context, tx *store.Tx, p *Pledge, kind string) error {
	people, err := participation.ConfirmedRecipients(ctx, tx, p.ID, time.Time{})
	if err != nil {
		return err
	}
	if kind == mailActivated {
		if people, err = notMailedActivation(ctx, tx, people); err != nil {
			return err
		}
	}
	return s.mailPeople(ctx, tx, p, kind, people)
}

// mailLatecomers sends the "it's on" mail to the commitments confirmed in
// this transaction (confirmed_at is the transaction's time: an index
// lookup, not a scan of every committed person) of a pledge already on.
// The activation fan-out may not have run yet: whoever comes first records
// the mail, and the other skips it. A latecomer confirming once the window
// has started (under way) is told the others are already at it, until
// when, rather than when it starts.
func (s *Store) mailLatecomers(ctx context.Context, tx *store.Tx, pledgeID string) error {
	people, err := participation.ConfirmedRecipients(ctx, tx, pledgeID, tx.Now)
	if err != nil || len(people) == 0 {
		return err
	}
	if people, err = notMailedActivation(ctx, tx, people); err != nil || len(people) == 0 {
		return err
	}
	p, err := s.get(ctx, tx, `p.id = $1`, pledgeID)
	if err != nil {
		return err
	}
	kind := mailActivated
	if p.Status == StatusUnderWay {
		kind = mailUnderWay
	}
	return s.mailPeople(ctx, tx, p, kind, people)
}

// mailPeople queues the mail of the given kind to people. The bodies are
// rendered once per language and written with multi-row statements, so
// 100,000 mails take a few hundred statements. The check-in mail carries
// each person's own answer links; the activation mail (or its under-way
// wording) is recorded per person so that nobody gets it twice.
func (s *Store) mailPeople(ctx context.Context, tx *store.Tx, p *Pledge, kind string, people []participation.Recipient) error {
	type rendered struct{ subject, body string }
	byLang := map[string]rendered{}
	render := func(lang string) rendered {
		if r, ok := byLang[lang]; ok {
			return r
		}
		l := s.cat.For(lang)
		p := p.In(l.Tag()) // in their language
		r := rendered{
			subject: l.T("pledge.mail."+kind+".subject", "Title", p.Title),
			body: l.T("pledge.mail."+kind+".body", "Title", p.Title, "Sentence", s.sentence(l, p), "Action", p.Action,
				"Start", date(l.Lang, p.WindowStart), "End", date(l.Lang, p.LastDay()), "Deadline", date(l.Lang, p.Deadline),
				"Total", Number(l.Lang, p.Total()), "Threshold", Number(l.Lang, p.Threshold), "URL", s.baseURL+p.Path(),
				"Held", heldMarker, "Broke", brokeMarker),
		}
		byLang[lang] = r
		return r
	}
	msgs := make([]outbox.Message, 0, len(people))
	var tokens [][2]string // hash, participation
	for _, c := range people {
		r := render(c.Lang)
		body := r.body
		if kind == mailCheckin {
			token := store.NewToken()
			tokens = append(tokens, [2]string{store.HashToken(token), c.ParticipationID})
			link := s.baseURL + "/pledges/checkin/" + token + "?answer="
			body = strings.Replace(strings.Replace(body, heldMarker, link+CheckinHeld, 1), brokeMarker, link+CheckinBroke, 1)
		}
		// Transactional: each of them asked for exactly this news when
		// committing; the footer still lets them stop all other mail.
		msgs = append(msgs, outbox.Message{PersonID: c.PersonID, To: c.Email, Subject: r.subject, Body: body, Lang: c.Lang, Transactional: true, Catalog: s.cat})
	}
	if err := insertCheckins(ctx, tx, p.ID, tokens); err != nil {
		return err
	}
	if kind == mailActivated || kind == mailUnderWay {
		if err := insertActivationMails(ctx, tx, p.ID, people); err != nil {
			return err
		}
	}
	return outbox.EnqueueBatch(ctx, tx, s.baseURL, msgs)
}

// mailOrganizers tells the community's organizers the pledge passed a
// progress mark.
func (s *Store) mailOrganizers(ctx context.Context, tx *store.Tx, p *Pledge, mark int) error {
	ids, err := community.OrganizerIDs(ctx, tx, p.CommunityID)
	if err != nil || len(ids) == 0 {
		return err
	}
	people, err := account.Contacts(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		o, ok := people[id]
		if !ok {
			continue
		}
		l := s.cat.For(o.Language)
		p := p.In(l.Tag())
		subject := l.T("pledge.mail.progress.subject", "Percent", mark, "Title", p.Title)
		body := l.T("pledge.mail.progress.body", "Percent", mark, "Title", p.Title, "Total", Number(l.Lang, p.Total()),
			"Threshold", Number(l.Lang, p.Threshold), "Deadline", date(l.Lang, p.Deadline), "URL", s.baseURL+p.Path())
		if err := outbox.Enqueue(ctx, tx, s.baseURL, outbox.Message{PersonID: id, To: o.Email, Subject: subject, Body: body, Lang: l.Lang, Catalog: s.cat}); err != nil {
			return err
		}
	}
	return nil
}

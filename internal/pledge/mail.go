package pledge

import (
	"context"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
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

// committed is one confirmed commitment, as the fan-out needs it.
type committed struct {
	participationID, personID, email, lang string
}

// notMailedActivation keeps the confirmed commitments that have not had
// the "it's on" mail yet (pledge_activation_mails).
const notMailedActivation = ` AND NOT EXISTS (SELECT 1 FROM pledge_activation_mails am WHERE am.participation_id = pa.id)`

// committedPeople reads the commitments matching where (over participations
// pa), with each person's address.
func committedPeople(ctx context.Context, tx *store.Tx, where string, args ...any) ([]committed, error) {
	rows, err := tx.QueryContext(ctx, `SELECT pa.id, pa.person_id, pe.email, pa.lang FROM participations pa
		JOIN people pe ON pe.id = pa.person_id WHERE `+where+` ORDER BY pa.id`, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var people []committed
	for rows.Next() {
		var c committed
		if err := rows.Scan(&c.participationID, &c.personID, &c.email, &c.lang); err != nil {
			return nil, repertoire.Internal(err)
		}
		people = append(people, c)
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return people, nil
}

// fanOut queues one mail of the given kind to every confirmed committed
// person, in their language, inside tx. The activation mail skips those a
// latecomer's confirmation already mailed.
func (s *Store) fanOut(ctx context.Context, tx *store.Tx, p *Pledge, kind string) error {
	where := `pa.action_id = $1 AND pa.status = 'confirmed'`
	if kind == mailActivated {
		where += notMailedActivation
	}
	people, err := committedPeople(ctx, tx, where, p.ID)
	if err != nil {
		return err
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
	people, err := committedPeople(ctx, tx, `pa.action_id = $1 AND pa.status = 'confirmed' AND pa.confirmed_at = $2`+notMailedActivation,
		pledgeID, tx.Now)
	if err != nil || len(people) == 0 {
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
func (s *Store) mailPeople(ctx context.Context, tx *store.Tx, p *Pledge, kind string, people []committed) error {
	type rendered struct{ subject, body string }
	byLang := map[string]rendered{}
	render := func(lang string) rendered {
		if r, ok := byLang[lang]; ok {
			return r
		}
		l := s.cat.For(lang)
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
		r := render(c.lang)
		body := r.body
		if kind == mailCheckin {
			token := store.NewToken()
			tokens = append(tokens, [2]string{store.HashToken(token), c.participationID})
			link := s.baseURL + "/pledges/checkin/" + token + "?answer="
			body = strings.Replace(strings.Replace(body, heldMarker, link+CheckinHeld, 1), brokeMarker, link+CheckinBroke, 1)
		}
		// Transactional: each of them asked for exactly this news when
		// committing; the footer still lets them stop all other mail.
		msgs = append(msgs, outbox.Message{PersonID: c.personID, To: c.email, Subject: r.subject, Body: body, Lang: c.lang, Transactional: true, Catalog: s.cat})
	}
	if err := s.insertCheckins(ctx, tx, p.ID, tokens); err != nil {
		return err
	}
	if kind == mailActivated || kind == mailUnderWay {
		if err := insertActivationMails(ctx, tx, p.ID, people); err != nil {
			return err
		}
	}
	return outbox.EnqueueBatch(ctx, tx, s.baseURL, msgs)
}

// insertActivationMails records who got the "it's on" mail (in either
// wording), many rows a statement.
func insertActivationMails(ctx context.Context, tx *store.Tx, pledgeID string, people []committed) error {
	const chunk = 1000
	for start := 0; start < len(people); start += chunk {
		part := people[start:min(start+chunk, len(people))]
		var b strings.Builder
		b.WriteString(`INSERT INTO pledge_activation_mails (participation_id, pledge_id, sent_at) VALUES `)
		args := make([]any, 0, len(part)+2)
		args = append(args, pledgeID, tx.Now)
		for i, c := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			args = append(args, c.participationID)
			b.WriteString("($" + strconv.Itoa(len(args)) + ", $1, $2)")
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// insertCheckins stores the check-in tokens' hashes, many rows a statement.
func (s *Store) insertCheckins(ctx context.Context, tx *store.Tx, pledgeID string, tokens [][2]string) error {
	const chunk = 1000
	for start := 0; start < len(tokens); start += chunk {
		part := tokens[start:min(start+chunk, len(tokens))]
		var b strings.Builder
		b.WriteString(`INSERT INTO pledge_checkins (token_hash, pledge_id, participation_id, created_at) VALUES `)
		args := make([]any, 0, 2*len(part)+2)
		args = append(args, pledgeID, tx.Now)
		for i, t := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			b.WriteString("($" + strconv.Itoa(n+1) + ", $1, $" + strconv.Itoa(n+2) + ", $2)")
			args = append(args, t[0], t[1])
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// mailOrganizers tells the community's organizers the pledge passed a
// progress mark.
func (s *Store) mailOrganizers(ctx context.Context, tx *store.Tx, p *Pledge, mark int) error {
	rows, err := tx.QueryContext(ctx, `SELECT pe.id, pe.email, pe.preferred_language FROM memberships ms
		JOIN people pe ON pe.id = ms.person_id
		WHERE ms.community_id = $1 AND ms.status = 'active' AND ms.role IN ('owner', 'organizer') ORDER BY pe.id`, p.CommunityID)
	if err != nil {
		return repertoire.Internal(err)
	}
	type organizer struct{ id, email, lang string }
	var orgs []organizer
	for rows.Next() {
		var o organizer
		if err := rows.Scan(&o.id, &o.email, &o.lang); err != nil {
			rows.Close()
			return repertoire.Internal(err)
		}
		orgs = append(orgs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return repertoire.Internal(err)
	}
	for _, o := range orgs {
		l := s.cat.For(o.lang)
		subject := l.T("pledge.mail.progress.subject", "Percent", mark, "Title", p.Title)
		body := l.T("pledge.mail.progress.body", "Percent", mark, "Title", p.Title, "Total", Number(l.Lang, p.Total()),
			"Threshold", Number(l.Lang, p.Threshold), "Deadline", date(l.Lang, p.Deadline), "URL", s.baseURL+p.Path())
		if err := outbox.Enqueue(ctx, tx, s.baseURL, outbox.Message{PersonID: o.id, To: o.email, Subject: subject, Body: body, Lang: l.Lang, Catalog: s.cat}); err != nil {
			return err
		}
	}
	return nil
}

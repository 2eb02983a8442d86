package event

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// when writes an instant on the event's clock, in lang: "14 May 2018,
// 17:00 (Europe/Paris)".
func (s *Store) when(lang string, e *Event, t time.Time) string {
	return web.FormatMoment(lang, t, e.Timezone)
}

// place is where the event happens, in l's words.
func (s *Store) place(l *i18n.Localizer, e *Event) string {
	var parts []string
	if e.Room != "" {
		parts = append(parts, e.Room)
	}
	if e.Venue != "" {
		parts = append(parts, e.Venue)
	}
	if e.OnlineURL != "" {
		parts = append(parts, l.T("event.online"))
	}
	return strings.Join(parts, ", ")
}

// ConfirmMail renders the mail that asks a registrant to confirm.
func (s *Store) ConfirmMail(ctx context.Context, q store.Queryer, actionID, lang string, links participation.Links) (string, string, error) {
	e, err := one(ctx, q, `e.id = $1`, actionID)
	if err != nil {
		return "", "", err
	}
	l := s.cat.For(lang)
	subject := l.T("event.mail.confirm.subject", "Title", e.Title)
	body := l.T("event.mail.confirm.body", "Title", e.Title, "When", s.when(l.Lang, e, e.Start), "Place", s.place(l, e),
		"Confirm", links.Confirm, "Choices", links.Choices, "Withdraw", links.Withdraw, "URL", s.baseURL+e.Path())
	return subject, body, nil
}

// Page gives the event's title and page, for the confirm and withdraw pages.
func (s *Store) Page(ctx context.Context, actionID, lang string) (string, string, error) {
	e, err := s.Get(ctx, actionID)
	if err != nil {
		return "", "", err
	}
	return e.Title, e.Path(), nil
}

// mailTo mails one registrant what became of their registration (kind:
// accepted, waitlisted, offer), in their language.
func (s *Store) mailTo(ctx context.Context, tx *store.Tx, e *Event, rc participation.Recipient, kind string, extra map[string]any) error {
	if rc.Email == "" {
		return nil
	}
	l := s.cat.For(rc.Lang)
	args := map[string]any{"Title": e.Title, "When": s.when(l.Lang, e, e.Start), "Place": s.place(l, e), "URL": s.baseURL + e.Path()}
	for k, v := range extra {
		args[k] = v
	}
	return outbox.Enqueue(ctx, tx, s.baseURL, outbox.Message{PersonID: rc.PersonID, To: rc.Email,
		Subject: l.TMap("event.mail."+kind+".subject", args), Body: l.TMap("event.mail."+kind+".body", args),
		Lang: l.Lang, Transactional: true, Catalog: s.cat})
}

// registrants are the people an event's news goes to: those holding a
// place, offered one, or waiting for one.
func (s *Store) registrants(ctx context.Context, tx *store.Tx, e *Event) ([]participation.Recipient, map[string]string, error) {
	recips, err := participation.ConfirmedRecipients(ctx, tx, e.ID, time.Time{})
	if err != nil {
		return nil, nil, err
	}
	regs, err := regsWhere(ctx, tx, `event_id = $1 AND state IN ('accepted', 'offered', 'waitlisted')`, e.ID)
	if err != nil {
		return nil, nil, err
	}
	states := map[string]string{}
	for _, r := range regs {
		states[r.ParticipationID] = r.State
	}
	kept := recips[:0]
	for _, rc := range recips {
		if states[rc.ParticipationID] != "" {
			kept = append(kept, rc)
		}
	}
	return kept, states, nil
}

// fanOut queues one mail to each registrant, rendered once per language
// and state, written with multi-row statements.
func (s *Store) fanOut(ctx context.Context, tx *store.Tx, e *Event, render func(l *i18n.Localizer, state string) (string, string)) error {
	people, states, err := s.registrants(ctx, tx, e)
	if err != nil {
		return err
	}
	type rendered struct{ subject, body string }
	cache := map[string]rendered{}
	msgs := make([]outbox.Message, 0, len(people))
	for _, p := range people {
		key := p.Lang + "\x00" + states[p.ParticipationID]
		r, ok := cache[key]
		if !ok {
			r.subject, r.body = render(s.cat.For(p.Lang), states[p.ParticipationID])
			cache[key] = r
		}
		msgs = append(msgs, outbox.Message{PersonID: p.PersonID, To: p.Email, Subject: r.subject, Body: r.body, Lang: p.Lang,
			Transactional: true, Catalog: s.cat})
	}
	return outbox.EnqueueBatch(ctx, tx, s.baseURL, msgs)
}

// mailChange tells every registrant what changed, before → after, in
// their language. The online link's new value goes only to those holding
// a place.
func (s *Store) mailChange(ctx context.Context, tx *store.Tx, e *Event, cs []Change) error {
	return s.fanOut(ctx, tx, e, func(l *i18n.Localizer, state string) (string, string) {
		var lines []string
		for _, c := range cs {
			before, after := s.changeValue(l, e, c.Field, c.Before), s.changeValue(l, e, c.Field, c.After)
			if c.Field == "online_url" && state != StateAccepted {
				before, after = "…", l.T("event.link_to_accepted")
			}
			lines = append(lines, l.T("event.field."+c.Field)+" : "+before+" → "+after)
		}
		if l.Lang != "fr" {
			for i := range lines {
				lines[i] = strings.Replace(lines[i], " : ", ": ", 1)
			}
		}
		args := map[string]any{"Title": e.Title, "Changes": strings.Join(lines, "\n"), "When": s.when(l.Lang, e, e.Start),
			"Place": s.place(l, e), "URL": s.baseURL + e.Path()}
		return l.TMap("event.mail.changed.subject", args), l.TMap("event.mail.changed.body", args)
	})
}

// changeValue writes a changed value for a person: times on the event's
// clock in their language, an empty value as a dash.
func (s *Store) changeValue(l *i18n.Localizer, e *Event, field, v string) string {
	if v == "" {
		return "—"
	}
	if field == "start" || field == "end" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return s.when(l.Lang, e, t)
		}
	}
	return v
}

// mailCancelled tells every registrant the event is cancelled.
func (s *Store) mailCancelled(ctx context.Context, tx *store.Tx, e *Event) error {
	return s.fanOut(ctx, tx, e, func(l *i18n.Localizer, _ string) (string, string) {
		args := map[string]any{"Title": e.Title, "When": s.when(l.Lang, e, e.Start), "URL": s.baseURL + e.Path()}
		return l.TMap("event.mail.cancelled.subject", args), l.TMap("event.mail.cancelled.body", args)
	})
}

// Statement states a registration's payload in its confirmation mail:
// the answers its link confirms.
func (s *Store) Statement(lang, payload string) string {
	var answers map[string]string
	if json.Unmarshal([]byte(payload), &answers) != nil || len(answers) == 0 {
		return ""
	}
	labels := slices.Sorted(maps.Keys(answers))
	var b strings.Builder
	for _, l := range labels {
		b.WriteString("\n- " + l + ": " + answers[l])
	}
	return s.cat.For(lang).T("event.mail.confirm.answers", "Answers", b.String())
}

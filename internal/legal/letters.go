package legal

import (
	"context"
	"net/url"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/i18n"
	"repertoire/internal/target"
	"repertoire/internal/web"
)

// The letters an enrolee sends are written in the catalogs
// (legal.letter.*), in English and French, citing the GDPR: the access
// request (art. 15(1)(a)–(h), 15(3), 12(3), and art. 20 when the action
// asks for portability) and the complaint to an authority (art. 77, with
// the request's dates).

// Letter is a ready letter: to whom, its subject and text.
type Letter struct {
	To        []Recipient
	Subject   string
	Body      string
	Lang      string
	Addressed string // the postal block, for the printable version
}

// Recipient is one addressee of a letter.
type Recipient struct {
	Name, Email, Address, WebForm string
}

// Emails are the addresses a mail client writes to.
func (l Letter) Emails() []string {
	var out []string
	for _, r := range l.To {
		if r.Email != "" {
			out = append(out, r.Email)
		}
	}
	return out
}

// Mailto is the letter as a mailto: link (RFC 6068): the addresses, then
// the subject and body percent-encoded, spaces as %20.
func (l Letter) Mailto() string {
	enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	var to []string
	for _, e := range l.Emails() {
		to = append(to, strings.ReplaceAll(enc(e), "%40", "@"))
	}
	return "mailto:" + strings.Join(to, ",") + "?subject=" + enc(l.Subject) + "&body=" + enc(strings.ReplaceAll(l.Body, "\n", "\r\n"))
}

// Text is the printable letter: addressees, subject, body.
func (l Letter) Text() string {
	var b strings.Builder
	for _, r := range l.To {
		b.WriteString(r.Name + "\n")
		if r.Address != "" {
			b.WriteString(r.Address + "\n")
		}
		if r.Email != "" {
			b.WriteString(r.Email + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(l.Subject + "\n\n" + l.Body + "\n")
	return b.String()
}

// Sender is who signs a letter: the enrolee.
type Sender struct {
	Name, Email, Country string
}

// company is whom the action's requests go to, completed from the
// directory when it names the company.
func (h *Handler) company(ctx context.Context, a *Action) Recipient {
	r := Recipient{Name: a.Company.Name, Email: a.Company.Email, Address: a.Company.Address}
	if a.Company.TargetID != "" && h.targets != nil {
		if t, err := h.targets.Get(ctx, a.Company.TargetID); err == nil {
			r.Name = or(r.Name, t.Name)
			r.Email = or(r.Email, t.Email)
			r.Address = or(r.Address, t.PostalAddress)
			r.WebForm = t.WebForm
		}
	}
	return r
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Request is the access request of an enrolee, in lang.
func (h *Handler) Request(ctx context.Context, a *Action, s Sender, lang string, now time.Time) Letter {
	l := h.cat.For(lang)
	c := h.company(ctx, a)
	args := []any{"Company", c.Name, "Name", s.Name, "Email", s.Email, "Date", web.FormatDate(l.Lang, now)}
	body := l.T("legal.letter.request.body", args...)
	if a.Portability {
		body += "\n\n" + l.T("legal.letter.request.portability", args...)
	}
	body += "\n\n" + l.T("legal.letter.request.closing", args...)
	subject := l.T("legal.letter.request.subject")
	if a.Portability {
		subject = l.T("legal.letter.request.subject_portability")
	}
	return Letter{To: []Recipient{c}, Subject: subject, Body: body, Lang: l.Lang}
}

// Authorities are where a complaint about the action's company goes: the
// company's lead authority (the action's, chosen by its organizers, else
// the directory's for its company: target.Store.LeadAuthority) and the
// enrolee's own (by their country).
func (h *Handler) Authorities(ctx context.Context, a *Action, country string) []Recipient {
	if h.targets == nil {
		return nil
	}
	var out []Recipient
	seen := map[string]bool{}
	add := func(t *target.Target) {
		if t != nil && !seen[t.ID] {
			seen[t.ID] = true
			out = append(out, Recipient{Name: t.Name, Email: t.Email, Address: t.PostalAddress, WebForm: t.WebForm})
		}
	}
	if a.AuthorityID != "" {
		if t, err := h.targets.Get(ctx, a.AuthorityID); err == nil {
			add(t)
		}
	} else if a.Company.TargetID != "" {
		if c, err := h.targets.Get(ctx, a.Company.TargetID); err == nil {
			if lead, err := h.targets.LeadAuthority(ctx, c); err == nil {
				add(lead.Authority)
			}
		}
	}
	if country = strings.ToUpper(strings.TrimSpace(country)); len(country) == 2 {
		if ts, err := h.targets.Authorities(ctx, country); err == nil && len(ts) > 0 {
			add(ts[0])
		}
	}
	return out
}

// Complaint is the complaint (art. 77) about a request left late,
// unanswered or answered incompletely, in lang.
func (h *Handler) Complaint(ctx context.Context, a *Action, e *Enrolment, s Sender, lang string) (Letter, error) {
	if e.SentAt == nil || e.DueAt == nil {
		return Letter{}, repertoire.Invalid("sent_at", "legal.not_sent", nil)
	}
	l := h.cat.For(lang)
	c := h.company(ctx, a)
	what := "none"
	switch e.Answer {
	case AnswerIncomplete:
		what = "incomplete"
	case AnswerComplete:
		what = "late"
	}
	args := []any{"Company", c.Name, "Name", s.Name, "Email", s.Email, "Sent", web.FormatDate(l.Lang, *e.SentAt),
		"Due", web.FormatDate(l.Lang, *e.DueAt), "Answer", l.T("legal.letter.complaint.answer." + what)}
	body := l.T("legal.letter.complaint.body", args...)
	if e.Extended {
		body += "\n\n" + l.T("legal.letter.complaint.extended", args...)
	}
	body += "\n\n" + l.T("legal.letter.complaint.closing", args...)
	return Letter{To: h.Authorities(ctx, a, s.Country), Subject: l.T("legal.letter.complaint.subject", args...), Body: body, Lang: l.Lang}, nil
}

// lang picks a letter's language: the enrolee's when the catalog has it.
func lang(l string) string {
	if i18n.Supported(l) {
		return l
	}
	return "en"
}

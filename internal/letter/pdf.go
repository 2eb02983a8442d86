package letter

import (
	"context"
	"strings"
	"time"

	"repertoire/internal/participation"
	"repertoire/internal/web"
)

// Printed letters: a letter for post as a PDF, with the writer's and the
// target's address blocks, the date in the writer's language, the
// subject and the text (web.LettersPDF lays them out, with a UTF-8 font).

// MaxPrinted bounds the letters of one PDF of a target's letters.
const MaxPrinted = 2000

// printed lays out one writer's letter to one target. address is the
// writer's postal address as they typed it for this print (kept
// nowhere); without it the sender block gives their place.
func (s *Store) printed(p *participation.Participation, o *Outreach, t Target, on time.Time, address string) web.PrintedLetter {
	loc := s.cat.For(p.Lang)
	sender := []string{writerName(p)}
	if lines := addressLines(address); len(lines) > 0 {
		sender = append(sender, lines...)
	} else if place := strings.TrimSpace(strings.Trim(p.Locality+", "+p.Country, ", ")); place != "" {
		sender = append(sender, place)
	}
	recipient := []string{t.Name}
	if t.Title != "" {
		recipient = append(recipient, t.Title)
	}
	recipient = append(recipient, addressLines(t.PostalAddress)...)
	return web.PrintedLetter{Sender: sender, Recipient: recipient, Date: web.FormatDate(loc.Lang, on),
		Subject: loc.T("letter.pdf.subject", "Subject", o.Subject), Body: o.Message, Signature: writerName(p)}
}

// addressLines splits a postal address into its lines (commas or line
// breaks), trimmed, at most eight.
func addressLines(a string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(a, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" && len(out) < 8 {
			out = append(out, clip(oneLine(l), 200))
		}
	}
	return out
}

// PrintablePDF is a writer's confirmed letter for post as a PDF: a page
// (or more) per target, dated today in their language; address is their
// own postal address for the sender block, typed for this print only.
func (s *Store) PrintablePDF(ctx context.Context, token, address string) ([]byte, error) {
	pr, err := s.Printable(ctx, token)
	if err != nil {
		return nil, err
	}
	var letters []web.PrintedLetter
	for _, t := range pr.Outreach.Targets {
		letters = append(letters, s.printed(pr.Writer, pr.Outreach, t.Target, time.Now(), address))
	}
	return web.LettersPDF(pr.Letter.Title, letters, time.Now())
}

// TargetPDF is every counted letter of a letter campaign to one of its
// targets, as one PDF for organizers to post together: each dated the
// day its writer confirmed it, in their language.
func (s *Store) TargetPDF(ctx context.Context, l *Letter, targetID string) ([]byte, error) {
	var target *Target
	for i := range l.Targets {
		if l.Targets[i].ID == targetID {
			target = &l.Targets[i]
		}
	}
	if target == nil {
		return nil, errNotFound
	}
	q := s.db.Reader()
	ids, err := confirmedTo(ctx, q, l.ID, targetID, MaxPrinted)
	if err != nil {
		return nil, err
	}
	outreaches, err := outreachesOf(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	var letters []web.PrintedLetter
	for _, id := range ids {
		o := outreaches[id]
		p, err := participation.ByID(ctx, q, id)
		if err != nil || o == nil {
			continue // withdrawn or erased meanwhile
		}
		on := o.CreatedAt
		if p.ConfirmedAt != nil {
			on = *p.ConfirmedAt
		}
		letters = append(letters, s.printed(p, o, *target, on, ""))
	}
	return web.LettersPDF(l.Title, letters, time.Now())
}

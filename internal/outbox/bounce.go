package outbox

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"repertoire/internal/store"
)

// Bounces and complaints that arrive by mail. Each mail to a person goes
// out with its own envelope sender, bounces+<mail id>.<secret>@<inbound
// domain> (VERP): a delivery status notification (RFC 3464) comes back
// to it, and so do the complaints of the feedback loops that answer the
// envelope sender (ARF, RFC 5965). The address names the mail and proves
// it with a secret only that mail carried, so a report is matched by
// where it was sent, never by what it says. Complaints mailed to
// feedback@<inbound domain> (the address registered with a provider's
// feedback loop) are matched by the unsubscribe link of the reported
// mail, whose secret is checked as a click on it would be.

// Local parts of the inbound addresses the outbox receives for.
const (
	bounceLocal   = "bounces"
	feedbackLocal = "feedback"
)

// BounceAddress is the envelope sender of the mail with the given outbox
// id and bounce secret: bounces+<id without dashes>.<secret>@domain, 61
// characters before the @.
func BounceAddress(mailID, secret, domain string) string {
	return bounceLocal + "+" + strings.ReplaceAll(mailID, "-", "") + "." + secret + "@" + domain
}

// parseBounceAddress reads the mail id and secret of a bounce address at
// domain (case ignored); ok is false for any other address.
func parseBounceAddress(address, domain string) (mailID, secret string, ok bool) {
	local, dom, found := strings.Cut(strings.ToLower(strings.TrimSpace(address)), "@")
	if !found || domain == "" || dom != strings.ToLower(domain) {
		return "", "", false
	}
	rest, ok := strings.CutPrefix(local, bounceLocal+"+")
	if !ok {
		return "", "", false
	}
	id, secret, ok := strings.Cut(rest, ".")
	if !ok || len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" ||
		len(secret) != 20 || strings.Trim(secret, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return "", "", false
	}
	return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:], secret, true
}

// Bounces receives the bounce and complaint reports mailed to the
// inbound domain (a letter.Mailbox of the inbound SMTP listener).
type Bounces struct {
	db     *store.DB
	domain string
}

// NewBounces receives the reports mailed to domain's bounce and
// feedback addresses.
func NewBounces(db *store.DB, domain string) *Bounces {
	return &Bounces{db: db, domain: domain}
}

// Accepts takes the bounce address of a mail that exists, with its
// secret, and the feedback address.
func (b *Bounces) Accepts(ctx context.Context, address string) (bool, error) {
	if b.isFeedback(address) {
		return true, nil
	}
	id, secret, ok := parseBounceAddress(address, b.domain)
	if !ok {
		return false, nil
	}
	_, err := bouncedMail(ctx, b.db.Reader(), id, secret)
	if errors.Is(err, errUnknownToken) {
		return false, nil
	}
	return err == nil, err
}

func (b *Bounces) isFeedback(address string) bool {
	return strings.EqualFold(strings.TrimSpace(address), feedbackLocal+"@"+b.domain)
}

// Receive reads a report and records it on the mail it is about: a hard
// bounce or a complaint dated on the mail (its list's counts) and the
// address no longer mailed news (bouncing; spam complaint), a soft bounce
// counted. Anything else (an auto-reply, a report of a delivery) is
// taken and forgotten: answering it with an error would only bounce back.
func (b *Bounces) Receive(ctx context.Context, address string, raw []byte) error {
	rep, err := ParseReport(bytes.NewReader(raw))
	if err != nil || rep.Kind == "" {
		return nil
	}
	return b.db.Write(ctx, func(tx *store.Tx) error {
		var mailID, personID string
		if b.isFeedback(address) {
			// Only a complaint, proven by the secret of the reported
			// mail's unsubscribe link.
			if rep.Kind != ReportComplaint || rep.Unsubscribe == "" {
				return nil
			}
			var err error
			if personID, _, err = tokenPerson(ctx, tx, rep.Unsubscribe, tx.Now); errors.Is(err, errUnknownToken) {
				return nil
			} else if err != nil {
				return err
			}
			mailID, _, _ = strings.Cut(rep.Unsubscribe, ".")
		} else {
			id, secret, ok := parseBounceAddress(address, b.domain)
			if !ok {
				return nil
			}
			var err error
			if personID, err = bouncedMail(ctx, tx, id, secret); errors.Is(err, errUnknownToken) {
				return nil // the mail was erased since
			} else if err != nil {
				return err
			}
			mailID = id
		}
		return recordReport(ctx, tx, mailID, personID, rep.Kind)
	})
}

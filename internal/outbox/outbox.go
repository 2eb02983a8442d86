// Package outbox delivers mail without losing it: a message is written to
// the outbox table in the same transaction as the action that caused it,
// and a worker delivers it (SMTP or a directory of .eml files) with retries
// and backoff. A delivered mail's row keeps no body: only who, what, when
// and its unsubscribe link's hash. It also serves the unsubscribe links
// every mail to a known person carries.
package outbox

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base32"
	"encoding/json"
	"errors"
	"html"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Message is a mail to one person, already rendered in their language.
type Message struct {
	PersonID string // when set, the mail carries their unsubscribe link
	// About is the person the mail speaks of, when not its recipient (a
	// request to join names who asks): erasing them deletes the mail.
	About string
	To    string
	// Cc are the addresses the mail is copied to: a Cc header, and
	// recipients of the same message (the person of PersonID is To's).
	Cc      []string
	Subject string
	Body    string // plain text
	// HTML is the body's HTML alternative ("" for plain text only),
	// already escaped and sanitized by the caller.
	HTML string
	// List is what the mail is a copy of (a message's id): the outbox
	// counts a list's mails by status and their unsubscribes (ListCounts).
	List          string
	Lang          string // language of Subject and Body, for the footer ("en" when empty)
	Transactional bool   // confirmations and sign-in links go out even to unsubscribed people
	Attachments   []Attachment
	// Catalog renders the unsubscribe footer of a mail to a person
	// (PersonID set): the caller's, which the server loaded once.
	Catalog *i18n.Catalog
	// FromName replaces "Repertoire" as the sender's display name (a
	// writer's letter goes out under their name, from Repertoire's
	// address); net/mail encodes it, on one line, so it cannot add a
	// header. ReplyTo is the address replies go to ("" for none).
	FromName string
	ReplyTo  string
}

// Attachment is a file sent with a mail (stored with the row, base64 in JSON).
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// UnsubscribeTTL is how long the link in a mail keeps working: people
// unsubscribe from old mails too.
const UnsubscribeTTL = 366 * 24 * time.Hour

// The row's headers JSON: From, and for a mail with an unsubscribe link
// List-Unsubscribe and List-Unsubscribe-Post (see unsubscribeHeaders).
const (
	headerFrom    = "From"
	headerReplyTo = "Reply-To"
	oneClick      = "List-Unsubscribe=One-Click"
)

// Enqueue writes m to the outbox inside tx: it is sent if and only if tx
// commits. A mail that is not Transactional, to a person who no longer
// wants mail (unsubscribed, bouncing, complained), is dropped: Enqueue
// returns nil and writes nothing.
func Enqueue(ctx context.Context, tx *store.Tx, baseURL string, m Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return repertoire.Internal(errors.New("outbox: recipient is not an address"))
	}
	subject := oneLine(m.Subject)
	if subject == "" {
		return repertoire.Internal(errors.New("outbox: message without subject"))
	}
	baseURL = strings.TrimRight(baseURL, "/")
	id := store.NewID()
	from := senderOf(DefaultFrom(baseURL), m.FromName)
	headers := plainHeaders(from)
	body, html := m.Body, m.HTML
	var personID, linkHash, bounceHash any
	if m.PersonID != "" {
		personID = m.PersonID
		status, err := EmailStatus(ctx, tx, m.PersonID)
		if err != nil {
			return err
		}
		if status != StatusSubscribed && !m.Transactional {
			return nil
		}
		f, err := footerFor(m.Catalog, m.Lang)
		if err != nil {
			return err
		}
		token, hash := unsubscribeToken(id)
		link := baseURL + "/unsubscribe/" + token
		body, html = withFooter(body, f, link), withHTMLFooter(html, f, link)
		var bounce string
		bounce, bounceHash = bounceToken()
		headers, linkHash = unsubscribeHeaders(from, link, bounce), hash
	}
	attachments := "[]"
	if len(m.Attachments) > 0 {
		aj, err := json.Marshal(m.Attachments)
		if err != nil {
			return repertoire.Internal(err)
		}
		attachments = string(aj)
	}
	if headers, err = withReplyTo(headers, m.ReplyTo); err != nil {
		return err
	}
	cc, err := ccList(m.Cc)
	if err != nil {
		return err
	}
	var about any
	if m.About != "" {
		about = m.About
	}
	return insertMail(ctx, tx, id, personID, about, to.Address, cc, subject, body, html, headers, linkHash, bounceHash, attachments, nullable(m.List))
}

// ccList is the cc_addresses of a mail: its copies' bare addresses as a
// header's address list ("a@example.org, b@example.org"), which
// mail.ParseAddressList reads back.
func ccList(cc []string) (string, error) {
	var list []string
	for _, c := range cc {
		a, err := mail.ParseAddress(c)
		if err != nil {
			return "", repertoire.Internal(errors.New("outbox: a copy's recipient is not an address"))
		}
		list = append(list, (&mail.Address{Address: a.Address}).String())
	}
	return strings.Join(list, ", "), nil
}

// ccAddresses reads a mail's cc_addresses back as bare addresses.
func ccAddresses(list string) ([]string, error) {
	if list == "" {
		return nil, nil
	}
	as, err := mail.ParseAddressList(list)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Address
	}
	return out, nil
}

// footer is the unsubscribe footer of one language, rendered around the
// place of the link.
type footer struct{ before, after string }

// linkMarker stands for the link while a footer is rendered.
const linkMarker = "\x00link\x00"

// footerFor renders the footer of one language from the catalog.
func footerFor(cat *i18n.Catalog, lang string) (footer, error) {
	if cat == nil {
		return footer{}, repertoire.Internal(errors.New("outbox: a mail to a person without the catalog of its footer"))
	}
	before, after, _ := strings.Cut(cat.For(lang).T("outbox.footer", "URL", linkMarker), linkMarker)
	return footer{before: before, after: after}, nil
}

// withFooter ends body with the footer and its link, after the usual
// signature separator.
func withFooter(body string, f footer, link string) string {
	return strings.TrimRight(body, "\r\n") + "\n\n-- \n" + f.before + link + f.after + "\n"
}

// withHTMLFooter ends an HTML body with the footer and its link; an empty
// body (a plain-text mail) stays empty.
func withHTMLFooter(body string, f footer, link string) string {
	if body == "" {
		return ""
	}
	l := html.EscapeString(link)
	return body + "\n<hr>\n<p style=\"font-size:small\">" + html.EscapeString(f.before) + `<a href="` + l + `">` + l + "</a>" +
		html.EscapeString(f.after) + "</p>\n"
}

// senderOf is the From of a mail: Repertoire's address under the
// message's display name, when it has one.
func senderOf(from, name string) string {
	if name = oneLine(name); name != "" {
		sender, _ := mail.ParseAddress(from)
		return (&mail.Address{Name: name, Address: sender.Address}).String()
	}
	return from
}

// withReplyTo adds the Reply-To header of a mail that has one.
func withReplyTo(headers, replyTo string) (string, error) {
	if replyTo == "" {
		return headers, nil
	}
	reply, err := mail.ParseAddress(replyTo)
	if err != nil {
		return "", repertoire.Internal(errors.New("outbox: reply-to is not an address"))
	}
	return withHeader(headers, headerReplyTo, (&mail.Address{Address: reply.Address}).String()), nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// withHeader adds one header to a headers JSON.
func withHeader(headers, name, value string) string {
	h := map[string]string{}
	_ = json.Unmarshal([]byte(headers), &h)
	h[name] = value
	b, _ := json.Marshal(h)
	return string(b)
}

// plainHeaders is the headers JSON of a mail without unsubscribe link.
func plainHeaders(from string) string {
	b, _ := json.Marshal(struct {
		From string `json:"From"`
	}{from})
	return string(b)
}

// unsubscribeHeaders is the headers JSON of a mail carrying link: RFC 2369
// List-Unsubscribe and RFC 8058 one-click, and the secret of its bounce
// address (headerBounce, not a header of the mail).
func unsubscribeHeaders(from, link, bounce string) string {
	b, _ := json.Marshal(struct {
		From      string `json:"From"`
		Unsub     string `json:"List-Unsubscribe"`
		UnsubPost string `json:"List-Unsubscribe-Post"`
		Bounce    string `json:"Repertoire-Bounce"`
	}{from, "<" + link + ">", oneClick, bounce})
	return string(b)
}

// headerBounce carries, in a row's headers JSON until the mail is sent,
// the secret of its bounce address (BounceAddress): the worker takes it
// for the envelope sender and writes no such header.
const headerBounce = "Repertoire-Bounce"

// bounceToken mints the secret of a mail's bounce address: 96 random
// bits in lower-case base32 (20 characters: the address's local part
// stays within RFC 5321's 64, and a server folding case keeps it), and
// its hash, which the row keeps.
func bounceToken() (secret, hash string) {
	b := make([]byte, 12)
	rand.Read(b)
	secret = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return secret, store.HashToken(secret)
}

// defaultName is the display name of Repertoire's own sender.
const defaultName = "Repertoire"

// DefaultFrom is the sender of every mail: a no-reply address on the host
// Repertoire is served from.
func DefaultFrom(baseURL string) string {
	host := "localhost"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return (&mail.Address{Name: defaultName, Address: "no-reply@" + host}).String()
}

// Email statuses of a person (email_statuses.status; a person without a
// row is subscribed).
const (
	StatusSubscribed   = "subscribed"
	StatusUnsubscribed = "unsubscribed"
	StatusBouncing     = "bouncing"       // a server refused the address for good
	StatusComplained   = "spam complaint" // they reported a mail as spam (OSDI's word)
)

// unsubscribeToken mints the unsubscribe link of the mail with the given
// outbox id: "<mail id>.<secret>". The id finds the mail by its primary
// key and the row keeps only the secret's hash (unsubscribe_hash), so a
// database leak does not unsubscribe anyone, and no index of random hashes
// grows by a page write per mail: a pledge's activation mails 100,000
// people in one transaction.
func unsubscribeToken(mailID string) (token, hash string) {
	secret := store.NewToken()
	return mailID + "." + secret, store.HashToken(secret)
}

// oneLine keeps a header value on one line, so a subject cannot add
// headers: each run of line breaks and plain whitespace becomes one space,
// none is left at either end. Every other character stays as it is, the
// no-break spaces numbers are formatted with (U+00A0, U+202F) included,
// which strings.Fields made plain spaces.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, breaksLine), " ")
}

// breaksLine is plain whitespace (space, tab, CR, LF, VT, FF) or a
// character some reader may take for a line break (NEL, the line and
// paragraph separators).
func breaksLine(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

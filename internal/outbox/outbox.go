// Package outbox delivers mail without losing it: a message is written to
// the outbox table in the same transaction as the action that caused it,
// and a worker delivers it (SMTP, a directory of .eml files, or the log)
// with retries and backoff. It also serves the unsubscribe links every
// mail to a known person carries.
package outbox

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"net/mail"
	"net/url"
	"strings"
	"sync"
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
	PersonID      string // when set, the mail carries their unsubscribe link
	To            string
	Subject       string
	Body          string // plain text
	Lang          string // language of Subject and Body, for the footer ("en" when empty)
	Transactional bool   // confirmations and sign-in links go out even to unsubscribed people
	Attachments   []Attachment
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

// Header names stored in the row's headers JSON.
const (
	headerFrom            = "From"
	headerListUnsubscribe = "List-Unsubscribe"
	headerListUnsubPost   = "List-Unsubscribe-Post"
	oneClick              = "List-Unsubscribe=One-Click"
)

// footerCatalog renders the unsubscribe footer. Enqueue is a plain function
// called from every capability, so it gets the catalog here; the catalog is
// read-only once loaded.
var footerCatalog = sync.OnceValue(i18n.MustLoad)

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
	headers := map[string]string{headerFrom: DefaultFrom(baseURL)}
	body := m.Body
	var personID any
	if m.PersonID != "" {
		personID = m.PersonID
		status, err := emailStatus(ctx, tx, m.PersonID)
		if err != nil {
			return err
		}
		if status != StatusSubscribed && !m.Transactional {
			return nil
		}
		token, err := newUnsubscribeToken(ctx, tx, m.PersonID)
		if err != nil {
			return err
		}
		link := baseURL + "/unsubscribe/" + token
		footer := footerCatalog().For(m.Lang).T("outbox.footer", "URL", link)
		body = strings.TrimRight(body, "\r\n") + "\n\n-- \n" + footer + "\n"
		headers[headerListUnsubscribe] = "<" + link + ">"
		headers[headerListUnsubPost] = oneClick
	}
	hj, err := json.Marshal(headers)
	if err != nil {
		return repertoire.Internal(err)
	}
	if len(m.Attachments) > 0 {
		aj, err := json.Marshal(m.Attachments)
		if err != nil {
			return repertoire.Internal(err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO outbox (id, person_id, to_address, subject, body_text, headers, status, attempts, next_attempt_at, created_at, attachments)
			VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, $8)`,
			store.NewID(), personID, to.Address, subject, body, string(hj), tx.Now, string(aj))
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox (id, person_id, to_address, subject, body_text, headers, status, attempts, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)`,
		store.NewID(), personID, to.Address, subject, body, string(hj), tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// DefaultFrom is the sender of every mail: a no-reply address on the host
// Repertoire is served from.
func DefaultFrom(baseURL string) string {
	host := "localhost"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return (&mail.Address{Name: "Repertoire", Address: "no-reply@" + host}).String()
}

// Email statuses of a person (people.email_status).
const (
	StatusSubscribed   = "subscribed"
	StatusUnsubscribed = "unsubscribed"
)

const purposeUnsubscribe = "unsubscribe"

// newUnsubscribeToken mints a link token for one mail; only its hash is
// kept, so a database leak does not unsubscribe anyone.
func newUnsubscribeToken(ctx context.Context, tx *store.Tx, personID string) (string, error) {
	token := store.NewToken()
	_, err := tx.ExecContext(ctx, `INSERT INTO mail_tokens (token_hash, person_id, purpose, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, store.HashToken(token), personID, purposeUnsubscribe, tx.Now, tx.Now.Add(UnsubscribeTTL))
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return token, nil
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

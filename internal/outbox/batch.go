package outbox

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"repertoire"
	"repertoire/internal/store"
)

// batchRows bounds the rows of one multi-row INSERT (mailColumns
// arguments an outbox row). PostgreSQL pays a round trip a statement, so it gets large
// ones, well under its 65535 arguments; SQLite runs in process and is
// fastest with middling ones.
func batchRows(d store.Dialect) int {
	if d == store.Postgres {
		return 1000
	}
	return 100
}

// EnqueueBatch is Enqueue for many messages to known people at once (a
// pledge's activation mail to every committed person): the same rows,
// unsubscribe links and footers, written with one multi-row statement per
// thousand messages instead of two statements per message. The rule on
// unsubscribed people is Enqueue's, and so are the HTML alternative, the
// list, the sender's name and Reply-To; a message without a PersonID (a
// transactional mail to an address, such as a confirmation link) carries
// no unsubscribe link, as with Enqueue.
func EnqueueBatch(ctx context.Context, tx *store.Tx, baseURL string, msgs []Message) error {
	baseURL = strings.TrimRight(baseURL, "/")
	from := DefaultFrom(baseURL)
	// Full chunks share their statement text: on SQLite store.Tx prepares
	// it once for good, on PostgreSQL pgx caches it per connection.
	exec := func(q string, args []any) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	}
	size := batchRows(tx.Dialect)
	plain := plainHeaders(from)
	footers := map[string]footer{} // by language: rendered once a batch
	for start := 0; start < len(msgs); start += size {
		if err := enqueueChunk(ctx, tx, exec, baseURL, from, plain, footers, msgs[start:min(start+size, len(msgs))]); err != nil {
			return err
		}
	}
	return nil
}

func enqueueChunk(ctx context.Context, tx *store.Tx, exec func(string, []any) error, baseURL, from, plain string,
	footers map[string]footer, msgs []Message) error {
	// Only news depends on the email status: a transactional mail goes out
	// whatever it is, and the outbox's foreign key refuses an unknown person
	// either way.
	statuses, err := newsStatuses(ctx, tx, msgs)
	if err != nil {
		return err
	}
	args := make([]any, 0, mailColumns*len(msgs))
	for _, m := range msgs {
		var personID, linkHash, bounceHash any
		body, html, headers := m.Body, m.HTML, plain
		sender := from
		if m.FromName != "" {
			sender = senderOf(from, m.FromName)
			headers = plainHeaders(sender)
		}
		id := store.NewID()
		if m.PersonID != "" {
			if st, set := statuses[m.PersonID]; set && st != StatusSubscribed && !m.Transactional {
				continue
			}
			personID = m.PersonID
			f, ok := footers[m.Lang]
			if !ok {
				var err error
				if f, err = footerFor(m.Catalog, m.Lang); err != nil {
					return err
				}
				footers[m.Lang] = f
			}
			token, hash := unsubscribeToken(id)
			link := baseURL + "/unsubscribe/" + token
			body, html = withFooter(m.Body, f, link), withHTMLFooter(m.HTML, f, link)
			var bounce string
			bounce, bounceHash = bounceToken()
			headers, linkHash = unsubscribeHeaders(sender, link, bounce), hash
		} else if !m.Transactional {
			return repertoire.Internal(fmt.Errorf("outbox: news to an address without a person cannot be unsubscribed from"))
		}
		to, err := mail.ParseAddress(m.To)
		if err != nil {
			return repertoire.Internal(fmt.Errorf("outbox: recipient is not an address"))
		}
		subject := oneLine(m.Subject)
		if subject == "" {
			return repertoire.Internal(fmt.Errorf("outbox: message without subject"))
		}
		if headers, err = withReplyTo(headers, m.ReplyTo); err != nil {
			return err
		}
		args = append(args, id, personID, to.Address, subject, body, headers, linkHash, tx.Now, tx.Now, html, nullable(m.List), bounceHash)
	}
	if len(args) == 0 {
		return nil
	}
	return exec(insertMailsSQL(tx.Dialect, len(args)/mailColumns), args)
}

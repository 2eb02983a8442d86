package outbox

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// row is one claimed outbox message.
type row struct {
	ID          string
	PersonID    string // "" for a mail to an address
	To          string
	Cc          []string // copies, each also a recipient
	Subject     string
	Body        string
	HTML        string
	Headers     map[string]string
	Attempts    int
	CreatedAt   time.Time
	Attachments []Attachment
}

// insertMail writes one mail to the outbox, pending.
func insertMail(ctx context.Context, tx *store.Tx, id string, personID, about any, to, cc, subject, body, html, headers string, linkHash, bounceHash any,
	attachments string, list any) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (id, person_id, to_address, subject, body_text, headers, unsubscribe_hash,
		status, attempts, next_attempt_at, created_at, attachments, about_person_id, body_html, list_id, bounce_hash, cc_addresses)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $9, $10, $11, $12, $13, $14)`,
		id, personID, to, subject, body, headers, linkHash, tx.Now, attachments, about, html, list, bounceHash, cc)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// insertMailsSQL writes n mails with one statement, mailColumns arguments
// each: id, person_id, to_address, subject, body_text, headers,
// unsubscribe_hash, next_attempt_at, created_at, body_html, list_id,
// bounce_hash.
func insertMailsSQL(d store.Dialect, n int) string {
	return `INSERT INTO outbox (id, person_id, to_address, subject, body_text, headers, unsubscribe_hash, next_attempt_at, created_at,
		body_html, list_id, bounce_hash) VALUES ` + store.Rows(d, n, mailColumns)
}

const mailColumns = 12

// ExportMails is the mail of a person in their data export: $1 is their
// id, $2 their address (mail sent before they were known by id).
const ExportMails = `SELECT subject, status, created_at, sent_at FROM outbox
			WHERE person_id = $1 OR to_address = $2 ORDER BY created_at`

// claim takes up to n due messages and leases them until `until`, so that
// no other worker (another instance on PostgreSQL) takes them meanwhile.
// On PostgreSQL, SKIP LOCKED lets concurrent claims pass each other; SQLite
// has a single writer, so a plain select is already exclusive.
func claim(ctx context.Context, db *store.DB, n int, until time.Time) ([]row, error) {
	var rows []row
	err := db.Write(ctx, func(tx *store.Tx) error {
		rows = rows[:0]
		q := `SELECT id, COALESCE(person_id, ''), to_address, cc_addresses, subject, body_text, body_html, headers, attempts, created_at, attachments FROM outbox
			WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2`
		if tx.Dialect == store.Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rs, err := tx.QueryContext(ctx, q, tx.Now, n)
		if err != nil {
			return repertoire.Internal(err)
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			var cc, headers, attachments string
			if err := rs.Scan(&r.ID, &r.PersonID, &r.To, &cc, &r.Subject, &r.Body, &r.HTML, &headers, &r.Attempts, &r.CreatedAt, &attachments); err != nil {
				return repertoire.Internal(err)
			}
			if r.Cc, err = ccAddresses(cc); err != nil {
				return repertoire.Internal(fmt.Errorf("outbox %s: cc: %w", r.ID, err))
			}
			if attachments != "[]" {
				if err := json.Unmarshal([]byte(attachments), &r.Attachments); err != nil {
					return repertoire.Internal(fmt.Errorf("outbox %s: attachments: %w", r.ID, err))
				}
			}
			if err := json.Unmarshal([]byte(headers), &r.Headers); err != nil {
				return repertoire.Internal(fmt.Errorf("outbox %s: headers: %w", r.ID, err))
			}
			rows = append(rows, r)
		}
		if err := rs.Err(); err != nil {
			return repertoire.Internal(err)
		}
		rs.Close()
		if len(rows) == 0 {
			return nil
		}
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		in, args := inList(tx.Dialect, ids)
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1 WHERE id IN (`+in+`)`, append([]any{until}, args...)...)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	return rows, err
}

// inList is the list of an IN after one "$1" argument: "$2, $3, …" on
// PostgreSQL, "?, ?, …" on SQLite (which numbers them after $1), whose
// driver resolves each "$N" by a scan of those seen so far, which made
// a batch's statements quadratic in its size.
func inList(d store.Dialect, vals []string) (string, []any) {
	if d != store.SQLite {
		return store.In(vals, 2)
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", "), args
}

// outcome is what became of one delivery attempt.
type outcome struct {
	ID       string
	Attempts int       // attempts so far, this one included
	Status   string    // sent | pending | failed
	Error    string    // short, without addresses
	Next     time.Time // next attempt, when pending
	// Bounced is the person whose address the server refused for good
	// (a 5xx answer to RCPT): their address is marked bouncing.
	Bounced string
}

// record writes the outcomes of a batch in one transaction: the mails
// delivered with one statement (a batch is mostly those), the others one
// by one.
func record(ctx context.Context, db *store.DB, outs []outcome) error {
	if len(outs) == 0 {
		return nil
	}
	return db.Write(ctx, func(tx *store.Tx) error {
		var sent []string
		for _, o := range outs {
			var err error
			switch o.Status {
			case "sent":
				sent = append(sent, o.ID)
			case "failed":
				// A failed mail's next_attempt_at is when it failed: the
				// sweep drops its body KeepFailed later.
				_, err = tx.ExecContext(ctx, `UPDATE outbox SET status = 'failed', attempts = $1, last_error = $2, next_attempt_at = $3 WHERE id = $4`,
					o.Attempts, o.Error, tx.Now, o.ID)
				if err == nil && o.Bounced != "" {
					err = markBouncing(ctx, tx, o.Bounced)
				}
			default:
				_, err = tx.ExecContext(ctx, `UPDATE outbox SET status = $1, attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $5`,
					o.Status, o.Attempts, o.Error, o.Next, o.ID)
			}
			if err != nil {
				return repertoire.Internal(err)
			}
		}
		for start := 0; start < len(sent); start += 500 {
			// Delivered: the body, its attachments and the headers
			// carried links that sign people in or act for them. The row
			// keeps what the export, the metrics and the unsubscribe link
			// need (its hash, created_at). attempts+1 is this attempt:
			// the row was leased to this worker.
			in, args := inList(tx.Dialect, sent[start:min(start+500, len(sent))])
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = $1, last_error = '',
				body_text = '', body_html = '', headers = '{}', attachments = '[]', cc_addresses = '' WHERE id IN (`+in+`)`, append([]any{tx.Now}, args...)...); err != nil {
				return repertoire.Internal(err)
			}
		}
		return nil
	})
}

// markBouncing marks the person's address bouncing, unless they said
// more already (unsubscribed, complained).
func markBouncing(ctx context.Context, tx *store.Tx, personID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO email_statuses (person_id, status, modified_at) VALUES ($1, $2, $3)
		ON CONFLICT (person_id) DO NOTHING`, personID, StatusBouncing, tx.Now)
	return err
}

// dropFailedBodies empties the body, headers and attachments of the mails
// that failed before cutoff, and says how many it emptied.
func dropFailedBodies(ctx context.Context, db *store.DB, cutoff time.Time) (int, error) {
	var n int64
	err := db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET body_text = '', body_html = '', headers = '{}', attachments = '[]', cc_addresses = ''
			WHERE status = 'failed' AND next_attempt_at < $1 AND (body_text <> '' OR body_html <> '' OR headers <> '{}' OR attachments <> '[]')`, cutoff)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	return int(n), err
}

// release gives back leased messages that were not attempted (the worker
// is stopping), so the next worker need not wait for the lease to end.
func release(ctx context.Context, db *store.DB, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return db.Write(ctx, func(tx *store.Tx) error {
		in, args := inList(tx.Dialect, ids)
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1 WHERE status = 'pending' AND id IN (`+in+`)`,
			append([]any{tx.Now}, args...)...)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
}

var errUnknownToken = repertoire.Errorf(repertoire.ENOTFOUND, "outbox.unsubscribe.not_found")

// tokenPerson resolves a live unsubscribe token to its person and their
// current email status. A token names its mail ("<mail id>.<secret>", see
// unsubscribeToken) and lives UnsubscribeTTL from the mail's creation.
func tokenPerson(ctx context.Context, q store.Queryer, token string, now time.Time) (personID, status string, err error) {
	mailID, secret, named := strings.Cut(token, ".")
	if !named {
		return "", "", errUnknownToken
	}
	var stored, st sql.NullString
	err = q.QueryRowContext(ctx, `SELECT o.person_id, s.status, o.unsubscribe_hash FROM outbox o
		LEFT JOIN email_statuses s ON s.person_id = o.person_id
		WHERE o.id = $1 AND o.created_at > $2 AND o.person_id IS NOT NULL`, mailID, now.Add(-UnsubscribeTTL)).Scan(&personID, &st, &stored)
	if err == nil && (!stored.Valid || subtle.ConstantTimeCompare([]byte(stored.String), []byte(store.HashToken(secret))) != 1) {
		err = sql.ErrNoRows
	}
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", errUnknownToken
	}
	if err != nil {
		return "", "", repertoire.Internal(err)
	}
	if status = st.String; !st.Valid {
		status = StatusSubscribed
	}
	return personID, status, nil
}

// setEmailStatus changes the email status of the token's person from one
// of `from` to `to`, in one transaction.
func setEmailStatus(ctx context.Context, db *store.DB, token string, from []string, to string) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		personID, status, err := tokenPerson(ctx, tx, token, tx.Now)
		if err != nil {
			return err
		}
		if !slices.Contains(from, status) {
			return nil
		}
		if to == StatusUnsubscribed {
			// The mail whose link it was counts one unsubscribe (its
			// list's counts); a second click on it adds none.
			mailID, _, _ := strings.Cut(token, ".")
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET unsubscribed_at = $1 WHERE id = $2 AND unsubscribed_at IS NULL`,
				tx.Now, mailID); err != nil {
				return repertoire.Internal(err)
			}
		}
		return SetEmailStatus(ctx, tx, personID, to)
	})
}

// EmailStatus is the person's email status: subscribed unless they said
// otherwise, or their address bounced or complained.
func EmailStatus(ctx context.Context, q store.Queryer, personID string) (string, error) {
	var status string
	err := q.QueryRowContext(ctx, `SELECT status FROM email_statuses WHERE person_id = $1`, personID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return StatusSubscribed, nil
	}
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return status, nil
}

// EmailStatuses is EmailStatus for many people, a few hundred a query
// (store.EachByID): every id given is in the map.
func EmailStatuses(ctx context.Context, q store.Queryer, personIDs []string) (map[string]string, error) {
	out, err := statusesOf(ctx, q, personIDs)
	if err != nil {
		return nil, err
	}
	for _, id := range personIDs {
		if _, ok := out[id]; !ok {
			out[id] = StatusSubscribed
		}
	}
	return out, nil
}

// newsStatuses reads the email status of the people msgs bring news to
// (mails not Transactional) that have one other than subscribed.
func newsStatuses(ctx context.Context, tx *store.Tx, msgs []Message) (map[string]string, error) {
	var ids []string
	for _, m := range msgs {
		if m.PersonID != "" && !m.Transactional {
			ids = append(ids, m.PersonID)
		}
	}
	return statusesOf(ctx, tx, ids)
}

// statusesOf reads the statuses other than subscribed of the people of ids:
// person id → status.
func statusesOf(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	err := store.EachByID(ctx, q, `SELECT person_id, status FROM email_statuses WHERE person_id IN $ids`, ids, func(r store.Scanner) error {
		var id, st string
		if err := r.Scan(&id, &st); err != nil {
			return repertoire.Internal(err)
		}
		out[id] = st
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetEmailStatus sets the person's email status inside tx (a row only for
// a status other than subscribed).
func SetEmailStatus(ctx context.Context, tx *store.Tx, personID, status string) error {
	var err error
	if status == StatusSubscribed {
		_, err = tx.ExecContext(ctx, `DELETE FROM email_statuses WHERE person_id = $1`, personID)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO email_statuses (person_id, status, modified_at) VALUES ($1, $2, $3)
			ON CONFLICT (person_id) DO UPDATE SET status = excluded.status, modified_at = excluded.modified_at`, personID, status, tx.Now)
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// Unreachable is an SQL subquery selecting the people no news mail goes
// to: unsubscribed, bouncing, or who complained (a message's audience
// leaves them out before counting).
func Unreachable() string { return "SELECT person_id FROM email_statuses" }

// ListCounts are what became of the mails of a list (a message's copies).
type ListCounts struct {
	Queued, Sent, Failed int
	Unsubscribed         int // by the link of one of these mails
	// Reports mailed back about these mails (Bounces): refused for good,
	// refused for now at least once, reported as abuse.
	Bounced, SoftBounced, Complained int
}

// CountList counts the mails of a list by status, and those whose
// unsubscribe link was used (the outbox_list index: one range of it).
func CountList(ctx context.Context, q store.Queryer, listID string) (ListCounts, error) {
	c, err := CountLists(ctx, q, []string{listID})
	return c[listID], err
}

// CountLists is CountList for the lists of a page (a page of messages),
// one query for them all: every id given is in the map.
func CountLists(ctx context.Context, q store.Queryer, listIDs []string) (map[string]ListCounts, error) {
	out := make(map[string]ListCounts, len(listIDs))
	for _, id := range listIDs {
		out[id] = ListCounts{}
	}
	err := store.EachByID(ctx, q, `SELECT list_id, status, COUNT(*), COUNT(unsubscribed_at) FROM outbox WHERE list_id IN $ids
		GROUP BY list_id, status`, listIDs, func(r store.Scanner) error {
		var id, status string
		var n, unsub int
		if err := r.Scan(&id, &status, &n, &unsub); err != nil {
			return repertoire.Internal(err)
		}
		c := out[id]
		switch status {
		case "sent":
			c.Sent += n
		case "failed":
			c.Failed += n
		default:
			c.Queued += n
		}
		c.Unsubscribed += unsub
		out[id] = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The reports: the few mails that had one (outbox_reported), so that
	// the counts above stay an index-only read of outbox_list.
	err = store.EachByID(ctx, q, `SELECT list_id, COUNT(bounced_at), COUNT(CASE WHEN soft_bounces > 0 THEN 1 END), COUNT(complained_at)
		FROM outbox WHERE list_id IN $ids AND list_id IS NOT NULL AND (bounced_at IS NOT NULL OR complained_at IS NOT NULL OR soft_bounces > 0)
		GROUP BY list_id`, listIDs, func(r store.Scanner) error {
		var id string
		var bounced, soft, complained int
		if err := r.Scan(&id, &bounced, &soft, &complained); err != nil {
			return repertoire.Internal(err)
		}
		c := out[id]
		c.Bounced, c.SoftBounced, c.Complained = bounced, soft, complained
		out[id] = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

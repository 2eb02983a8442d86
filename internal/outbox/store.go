package outbox

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// row is one claimed outbox message.
type row struct {
	ID          string
	To          string
	Subject     string
	Body        string
	Headers     map[string]string
	Attempts    int
	CreatedAt   time.Time
	Attachments []Attachment
}

func emailStatus(ctx context.Context, q store.Queryer, personID string) (string, error) {
	var status string
	err := q.QueryRowContext(ctx, `SELECT email_status FROM people WHERE id = $1`, personID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", repertoire.Internal(errors.New("outbox: mail to an unknown person"))
	}
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return status, nil
}

// claim takes up to n due messages and leases them until `until`, so that
// no other worker (another instance on PostgreSQL) takes them meanwhile.
// On PostgreSQL, SKIP LOCKED lets concurrent claims pass each other; SQLite
// has a single writer, so a plain select is already exclusive.
func claim(ctx context.Context, db *store.DB, n int, until time.Time) ([]row, error) {
	var rows []row
	err := db.Write(ctx, func(tx *store.Tx) error {
		rows = rows[:0]
		q := `SELECT id, to_address, subject, body_text, headers, attempts, created_at, attachments FROM outbox
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
			var headers, attachments string
			if err := rs.Scan(&r.ID, &r.To, &r.Subject, &r.Body, &headers, &r.Attempts, &r.CreatedAt, &attachments); err != nil {
				return repertoire.Internal(err)
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
		in, args := inList(ids, 2)
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1 WHERE id IN (`+in+`)`, append([]any{until}, args...)...)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	return rows, err
}

// outcome is what became of one delivery attempt.
type outcome struct {
	ID       string
	Attempts int       // attempts so far, this one included
	Status   string    // sent | pending | failed
	Error    string    // short, without addresses
	Next     time.Time // next attempt, when pending
}

// record writes the outcomes of a batch in one transaction.
func record(ctx context.Context, db *store.DB, outs []outcome) error {
	if len(outs) == 0 {
		return nil
	}
	return db.Write(ctx, func(tx *store.Tx) error {
		for _, o := range outs {
			var err error
			if o.Status == "sent" {
				_, err = tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', attempts = $1, sent_at = $2, last_error = '' WHERE id = $3`,
					o.Attempts, tx.Now, o.ID)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE outbox SET status = $1, attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $5`,
					o.Status, o.Attempts, o.Error, o.Next, o.ID)
			}
			if err != nil {
				return repertoire.Internal(err)
			}
		}
		return nil
	})
}

// release gives back leased messages that were not attempted (the worker
// is stopping), so the next worker need not wait for the lease to end.
func release(ctx context.Context, db *store.DB, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return db.Write(ctx, func(tx *store.Tx) error {
		in, args := inList(ids, 2)
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1 WHERE status = 'pending' AND id IN (`+in+`)`,
			append([]any{tx.Now}, args...)...)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
}

// inList returns "$first, $first+1, …" for ids, and ids as arguments.
func inList(ids []string, first int) (string, []any) {
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = fmt.Sprintf("$%d", first+i)
		args[i] = id
	}
	return strings.Join(ph, ", "), args
}

var errUnknownToken = repertoire.Errorf(repertoire.ENOTFOUND, "outbox.unsubscribe.not_found")

// tokenPerson resolves a live unsubscribe token to its person and their
// current email status. A token names its mail ("<mail id>.<secret>", see
// unsubscribeToken) and lives UnsubscribeTTL from the mail's creation; one
// without a dot was mailed before, and is found in mail_tokens by its hash.
func tokenPerson(ctx context.Context, q store.Queryer, token string, now time.Time) (personID, status string, err error) {
	if mailID, secret, named := strings.Cut(token, "."); named {
		var stored sql.NullString
		err = q.QueryRowContext(ctx, `SELECT p.id, p.email_status, o.unsubscribe_hash FROM outbox o JOIN people p ON p.id = o.person_id
			WHERE o.id = $1 AND o.created_at > $2`, mailID, now.Add(-UnsubscribeTTL)).Scan(&personID, &status, &stored)
		if err == nil && (!stored.Valid || subtle.ConstantTimeCompare([]byte(stored.String), []byte(store.HashToken(secret))) != 1) {
			err = sql.ErrNoRows
		}
	} else {
		err = q.QueryRowContext(ctx, `SELECT p.id, p.email_status FROM mail_tokens t JOIN people p ON p.id = t.person_id
			WHERE t.token_hash = $1 AND t.purpose = $2 AND t.expires_at > $3`,
			store.HashToken(token), purposeUnsubscribe, now).Scan(&personID, &status)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", errUnknownToken
	}
	if err != nil {
		return "", "", repertoire.Internal(err)
	}
	return personID, status, nil
}

// setEmailStatus changes the email status of the token's person from one
// of `from` to `to`, in one transaction (and marks a token of mail_tokens
// used).
func setEmailStatus(ctx context.Context, db *store.DB, token string, from []string, to string) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		personID, status, err := tokenPerson(ctx, tx, token, tx.Now)
		if err != nil {
			return err
		}
		if !strings.Contains(token, ".") {
			if _, err := tx.ExecContext(ctx, `UPDATE mail_tokens SET used_at = COALESCE(used_at, $1) WHERE token_hash = $2`,
				tx.Now, store.HashToken(token)); err != nil {
				return repertoire.Internal(err)
			}
		}
		for _, f := range from {
			if status == f {
				_, err := tx.ExecContext(ctx, `UPDATE people SET email_status = $1, modified_at = $2 WHERE id = $3`, to, tx.Now, personID)
				if err != nil {
					return repertoire.Internal(err)
				}
				return nil
			}
		}
		return nil
	})
}

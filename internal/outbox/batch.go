package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"

	"repertoire"
	"repertoire/internal/store"
)

// batchRows bounds the rows of one multi-row INSERT (10 arguments an
// outbox row). PostgreSQL pays a round trip a statement, so it gets large
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
// unsubscribe links and footers, written with a few multi-row statements
// per thousand messages instead of three statements per message. The rule
// on unsubscribed people is Enqueue's; a message without a PersonID (a
// transactional mail to an address, such as a confirmation link) carries
// no unsubscribe link, as with Enqueue.
func EnqueueBatch(ctx context.Context, tx *store.Tx, baseURL string, msgs []Message) error {
	baseURL = strings.TrimRight(baseURL, "/")
	from := DefaultFrom(baseURL)
	// Full chunks share their statement text: prepare each once.
	stmts := map[string]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	exec := func(q string, args []any) error {
		st, ok := stmts[q]
		if !ok {
			var err error
			if st, err = tx.PrepareContext(ctx, q); err != nil {
				return repertoire.Internal(err)
			}
			stmts[q] = st
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	}
	size := batchRows(tx.Dialect)
	for start := 0; start < len(msgs); start += size {
		if err := enqueueChunk(ctx, tx, exec, baseURL, from, msgs[start:min(start+size, len(msgs))]); err != nil {
			return err
		}
	}
	return nil
}

func enqueueChunk(ctx context.Context, tx *store.Tx, exec func(string, []any) error, baseURL, from string, msgs []Message) error {
	ids := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if m.PersonID != "" {
			ids = append(ids, m.PersonID)
		}
	}
	statuses := make(map[string]string, len(ids))
	if len(ids) > 0 {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, email_status FROM people WHERE id IN `+store.Rows(tx.Dialect, 1, len(ids)), args...)
		if err != nil {
			return repertoire.Internal(err)
		}
		for rows.Next() {
			var id, st string
			if err := rows.Scan(&id, &st); err != nil {
				rows.Close()
				return repertoire.Internal(err)
			}
			statuses[id] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return repertoire.Internal(err)
		}
	}

	var tokenArgs, outArgs []any
	n := 0
	plainHeaders, err := json.Marshal(map[string]string{headerFrom: from})
	if err != nil {
		return repertoire.Internal(err)
	}
	for _, m := range msgs {
		var personID any
		body, hj := m.Body, plainHeaders
		if m.PersonID != "" {
			status, known := statuses[m.PersonID]
			if !known {
				return repertoire.Internal(fmt.Errorf("outbox: mail to an unknown person"))
			}
			if status != StatusSubscribed && !m.Transactional {
				continue
			}
			personID = m.PersonID
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
		if m.PersonID != "" {
			token := store.NewToken()
			link := baseURL + "/unsubscribe/" + token
			footer := footerCatalog().For(m.Lang).T("outbox.footer", "URL", link)
			body = strings.TrimRight(m.Body, "\r\n") + "\n\n-- \n" + footer + "\n"
			if hj, err = json.Marshal(map[string]string{headerFrom: from, headerListUnsubscribe: "<" + link + ">", headerListUnsubPost: oneClick}); err != nil {
				return repertoire.Internal(err)
			}
			tokenArgs = append(tokenArgs, store.HashToken(token), m.PersonID, purposeUnsubscribe, tx.Now, tx.Now.Add(UnsubscribeTTL))
		}
		outArgs = append(outArgs, store.NewID(), personID, to.Address, subject, body, string(hj), "pending", 0, tx.Now, tx.Now)
		n++
	}
	if n == 0 {
		return nil
	}
	if len(tokenArgs) > 0 {
		q := `INSERT INTO mail_tokens (token_hash, person_id, purpose, created_at, expires_at) VALUES ` +
			store.Rows(tx.Dialect, len(tokenArgs)/5, 5)
		if err := exec(q, tokenArgs); err != nil {
			return err
		}
	}
	q := `INSERT INTO outbox (id, person_id, to_address, subject, body_text, headers, status, attempts, next_attempt_at, created_at) VALUES ` +
		store.Rows(tx.Dialect, n, 10)
	return exec(q, outArgs)
}

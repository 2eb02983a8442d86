package outbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"

	"repertoire"
	"repertoire/internal/store"
)

// batchRows bounds the rows of one multi-row INSERT: 9 arguments an outbox
// row, well under SQLite's 32766 and PostgreSQL's 65535 placeholders.
const batchRows = 100

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
	for start := 0; start < len(msgs); start += batchRows {
		if err := enqueueChunk(ctx, tx, exec, baseURL, from, msgs[start:min(start+batchRows, len(msgs))]); err != nil {
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
		in, args := inList(ids, 1)
		rows, err := tx.QueryContext(ctx, `SELECT id, email_status FROM people WHERE id IN (`+in+`)`, args...)
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

	var tokenSQL, outSQL strings.Builder
	tokenSQL.WriteString(`INSERT INTO mail_tokens (token_hash, person_id, purpose, created_at, expires_at) VALUES `)
	outSQL.WriteString(`INSERT INTO outbox (id, person_id, to_address, subject, body_text, headers, status, attempts, next_attempt_at, created_at) VALUES `)
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
			b := make([]byte, 32)
			rand.Read(b)
			token := base64.RawURLEncoding.EncodeToString(b)
			link := baseURL + "/unsubscribe/" + token
			footer := footerCatalog().For(m.Lang).T("outbox.footer", "URL", link)
			body = strings.TrimRight(m.Body, "\r\n") + "\n\n-- \n" + footer + "\n"
			if hj, err = json.Marshal(map[string]string{headerFrom: from, headerListUnsubscribe: "<" + link + ">", headerListUnsubPost: oneClick}); err != nil {
				return repertoire.Internal(err)
			}
			if len(tokenArgs) > 0 {
				tokenSQL.WriteString(", ")
			}
			t := len(tokenArgs)
			fmt.Fprintf(&tokenSQL, "($%d, $%d, $%d, $%d, $%d)", t+1, t+2, t+3, t+4, t+5)
			tokenArgs = append(tokenArgs, hashToken(token), m.PersonID, purposeUnsubscribe, tx.Now, tx.Now.Add(UnsubscribeTTL))
		}
		if n > 0 {
			outSQL.WriteString(", ")
		}
		o := len(outArgs)
		fmt.Fprintf(&outSQL, "($%d, $%d, $%d, $%d, $%d, $%d, 'pending', 0, $%d, $%d)", o+1, o+2, o+3, o+4, o+5, o+6, o+7, o+7)
		outArgs = append(outArgs, store.NewID(), personID, to.Address, subject, body, string(hj), tx.Now)
		n++
	}
	if n == 0 {
		return nil
	}
	if len(tokenArgs) > 0 {
		if err := exec(tokenSQL.String(), tokenArgs); err != nil {
			return err
		}
	}
	return exec(outSQL.String(), outArgs)
}

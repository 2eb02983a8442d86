package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"repertoire"
	"repertoire/internal/store"
)

// Erased stands for an erased person's address or name in a mail to
// someone else that is not delivered yet.
const Erased = "—"

// ErasePerson removes from the outbox what it holds of a person being
// erased, inside the erasing transaction (account calls it: the outbox
// imports nothing of account). Every mail to them goes, by id or by
// address (participation confirmations carry no id), delivered or not,
// and every mail about them (Message.About). Their address, and their
// name (given and family names as mails write them, "Ana Martin"), become
// Erased in the mails to others not yet delivered (a petition's delivery
// lists the signers who shared their name, in its body and its CSV), and
// their address in the subject of any mail. It costs a scan of the outbox:
// erasures are rare, and an index would cost every mail written.
func ErasePerson(ctx context.Context, tx *store.Tx, personID, email, name string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE person_id = $1 OR about_person_id = $1 OR LOWER(to_address) = $2`,
		personID, email); err != nil {
		return repertoire.Internal(err)
	}
	var needles []string
	for _, n := range []string{email, strings.TrimSpace(name)} {
		if len(n) > 1 { // a one-letter name would blank every mail's letter
			needles = append(needles, n)
		}
	}
	for i, n := range needles {
		// The address wherever it is; the name only in the bodies still
		// waiting (a delivered mail keeps its subject, where only its About
		// person is named).
		q := `UPDATE outbox SET subject = REPLACE(subject, $1, $2), body_text = REPLACE(body_text, $1, $2)
			WHERE subject LIKE $3 ESCAPE '\' OR body_text LIKE $3 ESCAPE '\'`
		if i > 0 {
			q = `UPDATE outbox SET body_text = REPLACE(body_text, $1, $2) WHERE body_text LIKE $3 ESCAPE '\'`
		}
		if _, err := tx.ExecContext(ctx, q, n, Erased, "%"+likeEscaper.Replace(n)+"%"); err != nil {
			return repertoire.Internal(err)
		}
	}
	return eraseInAttachments(ctx, tx, needles)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// eraseInAttachments replaces the needles in the attachments of the mails
// not yet delivered (base64 in the row, so SQL cannot look inside): a
// delivery's CSV of signers. A delivered mail keeps none.
func eraseInAttachments(ctx context.Context, tx *store.Tx, needles []string) error {
	if len(needles) == 0 {
		return nil
	}
	type mail struct {
		id  string
		all []Attachment
	}
	var changed []mail
	rows, err := tx.QueryContext(ctx, `SELECT id, attachments FROM outbox WHERE attachments <> '[]'`)
	if err != nil {
		return repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m mail
		var raw string
		if err := rows.Scan(&m.id, &raw); err != nil {
			return repertoire.Internal(err)
		}
		if err := json.Unmarshal([]byte(raw), &m.all); err != nil {
			return repertoire.Internal(err)
		}
		hit := false
		for i := range m.all {
			for _, n := range needles {
				if a := &m.all[i]; bytes.Contains(a.Data, []byte(n)) {
					a.Data, hit = bytes.ReplaceAll(a.Data, []byte(n), []byte(Erased)), true
				}
			}
		}
		if hit {
			changed = append(changed, m)
		}
	}
	if err := rows.Err(); err != nil {
		return repertoire.Internal(err)
	}
	rows.Close()
	for _, m := range changed {
		b, err := json.Marshal(m.all)
		if err != nil {
			return repertoire.Internal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET attachments = $1 WHERE id = $2`, string(b), m.id); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	netmail "net/mail"
	"slices"
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
// and every mail about them (Message.About). Their address and their name
// (given and family names as mails write them, "Ana Martin") become Erased
// in the mails to others still waiting or failed, subject, body and
// attachments: a petition's delivery lists the signers who shared their
// name. Those mails lose the Reply-To naming their address (an
// organizer's message, a delivery they made: the mail still goes, replies
// to the no-reply sender) and their name in the sender's display name
// (EraseName). A delivered mail keeps only its subject, which names
// nobody but its About person.
//
// Finding the mails to them costs a scan of the outbox (as the schema's
// cascade from people already did): an index on the recipient would cost
// every mail written, erasures are rare. The mails waiting are found by
// their status's index.
func ErasePerson(ctx context.Context, tx *store.Tx, personID, email, name string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	// Mails to a person are addressed to their normalized address (lower
	// case, as people.email): compared as stored, the scan costs a quarter
	// of what LOWER() on every row did on PostgreSQL.
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE person_id = $1 OR about_person_id = $1 OR to_address = $2`,
		personID, email); err != nil {
		return repertoire.Internal(err)
	}
	if err := eraseCopy(ctx, tx, email); err != nil {
		return err
	}
	if err := eraseHeaders(ctx, tx, email, strings.TrimSpace(name)); err != nil {
		return err
	}
	var needles []string
	for _, n := range []string{email, strings.TrimSpace(name)} {
		if len(n) > 1 { // a one-letter name would blank every mail's letter
			needles = append(needles, n)
		}
	}
	for _, n := range needles {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET subject = REPLACE(subject, $1, $2), body_text = REPLACE(body_text, $1, $2),
			body_html = REPLACE(body_html, $1, $2)
			WHERE status IN ('pending', 'failed') AND (subject LIKE $3 ESCAPE '\' OR body_text LIKE $3 ESCAPE '\' OR body_html LIKE $3 ESCAPE '\')`,
			n, Erased, "%"+store.EscapeLike(n)+"%"); err != nil {
			return repertoire.Internal(err)
		}
	}
	return eraseInAttachments(ctx, tx, needles)
}

// eraseCopy takes the erased address out of the copies of the mails not
// delivered yet (a delivered mail keeps none): the mail still goes to
// its other recipients.
func eraseCopy(ctx context.Context, tx *store.Tx, email string) error {
	if email == "" {
		return nil
	}
	type mail struct{ id, cc string }
	var changed []mail
	rows, err := tx.QueryContext(ctx, `SELECT id, cc_addresses FROM outbox WHERE status IN ('pending', 'failed') AND LOWER(cc_addresses) LIKE $1 ESCAPE '\'`,
		"%"+store.EscapeLike(email)+"%")
	if err != nil {
		return repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m mail
		if err := rows.Scan(&m.id, &m.cc); err != nil {
			return repertoire.Internal(err)
		}
		changed = append(changed, m)
	}
	if err := rows.Err(); err != nil {
		return repertoire.Internal(err)
	}
	rows.Close()
	for _, m := range changed {
		all, err := ccAddresses(m.cc)
		if err != nil {
			return repertoire.Internal(err)
		}
		all = slices.DeleteFunc(all, func(a string) bool { return strings.EqualFold(a, email) })
		cc, err := ccList(all)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET cc_addresses = $1 WHERE id = $2`, cc, m.id); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// eraseHeaders takes the erased person out of the headers of the mails not
// delivered yet (a delivered mail keeps none): a Reply-To that is their
// address is dropped, and their name in the sender's display name becomes
// Erased (EraseName). The headers are JSON, the display name encoded by
// RFC 2047 when it is not ASCII: the rows are picked by SQL (the address,
// the name as it is, or an encoded word) and read in Go.
func eraseHeaders(ctx context.Context, tx *store.Tx, email, name string) error {
	if email == "" && len(name) < 2 {
		return nil
	}
	like := func(s string) string { return "%" + store.EscapeLike(s) + "%" }
	emailLike, nameLike := "", ""
	if email != "" {
		emailLike = like(email)
	}
	if len(name) > 1 { // a one-letter name would blank every sender's letter
		nameLike = like(name)
	}
	type mail struct{ id, headers string }
	var changed []mail
	rows, err := tx.QueryContext(ctx, `SELECT id, headers FROM outbox WHERE status IN ('pending', 'failed')
		AND (($1 <> '' AND LOWER(headers) LIKE $1 ESCAPE '\') OR ($2 <> '' AND (headers LIKE $2 ESCAPE '\' OR headers LIKE '%=?%?=%')))`,
		emailLike, nameLike)
	if err != nil {
		return repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return repertoire.Internal(err)
		}
		h := map[string]string{}
		if err := json.Unmarshal([]byte(raw), &h); err != nil {
			return repertoire.Internal(err)
		}
		hit := false
		if r, err := netmail.ParseAddress(h[headerReplyTo]); err == nil && email != "" && strings.EqualFold(r.Address, email) {
			delete(h, headerReplyTo)
			hit = true
		}
		if f, err := addressParser.Parse(h[headerFrom]); err == nil && len(name) > 1 && strings.Contains(f.Name, name) {
			if f.Name = EraseName(f.Name, name); f.Name == "" {
				f.Name = defaultName
			}
			h[headerFrom], hit = f.String(), true
		}
		if hit {
			b, err := json.Marshal(h)
			if err != nil {
				return repertoire.Internal(err)
			}
			changed = append(changed, mail{id, string(b)})
		}
	}
	if err := rows.Err(); err != nil {
		return repertoire.Internal(err)
	}
	rows.Close()
	for _, m := range changed {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET headers = $1 WHERE id = $2`, m.headers, m.id); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// addressParser reads a display name encoded by RFC 2047 in any charset
// mail.Address.String writes (UTF-8).
var addressParser = netmail.AddressParser{WordDecoder: &mime.WordDecoder{}}

// EraseName is a sender's display name without an erased person's name
// (given and family names, "Ana Martin"): each time it appears it becomes
// Erased, and a display name left with nothing else is "" (the sender's
// own, Repertoire, stands then). The outbox erases names so in the mails
// not yet delivered; a capability keeping a sender's name for mails still
// to come (a message being sent) erases it the same way.
func EraseName(display, name string) string {
	name = strings.TrimSpace(name)
	if len(name) < 2 || !strings.Contains(display, name) {
		return display
	}
	display = strings.ReplaceAll(display, name, Erased)
	if strings.Trim(display, Erased+" ,;:-–—&+/()") == "" {
		return ""
	}
	return display
}

// eraseInAttachments replaces the needles in the attachments of the mails
// waiting or failed (base64 in the row, so SQL cannot look inside): a
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
	rows, err := tx.QueryContext(ctx, `SELECT id, attachments FROM outbox WHERE status IN ('pending', 'failed') AND attachments <> '[]'`)
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

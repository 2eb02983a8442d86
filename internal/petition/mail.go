package petition

import (
	"context"
	"repertoire"
	"strings"

	"repertoire/internal/account"
	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// mailDelivery queues the delivery mail, inside the delivery's
// transaction: from the community, the text, the count, the names and
// localities of signers who agreed to share them, and the same as a CSV
// attachment (none when nobody agreed, which the body then says). It is
// one mail: to the first target with an address, the others and the
// organizer who delivered in Cc (each sees who else has it, and the
// organizer has the very mail sent); replies go to the organizer.
func (h *Handler) mailDelivery(ctx context.Context, tx *store.Tx, actorID string, p *Petition, d *Delivery, sh *sheet, lang string, l *i18n.Localizer) error {
	var organizer *account.Person
	if actorID != "" {
		var err error
		if organizer, err = account.GetPerson(ctx, tx, actorID); err != nil && repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			return err
		}
	}
	replyTo := ""
	if organizer != nil {
		replyTo = organizer.Email
	}
	var to string
	var cc []string
	for _, t := range p.Targets {
		switch {
		case t.Email == "":
		case to == "":
			to = t.Email
		default:
			cc = append(cc, t.Email)
		}
	}
	if to == "" {
		return nil
	}
	if replyTo != "" {
		cc = append(cc, replyTo)
	}
	body := l.T("petition.mail.delivery.body", "Title", p.Title, "Community", p.CommunityName, "Text", p.Text,
		"Total", web.FormatNumber(l.Lang, d.Count), "Any", sh.Shared > 0, "Shared", web.FormatNumber(l.Lang, sh.Shared),
		"Names", strings.Join(sh.Names, "\n"), "Note", d.Note, "Page", h.baseURL+p.Path(), "ReplyTo", replyTo)
	subject := l.T("petition.mail.delivery.subject", "Title", p.Title, "Community", p.CommunityName, "Total", web.FormatNumber(l.Lang, d.Count))
	var files []outbox.Attachment
	if sh.Shared > 0 {
		files = []outbox.Attachment{{Name: "signatures.csv", ContentType: "text/csv; charset=utf-8", Data: sh.CSV}}
	}
	return outbox.Enqueue(ctx, tx, h.baseURL, outbox.Message{To: to, Cc: cc, Lang: lang, Transactional: true,
		Subject: subject, Body: body, FromName: p.CommunityName, ReplyTo: replyTo, Attachments: files})
}

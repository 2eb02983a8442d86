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

// mailDelivery queues the delivery mail to each target with an address,
// inside the delivery's transaction: from the community, the text, the
// count, the names and localities of signers who agreed to share them,
// and the same as a CSV attachment (none when nobody agreed, which the
// body then says). Replies go to the organizer who delivered, who gets a
// copy of what was sent.
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
	body := l.T("petition.mail.delivery.body", "Title", p.Title, "Community", p.CommunityName, "Text", p.Text,
		"Total", web.FormatNumber(l.Lang, d.Count), "Any", sh.Shared > 0, "Shared", web.FormatNumber(l.Lang, sh.Shared),
		"Names", strings.Join(sh.Names, "\n"), "Note", d.Note, "Page", h.baseURL+p.Path(), "ReplyTo", replyTo)
	subject := l.T("petition.mail.delivery.subject", "Title", p.Title, "Community", p.CommunityName, "Total", web.FormatNumber(l.Lang, d.Count))
	var files []outbox.Attachment
	if sh.Shared > 0 {
		files = []outbox.Attachment{{Name: "signatures.csv", ContentType: "text/csv; charset=utf-8", Data: sh.CSV}}
	}
	var mailed []string
	for _, t := range p.Targets {
		if t.Email == "" {
			continue
		}
		if err := outbox.Enqueue(ctx, tx, h.baseURL, outbox.Message{To: t.Email, Lang: lang, Transactional: true,
			Subject: subject, Body: body, FromName: p.CommunityName, ReplyTo: replyTo, Attachments: files,
		}); err != nil {
			return err
		}
		mailed = append(mailed, t.Name+" <"+t.Email+">")
	}
	if len(mailed) == 0 || replyTo == "" {
		return nil
	}
	// The organizer's copy, as a Cc would give it, without showing the
	// target their address beyond the Reply-To.
	return outbox.Enqueue(ctx, tx, h.baseURL, outbox.Message{To: replyTo, PersonID: organizer.ID, Lang: lang, Transactional: true,
		Subject:  l.T("petition.mail.delivery.copy_subject", "Subject", subject),
		Body:     l.T("petition.mail.delivery.copy_intro", "Targets", strings.Join(mailed, ", ")) + "\n\n" + body,
		FromName: p.CommunityName, Attachments: files, Catalog: h.cat})
}

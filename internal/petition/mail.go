package petition

import (
	"context"
	"strings"

	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// mailDelivery queues the delivery mail to each target with an address,
// inside the delivery's transaction: the text, the count, the names and
// localities of signers who agreed to share them, and the same as a CSV
// attachment.
func (h *Handler) mailDelivery(ctx context.Context, tx *store.Tx, p *Petition, d *Delivery, sh *sheet, lang string, l *i18n.Localizer) error {
	body := l.T("petition.mail.delivery.body", "Title", p.Title, "Text", p.Text, "Total", web.FormatNumber(l.Lang, d.Count),
		"Shared", web.FormatNumber(l.Lang, sh.Shared), "Names", strings.Join(sh.Names, "\n"), "Note", d.Note, "Page", h.baseURL+p.Path())
	subject := l.T("petition.mail.delivery.subject", "Title", p.Title, "Total", web.FormatNumber(l.Lang, d.Count))
	for _, t := range p.Targets {
		if t.Email == "" {
			continue
		}
		if err := outbox.Enqueue(ctx, tx, h.baseURL, outbox.Message{To: t.Email, Lang: lang, Transactional: true,
			Subject: subject, Body: body,
			Attachments: []outbox.Attachment{{Name: "signatures.csv", ContentType: "text/csv; charset=utf-8", Data: sh.CSV}},
		}); err != nil {
			return err
		}
	}
	return nil
}

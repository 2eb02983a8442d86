package petition

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// --- the organizers' page: review queue, delivery, export ---

type manageData struct {
	S          *scope
	Counts     participation.Counts
	Queue      []participation.Participant
	Deliveries []Delivery
	Demands    []campaign.Demand
	Statuses   []string
	Form       *web.Form
}

func (h *Handler) renderManage(w http.ResponseWriter, r *http.Request, status int, s *scope, f *web.Form) {
	ctx := r.Context()
	d := manageData{S: s, Form: f, Statuses: campaign.Statuses}
	var err error
	if d.Counts, err = participation.CountsOf(ctx, h.Store.db.Reader(), s.Petition.ID); err == nil {
		if d.Queue, err = h.parts.ReviewQueue(ctx, s.Petition.ID, 200); err == nil {
			d.Deliveries, err = h.Store.Deliveries(ctx, s.Petition.ID)
		}
	}
	if err == nil && len(s.Petition.DemandIDs) > 0 {
		var full *campaign.Campaign
		if full, err = h.campaigns.Get(ctx, s.Petition.CampaignID); err == nil {
			want := map[string]bool{}
			for _, id := range s.Petition.DemandIDs {
				want[id] = true
			}
			for _, sec := range full.Sections {
				for _, dm := range sec.Demands {
					if want[dm.ID] {
						d.Demands = append(d.Demands, dm)
					}
				}
			}
		}
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, status, "petition_manage", web.Localizer(ctx).T("petition.manage.title", "Title", s.Petition.Title), d)
}

func (h *Handler) manage(w http.ResponseWriter, r *http.Request) {
	s := h.load(w, r, true, true)
	if s == nil {
		return
	}
	h.renderManage(w, r, http.StatusOK, s, web.NewForm(nil))
}

func (h *Handler) manageURL(s *scope) string { return s.Petition.Path() + "/manage" }

// review confirms or rejects the checked flagged signatures at once.
func (h *Handler) review(w http.ResponseWriter, r *http.Request) {
	s := h.load(w, r, true, true)
	if s == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	accept := f.Get("decision") == "accept"
	if !accept && f.Get("decision") != "reject" {
		h.pages.Error(w, r, repertoire.Invalid("decision", "field.bad_choice", nil))
		return
	}
	if _, err := h.parts.Review(r.Context(), web.ViewerID(r), s.Petition.ID, f.Values["id"], accept); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.forget(s.Petition.ID)
	flash := "petition.review.rejected"
	if accept {
		flash = "petition.review.accepted"
	}
	web.Redirect(w, r, h.manageURL(s), flash)
}

func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request) {
	s := h.load(w, r, true, true)
	if s == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	if err := h.Store.SetStatus(r.Context(), s.Petition.ID, f.Get("status")); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.forget(s.Petition.ID)
	web.Redirect(w, r, h.manageURL(s), "petition.status.saved")
}

// DemandMove is a demand status change recorded with a delivery.
type DemandMove struct {
	DemandID string
	Status   string
}

// Deliver hands the petition to its targets: a mail to each target with an
// address (the text, the count, the names and localities of signers who
// agreed to share them, and the same as a CSV attachment), a delivery row,
// an entry on the campaign timeline, and any demand status moves.
func (h *Handler) Deliver(ctx context.Context, actorID string, p *Petition, note, lang string, moves []DemandMove) (*Delivery, error) {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 2000 {
		return nil, repertoire.Invalid("note", "field.too_long", map[string]any{"Max": 2000})
	}
	for _, m := range moves {
		if !campaign.ValidStatus(m.Status) {
			return nil, repertoire.Invalid("demand_status", "campaign.bad_status", nil)
		}
	}
	counts, err := participation.CountsOf(ctx, h.Store.db.Reader(), p.ID)
	if err != nil {
		return nil, err
	}
	// Signers who agreed to share their name with the target.
	var names []string
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	l := h.cat.For(lang)
	cw.Write([]string{l.T("petition.csv.name"), l.T("petition.csv.locality"), l.T("petition.csv.country"), l.T("petition.csv.signed_at")})
	shared := 0
	err = h.parts.Confirmed(ctx, p.ID, func(pt participation.Participant) error {
		if !pt.ShareWithTarget {
			return nil
		}
		shared++
		name := strings.TrimSpace(pt.GivenName + " " + pt.FamilyName)
		at := ""
		if pt.ConfirmedAt != nil {
			at = pt.ConfirmedAt.Format(time.DateOnly)
		}
		cw.Write([]string{csvSafe(name), csvSafe(pt.Locality), csvSafe(pt.Country), at})
		if len(names) < 1000 { // the mail body lists the first thousand; the attachment has everyone
			line := name
			if pt.Locality != "" {
				line += " (" + pt.Locality + ")"
			}
			names = append(names, line)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cw.Flush()
	d := &Delivery{ID: store.NewID(), Count: counts.Total(), Note: note}
	err = h.Store.db.Write(ctx, func(tx *store.Tx) error {
		d.DeliveredAt = tx.Now
		if _, err := tx.ExecContext(ctx, `INSERT INTO petition_deliveries (id, petition_id, delivered_at, count, note, delivered_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, d.ID, p.ID, tx.Now, d.Count, note, nullID(actorID)); err != nil {
			return repertoire.Internal(err)
		}
		body := l.T("petition.mail.delivery.body", "Title", p.Title, "Text", p.Text, "Total", web.FormatNumber(l.Lang, d.Count), "Shared", web.FormatNumber(l.Lang, shared),
			"Names", strings.Join(names, "\n"), "Note", note, "Page", h.baseURL+p.Path())
		for _, t := range p.Targets {
			if t.Email == "" {
				continue
			}
			if err := outbox.Enqueue(ctx, tx, h.baseURL, outbox.Message{To: t.Email, Lang: lang, Transactional: true,
				Subject: l.T("petition.mail.delivery.subject", "Title", p.Title, "Total", web.FormatNumber(l.Lang, d.Count)), Body: body,
				Attachments: []outbox.Attachment{{Name: "signatures.csv", ContentType: "text/csv; charset=utf-8", Data: buf.Bytes()}},
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The timeline entry and the demand moves are the campaign's own
	// writes, each in its own transaction after the delivery is recorded.
	title := l.T("petition.timeline.delivered", "Title", p.Title, "Total", web.FormatNumber(l.Lang, d.Count))
	if err := h.campaigns.AddUpdate(ctx, actorID, p.CampaignID, campaign.UpdateInput{Title: title, Body: note, PublishedAt: d.DeliveredAt}); err != nil {
		return nil, err
	}
	for _, m := range moves {
		if err := h.campaigns.SetDemandStatus(ctx, actorID, m.DemandID, campaign.StatusChange{Status: m.Status, Note: title, ChangedAt: d.DeliveredAt}); err != nil {
			return nil, err
		}
	}
	h.forget(p.ID)
	return d, nil
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// csvSafe keeps a spreadsheet from reading a signer's name as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func demandMoves(f *web.Form, p *Petition) []DemandMove {
	var moves []DemandMove
	for _, id := range p.DemandIDs {
		if st := f.Get("demand_status[" + id + "]"); st != "" {
			moves = append(moves, DemandMove{DemandID: id, Status: st})
		}
	}
	return moves
}

func (h *Handler) deliver(w http.ResponseWriter, r *http.Request) {
	s := h.load(w, r, true, true)
	if s == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	l := web.Localizer(r.Context())
	if _, err := h.Deliver(r.Context(), web.ViewerID(r), s.Petition, f.Get("note"), l.Lang, demandMoves(f, s.Petition)); err != nil {
		if !f.SetErrors(l, err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderManage(w, r, formStatus(err), s, f)
		return
	}
	web.Redirect(w, r, h.manageURL(s), "petition.delivered")
}

// Answer records the target's answer to a delivery, on the petition and
// the campaign timeline.
func (h *Handler) Answer(ctx context.Context, actorID string, p *Petition, deliveryID, answer, lang string) error {
	answer = strings.TrimSpace(answer)
	switch n := len([]rune(answer)); {
	case n == 0:
		return repertoire.Invalid("answer", "field.required", nil)
	case n > 5000:
		return repertoire.Invalid("answer", "field.too_long", map[string]any{"Max": 5000})
	}
	var at time.Time
	err := h.Store.db.Write(ctx, func(tx *store.Tx) error {
		at = tx.Now
		r, err := tx.ExecContext(ctx, `UPDATE petition_deliveries SET answer = $3, answered_at = $4 WHERE id = $1 AND petition_id = $2`,
			deliveryID, p.ID, answer, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
	if err != nil {
		return err
	}
	l := h.cat.For(lang)
	return h.campaigns.AddUpdate(ctx, actorID, p.CampaignID, campaign.UpdateInput{
		Title: l.T("petition.timeline.answered", "Title", p.Title), Body: answer, PublishedAt: at})
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request) {
	s := h.load(w, r, true, true)
	if s == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	l := web.Localizer(r.Context())
	if err := h.Answer(r.Context(), web.ViewerID(r), s.Petition, r.PathValue("delivery"), f.Get("answer"), l.Lang); err != nil {
		if !f.SetErrors(l, err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderManage(w, r, formStatus(err), s, f)
		return
	}
	web.Redirect(w, r, h.manageURL(s), "petition.answer.saved")
}

// WriteCSV writes the confirmed signers of a petition as CSV, each with
// only what they agreed to share: the name when they agreed to show it or
// to give it to the target, the email only when they agreed to be
// contacted. Never IP addresses.
func (h *Handler) WriteCSV(ctx context.Context, w *csv.Writer, p *Petition, l *i18n.Localizer) error {
	w.Write([]string{l.T("petition.csv.name"), l.T("petition.csv.email"), l.T("petition.csv.locality"), l.T("petition.csv.country"),
		l.T("petition.csv.comment"), l.T("petition.csv.signed_at"), l.T("petition.csv.origin")})
	err := h.parts.Confirmed(ctx, p.ID, func(pt participation.Participant) error {
		name, email := "", ""
		if pt.PublicName || pt.ShareWithTarget {
			name = strings.TrimSpace(pt.GivenName + " " + pt.FamilyName)
		}
		if pt.ContactOK {
			email = pt.Email
		}
		at := ""
		if pt.ConfirmedAt != nil {
			at = pt.ConfirmedAt.Format(time.RFC3339)
		}
		return w.Write([]string{csvSafe(name), csvSafe(email), csvSafe(pt.Locality), csvSafe(pt.Country), csvSafe(pt.Comment), at, csvSafe(pt.OriginSystem)})
	})
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	return err
}

func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request) {
	s := h.load(w, r, true, true)
	if s == nil {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+s.Petition.Slug+`-signers.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := h.WriteCSV(r.Context(), csv.NewWriter(w), s.Petition, web.Localizer(r.Context())); err != nil {
		h.log.Error("csv export failed", "err", err)
	}
}

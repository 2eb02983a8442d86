package petition

import (
	"encoding/csv"
	"net/http"
	"strings"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/participation"
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
	if d.Counts, err = participation.CountsOf(ctx, h.Store.db.Reader(), s.Tactic.ID); err == nil {
		if d.Queue, err = h.parts.ReviewQueue(ctx, s.Tactic.ID, 200); err == nil {
			d.Deliveries, err = h.Store.Deliveries(ctx, s.Tactic.ID)
		}
	}
	if err == nil {
		d.Demands, err = h.Store.Demands(ctx, s.Tactic)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, status, "petition_manage", web.Localizer(ctx).T("petition.manage.title", "Title", s.Tactic.Title), d)
}

func (h *Handler) manage(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	h.renderManage(w, r, http.StatusOK, s, web.NewForm(nil))
}

func (h *Handler) manageURL(s *scope) string { return s.Tactic.Path() + "/manage" }

// review confirms or rejects the checked flagged signatures at once, after
// a confirmation page saying how many and what follows.
func (h *Handler) review(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
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
	ids := f.Values["id"]
	if len(ids) == 0 {
		web.Redirect(w, r, h.manageURL(s)+"#review", "petition.review.none")
		return
	}
	verb := map[bool]string{true: "accept", false: "reject"}[accept]
	l := web.Localizer(r.Context())
	if !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("petition.review.confirm_"+verb, "Count", len(ids)),
		Consequences: []string{l.T("petition.review.consequence_" + verb)},
		Button:       l.T("petition.review." + verb),
		Back:         h.manageURL(s) + "#review",
	}) {
		return
	}
	if _, err := h.parts.Review(r.Context(), web.ViewerID(r), s.Tactic.ID, ids, accept); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.forget(s.Tactic.ID)
	flash := "petition.review.rejected"
	if accept {
		flash = "petition.review.accepted"
	}
	web.Redirect(w, r, h.manageURL(s), flash)
}

func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	if err := h.Store.SetStatus(r.Context(), s.Tactic.ID, f.Get("status")); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.forget(s.Tactic.ID)
	web.Redirect(w, r, h.manageURL(s), "petition.status.saved")
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

// deliver hands the petition to its targets once the organizer confirmed
// what goes where; a petition delivered before says so, and delivering it
// again is that page's explicit choice.
func (h *Handler) deliver(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	if c, err := h.deliveryConfirmation(r, s); err != nil {
		h.pages.Error(w, r, err)
		return
	} else if !h.pages.Confirmed(w, r, f, c) {
		return
	}
	participation.Post(w, r, h.pages, "petition.delivered", func(f *web.Form) (string, error) {
		if _, err := h.Deliver(r.Context(), web.ViewerID(r), s.Tactic, f.Get("note"), web.Localizer(r.Context()).Lang, demandMoves(f, s.Tactic)); err != nil {
			return "", err
		}
		return h.manageURL(s), nil
	}, func(status int, f *web.Form) { h.renderManage(w, r, status, s, f) })
}

// deletePetition deletes a petition once its confirmation page was
// answered; one with counted signatures is refused at once, saying why
// (close it instead).
func (h *Handler) deletePetition(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	counts, err := participation.CountsOf(r.Context(), h.Store.db.Reader(), s.Tactic.ID)
	if err == nil && counts.Total() > 0 {
		err = errCounted
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	l := web.Localizer(r.Context())
	if !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("petition.delete.confirm", "Title", s.Tactic.Title),
		Consequences: []string{l.T("petition.delete.consequence", "Count", counts.Pending+counts.Flagged)},
		Button:       l.T("petition.delete.submit"),
		Back:         h.manageURL(s) + "#state",
	}) {
		return
	}
	if err := h.Store.DeleteUncounted(r.Context(), s.Tactic.ID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.forget(s.Tactic.ID)
	web.Redirect(w, r, "/c/"+s.Community.Slug+"/"+s.Campaign.Slug, "petition.deleted")
}

func (h *Handler) deliveryConfirmation(r *http.Request, s *scope) (web.Confirmation, error) {
	ctx := r.Context()
	l := web.Localizer(ctx)
	counts, err := participation.CountsOf(ctx, h.Store.db.Reader(), s.Tactic.ID)
	if err != nil {
		return web.Confirmation{}, err
	}
	past, err := h.Store.Deliveries(ctx, s.Tactic.ID)
	if err != nil {
		return web.Confirmation{}, err
	}
	var to []string
	for _, t := range s.Tactic.Targets {
		if t.Email != "" {
			to = append(to, t.Name)
		}
	}
	targets := strings.Join(to, ", ")
	if targets == "" {
		targets = l.T("petition.deliver.no_address")
	}
	c := web.Confirmation{
		Question:     l.T("petition.deliver.confirm", "Title", s.Tactic.Title),
		Consequences: []string{l.T("petition.deliver.consequence", "Count", counts.Total(), "Targets", targets)},
		Button:       l.T("petition.deliver.submit"),
		Back:         h.manageURL(s) + "#deliver",
	}
	if len(past) > 0 { // newest first
		c.Consequences = append([]string{l.T("petition.deliver.again", "Date", web.FormatDate(l.Lang, past[0].DeliveredAt))}, c.Consequences...)
		c.Button = l.T("petition.deliver.again_submit")
	}
	return c, nil
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "petition.answer.saved", func(f *web.Form) (string, error) {
		err := h.Answer(r.Context(), web.ViewerID(r), s.Tactic, r.PathValue("delivery"), f.Get("answer"), web.Localizer(r.Context()).Lang)
		if err != nil {
			return "", err
		}
		return h.manageURL(s), nil
	}, func(status int, f *web.Form) { h.renderManage(w, r, status, s, f) })
}

func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+s.Tactic.Slug+`-signers.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := h.WriteCSV(r.Context(), csv.NewWriter(w), s.Tactic, web.Localizer(r.Context())); err != nil {
		h.log.Error("csv export failed", "err", err)
	}
}

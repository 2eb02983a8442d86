package ledger

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// pageData is the public ledger page, and its block on the campaign page.
type pageData struct {
	Place   *campaign.Place
	Entries []*Entry
	Totals  Totals
	Kinds   []string
	Form    *web.Form
	Lang    string
}

// Money writes an amount for the page's language.
func (d pageData) Money(amount int64, currency string) string {
	return FormatAmount(d.Lang, amount, currency)
}

// Path is the ledger page's address.
func (d pageData) Path() string {
	return "/c/" + d.Place.Community.Slug + "/" + d.Place.Campaign.Slug + "/ledger"
}

func (h *Handler) data(r *http.Request, p *campaign.Place, f *web.Form) (pageData, error) {
	entries, _, err := h.List(r.Context(), p.Campaign.ID, api.Filter{}, 0, 0)
	if err != nil {
		return pageData{}, err
	}
	return pageData{Place: p, Entries: entries, Totals: Sum(entries), Kinds: Kinds, Form: f, Lang: web.Localizer(r.Context()).Lang}, nil
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	p, err := campaign.LocateRequest(r, h.communities, h.campaigns)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, p, web.NewForm(url.Values{"date": {store.Now().Format("2006-01-02")}, "kind": {KindFunding}}))
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p *campaign.Place, f *web.Form) {
	d, err := h.data(r, p, f)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, status, "ledger_page", web.Localizer(r.Context()).T("ledger.title_of", "Campaign", p.Campaign.Title), d)
}

func (h *Handler) add(w http.ResponseWriter, r *http.Request) {
	p, err := campaign.LocateRequest(r, h.communities, h.campaigns)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	if !p.RequireOrganizer(w, r, h.pages, "campaign.organizers_only") {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	in := Input{Date: f.Get("date"), Kind: f.Get("kind"), Channel: f.Get("channel"), Currency: f.Get("currency"), Purpose: f.Get("purpose")}
	amount, ok := ParseAmount(f.Get("amount"), strings.ToUpper(strings.TrimSpace(in.Currency)))
	in.Amount = amount
	_, err = h.Add(r.Context(), p.Campaign.ID, in)
	if !ok { // the amount as typed, named whatever else is wrong
		errs := repertoire.Errors{repertoire.Invalid("amount", "ledger.bad_amount", nil)}
		for _, e := range repertoire.FieldErrors(err) {
			if e.Field != "amount" {
				errs = append(errs, e)
			}
		}
		err = errs
	}
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, p, f)
		return
	}
	web.Redirect(w, r, "/c/"+p.Community.Slug+"/"+p.Campaign.Slug+"/ledger", "ledger.added")
}

func (h *Handler) remove(w http.ResponseWriter, r *http.Request) {
	p, err := campaign.LocateRequest(r, h.communities, h.campaigns)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	if !p.RequireOrganizer(w, r, h.pages, "campaign.organizers_only") {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	// A published account of money: an entry goes only once asked.
	l := web.Localizer(r.Context())
	if !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("ledger.delete_confirm"),
		Consequences: []string{l.T("ledger.delete_consequence")},
		Button:       l.T("ledger.delete"),
		Back:         "/c/" + p.Community.Slug + "/" + p.Campaign.Slug + "/ledger",
	}) {
		return
	}
	if err := h.Delete(r.Context(), p.Campaign.ID, r.PathValue("entry")); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/c/"+p.Community.Slug+"/"+p.Campaign.Slug+"/ledger", "ledger.deleted")
}

// CampaignBlock is the ledger's totals on the campaign's page, for
// visitors when it has entries, for organizers always (campaign.Block).
func (h *Handler) CampaignBlock(r *http.Request, p *campaign.Place, _ []campaign.Tactic) (template.HTML, error) {
	d, err := h.data(r, p, nil)
	if err != nil {
		return "", err
	}
	if len(d.Entries) == 0 && !p.CanOrganize {
		return "", nil
	}
	return h.pages.Fragment(r, "ledger_page", "ledger_block", d)
}

package vault

import (
	"net/http"
	"time"

	"repertoire"
	"repertoire/internal/api"
)

// The member's own vault through the API, with their token: whoever holds
// the token reads and changes their own vault only, an administrator's
// token included.
//
//	GET    /api/v1/vault                          counts and consents per category
//	PUT    /api/v1/vault/consents/{category}      {"consent": "share" | "do_not_share" | "ask_me"}
//	GET    /api/v1/vault/items?category=…         the items, paged (filter on created_date)
//	POST   /api/v1/vault/items                    {"category", "text", "time"?}: an entered item
//	GET    /api/v1/vault/items/{id}
//	DELETE /api/v1/vault/items/{id}

func (h *Handler) apiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+api.Prefix+"/vault", h.apiVault)
	mux.HandleFunc("PUT "+api.Prefix+"/vault/consents/{category}", h.apiSetConsent)
	mux.HandleFunc("GET "+api.Prefix+"/vault/items", h.apiItems)
	mux.HandleFunc("POST "+api.Prefix+"/vault/items", h.apiAddItem)
	mux.HandleFunc("GET "+api.Prefix+"/vault/items/{id}", h.apiItem)
	mux.HandleFunc("DELETE "+api.Prefix+"/vault/items/{id}", h.apiDeleteItem)
}

func (h *Handler) itemDoc(it Item) map[string]any {
	doc := it.document()
	doc["identifiers"] = api.Identifiers(it.ID)
	doc["modified_date"] = doc["created_date"] // an item is never changed, only deleted
	doc["browser_url"] = h.baseURL + "/account/vault/c/" + it.Category + "#item-" + it.ID
	doc["_links"] = api.Links{"self": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/vault/items", it.ID)}}
	return doc
}

func (h *Handler) apiVault(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	ctx := r.Context()
	counts, err := h.Store.Counts(ctx, p.PersonID)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	consents, err := h.Store.Consents(ctx, p.PersonID)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	cats := make([]map[string]any, 0, len(Categories))
	for _, c := range Categories {
		cats = append(cats, map[string]any{"category": c, "items": counts[c], "consent": consents[c],
			"_links": api.Links{"items": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/vault/items") + "?category=" + c}}})
	}
	api.JSON(w, http.StatusOK, map[string]any{"categories": cats,
		"_links": api.Links{"self": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/vault")},
			"items": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/vault/items")}}})
}

type consentBody struct {
	Consent *string `json:"consent"`
}

func (h *Handler) apiSetConsent(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	c := r.PathValue("category")
	if !ValidCategory(c) {
		api.Problem(w, r, h.log, repertoire.Errorf(repertoire.ENOTFOUND, "vault.category_not_found"))
		return
	}
	var body consentBody
	if err := api.DecodeStrict(w, r, &body, nil); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if body.Consent == nil {
		api.Problem(w, r, h.log, repertoire.Invalid("consent", "field.required", nil))
		return
	}
	if err := h.Store.SetConsent(r.Context(), p.PersonID, c, Consent(*body.Consent)); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, map[string]any{"category": c, "consent": *body.Consent,
		"_links": api.Links{"self": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/vault/consents", c)}}})
}

func (h *Handler) apiItems(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	dates, err := api.ParseFilter(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	c := r.URL.Query().Get("category")
	if c != "" && !ValidCategory(c) {
		api.Problem(w, r, h.log, repertoire.Invalid("category", "vault.category_unknown", map[string]any{"Category": c}))
		return
	}
	items, total, err := h.Store.ItemsPage(r.Context(), p.PersonID, c, dates, page.Offset(), page.PerPage)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]map[string]any, 0, len(items))
	for _, it := range items {
		docs = append(docs, h.itemDoc(it))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:vault_items", docs, total, page))
}

type itemBody struct {
	Category *string `json:"category"`
	Text     *string `json:"text"`
	Time     *string `json:"time"`
}

func (h *Handler) apiAddItem(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	var body itemBody
	if err := api.DecodeStrict(w, r, &body, nil); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var errs repertoire.Errors
	c, text := api.Value(body.Category), api.Value(body.Text)
	if !ValidCategory(c) {
		errs = append(errs, repertoire.Invalid("category", "vault.category_pick", nil))
	}
	if text == "" {
		errs = append(errs, repertoire.Invalid("text", "field.required", nil))
	} else if len([]rune(text)) > maxEntered {
		errs = append(errs, repertoire.Invalid("text", "vault.text_long", map[string]any{"Max": maxEntered}))
	}
	var at time.Time
	if s := api.Value(body.Time); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			errs = append(errs, repertoire.Invalid("time", "vault.time_bad", nil))
		}
		at = t.UTC()
	}
	if len(errs) > 0 {
		api.Problem(w, r, h.log, errs)
		return
	}
	it := Entered(c, text, at)
	if _, err := h.Store.Add(r.Context(), p.PersonID, []Item{it}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	// The same text twice is one item: answer with the one kept.
	kept, err := h.Store.ByHash(r.Context(), p.PersonID, it.Hash())
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", api.URL(h.baseURL, api.Prefix+"/vault/items", kept.ID))
	api.JSON(w, http.StatusCreated, h.itemDoc(kept))
}

func (h *Handler) apiItem(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	it, err := h.Store.Get(r.Context(), p.PersonID, api.ParseID(r.PathValue("id")))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.itemDoc(it))
}

func (h *Handler) apiDeleteItem(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	if err := h.Store.Delete(r.Context(), p.PersonID, api.ParseID(r.PathValue("id"))); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

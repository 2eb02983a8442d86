package vault

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/web"
)

// The member's pages: /account/vault (counts, consents, import, download,
// delete everything), /account/vault/c/{category} (its items, a page at a
// time, add one, delete one or all), and the confirmation before any
// deletion.

func (h *Handler) webRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /account/vault", h.show)
	mux.HandleFunc("POST /account/vault/consents", h.saveConsents)
	mux.HandleFunc("POST /account/vault/answers", h.saveAnswer)
	mux.HandleFunc("POST /account/vault/import", h.importUpload)
	mux.HandleFunc("GET /account/vault/download", h.download)
	mux.HandleFunc("GET /account/vault/c/{category}", h.showCategory)
	mux.HandleFunc("POST /account/vault/c/{category}", h.addEntered)
	mux.HandleFunc("GET /account/vault/delete", h.confirmDelete)
	mux.HandleFunc("POST /account/vault/delete", h.delete)
}

// importTime is how long an upload and its import may take: the server's
// own read and write timeouts are for ordinary requests.
const importTime = 2 * time.Hour

type categoryRow struct {
	Name    string
	Count   int
	Consent Consent
}

type vaultPage struct {
	Categories []categoryRow
	Total      int
	Consents   []Consent
	Formats    []string
	All        []string // the categories' names, for the import form
	Import     *web.Form
	Imported   *Result // after an import
	MaxUpload  int     // MiB
	Asks       []Ask   // the gateway's questions about ask-me categories
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, personID string, form *web.Form, imported *Result) {
	ctx := r.Context()
	counts, err := h.Store.Counts(ctx, personID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	consents, err := h.Store.Consents(ctx, personID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	page := vaultPage{Consents: Consents, Formats: Formats, All: Categories, Import: form, Imported: imported,
		MaxUpload: int(h.importer.Limits.MaxUpload >> 20)}
	if h.Asks != nil {
		if page.Asks, err = h.Asks(ctx, personID); err != nil {
			h.pages.Error(w, r, err)
			return
		}
	}
	for _, c := range Categories {
		page.Categories = append(page.Categories, categoryRow{Name: c, Count: counts[c], Consent: consents[c]})
		page.Total += counts[c]
	}
	if page.Import == nil {
		page.Import = web.NewForm(url.Values{"format": {SourceFacebook}})
	}
	h.pages.Render(w, r, status, "vault", web.Localizer(ctx).T("vault.title"), page)
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	var imported *Result
	q := r.URL.Query()
	if q.Has("added") {
		added, _ := strconv.Atoi(q.Get("added"))
		read, _ := strconv.Atoi(q.Get("read"))
		imported = &Result{Added: max(added, 0), Read: max(read, 0)}
	}
	h.render(w, r, http.StatusOK, v.PersonID, nil, imported)
}

// saveAnswer records the member's answer (allow or refuse) to one of the
// gateway's questions: a policy, for a category they set to ask me.
func (h *Handler) saveAnswer(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	form, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	policy, category, answer := form.Get("policy"), form.Get("category"), form.Get("answer")
	if answer != "allow" && answer != "refuse" {
		h.pages.Error(w, r, repertoire.Invalid("answer", "vault.answer_unknown", nil))
		return
	}
	var asks []Ask
	if h.Asks != nil {
		var err error
		if asks, err = h.Asks(r.Context(), v.PersonID); err != nil {
			h.pages.Error(w, r, err)
			return
		}
	}
	asked := slices.ContainsFunc(asks, func(a Ask) bool {
		return a.PolicyID == policy && slices.ContainsFunc(a.Categories, func(c AskCategory) bool { return c.Name == category })
	})
	if !asked {
		h.pages.Error(w, r, repertoire.Invalid("policy", "vault.answer_not_asked", nil))
		return
	}
	if err := h.Store.SetAnswer(r.Context(), v.PersonID, policy, category, answer == "allow"); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/account/vault#ask-"+policy, "vault.answer_saved")
}

// saveConsents records the consent of every category posted. A category
// not posted keeps its consent; an unknown choice changes nothing.
func (h *Handler) saveConsents(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	form, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	set := map[string]Consent{}
	for _, c := range Categories {
		if !form.Values.Has(c) {
			continue
		}
		consent := Consent(form.Get(c))
		if !consent.Valid() {
			h.pages.Error(w, r, repertoire.Invalid(c, "vault.consent_unknown", nil))
			return
		}
		set[c] = consent
	}
	for _, c := range Categories {
		if consent, ok := set[c]; ok {
			if err := h.Store.SetConsent(r.Context(), v.PersonID, c, consent); err != nil {
				h.pages.Error(w, r, err)
				return
			}
		}
	}
	web.Redirect(w, r, "/account/vault#consents", "vault.consents_saved")
}

// maxField bounds a text part of the import form.
const maxField = 1024

// importUpload streams the upload into a file of the data directory,
// imports it and removes it. The form's text fields are read as they
// come; its file is never held in memory, nor spooled by net/http into
// the system's temporary directory (ParseMultipartForm would).
func (h *Handler) importUpload(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	ctx := r.Context()
	l := web.Localizer(ctx)
	values := url.Values{}
	fail := func(err error) {
		form := web.NewForm(values)
		if !form.SetErrors(l, err) {
			h.pages.Error(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, v.PersonID, form, nil)
	}
	if !h.limit.AllowKey(v.PersonID) {
		fail(repertoire.Invalid("file", "error.rate_limited", nil))
		return
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(importTime))
	rc.SetWriteDeadline(time.Now().Add(importTime))
	r.Body = http.MaxBytesReader(w, r.Body, h.importer.Limits.MaxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		fail(repertoire.Invalid("file", "vault.file_missing", nil))
		return
	}
	var path string
	defer func() {
		if path != "" {
			os.Remove(path)
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				fail(repertoire.Invalid("file", "vault.file_too_large", map[string]any{"Max": h.importer.Limits.MaxUpload >> 20}))
				return
			}
			fail(repertoire.Invalid("file", "vault.file_unreadable", nil))
			return
		}
		name := part.FormName()
		switch {
		case name == "file" && path == "" && part.FileName() != "":
			p, _, err := Spool(h.uploads, part, h.importer.Limits.MaxUpload)
			if err != nil {
				fail(err)
				return
			}
			path = p
		case name == "format" || name == "category" || name == "time_field":
			b, _ := io.ReadAll(io.LimitReader(part, maxField+1))
			if len(b) > maxField || !utf8.Valid(b) {
				fail(repertoire.Invalid(name, "field.bad_utf8_field", map[string]any{"Field": name}))
				return
			}
			values.Set(name, strings.TrimSpace(string(b)))
		}
		part.Close()
	}
	g := Generic{Format: values.Get("format"), Category: values.Get("category"), TimeField: values.Get("time_field")}
	var errs repertoire.Errors
	if !slices.Contains(Formats, g.Format) {
		errs = append(errs, repertoire.Invalid("format", "vault.format_unknown", nil))
	} else if g.Format != SourceFacebook {
		if err := g.Check(); err != nil {
			errs = append(errs, repertoire.FieldErrors(err)...)
		}
	}
	if path == "" {
		errs = append(errs, repertoire.Invalid("file", "vault.file_missing", nil))
	}
	if len(errs) > 0 {
		fail(errs)
		return
	}
	res, err := h.importer.ImportFile(ctx, v.PersonID, path, g)
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/account/vault?added="+strconv.Itoa(res.Added)+"&read="+strconv.Itoa(res.Read)+"#import", http.StatusSeeOther)
}

// download gives every item and consent as one JSON document, written
// as it is read.
func (h *Handler) download(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	ctx := r.Context()
	consents, err := h.Store.Consents(ctx, v.PersonID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="repertoire-vault.json"`)
	w.Header().Set("Cache-Control", "no-store")
	head, _ := json.Marshal(consents)
	io.WriteString(w, `{"consents": `+string(head)+`, "items": [`)
	first := true
	err = h.Store.Each(ctx, v.PersonID, func(it Item) error {
		b, err := json.Marshal(it.document())
		if err != nil {
			return err
		}
		if !first {
			io.WriteString(w, ",")
		}
		first = false
		_, err = w.Write(append([]byte("\n"), b...))
		return err
	})
	if err != nil {
		// The answer has begun: stop it short, so the file is not
		// mistaken for a whole one.
		h.log.Error("vault: download cut short", "err", err)
		panic(http.ErrAbortHandler)
	}
	io.WriteString(w, "\n]}\n")
}

// itemView is an item as a page shows it: its fields one per line.
type itemView struct {
	Item
	Fields []field
}

type field struct{ Name, Value string }

// maxShown bounds the text of one field on a page (the download has all).
const maxShown = 500

func view(it Item) itemView {
	out := itemView{Item: it}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(it.Data, &m); err != nil {
		return out
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		var s string
		if err := json.Unmarshal(m[k], &s); err != nil {
			s = string(m[k])
		}
		if utf8.RuneCountInString(s) > maxShown {
			s = string([]rune(s)[:maxShown]) + "…"
		}
		out.Fields = append(out.Fields, field{k, s})
	}
	return out
}

// perPage is how many items a category's page shows.
const perPage = 50

type categoryPage struct {
	Category string
	Count    int
	Consent  Consent
	Items    []itemView
	Next     string // the id to continue after; "" on the last page
	First    bool
	Add      *web.Form
}

func (h *Handler) category(w http.ResponseWriter, r *http.Request) (string, bool) {
	c := r.PathValue("category")
	if !ValidCategory(c) {
		h.pages.Error(w, r, repertoire.Errorf(repertoire.ENOTFOUND, "vault.category_not_found"))
		return "", false
	}
	return c, true
}

func (h *Handler) renderCategory(w http.ResponseWriter, r *http.Request, status int, personID, c string, form *web.Form) {
	ctx := r.Context()
	after := r.URL.Query().Get("after")
	items, err := h.Store.Items(ctx, personID, c, after, perPage+1)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	counts, err := h.Store.Counts(ctx, personID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	consent, err := h.Store.Consent(ctx, personID, c)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	page := categoryPage{Category: c, Count: counts[c], Consent: consent, First: after == "", Add: form}
	if len(items) > perPage {
		items = items[:perPage]
		page.Next = items[perPage-1].ID
	}
	for _, it := range items {
		page.Items = append(page.Items, view(it))
	}
	if page.Add == nil {
		page.Add = web.NewForm(nil)
	}
	l := web.Localizer(ctx)
	h.pages.Render(w, r, status, "vault_category", l.T("vault.category_title", "Category", l.T("vault.category."+c)), page)
}

func (h *Handler) showCategory(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	if c, ok := h.category(w, r); ok {
		h.renderCategory(w, r, http.StatusOK, v.PersonID, c, nil)
	}
}

// maxEntered bounds what a member types as one item.
const maxEntered = 10000

// addEntered keeps what the member typed as an item of the category.
func (h *Handler) addEntered(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	c, ok := h.category(w, r)
	if !ok {
		return
	}
	form, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	text := strings.TrimSpace(form.Get("text"))
	var err error
	switch {
	case text == "":
		err = repertoire.Invalid("text", "field.required", nil)
	case utf8.RuneCountInString(text) > maxEntered:
		err = repertoire.Invalid("text", "vault.text_long", map[string]any{"Max": maxEntered})
	default:
		_, err = h.Store.Add(r.Context(), v.PersonID, []Item{Entered(c, text, time.Time{})})
	}
	if err != nil {
		if !form.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderCategory(w, r, http.StatusUnprocessableEntity, v.PersonID, c, form)
		return
	}
	web.Redirect(w, r, "/account/vault/c/"+c, "vault.entered")
}

// deletion is what a delete form names: one item, a category or all.
type deletion struct {
	Item     *itemView
	Category string
	All      bool
	Count    int
}

func (h *Handler) readDeletion(w http.ResponseWriter, r *http.Request, personID string, vals url.Values) (*deletion, bool) {
	ctx := r.Context()
	d := &deletion{}
	switch {
	case vals.Get("item") != "":
		it, err := h.Store.Get(ctx, personID, vals.Get("item"))
		if err != nil {
			h.pages.Error(w, r, err)
			return nil, false
		}
		iv := view(it)
		d.Item, d.Category, d.Count = &iv, it.Category, 1
	case vals.Get("category") != "":
		c := vals.Get("category")
		if !ValidCategory(c) {
			h.pages.Error(w, r, repertoire.Errorf(repertoire.ENOTFOUND, "vault.category_not_found"))
			return nil, false
		}
		counts, err := h.Store.Counts(ctx, personID)
		if err != nil {
			h.pages.Error(w, r, err)
			return nil, false
		}
		d.Category, d.Count = c, counts[c]
	default:
		counts, err := h.Store.Counts(ctx, personID)
		if err != nil {
			h.pages.Error(w, r, err)
			return nil, false
		}
		d.All = true
		for _, n := range counts {
			d.Count += n
		}
	}
	return d, true
}

// confirmDelete asks before anything is deleted.
func (h *Handler) confirmDelete(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	if d, ok := h.readDeletion(w, r, v.PersonID, r.URL.Query()); ok {
		h.pages.Render(w, r, http.StatusOK, "vault_delete", web.Localizer(r.Context()).T("vault.delete_title"), d)
	}
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	form, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	d, ok := h.readDeletion(w, r, v.PersonID, form.Values)
	if !ok {
		return
	}
	ctx := r.Context()
	switch {
	case d.Item != nil:
		if err := h.Store.Delete(ctx, v.PersonID, d.Item.ID); err != nil {
			h.pages.Error(w, r, err)
			return
		}
		web.Redirect(w, r, "/account/vault/c/"+d.Category, "vault.deleted_item")
	case d.Category != "":
		if _, err := h.Store.DeleteCategory(ctx, v.PersonID, d.Category); err != nil {
			h.pages.Error(w, r, err)
			return
		}
		web.Redirect(w, r, "/account/vault", "vault.deleted_category")
	default:
		if _, err := h.Store.DeleteCategory(ctx, v.PersonID, ""); err != nil {
			h.pages.Error(w, r, err)
			return
		}
		web.Redirect(w, r, "/account/vault", "vault.deleted_all")
	}
}

package campaign

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// visibleCommunity finds the community of the URL; a private one is not
// found for outsiders.
func (h *Handler) visibleCommunity(r *http.Request) (*community.Community, error) {
	com, err := h.communities.Get(r.Context(), r.PathValue("community"))
	if err != nil {
		return nil, err
	}
	ok, err := h.communities.CanView(r.Context(), com, web.ViewerID(r))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, repertoire.Errorf(repertoire.ENOTFOUND, "campaign.community_not_found")
	}
	return com, nil
}

// organizer checks that the viewer organizes the community: visitors are
// sent to sign in (nil, nil), others get 403.
func (h *Handler) organizer(w http.ResponseWriter, r *http.Request, com *community.Community) (bool, error) {
	v := web.ViewerFrom(r.Context())
	if v == nil {
		next := r.URL.Path
		if r.Method != http.MethodGet { // come back to the page, not the post
			next = "/c/" + com.Slug
			if s := r.PathValue("campaign"); s != "" {
				next += "/" + s
			}
		}
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
		return false, nil
	}
	ok, err := h.communities.CanOrganize(r.Context(), com.ID, v.PersonID)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, repertoire.Errorf(repertoire.EFORBIDDEN, "campaign.organizers_only")
	}
	return true, nil
}

// page is what every campaign page gets: the campaign, its community, and
// whether the viewer organizes it.
type page struct {
	C           *Campaign
	Community   *community.Community
	CanOrganize bool
}

// load finds the campaign of the URL for the viewer; with organize the
// viewer must organize its community. It writes the error page and returns
// nil on failure.
func (h *Handler) load(w http.ResponseWriter, r *http.Request, organize bool) *page {
	pl, err := LocateRequest(r, h.communities, h.Store)
	if err != nil {
		h.pages.Error(w, r, err)
		return nil
	}
	if organize && !pl.RequireOrganizer(w, r, h.pages, "campaign.organizers_only") {
		return nil
	}
	return &page{C: pl.Campaign, Community: pl.Community, CanOrganize: pl.CanOrganize}
}

// formStatus is the status of a refused form: 409 for a taken slug, 422
// for invalid fields.
func formStatus(err error) int { return repertoire.Status(repertoire.ErrorCode(err)) }

// foldLines gathers the errors of the lines of a "one per line" textarea
// (prefix[0].text, prefix[3].name, …) into the textarea's own error,
// each introduced by its number ("Demand 4: …").
func foldLines(f *web.Form, l *i18n.Localizer, prefix, lineID string) {
	type lineErr struct {
		n   int
		msg string
	}
	var lines []lineErr
	for field, msg := range f.Errors {
		rest, ok := strings.CutPrefix(field, prefix+"[")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, "]")
		n, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		lines = append(lines, lineErr{n, msg})
		delete(f.Errors, field)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].n < lines[j].n })
	var msgs []string
	if own := f.Errors[prefix]; own != "" {
		msgs = append(msgs, own)
	}
	for _, le := range lines {
		msgs = append(msgs, l.T(lineID, "N", le.n+1, "Error", le.msg))
	}
	if len(msgs) > 0 {
		f.Errors[prefix] = strings.Join(msgs, "\n")
	}
}

// demandLines reads a "one demand per line" box (demands) and its boxes
// in the campaign's other languages (translations.<lang>.demands): line n
// of a language's box is demand n's text in it, as the API's demands'
// translations. A language's box left empty gives no translation; one
// whose lines are not as many as the demands is refused, naming it.
func demandLines(f *web.Form, langs []string) ([]DemandInput, error) {
	var out []DemandInput
	for _, l := range Lines(f.Get("demands")) {
		out = append(out, DemandInput{Text: l})
	}
	var es repertoire.Errors
	for _, lang := range langs {
		box := web.TranslationField(lang, "demands")
		lines := Lines(f.Get(box))
		switch {
		case len(lines) == 0:
		case len(lines) != len(out):
			es = append(es, repertoire.Invalid(box, "campaign.demand_lines_mismatch", map[string]any{"Lines": len(lines), "Demands": len(out)}))
		default:
			for j, l := range lines {
				out[j].Translations.Set(lang, "text", l)
			}
		}
	}
	return out, es.Err()
}

// linesOfBoxes names a demand's refused translation by its line in its
// language's box: demands[2].translations.fr.text is line 3 of
// translations.fr.demands (foldLines then writes "Demand 3: …" there).
func linesOfBoxes(err error) error {
	es := repertoire.FieldErrors(err)
	if es == nil {
		return err
	}
	for _, e := range es {
		rest, ok := strings.CutPrefix(e.Field, "demands[")
		if !ok {
			continue
		}
		n, field, _ := strings.Cut(rest, "].")
		if lang, ok := strings.CutPrefix(field, "translations."); ok {
			e.Field = web.TranslationField(strings.TrimSuffix(lang, ".text"), "demands") + "[" + n + "]"
		}
	}
	return es
}

// demandBoxes are the boxes of a demands form whose lines' errors are
// folded: the own language's and the others'.
func demandBoxes(langs []string) []string {
	out := []string{"demands"}
	for _, l := range langs {
		out = append(out, web.TranslationField(l, "demands"))
	}
	return out
}

// sectionForm is one fieldset of the no-JS demand editor.
type sectionForm struct {
	Index int
	Name  string // demand_sections[i]
}

// Letter is the fieldset's letter.
func (s sectionForm) Letter() string { return web.SectionLetter(s.Index + 1) }

type newData struct {
	Form          *web.Form
	Community     *community.Community
	Sections      []sectionForm
	CanAddSection bool
	Languages     web.LanguagesData
}

// detailsLanguages are the campaign's fields written in each language.
var detailsLanguages = web.LanguagesData{Fields: []web.TranslatedField{
	{Name: "title", Label: "campaign.field.title"}, {Name: "summary", Label: "campaign.field.summary", Rows: 5}}}

// detailsVersions reads the details form's language and versions: title
// and summary were shown as own_language's (fallback when none), the
// translations fieldsets as the other languages'. A language changed in
// the form takes its fieldset's version as the campaign's own, and the
// fields' one becomes a translation: no text is lost by switching.
func detailsVersions(f *web.Form, fallback string) (lang, title, summary string, t i18n.Translations) {
	shown, ok := i18n.ParseLanguage(f.Get("own_language"))
	if !ok {
		shown = fallback
	}
	lang, title, summary = f.Get("language"), f.Get("title"), f.Get("summary")
	t = f.Translations(OtherLanguages(shown), "title", "summary")
	if l, ok := i18n.ParseLanguage(lang); ok && l != shown {
		t.Set(shown, "title", strings.TrimSpace(title))
		t.Set(shown, "summary", strings.TrimSpace(summary))
		title, summary = t.Get(l, "title"), t.Get(l, "summary")
		delete(t, l)
	}
	return lang, title, summary, t
}

func (h *Handler) renderNew(w http.ResponseWriter, r *http.Request, status int, com *community.Community, f *web.Form, n int) {
	d := newData{Form: f, Community: com, CanAddSection: n < MaxSections, Languages: detailsLanguages}
	if f.Get("own_language") == "" {
		own, ok := i18n.ParseLanguage(com.Language)
		if !ok {
			own = i18n.Languages[0]
		}
		f.Values.Set("own_language", own)
		if f.Get("language") == "" {
			f.Values.Set("language", own)
		}
	}
	for i := range n {
		d.Sections = append(d.Sections, sectionForm{Index: i, Name: sectionField(i)})
	}
	f.Values.Set("sections", strconv.Itoa(n))
	h.pages.Render(w, r, status, "campaign_new", web.Localizer(r.Context()).T("campaign.new_title"), d)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	com, err := h.visibleCommunity(r)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	if ok, err := h.organizer(w, r, com); !ok {
		if err != nil {
			h.pages.Error(w, r, err)
		}
		return
	}
	h.renderNew(w, r, http.StatusOK, com, web.NewForm(nil), defaultFormSection)
}

// campaignForm reads the new-campaign form into an input. Sections left
// wholly empty are skipped; index maps each kept section to its fieldset,
// so errors land where they were typed.
func campaignForm(f *web.Form, n int, fallback string) (in CampaignInput, index []int, errs repertoire.Errors) {
	in = CampaignInput{Slug: f.Get("slug"), Targets: Lines(f.Get("targets"))}
	in.Language, in.Title, in.Summary, in.Translations = detailsVersions(f, fallback)
	if s := strings.TrimSpace(f.Get("ultimatum_date")); s != "" {
		t, err := ParseDate(s)
		if err != nil {
			errs = append(errs, repertoire.Invalid("ultimatum_date", "field.bad_date", nil))
		} else {
			in.UltimatumAt = &t
		}
	}
	shown, ok := i18n.ParseLanguage(f.Get("own_language"))
	if !ok {
		shown = fallback
	}
	for i := range n {
		sec, es, ok := sectionVersions(f, sectionField(i), shown, in.Language)
		errs = append(errs, es...)
		if !ok {
			continue
		}
		in.Sections = append(in.Sections, sec)
		index = append(index, i)
	}
	return in, index, errs
}

// sectionVersions reads one section of the new-campaign form: its title
// and "one demand per line" box, shown as the language shown, and beside
// them the same in each other language (name.translations.<lang>.title
// and .demands, line n being demand n's text, as demandLines reads the
// demands page's boxes: a box left empty gives none, one with another
// number of lines is refused, naming it). A language changed in the form
// makes that language's version the section's own, as detailsVersions
// does for the campaign's. ok is false for a section left wholly empty.
func sectionVersions(f *web.Form, name, shown, lang string) (sec SectionInput, es repertoire.Errors, ok bool) {
	sec.Title = f.Get(name + ".title")
	lines := Lines(f.Get(name + ".demands"))
	for _, l := range lines {
		sec.Demands = append(sec.Demands, DemandInput{Text: l})
	}
	empty := strings.TrimSpace(sec.Title) == "" && len(lines) == 0
	for _, other := range OtherLanguages(shown) {
		box := name + "." + web.TranslationField(other, "demands")
		title := strings.TrimSpace(f.Get(name + "." + web.TranslationField(other, "title")))
		versions := Lines(f.Get(box))
		if title != "" || len(versions) > 0 {
			empty = false
		}
		sec.Translations.Set(other, "title", title)
		switch {
		case len(versions) == 0:
		case len(versions) != len(lines):
			es = append(es, repertoire.Invalid(box, "campaign.demand_lines_mismatch", map[string]any{"Lines": len(versions), "Demands": len(lines)}))
		default:
			for j, v := range versions {
				sec.Demands[j].Translations.Set(other, "text", v)
			}
		}
	}
	if empty {
		return sec, nil, false
	}
	if l, known := i18n.ParseLanguage(lang); known && l != shown {
		sec.Translations.Set(shown, "title", strings.TrimSpace(sec.Title))
		sec.Title = sec.Translations.Get(l, "title")
		sec.Translations.Set(l, "title", "")
		for j := range sec.Demands {
			d := &sec.Demands[j]
			own := d.Translations.Get(l, "text")
			d.Translations.Set(shown, "text", d.Text)
			d.Translations.Set(l, "text", "")
			d.Text = own
		}
	}
	return sec, es, true
}

// renumberFields rewrites demand_sections[k] in error fields to the
// fieldset index the section came from.
func renumberFields(err error, index []int) error {
	es := repertoire.FieldErrors(err)
	if es == nil {
		return err
	}
	out := make(repertoire.Errors, len(es))
	for i, e := range es {
		c := *e
		if rest, ok := strings.CutPrefix(c.Field, "demand_sections["); ok {
			num, after, _ := strings.Cut(rest, "]")
			if k, err := strconv.Atoi(num); err == nil && k < len(index) {
				c.Field = fmt.Sprintf("demand_sections[%d]%s", index[k], after)
			}
		}
		out[i] = &c
	}
	return out
}

func sectionCount(f *web.Form) int {
	n, err := strconv.Atoi(f.Get("sections"))
	if err != nil || n < 1 {
		return defaultFormSection
	}
	return min(n, MaxSections)
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	com, err := h.visibleCommunity(r)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	if ok, err := h.organizer(w, r, com); !ok {
		if err != nil {
			h.pages.Error(w, r, err)
		}
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	n := sectionCount(f)
	if f.Get("action") == "add_section" { // the no-JS editor: same form, one more fieldset
		h.renderNew(w, r, http.StatusOK, com, f, min(n+1, MaxSections))
		return
	}
	in, index, errs := campaignForm(f, n, com.Language)
	in.CommunityID = com.ID
	in.Draft = f.Get("action") == "draft"
	var c *Campaign
	if len(errs) > 0 { // a bad date, a version of the demands with other lines: show them with every other refused field, write nothing
		if err := in.normalize(); err != nil {
			errs = append(errs, renumberFields(err, index).(repertoire.Errors)...)
		}
		err = errs
	} else if c, err = h.Store.Create(r.Context(), web.ViewerID(r), in); err != nil {
		err = renumberFields(err, index)
	}
	if err != nil {
		l := web.Localizer(r.Context())
		if !f.SetErrors(l, err) {
			h.pages.Error(w, r, err)
			return
		}
		foldLines(f, l, "targets", "campaign.target_line_error")
		for i := range n {
			foldLines(f, l, sectionField(i)+".demands", "campaign.demand_line_error")
		}
		h.renderNew(w, r, formStatus(err), com, f, n)
		return
	}
	web.Redirect(w, r, campaignPath(c), "campaign.created")
}

// showData is the public campaign page.
type showData struct {
	*page
	Countdown string // "in 12 days", "today", "3 days ago"
	Counts    []statusCount
	Coverage  []coverageMonth
	Tactics   []Tactic
	Blocks    []template.HTML // other capabilities' sections (Block)
	Lang      string
	Adoption  *Adoption // the vote that adopted the demand list, if any
}

// Num writes a count the way the page's language does: 100,000 / 100 000.
func (d showData) Num(n int) string { return web.FormatNumber(d.Lang, n) }

// coverageMonth groups the press list by month, newest first, the way
// press pages read ("August 2018").
type coverageMonth struct {
	Month string
	Items []Coverage
}

func byMonth(lang string, items []Coverage) []coverageMonth {
	var out []coverageMonth
	for _, c := range items {
		month := c.PublishedOn
		if t, err := time.Parse(time.DateOnly, c.PublishedOn); err == nil {
			_, month, _ = strings.Cut(web.FormatDate(lang, t), " ") // drop the day
		}
		if len(out) == 0 || out[len(out)-1].Month != month {
			out = append(out, coverageMonth{Month: month})
		}
		out[len(out)-1].Items = append(out[len(out)-1].Items, c)
	}
	return out
}

type statusCount struct {
	Status string
	N      int
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, false)
	if p == nil {
		return
	}
	p.C = p.C.In(web.Localizer(r.Context()))
	d := showData{page: p, Coverage: byMonth(web.Localizer(r.Context()).Lang, p.C.Coverage), Tactics: h.tactics(r, p.C.ID, p.CanOrganize),
		Lang: web.Localizer(r.Context()).Lang}
	d.Blocks = h.blocks(r, &Place{Community: p.Community, Campaign: p.C, CanOrganize: p.CanOrganize}, d.Tactics)
	adoption, err := AdoptionOf(r.Context(), h.Store.db.Reader(), p.C.ID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	d.Adoption = adoption
	if p.C.UltimatumAt != nil {
		l := web.Localizer(r.Context())
		switch n := DaysUntil(store.Now(), *p.C.UltimatumAt); {
		case n > 0:
			d.Countdown = l.T("campaign.days_left", "Count", n)
		case n == 0:
			d.Countdown = l.T("campaign.ultimatum_today")
		default:
			d.Countdown = l.T("campaign.days_ago", "Count", -n)
		}
	}
	counts := map[string]int{}
	for _, s := range p.C.Sections {
		for _, dm := range s.Demands {
			counts[dm.Status]++
		}
	}
	for _, st := range Statuses {
		if counts[st] > 0 {
			d.Counts = append(d.Counts, statusCount{st, counts[st]})
		}
	}
	h.pages.Render(w, r, http.StatusOK, "campaign_show", p.C.Title, d)
}

// editData is the organizers' page: the campaign's fields and, each in its
// own form, sections, demands, updates and coverage.
type editData struct {
	*page
	Part     string   // the edit page shown: one of editParts
	Parts    []string // every edit page, for the page's links
	Forms    map[string]*web.Form
	Open     string // the form that was refused, to scroll to
	Kinds    []string
	Statuses []string
	// Languages offers the details' language and versions; Sections' the
	// sections' titles in the other languages.
	Languages      web.LanguagesData
	SectionFields  []web.TranslatedField
	UpdateFields   []web.TranslatedField // a timeline entry's, in the other languages
	OtherLanguages []string
}

// Form returns the named form, empty when it was not posted.
func (d editData) Form(name string) *web.Form {
	if f, ok := d.Forms[name]; ok {
		return f
	}
	return web.NewForm(nil)
}

func (h *Handler) renderEdit(w http.ResponseWriter, r *http.Request, status int, p *page, name string, f *web.Form) {
	d := editData{page: p, Part: partOf(r, name), Parts: editParts, Forms: map[string]*web.Form{}, Kinds: CoverageKinds, Statuses: Statuses,
		Languages: detailsLanguages, SectionFields: []web.TranslatedField{{Name: "title", Label: "campaign.field.section_title"}},
		UpdateFields:   []web.TranslatedField{{Name: "title", Label: "campaign.field.update_title"}, {Name: "body", Label: "campaign.field.update_body", Rows: 4}},
		OtherLanguages: OtherLanguages(p.C.Language)}
	details := web.NewForm(url.Values{
		"title": {p.C.Title}, "slug": {p.C.Slug}, "summary": {p.C.Summary},
		"targets":  {strings.Join(p.C.Targets, "\n")},
		"language": {p.C.Language}, "own_language": {p.C.Language},
	})
	details.SetTranslations(p.C.Translations)
	if p.C.UltimatumAt != nil {
		details.Values.Set("ultimatum_date", p.C.UltimatumAt.Format(time.DateOnly))
	}
	d.Forms["details"] = details
	for _, s := range p.C.Sections {
		sf := web.NewForm(url.Values{"title": {s.Title}})
		sf.SetTranslations(s.Translations)
		d.Forms["section-"+s.ID] = sf
	}
	if f != nil {
		d.Forms[name] = f
		d.Open = name
	}
	h.pages.Render(w, r, status, "campaign_edit", web.Localizer(r.Context()).T("campaign.edit_title", "Title", p.C.Title), d)
}

// partOf names the edit page a refused form is shown again on (its
// name), or the one the URL asks for.
func partOf(r *http.Request, name string) string {
	switch {
	case name == "details":
		return "details"
	case name == "update":
		return "timeline"
	case name == "coverage":
		return "coverage"
	case name != "":
		return "demands" // section-…, demands-…, section-new
	}
	if part := r.PathValue("part"); part != "" {
		return part
	}
	return "details"
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	if part := r.PathValue("part"); part != "" && (part == "details" || !slices.Contains(editParts, part)) {
		h.pages.Error(w, r, repertoire.Errorf(repertoire.ENOTFOUND, "campaign.not_found"))
		return
	}
	if p := h.load(w, r, true); p != nil {
		h.renderEdit(w, r, http.StatusOK, p, "", nil)
	}
}

// refuse re-renders the edit page with the refused form, or shows an error
// page when err names no field.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, p *page, name string, f *web.Form, err error, lines ...string) {
	l := web.Localizer(r.Context())
	if !f.SetErrors(l, err) {
		h.pages.Error(w, r, err)
		return
	}
	for _, prefix := range lines {
		id := "campaign.demand_line_error"
		if prefix == "targets" {
			id = "campaign.target_line_error"
		}
		foldLines(f, l, prefix, id)
	}
	h.renderEdit(w, r, formStatus(err), p, name, f)
}

func (h *Handler) edit(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	lang, title, summary, tr := detailsVersions(f, p.C.Language)
	slug := f.Get("slug")
	targets := Lines(f.Get("targets"))
	patch := CampaignPatch{Title: &title, Summary: &summary, Targets: &targets, Translations: &tr}
	if strings.TrimSpace(lang) != "" { // a form without the field keeps it
		patch.Language = &lang
	}
	if strings.TrimSpace(slug) != "" { // left empty: the address stays
		patch.Slug = &slug
	}
	var ult *time.Time
	var es repertoire.Errors
	if s := strings.TrimSpace(f.Get("ultimatum_date")); s != "" {
		t, err := ParseDate(s)
		if err != nil {
			es = append(es, repertoire.Invalid("ultimatum_date", "field.bad_date", nil))
		}
		ult = &t
	}
	patch.UltimatumAt = &ult
	if err := patch.normalize(); err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	}
	var err error = es
	if len(es) == 0 {
		var c *Campaign
		if c, err = h.Store.Update(r.Context(), p.C.ID, patch); err == nil {
			web.Redirect(w, r, campaignPath(c), "campaign.saved")
			return
		}
	}
	h.refuse(w, r, p, "details", f, err, "targets")
}

// delete deletes the campaign once its confirmation page was answered;
// one whose tactics counted anyone is refused at once (deletable).
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	if err := h.deletable(r.Context(), p.C.ID); err != nil { // refused at once, saying why
		h.pages.Error(w, r, err)
		return
	}
	l := web.Localizer(r.Context())
	if !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("campaign.delete_confirm", "Title", p.C.Title),
		Consequences: []string{l.T("campaign.delete_warning")},
		Button:       l.T("campaign.delete"),
		Back:         editPath(p.C, "details") + "#danger",
	}) {
		return
	}
	if err := h.Store.Delete(r.Context(), p.C.ID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/c/"+p.Community.Slug, "campaign.deleted")
}

// close closes a published campaign with its tactics still taking part,
// once its confirmation page was answered.
func (h *Handler) close(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	if err := closable(p.C); err != nil { // refused at once, saying why
		h.pages.Error(w, r, err)
		return
	}
	l := web.Localizer(r.Context())
	if !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("campaign.close_confirm", "Title", p.C.Title),
		Consequences: []string{l.T("campaign.close_consequence")},
		Button:       l.T("campaign.close"),
		Back:         editPath(p.C, "details") + "#closing",
	}) {
		return
	}
	if err := h.Close(r.Context(), web.ViewerID(r), p.C, l.Lang); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, campaignPath(p.C), "campaign.closed_now")
}

// publish makes a draft campaign public, with its published tactics.
func (h *Handler) publish(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	if _, ok := h.pages.Form(w, r); !ok {
		return
	}
	if err := h.Store.Publish(r.Context(), p.C.ID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/c/"+p.Community.Slug+"/"+p.C.Slug, "campaign.published")
}

// deleteSection deletes a section with its demands once its confirmation
// page, which counts them, was answered.
func (h *Handler) deleteSection(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	id := r.PathValue("section")
	var sec *Section
	for i := range p.C.Sections {
		if p.C.Sections[i].ID == id {
			sec = &p.C.Sections[i]
		}
	}
	if sec == nil {
		h.pages.Error(w, r, repertoire.Errorf(repertoire.ENOTFOUND, "campaign.section_not_found"))
		return
	}
	l := web.Localizer(r.Context())
	if !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("campaign.delete_section_confirm", "Letter", sec.Letter(), "Title", sec.Title),
		Consequences: []string{l.T("campaign.delete_section_consequence", "Count", len(sec.Demands))},
		Button:       l.T("campaign.delete_section", "Letter", sec.Letter()),
		Back:         editPath(p.C, "demands") + "#s-" + id,
	}) {
		return
	}
	if err := h.Store.DeleteSection(r.Context(), p.C.ID, id); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, editPath(p.C, "demands"), "campaign.section_deleted")
}

func (h *Handler) addSection(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	langs := OtherLanguages(p.C.Language)
	in := SectionInput{Title: f.Get("title"), Translations: f.Translations(langs, "title")}
	demands, err := demandLines(f, langs)
	if err == nil {
		in.Demands = demands
		_, err = h.Store.AddSection(r.Context(), web.ViewerID(r), p.C.ID, in)
	}
	if err != nil {
		h.refuse(w, r, p, "section-new", f, linesOfBoxes(err), demandBoxes(langs)...)
		return
	}
	web.Redirect(w, r, editPath(p.C, "demands"), "campaign.saved")
}

func (h *Handler) renameSection(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	id := r.PathValue("section")
	tr := f.Translations(OtherLanguages(p.C.Language), "title")
	if err := h.Store.RenameSection(r.Context(), p.C.ID, id, f.Get("title"), &tr); err != nil {
		h.refuse(w, r, p, "section-"+id, f, err)
		return
	}
	web.Redirect(w, r, editPath(p.C, "demands")+"#s-"+id, "campaign.saved")
}

func (h *Handler) moveSection(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	pos, _ := strconv.Atoi(f.Get("position"))
	id := r.PathValue("section")
	if err := h.Store.MoveSection(r.Context(), p.C.ID, id, pos); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, editPath(p.C, "demands")+"#s-"+id, "")
}

// deleteItem answers an organizer's delete of one of the campaign's items
// (a section, an update, a coverage entry), named by the path value param,
// and returns to that part of the edit page.
// deleteItem deletes a timeline entry or an article once its
// confirmation page, which names it, was answered.
func (h *Handler) deleteItem(del func(ctx context.Context, campaignID, id string) error, param, anchor, flash string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := h.load(w, r, true)
		if p == nil {
			return
		}
		f, ok := h.pages.Form(w, r)
		if !ok {
			return
		}
		l := web.Localizer(r.Context())
		title := ""
		for _, u := range p.C.Updates {
			if anchor == "timeline" && u.ID == r.PathValue(param) {
				title = u.Title
			}
		}
		for _, c := range p.C.Coverage {
			if anchor == "coverage" && c.ID == r.PathValue(param) {
				title = c.Title
			}
		}
		if title == "" {
			h.pages.Error(w, r, repertoire.Errorf(repertoire.ENOTFOUND, "error.not_found"))
			return
		}
		if !h.pages.Confirmed(w, r, f, web.Confirmation{
			Question:     l.T("campaign.delete_item_confirm", "Title", title),
			Consequences: []string{l.T("campaign.delete_item_consequence")},
			Button:       l.T("campaign.delete_item"),
			Back:         editPath(p.C, anchor),
		}) {
			return
		}
		if err := del(r.Context(), p.C.ID, r.PathValue(param)); err != nil {
			h.pages.Error(w, r, err)
			return
		}
		web.Redirect(w, r, editPath(p.C, anchor), flash)
	}
}

func (h *Handler) addDemands(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	id := r.PathValue("section")
	langs := OtherLanguages(p.C.Language)
	demands, err := demandLines(f, langs)
	if err == nil {
		err = h.Store.AddDemands(r.Context(), web.ViewerID(r), p.C.ID, id, demands)
	}
	if err != nil {
		h.refuse(w, r, p, "demands-"+id, f, linesOfBoxes(err), demandBoxes(langs)...)
		return
	}
	web.Redirect(w, r, editPath(p.C, "demands")+"#s-"+id, "campaign.saved")
}

func (h *Handler) addUpdate(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	in := UpdateInput{Title: f.Get("title"), Body: f.Get("body"), Translations: f.Translations(OtherLanguages(p.C.Language), "title", "body")}
	var err error
	if s := strings.TrimSpace(f.Get("published_date")); s != "" {
		if in.PublishedAt, err = ParseDate(s); err != nil {
			err = repertoire.Invalid("published_date", "field.bad_date", nil)
		}
	}
	if err == nil {
		if _, err = h.Store.CreateUpdate(r.Context(), web.ViewerID(r), p.C.ID, in); err == nil {
			web.Redirect(w, r, campaignPath(p.C)+"#timeline", "campaign.update_added")
			return
		}
	}
	h.refuse(w, r, p, "update", f, err)
}

func (h *Handler) addCoverage(w http.ResponseWriter, r *http.Request) {
	p := h.load(w, r, true)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	in := CoverageInput{Kind: f.Get("kind"), PublishedOn: f.Get("date"), Outlet: f.Get("outlet"), Title: f.Get("title"), Language: f.Get("language"), URL: f.Get("url")}
	if _, err := h.Store.CreateCoverage(r.Context(), p.C.ID, in); err != nil {
		h.refuse(w, r, p, "coverage", f, err)
		return
	}
	web.Redirect(w, r, campaignPath(p.C)+"#coverage", "campaign.coverage_added")
}

// demandData is a demand's own page: its history, and the organizers'
// forms to change its status, edit, move or delete it.
type demandData struct {
	*page
	D          *Demand
	Count      int // demands in its section, for the move buttons
	StatusForm *web.Form
	TextForm   *web.Form
	Statuses   []string
	// OtherLanguages offer the demand's text in the campaign's other
	// languages (TextFields).
	OtherLanguages []string
	TextFields     []web.TranslatedField
}

func (h *Handler) loadDemand(w http.ResponseWriter, r *http.Request, organize bool) (*page, *Demand) {
	p := h.load(w, r, organize)
	if p == nil {
		return nil, nil
	}
	for _, s := range p.C.Sections {
		for i := range s.Demands {
			if s.Demands[i].ID == r.PathValue("demand") {
				return p, &s.Demands[i]
			}
		}
	}
	h.pages.Error(w, r, errDemandNotFound)
	return nil, nil
}

func (h *Handler) renderDemand(w http.ResponseWriter, r *http.Request, status int, p *page, d *Demand, statusForm, textForm *web.Form) {
	if statusForm == nil {
		statusForm = web.NewForm(url.Values{"status": {d.Status}})
	}
	if textForm == nil {
		textForm = web.NewForm(url.Values{"text": {d.Text}})
		textForm.SetTranslations(d.Translations)
	}
	dd := demandData{page: p, D: d, StatusForm: statusForm, TextForm: textForm, Statuses: Statuses,
		OtherLanguages: OtherLanguages(p.C.Language), TextFields: []web.TranslatedField{{Name: "text", Label: "campaign.field.demand_text", Rows: 3}}}
	for _, s := range p.C.Sections {
		if s.ID == d.SectionID {
			dd.Count = len(s.Demands)
		}
	}
	title := web.Localizer(r.Context()).T("campaign.demand_title", "Number", d.Number(), "Title", p.C.Title)
	h.pages.Render(w, r, status, "campaign_demand", title, dd)
}

func (h *Handler) demandPage(w http.ResponseWriter, r *http.Request) {
	if p, d := h.loadDemand(w, r, false); d != nil {
		l := web.Localizer(r.Context())
		if !p.CanOrganize { // organizers edit every version on this page
			in := d.In(l, p.C.Language)
			d = &in
		}
		p.C = p.C.In(l)
		h.renderDemand(w, r, http.StatusOK, p, d, nil, nil)
	}
}

func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request) {
	p, d := h.loadDemand(w, r, true)
	if d == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	ch := StatusChange{Status: f.Get("status"), Note: f.Get("status_note"), EvidenceURL: f.Get("evidence_url")}
	var err error
	if s := strings.TrimSpace(f.Get("status_date")); s != "" {
		if ch.ChangedAt, err = ParseDate(s); err != nil {
			err = repertoire.Invalid("status_date", "field.bad_date", nil)
		}
	}
	if err == nil {
		if err = h.Store.SetDemandStatus(r.Context(), web.ViewerID(r), d.ID, ch); err == nil {
			web.Redirect(w, r, campaignPath(p.C)+"#d-"+d.ID, "campaign.status_saved")
			return
		}
	}
	if !f.SetErrors(web.Localizer(r.Context()), err) {
		h.pages.Error(w, r, err)
		return
	}
	h.renderDemand(w, r, formStatus(err), p, d, f, nil)
}

func (h *Handler) editDemand(w http.ResponseWriter, r *http.Request) {
	p, d := h.loadDemand(w, r, true)
	if d == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	text := f.Get("text")
	tr := f.Translations(OtherLanguages(p.C.Language), "text")
	if _, err := h.Store.EditDemand(r.Context(), web.ViewerID(r), p.C.ID, d.ID, DemandPatch{Text: &text, Translations: &tr}); err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderDemand(w, r, formStatus(err), p, d, nil, f)
		return
	}
	web.Redirect(w, r, campaignPath(p.C)+"#d-"+d.ID, "campaign.saved")
}

func (h *Handler) moveDemand(w http.ResponseWriter, r *http.Request) {
	p, d := h.loadDemand(w, r, true)
	if d == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	pos, err := strconv.Atoi(f.Get("position"))
	if err != nil || pos < 1 {
		h.pages.Error(w, r, repertoire.Invalid("position", "campaign.bad_position", nil))
		return
	}
	if _, err := h.Store.EditDemand(r.Context(), web.ViewerID(r), p.C.ID, d.ID, DemandPatch{Position: &pos}); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, editPath(p.C, "demands")+"#s-"+d.SectionID, "")
}

// deleteDemand deletes a demand with its status history once its
// confirmation page was answered.
func (h *Handler) deleteDemand(w http.ResponseWriter, r *http.Request) {
	p, d := h.loadDemand(w, r, true)
	if d == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	l := web.Localizer(r.Context())
	if !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("campaign.delete_demand_confirm", "Number", d.Number(), "Text", d.Text),
		Consequences: []string{l.T("campaign.delete_demand_consequence", "Count", len(d.History))},
		Button:       l.T("campaign.delete_demand", "Number", d.Number()),
		Back:         editPath(p.C, "demands") + "#s-" + d.SectionID,
	}) {
		return
	}
	if err := h.Store.DeleteDemand(r.Context(), p.C.ID, d.ID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, editPath(p.C, "demands")+"#s-"+d.SectionID, "campaign.demand_deleted")
}

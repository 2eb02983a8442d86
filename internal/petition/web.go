package petition

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/integrity"
	"repertoire/internal/participation"
	"repertoire/internal/web"
)

// Routes mounts petition pages and API. POST paths under a petition have
// six segments, like the campaign's sub-items, so they never overlap the
// community's five-segment ones.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{community}/{campaign}/petitions/new", h.newForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/petitions", h.create)
	mux.HandleFunc("GET /c/{community}/{campaign}/petitions/{petition}/edit", h.editForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/petitions/{petition}/edit", h.edit)
	// Visitors read the page from a one-second cache: a viral petition is
	// rendered once a second per language, however many read it.
	mux.HandleFunc("GET /c/{community}/{campaign}/petitions/{petition}", web.NewMicrocache(time.Second).Wrap(h.show))
	mux.HandleFunc("POST /c/{community}/{campaign}/petitions/{petition}/sign", h.sign)
	mux.HandleFunc("GET /c/{community}/{campaign}/petitions/{petition}/signed", web.NewMicrocache(time.Second).Wrap(h.signed))
	mux.HandleFunc("GET /c/{community}/{campaign}/petitions/{petition}/mastodon", h.mastodon)
	mux.HandleFunc("GET /c/{community}/{campaign}/petitions/{petition}/share.png", h.shareImage)
	mux.HandleFunc("GET /c/{community}/{campaign}/petitions/{petition}/manage", h.manage)
	mux.HandleFunc("POST /c/{community}/{campaign}/petitions/{petition}/review", h.review)
	mux.HandleFunc("POST /c/{community}/{campaign}/petitions/{petition}/deliver", h.deliver)
	mux.HandleFunc("POST /c/{community}/{campaign}/petitions/{petition}/status", h.setStatus)
	mux.HandleFunc("POST /c/{community}/{campaign}/petitions/{petition}/delete", h.deletePetition)
	mux.HandleFunc("POST /c/{community}/{campaign}/petitions/{petition}/deliveries/{delivery}/answer", h.answer)
	mux.HandleFunc("GET /c/{community}/{campaign}/petitions/{petition}/signers.csv", h.exportCSV)

	mux.HandleFunc("GET /api/v1/petitions", h.apiList)
	mux.HandleFunc("POST /api/v1/petitions", h.apiCreate)
	mux.HandleFunc("GET /api/v1/petitions/{id}", h.apiGet)
	mux.HandleFunc("GET /api/v1/petitions/{id}/signatures", h.apiSignatures)
	mux.HandleFunc("GET /api/v1/petitions/{id}/signatures/{sid}", h.apiSignature)
	mux.HandleFunc("PUT /api/v1/petitions/{id}", h.apiUpdate)
	mux.HandleFunc("PATCH /api/v1/petitions/{id}", h.apiUpdate)
	mux.HandleFunc("DELETE /api/v1/petitions/{id}", h.apiDelete)
	mux.HandleFunc("GET /api/v1/people/{id}/signatures", h.apiPersonSignatures)
	mux.HandleFunc("GET /api/v1/people/{id}/signatures/{sid}", h.apiPersonSignature)
	mux.HandleFunc("PUT /api/v1/petitions/{id}/signatures/{sid}", h.apiUpdateSignature)
	mux.HandleFunc("POST /api/v1/petitions/{id}/signatures", h.apiSign)
}

// scope is what every petition page resolves from its URL; Tactic is the
// petition.
type scope = participation.Page[*Petition]

// --- creating a petition ---

// maxFormTargets is how many target rows the no-JS form offers.
const maxFormTargets = 3

// targetRow is one target's pair of inputs on the form.
type targetRow struct{ I, N int }

// newData is the petition form's page: a new petition's, or an existing
// one's edit (Edit set).
type newData struct {
	S       *scope
	Form    *web.Form
	Targets []targetRow
	Demands []campaign.Demand
	Checked map[string]bool
	Edit    *Petition
	// OtherLanguages offer the petition in its campaign's other
	// languages (Translated's fields).
	OtherLanguages []string
	Translated     []web.TranslatedField
}

// translatedFields are the petition form's fields offered in the other
// languages.
var translatedFields = []web.TranslatedField{{Name: "title", Label: "petition.field.title"},
	{Name: "description", Label: "petition.field.description", Rows: 3}, {Name: "petition_text", Label: "petition.field.text", Rows: 8}}

func (h *Handler) renderNew(w http.ResponseWriter, r *http.Request, status int, s *scope, f *web.Form) {
	d := newData{S: s, Form: f, Checked: map[string]bool{}, Edit: s.Tactic,
		OtherLanguages: campaign.OtherLanguages(s.Campaign.Language), Translated: translatedFields}
	for i := range maxFormTargets {
		d.Targets = append(d.Targets, targetRow{I: i, N: i + 1})
	}
	full, err := h.campaigns.Get(r.Context(), s.Campaign.ID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	for _, sec := range full.Sections {
		d.Demands = append(d.Demands, sec.Demands...)
	}
	for _, id := range f.Values["demands"] {
		d.Checked[id] = true
	}
	title := web.Localizer(r.Context()).T("petition.new.title")
	if d.Edit != nil {
		title = web.Localizer(r.Context()).T("petition.edit.title", "Title", d.Edit.Title)
	} else if len(f.Values) == 0 {
		// A new petition is addressed to the campaign's targets unless
		// the organizer says otherwise.
		for i, t := range full.Targets {
			if i < maxFormTargets {
				f.Values.Set("target["+itoa(i)+"].name", t)
			}
		}
	}
	h.pages.Render(w, r, status, "petition_new", title, d)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	s := h.locator.LocateNew(w, r)
	if s == nil {
		return
	}
	h.renderNew(w, r, http.StatusOK, s, web.NewForm(nil))
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	s := h.locator.LocateNew(w, r)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "petition.created", func(f *web.Form) (string, error) {
		in, err := formInput(f, s.Campaign)
		if err != nil {
			return "", err
		}
		in.Draft = f.Get("draft") != ""
		p, err := h.Store.Create(r.Context(), web.ViewerID(r), in)
		if err != nil {
			return "", err
		}
		return p.Path(), nil
	}, func(status int, f *web.Form) { h.renderNew(w, r, status, s, f) })
}

// formInput reads the petition form, new or edited.
func formInput(f *web.Form, c *campaign.Campaign) (Input, error) {
	in := Input{CampaignID: c.ID, Title: f.Get("title"), Slug: f.Get("slug"), Description: f.Get("description"),
		Text: f.Get("petition_text"), DemandIDs: f.Values["demands"],
		Translations: f.Translations(campaign.OtherLanguages(c.Language), "title", "description", "petition_text")}
	var errs repertoire.Errors
	if g := strings.TrimSpace(f.Get("goal")); g != "" {
		n, err := strconv.Atoi(g)
		if err != nil {
			errs = append(errs, repertoire.Invalid("goal", "petition.bad_goal", nil))
		}
		in.Goal = n
	}
	for i := range maxFormTargets {
		in.Targets = append(in.Targets, Target{Name: f.Get("target[" + itoa(i) + "].name"), Email: f.Get("target[" + itoa(i) + "].email")})
	}
	return in, errs.Err()
}

// editForm shows a petition's form filled with what it says now.
func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	p := s.Tactic
	v := url.Values{"title": {p.Title}, "slug": {p.Slug}, "description": {p.Description}, "petition_text": {p.Text}, "demands": p.DemandIDs}
	if p.Goal > 0 {
		v.Set("goal", strconv.Itoa(p.Goal))
	}
	for i, t := range p.Targets {
		v.Set("target["+itoa(i)+"].name", t.Name)
		v.Set("target["+itoa(i)+"].email", t.Email)
	}
	f := web.NewForm(v)
	f.SetTranslations(p.Translations)
	h.renderNew(w, r, http.StatusOK, s, f)
}

// edit saves a petition's new text; what matters to its signers (its goal,
// its text) is told on the campaign's timeline.
func (h *Handler) edit(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "petition.edited", func(f *web.Form) (string, error) {
		in, err := formInput(f, s.Campaign)
		if err != nil {
			return "", err
		}
		p, err := h.Edit(r.Context(), web.ViewerID(r), s.Tactic, in, web.Localizer(r.Context()).Lang)
		h.forget(s.Tactic.ID)
		if err != nil {
			return "", err
		}
		return p.Path(), nil
	}, func(status int, f *web.Form) { h.renderNew(w, r, status, s, f) })
}

// --- the public page ---

// view is the public page's data that is the same for every visitor; it is
// cached for a second.
type view struct {
	Petition *Petition
	Counts   participation.Counts
	Aside    integrity.Aside // how many are set aside, and why
	LogSize  int             // the transparency log's size Counts belong to; -1 unknown
	Logged   bool            // the instance keeps a transparency log
	Growth   []participation.Bucket
	Chart    *Chart
	Recent   []participation.PublicParticipant
	Imported []participation.PublicParticipant
	Demands  []campaign.Demand
	Progress int // percent of the goal, capped at 100
	Public   bool
	// Opening is the text's first lines, shown before the form on phones;
	// Rest the paragraphs after them.
	Opening, Rest []string
}

type cachedView struct {
	v  *view
	at time.Time
}

func (h *Handler) buildView(ctx context.Context, s *scope, lang string) (*view, error) {
	p := s.Tactic
	v := &view{Petition: p, Public: s.Community.Visibility == community.Public}
	var err error
	var size int64
	if v.Counts, size, err = h.parts.CountsAt(ctx, p.ID); err != nil {
		return nil, err
	}
	if h.Integrity != nil {
		if v.Aside, err = h.Integrity.Aside(ctx, p.ID, v.Counts); err != nil {
			return nil, err
		}
	}
	v.LogSize, v.Logged = int(size), h.parts.Logged()
	if v.Growth, err = h.parts.Growth(ctx, p.ID); err != nil {
		return nil, err
	}
	v.Chart = NewChart(v.Growth, p.Goal)
	recent, err := h.parts.Recent(ctx, p.ID, 40)
	if err != nil {
		return nil, err
	}
	for _, pp := range recent {
		if pp.Imported {
			v.Imported = append(v.Imported, pp)
		} else if len(v.Recent) < 20 {
			v.Recent = append(v.Recent, pp)
		}
	}
	if v.Demands, err = h.Store.Demands(ctx, p); err != nil {
		return nil, err
	}
	for i, d := range v.Demands { // p is already in the reader's language
		v.Demands[i] = d.In(web.Localizer(ctx), p.Language)
	}
	if p.Goal > 0 {
		v.Progress = min(100, v.Counts.Total()*100/p.Goal)
	}
	v.Opening, v.Rest = opening(p.Text)
	return v, nil
}

// openingRunes is about how much of the text comes before the form on a
// phone: two or three lines, enough to know what one signs.
const openingRunes = 200

// opening splits the text's paragraphs into its first lines (at least one
// paragraph, then more while they stay short) and the rest.
func opening(text string) (first, rest []string) {
	ps := web.Paragraphs(text)
	n, i := 0, 0
	for i < len(ps) && n < openingRunes {
		n += utf8.RuneCountInString(ps[i])
		i++
	}
	return ps[:i], ps[i:]
}

type showData struct {
	*view
	S     *scope
	Form  *web.Form
	Share participation.Share
	// SetAside is the integrity review's figure beside the count.
	SetAside template.HTML
}

// share is how the petition's pages offer to spread it, in the reader's
// language.
func (h *Handler) share(l *i18n.Localizer, p *Petition) participation.Share {
	url := h.baseURL + p.Path()
	desc := p.Description
	if desc == "" {
		if ps := web.Paragraphs(p.Text); len(ps) > 0 {
			desc = ps[0]
		}
	}
	return participation.Share{URL: url, Title: p.Title, Description: web.Shorten(desc, 300),
		Text: l.T("petition.share.text", "Title", p.Title), Image: url + "/share.png", Mastodon: p.Path() + "/mastodon"}
}

// locate finds a petition's public page for the viewer: a draft is not
// found but by its organizers, who preview it there (the locator's Draft).
func (h *Handler) locate(w http.ResponseWriter, r *http.Request) *scope {
	s := h.locator.Locate(w, r, true, false)
	if s == nil {
		return nil
	}
	return s.In(web.Localizer(r.Context()), (*Petition).In) // in the reader's language
}

// show renders the public page. Public communities' pages are built at
// most once a second and shared by every visitor: the UK petitions site
// fell over under people refreshing the count.
func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	s := h.locate(w, r)
	if s == nil {
		return
	}
	// Every consent box starts unticked: consent is an act.
	h.renderShow(w, r, http.StatusOK, s, web.NewForm(nil))
}

func (h *Handler) renderShow(w http.ResponseWriter, r *http.Request, status int, s *scope, f *web.Form) {
	v, err := h.view(r.Context(), s)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	share := h.share(web.Localizer(r.Context()), s.Tactic)
	d := showData{view: v, S: s, Form: f, Share: share}
	if h.Integrity != nil {
		d.SetAside = h.Integrity.AsideBlock(r, v.Aside)
	}
	h.pages.Render(w, r, status, "petition_show", s.Tactic.Title, d)
}

func (h *Handler) view(ctx context.Context, s *scope) (*view, error) {
	lang := web.Localizer(ctx).Tag()
	key := s.Tactic.ID + "/" + lang
	public := s.Community.Visibility == community.Public
	if public {
		h.cacheMu.Lock()
		c := h.views[key]
		h.cacheMu.Unlock()
		// The counts have their own one-second cache, dropped by a
		// confirmation made here: a signer who just confirmed sees it.
		counts, err := h.parts.Counts(ctx, s.Tactic.ID)
		if err != nil {
			return nil, err
		}
		if c != nil && time.Since(c.at) < cacheTTL && c.v.Counts == counts {
			return c.v, nil
		}
	}
	v, err := h.buildView(ctx, s, lang)
	if err != nil {
		return nil, err
	}
	if public {
		h.cacheMu.Lock()
		if len(h.views) > 10_000 {
			clear(h.views)
		}
		h.views[key] = &cachedView{v: v, at: time.Now()}
		h.cacheMu.Unlock()
	}
	return v, nil
}

// sign takes a signature from the public page: pending until the signer
// follows the link mailed to them. The petition comes from LocatePost's
// snapshot; only a refused form, shown again, reads the page for the viewer.
func (h *Handler) sign(w http.ResponseWriter, r *http.Request) {
	s := h.locator.LocatePost(w, r)
	if s == nil {
		return
	}
	form := participation.Form{Kind: participation.Signature, ActionID: s.Tactic.ID, NameRequired: true,
		Done: s.Tactic.Path() + "/signed",
		Rerender: func(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
			if s := h.locate(w, r); s != nil {
				h.renderShow(w, r, status, s, f)
			}
		}}
	if s.Tactic.Status != StatusOpen {
		form.Closed = errClosed
	}
	h.parts.Take(w, r, h.pages, form)
}

// signed is the page after signing: the same for every signer (see
// participation.Done).
func (h *Handler) signed(w http.ResponseWriter, r *http.Request) {
	s := h.locate(w, r)
	if s == nil {
		return
	}
	p := s.Tactic
	participation.RenderDone(w, r, h.pages, participation.Done{Kind: participation.Signature, Title: p.Title, Path: p.Path(),
		Share: h.share(web.Localizer(r.Context()), p)})
}

// mastodon answers the share block's form asking for the person's
// Mastodon instance.
func (h *Handler) mastodon(w http.ResponseWriter, r *http.Request) {
	if s := h.locate(w, r); s != nil {
		participation.MastodonPage(w, r, h.pages, h.share(web.Localizer(r.Context()), s.Tactic))
	}
}

// shareImage is the picture of the petition's links on social sites: its
// title, count and progress. It is drawn at most once a minute per
// language, and read under the page's own access rule.
func (h *Handler) shareImage(w http.ResponseWriter, r *http.Request) {
	s := h.locate(w, r)
	if s == nil {
		return
	}
	l := web.Localizer(r.Context())
	p := s.Tactic
	err := h.cards.Serve(w, p.ID+"/"+l.Lang, s.Community.Visibility == community.Public, func() (web.ShareCard, error) {
		counts, err := h.parts.Counts(r.Context(), p.ID)
		if err != nil {
			return web.ShareCard{}, err
		}
		n := counts.Total()
		card := web.ShareCard{Kicker: s.Campaign.Title, Title: p.Title, Count: web.FormatNumber(l.Lang, n),
			CountLabel: l.T("petition.share.count_label", "Count", n), Percent: -1, Site: web.CardSite(l, h.baseURL)}
		if p.Goal > 0 {
			card.Percent = min(100, n*100/p.Goal)
			card.Goal = l.T("petition.goal", "Goal", web.FormatNumber(l.Lang, p.Goal), "Percent", card.Percent)
		}
		return card, nil
	})
	if err != nil {
		h.pages.Error(w, r, err)
	}
}

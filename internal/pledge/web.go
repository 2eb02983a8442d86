package pledge

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/integrity"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Handler serves pledge pages and the pledges API.
type Handler struct {
	Store       *Store
	communities *community.Store
	campaigns   *campaign.Store
	parts       *participation.Service
	pages       *web.Renderer
	locator     participation.Locator[*Pledge]
	access      campaign.Access // the API's rule, the campaign's
	log         *slog.Logger
	baseURL     string
	cards       *web.ShareCards // the share images, drawn once a minute

	// Integrity gives the set-aside figure beside the count (nil: none
	// shown), wired in server.go.
	Integrity *integrity.Handler
}

// New builds the pledge handler and registers pledges with the
// participation core as the action of commitments.
// jobs wakes the scheduler after an activation (nil: nothing to wake).
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string,
	communities *community.Store, campaigns *campaign.Store, parts *participation.Service, jobs *schedule.Runner) *Handler {
	s := NewStore(db, cat, baseURL, log)
	if jobs != nil {
		s.Kick = jobs.Kick
	}
	parts.Register(participation.Commitment, s)
	return &Handler{Store: s, communities: communities, campaigns: campaigns, parts: parts, pages: pages, log: log,
		baseURL: strings.TrimRight(baseURL, "/"), cards: web.NewShareCards(time.Minute),
		locator: participation.Locator[*Pledge]{Pages: pages, Communities: communities, Campaigns: campaigns,
			Get: s.GetBySlug, Param: "pledge", OrganizersOnly: "pledge.organizers_only",
			Draft: (*Pledge).Draft, NotFound: errNotFound},
		access: campaign.Access{Communities: communities, NotFound: errNotFound,
			OrganizersOnly: repertoire.Errorf(repertoire.EFORBIDDEN, "pledge.organizers_only")}}
}

// Routes mounts pledge pages and API. POST paths under a pledge have six
// segments, like the campaign's sub-items.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{community}/{campaign}/pledges/new", h.newForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/pledges", h.create)
	mux.HandleFunc("GET /c/{community}/{campaign}/pledges/{pledge}", web.NewMicrocache(time.Second).Wrap(h.show))
	mux.HandleFunc("POST /c/{community}/{campaign}/pledges/{pledge}/commit", h.commit)
	mux.HandleFunc("GET /c/{community}/{campaign}/pledges/{pledge}/committed", web.NewMicrocache(time.Second).Wrap(h.committed))
	mux.HandleFunc("GET /c/{community}/{campaign}/pledges/{pledge}/mastodon", h.mastodon)
	mux.HandleFunc("GET /c/{community}/{campaign}/pledges/{pledge}/share.png", h.shareImage)
	mux.HandleFunc("GET /c/{community}/{campaign}/pledges/{pledge}/edit", h.editForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/pledges/{pledge}/edit", h.edit)
	mux.HandleFunc("GET /c/{community}/{campaign}/pledges/{pledge}/manage", h.manage)
	mux.HandleFunc("GET /c/{community}/{campaign}/pledges/{pledge}/commitments.csv", h.exportCSV)
	mux.HandleFunc("POST /c/{community}/{campaign}/pledges/{pledge}/status", h.setStatus)
	mux.HandleFunc("POST /c/{community}/{campaign}/pledges/{pledge}/delete", h.delete)
	mux.HandleFunc("GET /pledges/checkin/{token}", h.checkinPage)
	mux.HandleFunc("POST /pledges/checkin/{token}", h.checkin)

	mux.HandleFunc("GET /api/v1/pledges", h.apiList)
	mux.HandleFunc("POST /api/v1/pledges", h.apiCreate)
	mux.HandleFunc("GET /api/v1/pledges/{id}", h.apiGet)
	mux.HandleFunc("PUT /api/v1/pledges/{id}", h.apiUpdate)
	mux.HandleFunc("PATCH /api/v1/pledges/{id}", h.apiUpdate)
	mux.HandleFunc("DELETE /api/v1/pledges/{id}", h.apiDelete)
	mux.HandleFunc("GET /api/v1/pledges/{id}/commitments", h.apiCommitments)
	mux.HandleFunc("POST /api/v1/pledges/{id}/commitments", h.apiCommit)
}

// scope is what every pledge page resolves from its URL; Tactic is the
// pledge.
type scope = participation.Page[*Pledge]

// Form dates are days: the window runs from the start of its first day to
// the end of its last (window_end is the midnight that ends it, see
// Pledge.LastDay), and commitments are taken until the end of the
// deadline's day (UTC).
func formDates(f *web.Form, in *Input) repertoire.Errors {
	var es repertoire.Errors
	day := func(field string, end time.Duration) time.Time {
		s := strings.TrimSpace(f.Get(field))
		if s == "" {
			return time.Time{} // normalize reports it missing
		}
		t, err := campaign.ParseDate(s)
		if err != nil {
			es = append(es, repertoire.Invalid(field, "field.bad_date", nil))
			return time.Time{}
		}
		return t.Add(end)
	}
	in.Deadline = day("deadline", 24*time.Hour-time.Second)
	in.WindowStart = day("window_start", 0)
	in.WindowEnd = day("window_end", 24*time.Hour)
	return es
}

// formInput reads the pledge form. Errors of unreadable fields come back
// with the input's own errors.
func formInput(f *web.Form) (Input, error) {
	in := Input{Title: f.Get("title"), Slug: f.Get("slug"), Action: f.Get("action"), Description: f.Get("description"),
		Translations: f.Translations(i18n.Languages, "title", "action", "description")} // the campaign's own is dropped when written
	es := formDates(f, &in)
	if s := strings.TrimSpace(strings.NewReplacer(",", "", " ", "", "\u202f", "", "\u00a0", "").Replace(f.Get("threshold"))); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			es = append(es, repertoire.Invalid("threshold", "pledge.threshold_min", nil))
			n = 1 // reported; keep normalize from reporting it twice
		}
		in.Threshold = n
	}
	if err := in.normalize(store.Now()); err != nil {
		for _, e := range repertoire.FieldErrors(err) {
			if !hasField(es, e.Field) {
				es = append(es, e)
			}
		}
	}
	return in, es.Err()
}

func hasField(es repertoire.Errors, field string) bool {
	for _, e := range es {
		if e.Field == field {
			return true
		}
	}
	return false
}

type formData struct {
	*scope
	Form *web.Form
}

// OtherLanguages are those the form offers the pledge in, beside its
// campaign's.
func (d formData) OtherLanguages() []string { return campaign.OtherLanguages(d.Campaign.Language) }

// Translated are the form's fields offered in the other languages.
func (formData) Translated() []web.TranslatedField {
	return []web.TranslatedField{{Name: "title", Label: "pledge.field.title"}, {Name: "action", Label: "pledge.field.action"},
		{Name: "description", Label: "pledge.field.description", Rows: 6}}
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	s := h.locator.LocateNew(w, r)
	if s == nil {
		return
	}
	h.pages.Render(w, r, http.StatusOK, "pledge_new", web.Localizer(r.Context()).T("pledge.new_title"), formData{s, web.NewForm(nil)})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	s := h.locator.LocateNew(w, r)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "pledge.created", func(f *web.Form) (string, error) {
		in, err := formInput(f)
		if err != nil {
			return "", err
		}
		in.Draft = f.Get("draft") != ""
		p, err := h.Store.Create(r.Context(), web.ViewerID(r), s.Campaign.ID, in, store.Now())
		if err != nil {
			return "", err
		}
		return p.Path(), nil
	}, func(status int, f *web.Form) {
		h.pages.Render(w, r, status, "pledge_new", web.Localizer(r.Context()).T("pledge.new_title"), formData{s, f})
	})
}

// showData is the public page.
type showData struct {
	*scope
	Form     *web.Form
	Sentence string
	TimeLeft string
	Clock    countdownWords // share.js keeps TimeLeft current with these
	Statuses []string
	Lang     string
	Share    participation.Share
	// SetAside is the integrity review's figure beside the count.
	SetAside template.HTML
	LogSize  int  // the transparency log's size the count belongs to; -1 unknown
	Logged   bool // the instance keeps a transparency log
	// History is what changed since it was published, for everyone who
	// committed to it.
	History []historyLine
}

// Num writes a count in the page's language.
func (d showData) Num(n int) string { return Number(d.Lang, n) }

// Compliance is the share that held the line, for the template.
func (d showData) Compliance() int { c, _ := d.Tactic.Compliance(); return c }

func (h *Handler) renderShow(w http.ResponseWriter, r *http.Request, status int, s *scope, f *web.Form) {
	l := web.Localizer(r.Context())
	s = s.In(l, (*Pledge).In) // in the reader's language
	p := s.Tactic
	// The count and the log's size it belongs to, read together (cached
	// for a second, as the petition's).
	counts, size, err := h.parts.CountsAt(r.Context(), p.ID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	p.Counts = counts
	d := showData{scope: s, Form: f, Sentence: h.Store.sentence(l, p), Statuses: Statuses, Lang: l.Lang, Share: h.share(l, p), LogSize: int(size), Logged: h.parts.Logged()}
	if p.Status == StatusCollecting {
		d.TimeLeft = timeLeft(l, p.Deadline.Sub(store.Now()))
		d.Clock = clockWords(l, p.Deadline)
	}
	if h.Integrity != nil {
		a, err := h.Integrity.Aside(r.Context(), p.ID, p.Counts)
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		d.SetAside = h.Integrity.AsideBlock(r, a)
	}
	if d.History, err = h.history(r, p); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, status, "pledge_show", p.Title, d)
}

// timeLeft is the countdown to the deadline: "3 days 4 hours left", ""
// once it has passed.
func timeLeft(l *i18n.Localizer, left time.Duration) string {
	days, hours := int(left/(24*time.Hour)), int(left%(24*time.Hour)/time.Hour)
	switch {
	case left <= 0:
		return ""
	case days > 0 && hours > 0:
		return l.T("pledge.time_left", "Time", l.T("pledge.days", "Count", days)+" "+l.T("pledge.hours", "Count", hours))
	case days > 0:
		return l.T("pledge.time_left", "Time", l.T("pledge.days", "Count", days))
	case hours > 0:
		return l.T("pledge.time_left", "Time", l.T("pledge.hours", "Count", hours))
	}
	return l.T("pledge.less_than_an_hour")
}

// countdownWords are timeLeft's words for share.js, which recounts the
// time left each minute: "#" stands for the number, the forms of one and
// of more than one are apart (timeLeft shows no zero).
type countdownWords struct {
	Deadline               string // RFC 3339
	Day, Days, Hour, Hours string
	Left, Soon             string
}

func clockWords(l *i18n.Localizer, deadline time.Time) countdownWords {
	n := func(id string, count int) string {
		return strings.Replace(l.T(id, "Count", count), strconv.Itoa(count), "#", 1)
	}
	return countdownWords{Deadline: deadline.UTC().Format(time.RFC3339), Day: n("pledge.days", 1), Days: n("pledge.days", 2),
		Hour: n("pledge.hours", 1), Hours: n("pledge.hours", 2), Left: l.T("pledge.time_left", "Time", "#"), Soon: l.T("pledge.less_than_an_hour")}
}

// share is how the pledge's pages offer to spread it, in the reader's
// language.
func (h *Handler) share(l *i18n.Localizer, p *Pledge) participation.Share {
	url := h.baseURL + p.Path()
	return participation.Share{URL: url, Title: p.Title, Description: web.Shorten(h.Store.sentence(l, p), 300),
		Text: l.T("pledge.share.text", "Title", p.Title), Image: url + "/share.png", Mastodon: p.Path("mastodon")}
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.Locate(w, r, true, false); s != nil {
		// The consent box starts unticked: consent is an act.
		h.renderShow(w, r, http.StatusOK, s, web.NewForm(nil))
	}
}

// commit takes a commitment from the public page: pending until the
// person follows the link mailed to them. The pledge comes from
// LocatePost's snapshot; only a refused form, shown again, reads the page
// for the viewer.
func (h *Handler) commit(w http.ResponseWriter, r *http.Request) {
	s := h.locator.LocatePost(w, r)
	if s == nil {
		return
	}
	form := participation.Form{Kind: participation.Commitment, ActionID: s.Tactic.ID, Done: s.Tactic.Path("committed"),
		Rerender: func(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
			if s := h.locator.Locate(w, r, true, false); s != nil {
				h.renderShow(w, r, status, s, f)
			}
		}}
	if !s.Tactic.Open() {
		form.Closed = errClosed
	}
	h.parts.Take(w, r, h.pages, form)
}

var errClosed = repertoire.Errorf(repertoire.ECONFLICT, "pledge.closed")

// committed is the page after committing: the same for everyone (see
// participation.Done).
func (h *Handler) committed(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, false)
	if s == nil {
		return
	}
	p := s.Tactic.In(web.Localizer(r.Context()).Tag())
	participation.RenderDone(w, r, h.pages, participation.Done{Kind: participation.Commitment, Title: p.Title, Path: p.Path(),
		Share: h.share(web.Localizer(r.Context()), p)})
}

// mastodon answers the share block's form asking for the person's
// Mastodon instance.
func (h *Handler) mastodon(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.Locate(w, r, true, false); s != nil {
		l := web.Localizer(r.Context())
		participation.MastodonPage(w, r, h.pages, h.share(l, s.Tactic.In(l.Tag())))
	}
}

// shareImage is the picture of the pledge's links on social sites: its
// title, its commitments and the bar toward the threshold, drawn at most
// once a minute per language, under the page's access rule.
func (h *Handler) shareImage(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, false)
	if s == nil {
		return
	}
	l := web.Localizer(r.Context())
	s = s.In(l, (*Pledge).In)
	p := s.Tactic
	err := h.cards.Serve(w, p.ID+"/"+l.Lang, s.Community.Visibility == community.Public, func() (web.ShareCard, error) {
		return web.ShareCard{Kicker: s.Campaign.Title, Title: p.Title, Count: Number(l.Lang, p.Total()),
			CountLabel: l.T("pledge.share.count_label", "Count", p.Total()), Percent: p.Percent(),
			Goal: l.T("pledge.share.threshold", "Threshold", Number(l.Lang, p.Threshold)), Site: web.CardSite(l, h.baseURL)}, nil
	})
	if err != nil {
		h.pages.Error(w, r, err)
	}
}

func (h *Handler) editValues(p *Pledge) *web.Form {
	f := web.NewForm(url.Values{
		"title": {p.Title}, "slug": {p.Slug}, "action": {p.Action}, "description": {p.Description},
		"threshold":    {strconv.Itoa(p.Threshold)},
		"deadline":     {p.Deadline.Format(time.DateOnly)},
		"window_start": {p.WindowStart.Format(time.DateOnly)},
		"window_end":   {p.LastDay().Format(time.DateOnly)},
	})
	f.SetTranslations(p.Translations)
	return f
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	h.pages.Render(w, r, http.StatusOK, "pledge_edit", web.Localizer(r.Context()).T("pledge.edit_title"), formData{s, h.editValues(s.Tactic)})
}

func (h *Handler) edit(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "pledge.saved", func(f *web.Form) (string, error) {
		in, err := formInput(f)
		if err != nil {
			return "", err
		}
		p, err := h.Store.Update(r.Context(), s.Tactic.ID, Patch{Title: &in.Title, Slug: &in.Slug, Action: &in.Action,
			Description: &in.Description, Threshold: &in.Threshold, Deadline: &in.Deadline, WindowStart: &in.WindowStart,
			WindowEnd: &in.WindowEnd, Translations: &in.Translations}, store.Now())
		if err != nil {
			return "", err
		}
		h.locator.Forget()
		return p.Path(), nil
	}, func(status int, f *web.Form) {
		h.pages.Render(w, r, status, "pledge_edit", web.Localizer(r.Context()).T("pledge.edit_title"), formData{s, f})
	})
}

// checkinData is the "did you hold the line?" page.
type checkinData struct {
	*Checkin
	Token  string
	Chosen string // the answer of the mailed link, preselected
	Done   bool
}

// checkinPage shows the question with the answer of the link preselected:
// mail scanners fetch links, so only the page's button records an answer.
func (h *Handler) checkinPage(w http.ResponseWriter, r *http.Request) {
	c, err := h.Store.CheckinFor(r.Context(), r.PathValue("token"))
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	chosen := r.URL.Query().Get("answer")
	if chosen != CheckinHeld && chosen != CheckinBroke {
		chosen = c.Answer
	}
	h.pages.Render(w, r, http.StatusOK, "pledge_checkin", c.Pledge.Title, checkinData{Checkin: c, Token: r.PathValue("token"), Chosen: chosen})
}

func (h *Handler) checkin(w http.ResponseWriter, r *http.Request) {
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	c, err := h.Store.AnswerCheckin(r.Context(), r.PathValue("token"), f.Get("answer"))
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "pledge_checkin", c.Pledge.Title, checkinData{Checkin: c, Token: r.PathValue("token"), Chosen: c.Answer, Done: true})
}

// Jobs are the pledge's jobs, for the scheduler.
func (h *Handler) Jobs() map[string]schedule.Handler { return h.Store.Jobs() }

// TacticLister lists a campaign's pledges on its page, and closes those
// still collecting when the campaign is closed (campaign.TacticCloser).
func (h *Handler) TacticLister() campaign.TacticLister { return tactics{h} }

type tactics struct{ h *Handler }

func (t tactics) CampaignTactics(ctx context.Context, campaignID string) ([]campaign.Tactic, error) {
	return t.h.Store.CampaignTactics(ctx, campaignID)
}

// CloseCampaignTactics closes the campaign's pledges still collecting, as
// their organizers' closing does, then forgets the pages' copies.
func (t tactics) CloseCampaignTactics(ctx context.Context, campaignID string) error {
	err := t.h.Store.CloseCampaign(ctx, campaignID)
	t.h.locator.Forget()
	return err
}

// Dashboard is the pledges' part of the organizer's dashboard: deadlines.
func (h *Handler) Dashboard() community.Dashboarder { return h.Store }

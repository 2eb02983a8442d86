package letter

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Handler serves letter campaign pages and the advocacy campaigns API.
type Handler struct {
	Store       *Store
	communities *community.Store
	campaigns   *campaign.Store
	parts       *participation.Service
	pages       *web.Renderer
	locator     participation.Locator[*Letter]
	access      campaign.Access // the API's rule, the campaign's
	log         *slog.Logger
	baseURL     string
}

// New builds the letter handler and registers letter campaigns with the
// participation core as the action of outreaches.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string,
	communities *community.Store, campaigns *campaign.Store, parts *participation.Service) *Handler {
	s := NewStore(db, cat, baseURL, log)
	parts.Register(participation.Outreach, s)
	return &Handler{Store: s, communities: communities, campaigns: campaigns, parts: parts, pages: pages, log: log,
		baseURL: strings.TrimRight(baseURL, "/"),
		locator: participation.Locator[*Letter]{Pages: pages, Communities: communities, Campaigns: campaigns,
			Get: s.GetBySlug, Param: "letter", OrganizersOnly: "letter.organizers_only"},
		access: campaign.Access{Communities: communities, NotFound: errNotFound,
			OrganizersOnly: repertoire.Errorf(repertoire.EFORBIDDEN, "letter.organizers_only")}}
}

// TacticLister offers the campaign page its letter campaigns, and closes
// those still open when the campaign is closed (campaign.TacticCloser).
func (h *Handler) TacticLister() campaign.TacticLister { return tactics{h} }

type tactics struct{ h *Handler }

func (t tactics) CampaignTactics(ctx context.Context, campaignID string) ([]campaign.Tactic, error) {
	return t.h.Store.CampaignTactics(ctx, campaignID)
}

// CloseCampaignTactics closes the campaign's open letter campaigns, then
// forgets the pages' copies, so that the next letter is refused at once.
func (t tactics) CloseCampaignTactics(ctx context.Context, campaignID string) error {
	err := t.h.Store.CloseCampaign(ctx, campaignID)
	t.h.locator.Forget()
	return err
}

// PersonData is what letters keep about a person beyond the core's
// participations (their letters go with those): the mails they sent to a
// letter campaign's address that wait for an organizer.
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: []account.ExportSection{{Name: "letter_held_mails", Read: exportHeld}}, Erase: eraseHeld}
}

// Jobs are the letter campaigns' jobs (the daily digest).
func (h *Handler) Jobs() map[string]schedule.Handler { return h.Store.Jobs() }

// Routes mounts letter pages and the API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{community}/{campaign}/letters/new", h.newForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/letters", h.create)
	mux.HandleFunc("GET /c/{community}/{campaign}/letters/{letter}", h.show)
	mux.HandleFunc("POST /c/{community}/{campaign}/letters/{letter}/write", h.write)
	mux.HandleFunc("GET /c/{community}/{campaign}/letters/{letter}/written", h.written)
	mux.HandleFunc("POST /c/{community}/{campaign}/letters/{letter}/answers", h.answer)
	mux.HandleFunc("POST /c/{community}/{campaign}/letters/{letter}/held/{id}/attribute", h.attribute)
	mux.HandleFunc("POST /c/{community}/{campaign}/letters/{letter}/held/{id}/discard", h.discard)
	mux.HandleFunc("GET /c/{community}/{campaign}/letters/{letter}/edit", h.editForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/letters/{letter}/edit", h.edit)
	mux.HandleFunc("GET /c/{community}/{campaign}/letters/{letter}/delete", h.deleteForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/letters/{letter}/delete", h.delete)
	mux.HandleFunc("GET /letters/post/{token}", h.postPage)
	mux.HandleFunc("POST /letters/post/{token}", h.markSent)
	mux.HandleFunc("GET /letters/post/{token}/letter.pdf", h.postPDF)
	mux.HandleFunc("POST /letters/post/{token}/letter.pdf", h.postPDF)
	mux.HandleFunc("GET /c/{community}/{campaign}/letters/{letter}/targets/{target}/letters.pdf", h.targetPDF)

	mux.HandleFunc("GET /api/v1/advocacy_campaigns", h.apiList)
	mux.HandleFunc("POST /api/v1/advocacy_campaigns", h.apiCreate)
	mux.HandleFunc("GET /api/v1/advocacy_campaigns/{id}", h.apiGet)
	mux.HandleFunc("PUT /api/v1/advocacy_campaigns/{id}", h.apiUpdate)
	mux.HandleFunc("DELETE /api/v1/advocacy_campaigns/{id}", h.apiDelete)
	mux.HandleFunc("GET /api/v1/advocacy_campaigns/{id}/outreaches", h.apiOutreaches)
	mux.HandleFunc("POST /api/v1/advocacy_campaigns/{id}/outreaches", h.apiOutreach)
}

type scope = participation.Page[*Letter]

// targetsField reads the organizer's targets, one a line: name | office |
// email | country | postal address | web form.
func targetsField(v string) []TargetInput {
	var out []TargetInput
	for _, line := range strings.Split(v, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if ref, ok := strings.CutPrefix(strings.TrimSpace(line), "@"); ok { // a target of the directory
			out = append(out, TargetInput{Directory: ref})
			continue
		}
		f := strings.Split(line, "|")
		for len(f) < 6 {
			f = append(f, "")
		}
		out = append(out, TargetInput{Name: f[0], Title: f[1], Email: f[2], Country: f[3], PostalAddress: f[4], WebForm: strings.Join(f[5:], "|")})
	}
	return out
}

// lineErrors gives the errors of targets[i].x the form's field, naming
// the line.
func lineErrors(l *i18n.Localizer, err error) error {
	fes := repertoire.FieldErrors(err)
	if len(fes) == 0 {
		return err
	}
	out := make(repertoire.Errors, 0, len(fes))
	for _, fe := range fes {
		c := *fe
		if strings.HasPrefix(c.Field, "targets[") {
			n := 0
			for _, ch := range c.Field[len("targets["):] {
				if ch < '0' || ch > '9' {
					break
				}
				n = n*10 + int(ch-'0')
			}
			c = *repertoire.Invalid("targets", "letter.target_line", map[string]any{"Line": n + 1, "Error": l.Error(fe)})
		}
		out = append(out, &c)
	}
	return out
}

type formData struct {
	*scope
	Form *web.Form
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	s := h.locator.LocateNew(w, r)
	if s == nil {
		return
	}
	h.pages.Render(w, r, http.StatusOK, "letter_new", web.Localizer(r.Context()).T("letter.new_title"), formData{s, web.NewForm(nil)})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	s := h.locator.LocateNew(w, r)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "letter.created", func(f *web.Form) (string, error) {
		l, err := h.Store.Create(r.Context(), web.ViewerID(r), s.Campaign.ID, formInput(f))
		if err != nil {
			return "", lineErrors(web.Localizer(r.Context()), err)
		}
		return l.Path(), nil
	}, func(status int, f *web.Form) {
		h.pages.Render(w, r, status, "letter_new", web.Localizer(r.Context()).T("letter.new_title"), formData{s, f})
	})
}

// formInput reads the letter campaign's form.
func formInput(f *web.Form) Input {
	return Input{Title: f.Get("title"), Slug: f.Get("slug"), Description: f.Get("description"), Subject: f.Get("subject"),
		Body: f.Get("body"), ByCountry: f.Get("by_country") != "", Delivery: f.Get("delivery"), Digest: f.Get("digest") != "",
		Targets: targetsField(f.Get("targets"))}
}

// targetLines writes a letter campaign's targets as the form's lines.
func targetLines(ts []Target) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(strings.Join([]string{t.Name, t.Title, t.Email, t.Country, t.PostalAddress, t.WebForm}, " | ") + "\n")
	}
	return b.String()
}

// keepTargets gives the form's lines the ids of the current targets they
// name (by name, each once), so an edit keeps their letters and counts.
func keepTargets(cur []Target, in []TargetInput) {
	used := map[string]bool{}
	for i := range in {
		for _, t := range cur {
			if !used[t.ID] && strings.EqualFold(strings.TrimSpace(in[i].Name), t.Name) {
				in[i].ID, used[t.ID] = t.ID, true
				break
			}
		}
	}
}

// editData is the organizers' edit page: the form, and where answers
// are mailed.
type editData struct {
	*scope
	Form    *web.Form
	Inbound string // the inbound address ("" when none is configured)
}

func (h *Handler) editValues(l *Letter) *web.Form {
	v := url.Values{"title": {l.Title}, "slug": {l.Slug}, "description": {l.Description}, "subject": {l.Subject}, "body": {l.Body},
		"delivery": {l.Delivery}, "targets": {targetLines(l.Targets)}}
	if l.ByCountry {
		v.Set("by_country", "on")
	}
	if l.Digest {
		v.Set("digest", "on")
	}
	return web.NewForm(v)
}

func (h *Handler) renderEdit(w http.ResponseWriter, r *http.Request, status int, s *scope, f *web.Form) {
	h.pages.Render(w, r, status, "letter_edit", web.Localizer(r.Context()).T("letter.edit_title"),
		editData{scope: s, Form: f, Inbound: s.Tactic.InboundAddress(h.Store.InboundDomain)})
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.Locate(w, r, true, true); s != nil {
		h.renderEdit(w, r, http.StatusOK, s, h.editValues(s.Tactic))
	}
}

func (h *Handler) edit(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "letter.saved", func(f *web.Form) (string, error) {
		in := formInput(f)
		keepTargets(s.Tactic.Targets, in.Targets)
		l, err := h.Store.Update(r.Context(), s.Tactic.ID, Patch{Title: &in.Title, Slug: &in.Slug, Description: &in.Description,
			Subject: &in.Subject, Body: &in.Body, ByCountry: &in.ByCountry, Delivery: &in.Delivery, Digest: &in.Digest,
			Targets: &in.Targets})
		if err != nil {
			return "", lineErrors(web.Localizer(r.Context()), err)
		}
		h.locator.Forget()
		return l.Path(), nil
	}, func(status int, f *web.Form) { h.renderEdit(w, r, status, s, f) })
}

// deleteData is the page asking to confirm a deletion, or saying why it
// cannot be.
type deleteData struct {
	*scope
	Sent bool // letters were sent: the campaign stays
	Lang string
}

// Num writes a count in the page's language.
func (d deleteData) Num(n int) string { return web.FormatNumber(d.Lang, n) }

func (h *Handler) deleteForm(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	sent, err := h.Store.HasSent(r.Context(), s.Tactic)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "letter_delete", web.Localizer(r.Context()).T("letter.delete_title"),
		deleteData{scope: s, Sent: sent, Lang: web.Localizer(r.Context()).Lang})
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	if err := h.Store.Delete(r.Context(), s.Tactic.ID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.locator.Forget()
	web.Redirect(w, r, "/c/"+s.Community.Slug+"/"+s.Campaign.Slug, "letter.deleted")
}

// showData is the public page: the letter to review and send, the
// targets with their counts, the answers.
type showData struct {
	*scope
	Form       *web.Form
	AnswerForm *web.Form
	Answers    []Answer
	Demands    []campaign.Demand
	Statuses   []string
	Lang       string
	Held       []Held // organizers: mails to the inbound address from unknown senders
	Inbound    string // organizers: the inbound address
}

// Num writes a count in the page's language.
func (d showData) Num(n int) string { return web.FormatNumber(d.Lang, n) }

// Date writes a day in the page's language.
func (d showData) Date(t time.Time) string { return web.FormatDate(d.Lang, t) }

func (h *Handler) renderShow(w http.ResponseWriter, r *http.Request, status int, s *scope, f, af *web.Form) {
	l := web.Localizer(r.Context())
	answers, err := h.Store.Answers(r.Context(), s.Tactic.ID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	d := showData{scope: s, Form: f, AnswerForm: af, Answers: answers, Lang: l.Lang, Statuses: campaign.Statuses}
	if s.CanOrganize {
		for _, sec := range s.Campaign.Sections {
			d.Demands = append(d.Demands, sec.Demands...)
		}
		if d.Held, err = h.Store.HeldMails(r.Context(), s.Tactic.ID); err != nil {
			h.pages.Error(w, r, err)
			return
		}
		d.Inbound = s.Tactic.InboundAddress(h.Store.InboundDomain)
	}
	h.pages.Render(w, r, status, "letter_show", s.Tactic.Title, d)
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, false)
	if s == nil {
		return
	}
	// The letter starts as the organizers wrote it; every consent box
	// starts unticked.
	f := web.NewForm(url.Values{"subject": {s.Tactic.Subject}, "message": {s.Tactic.Body}})
	h.renderShow(w, r, http.StatusOK, s, f, web.NewForm(nil))
}

// write takes a letter from the public page: kept against the writer's
// participation, pending until they follow the link mailed to them, and
// sent to its targets only then.
func (h *Handler) write(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, false)
	if s == nil {
		return
	}
	l := s.Tactic
	h.parts.Take(w, r, h.pages, participation.Form{Kind: participation.Outreach, ActionID: l.ID, NameRequired: true,
		Done: l.Path("written"), Closed: l.Takes(),
		Check: func(f *web.Form) (string, repertoire.Errors) {
			wr := Writing{Subject: f.Get("subject"), Message: f.Get("message"), Personal: f.Get("personal"),
				Country: f.Get("country"), ReplyOK: f.Get("reply_ok") != ""}
			targets, es := wr.check(l)
			return wr.payload(targets), es
		},
		Rerender: func(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
			h.renderShow(w, r, status, s, f, web.NewForm(nil))
		}})
}

// written is the page after writing: the same for everyone (see
// participation.Done).
func (h *Handler) written(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, false)
	if s == nil {
		return
	}
	l := s.Tactic
	loc := web.Localizer(r.Context())
	participation.RenderDone(w, r, h.pages, participation.Done{Kind: participation.Outreach, Title: l.Title, Path: l.Path(),
		Share: participation.Share{URL: h.baseURL + l.Path(), Title: l.Title, Description: web.Shorten(l.Subject, 300),
			Text: loc.T("letter.share.text", "Title", l.Title)}})
}

// answer records a target's answer, an organizer's act.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "letter.answer_recorded", func(f *web.Form) (string, error) {
		in := AnswerInput{TargetID: f.Get("target"), Body: f.Get("body"), DemandID: f.Get("demand"), DemandStatus: f.Get("demand_status"),
			Lang: web.Localizer(r.Context()).Lang}
		if v := strings.TrimSpace(f.Get("answered_on")); v != "" {
			t, err := campaign.ParseDate(v)
			if err != nil {
				return "", repertoire.Invalid("answered_on", "field.bad_date", nil)
			}
			in.AnsweredOn = t
		}
		if err := h.Store.RecordAnswer(r.Context(), web.ViewerID(r), s.Tactic, in); err != nil {
			return "", err
		}
		return s.Tactic.Path() + "#answers", nil
	}, func(status int, f *web.Form) {
		h.renderShow(w, r, status, s, web.NewForm(url.Values{"subject": {s.Tactic.Subject}, "message": {s.Tactic.Body}}), f)
	})
}

// postPage shows a confirmed letter to post or paste, with the targets'
// addresses and web forms, and the button marking it sent.
func (h *Handler) postPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.Store.Printable(r.Context(), r.PathValue("token"))
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "letter_post", p.Letter.Title, postData{Printable: p, Token: r.PathValue("token")})
}

type postData struct {
	*Printable
	Token string
}

func (h *Handler) markSent(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if _, err := h.Store.MarkSent(r.Context(), token); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/letters/post/"+token, "letter.marked_sent")
}

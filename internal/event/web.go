package event

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/web"

	"github.com/skip2/go-qrcode"
)

// Handler serves event pages, calendars and the events API.
type Handler struct {
	Store       *Store
	communities *community.Store
	campaigns   *campaign.Store
	parts       *participation.Service
	pages       *web.Renderer
	locator     participation.Locator[*Event]
	access      campaign.Access
	log         *slog.Logger
	baseURL     string
	kick        func()
}

// New builds the event handler and registers events with the
// participation core as the action of registrations. jobs is woken after
// an offer is taken or passed on (nil: nothing to wake).
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string,
	communities *community.Store, campaigns *campaign.Store, parts *participation.Service, jobs *schedule.Runner) *Handler {
	s := NewStore(db, cat, baseURL, log)
	parts.Register(Registration, s)
	h := &Handler{Store: s, communities: communities, campaigns: campaigns, parts: parts, pages: pages, log: log,
		baseURL: strings.TrimRight(baseURL, "/"),
		locator: participation.Locator[*Event]{Pages: pages, Communities: communities, Campaigns: campaigns,
			Get: s.GetBySlug, Param: "event", OrganizersOnly: "event.organizers_only"},
		access: campaign.Access{Communities: communities, NotFound: errNotFound(),
			OrganizersOnly: repertoire.Errorf(repertoire.EFORBIDDEN, "event.organizers_only")}}
	if jobs != nil {
		h.kick = jobs.Kick
	}
	return h
}

// Jobs are the scheduler's handlers of this capability.
func (h *Handler) Jobs() map[string]schedule.Handler { return h.Store.Jobs() }

// PersonData is a person's registrations in their export (state, answers,
// attendance) and their erasure.
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: []account.ExportSection{{Name: "event_registrations",
		Read: func(ctx context.Context, q store.Queryer, personID string) ([]map[string]any, error) {
			return account.QueryMaps(ctx, q, exportSQL, personID)
		}}}, Erase: h.Store.erase}
}

// TacticLister lists a campaign's upcoming events on its page.
func (h *Handler) TacticLister() campaign.TacticLister { return lister{h.Store} }

// Routes mounts event pages, calendars and API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{community}/{campaign}/events/new", h.newForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/events", h.create)
	mux.HandleFunc("GET /c/{community}/{campaign}/events/{event}", h.show)
	mux.HandleFunc("GET /c/{community}/{campaign}/events/{event}/edit", h.editForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/events/{event}/edit", h.edit)
	mux.HandleFunc("POST /c/{community}/{campaign}/events/{event}/register", h.register)
	mux.HandleFunc("GET /c/{community}/{campaign}/events/{event}/registered", h.registered)
	mux.HandleFunc("GET /c/{community}/{campaign}/events/{event}/mastodon", h.mastodon)
	mux.HandleFunc("GET /c/{community}/{campaign}/events/{event}/event.ics", h.eventICS)
	mux.HandleFunc("GET /c/{community}/{campaign}/events/{event}/door", h.door)
	mux.HandleFunc("POST /c/{community}/{campaign}/events/{event}/checkin", h.checkin)
	mux.HandleFunc("POST /c/{community}/{campaign}/events/{event}/cancel", h.cancel)
	mux.HandleFunc("POST /c/{community}/{campaign}/events/{event}/decide", h.decide)
	mux.HandleFunc("GET /c/{community}/events.ics", h.feedICS)
	mux.HandleFunc("GET /events/offer/{token}", h.offerPage)
	mux.HandleFunc("POST /events/offer/{token}", h.takeOffer)
	mux.HandleFunc("GET /events/ticket/{token}", h.ticketPage)
	mux.HandleFunc("GET /events/ticket/{token}/event.ics", h.ticketICS)
	mux.HandleFunc("GET /events/ticket/{token}/qr.png", h.ticketQR)

	mux.HandleFunc("GET /api/v1/events", h.apiList)
	mux.HandleFunc("POST /api/v1/events", h.apiCreate)
	mux.HandleFunc("GET /api/v1/events/{id}", h.apiGet)
	mux.HandleFunc("PUT /api/v1/events/{id}", h.apiUpdate)
	mux.HandleFunc("GET /api/v1/events/{id}/attendances", h.apiAttendances)
	mux.HandleFunc("POST /api/v1/events/{id}/attendances", h.apiAttend)
}

type scope = participation.Page[*Event]

// showData is the public page.
type showData struct {
	*scope
	Form    *web.Form
	When    string
	Ends    string
	Place   string
	Open    bool
	Past    bool
	Changes []Change
	Lang    string
}

func (h *Handler) renderShow(w http.ResponseWriter, r *http.Request, status int, s *scope, f *web.Form) {
	l := web.Localizer(r.Context())
	e := s.Tactic
	now := store.Now()
	cs, err := h.Store.History(r.Context(), e.ID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	for i := range cs {
		cs[i].Before, cs[i].After = h.Store.changeValue(l, e, cs[i].Field, cs[i].Before), h.Store.changeValue(l, e, cs[i].Field, cs[i].After)
		if cs[i].Field == "online_url" {
			cs[i].Before, cs[i].After = "…", l.T("event.link_to_accepted")
		}
	}
	d := showData{scope: s, Form: f, When: h.Store.when(l.Lang, e, e.Start), Ends: h.Store.when(l.Lang, e, e.End),
		Place: h.Store.place(l, e), Open: e.Open(now), Past: e.Past(now), Changes: cs, Lang: l.Lang}
	h.pages.Render(w, r, status, "event_show", e.Title, d)
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.Locate(w, r, true, false); s != nil {
		h.renderShow(w, r, http.StatusOK, s, web.NewForm(nil))
	}
}

var errClosed = repertoire.Errorf(repertoire.ECONFLICT, "event.closed")

// register takes the registration form: the participation core's
// submission (pending until confirmed from the mailed link), with the
// answers to the event's questions as its payload.
func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, false)
	if s == nil {
		return
	}
	e := s.Tactic
	participation.Post(w, r, h.pages, "event.registered_flash", func(f *web.Form) (string, error) {
		if !e.Open(store.Now()) {
			return "", errClosed
		}
		lang := web.Localizer(r.Context()).Lang
		sub := participation.Submission{Kind: Registration, ActionID: e.ID,
			Person:    account.PersonInput{Email: f.Get("email"), GivenName: f.Get("given_name"), FamilyName: f.Get("family_name"), Language: lang},
			ContactOK: f.Get("contact_ok") != "", IP: web.ClientIP(r), Lang: lang}
		errs := repertoire.FieldErrors(participation.Validate(&sub))
		if strings.TrimSpace(f.Get("given_name")) == "" {
			errs = append(errs, repertoire.Invalid("given_name", "field.required", nil))
		}
		answers, err := e.Answers(f.Get)
		errs = append(errs, repertoire.FieldErrors(err)...)
		if err := errs.Err(); err != nil {
			return "", err
		}
		// The answers wait with the link mailed for them: only the
		// followed link's reach event_registrations (Store.Moved).
		sub.Payload = marshal(answers)
		if _, err := h.parts.Submit(r.Context(), sub); err != nil {
			return "", err
		}
		return e.Path("registered"), nil
	}, func(status int, f *web.Form) { h.renderShow(w, r, status, s, f) })
}

// registered is the page after registering: the same for everyone.
func (h *Handler) registered(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, false)
	if s == nil {
		return
	}
	e := s.Tactic
	participation.RenderDone(w, r, h.pages, participation.Done{Kind: Registration, Title: e.Title, Path: e.Path(),
		Share: h.share(web.Localizer(r.Context()), e)})
}

// share is how the page after registering spreads the event.
func (h *Handler) share(l *i18n.Localizer, e *Event) participation.Share {
	when := h.Store.when(l.Lang, e, e.Start)
	return participation.Share{URL: h.baseURL + e.Path(), Title: e.Title, Description: when,
		Text: l.T("event.share_text", "Title", e.Title, "When", when), Mastodon: e.Path("mastodon")}
}

// mastodon answers the share block's form asking for the person's
// Mastodon instance.
func (h *Handler) mastodon(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.Locate(w, r, true, false); s != nil {
		participation.MastodonPage(w, r, h.pages, h.share(web.Localizer(r.Context()), s.Tactic))
	}
}

// linkData is the page of an offer or a ticket link.
type linkData struct {
	Event *Event
	Token string
	State string
	Done  bool
	When  string
	Place string
	Code  string
}

func (h *Handler) offerPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	e, state, err := h.Store.Offered(r.Context(), token)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	l := web.Localizer(r.Context())
	h.pages.Render(w, r, http.StatusOK, "event_offer", l.T("event.offer.title"),
		linkData{Event: e, Token: token, State: state, When: h.Store.when(l.Lang, e, e.Start), Place: h.Store.place(l, e)})
}

func (h *Handler) takeOffer(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	e, err := h.Store.AcceptOffer(r.Context(), token)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	l := web.Localizer(r.Context())
	h.pages.Render(w, r, http.StatusOK, "event_offer", l.T("event.offer.title"),
		linkData{Event: e, Token: token, State: StateAccepted, Done: true, When: h.Store.when(l.Lang, e, e.Start), Place: h.Store.place(l, e)})
}

// ticketPage is an accepted registrant's page: the event with its online
// link, their check-in code, their calendar.
func (h *Handler) ticketPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	e, _, code, err := h.Store.Ticket(r.Context(), token)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	l := web.Localizer(r.Context())
	h.pages.Render(w, r, http.StatusOK, "event_ticket", e.Title,
		linkData{Event: e, Token: token, State: StateAccepted, When: h.Store.when(l.Lang, e, e.Start), Place: h.Store.place(l, e), Code: code})
}

// ticketQR is the QR code of a ticket's check-in, drawn by the server
// (the CSP allows only this site's images): the address of the door page
// with the ticket's code, which an organizer's phone opens to check it in.
func (h *Handler) ticketQR(w http.ResponseWriter, r *http.Request) {
	e, _, code, err := h.Store.Ticket(r.Context(), r.PathValue("token"))
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	png, err := qrcode.Encode(h.DoorURL(e, code), qrcode.Medium, 320)
	if err != nil {
		h.pages.Error(w, r, repertoire.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(png)
}

// DoorURL is the address a ticket's QR code holds: the event's door page
// with the ticket's check-in code.
func (h *Handler) DoorURL(e *Event, code string) string {
	return h.baseURL + e.Path("door") + "?code=" + url.QueryEscape(code)
}

// doorData is the organizers' list at the door; Scanned is the accepted
// registrant whose code the page was opened with (a ticket's QR code).
type doorData struct {
	*scope
	Attendees []Attendee
	Requests  []Attendee
	Form      *web.Form
	Came      int
	Scanned   *Attendee
	Unknown   bool // opened with a code no accepted registrant holds
}

func (h *Handler) renderDoor(w http.ResponseWriter, r *http.Request, status int, s *scope, f *web.Form) {
	as, err := h.Store.Attendees(r.Context(), s.Tactic)
	var reqs []Attendee
	if err == nil {
		reqs, err = h.Store.Requests(r.Context(), s.Tactic)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	came := 0
	for _, a := range as {
		if a.AttendedAt != nil {
			came++
		}
	}
	d := doorData{scope: s, Attendees: as, Requests: reqs, Form: f, Came: came}
	if code := normalizeCode(r.URL.Query().Get("code")); code != "" && r.Method == http.MethodGet {
		for i, a := range as {
			if a.CheckinHash == store.HashToken(code) {
				d.Scanned = &as[i]
			}
		}
		d.Unknown = d.Scanned == nil
	}
	h.pages.Render(w, r, status, "event_door", web.Localizer(r.Context()).T("event.door.title"), d)
}

// door is the organizers' page at the door; opened from a ticket's QR
// code (?code=), it names that ticket's holder above its check-in button,
// the code filled in: the GET only shows, the button's POST checks in.
func (h *Handler) door(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.Locate(w, r, true, true); s != nil {
		h.renderDoor(w, r, http.StatusOK, s, web.NewForm(url.Values{"code": {r.URL.Query().Get("code")}}))
	}
}

// checkin records an arrival from the door list (participation) or a code.
func (h *Handler) checkin(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "event.checked_in", func(f *web.Form) (string, error) {
		pid, code := f.Get("participation"), f.Get("code")
		if pid == "" && strings.TrimSpace(code) == "" {
			return "", repertoire.Invalid("code", "field.required", nil)
		}
		return s.Tactic.Path("door"), h.Store.CheckIn(r.Context(), s.Tactic.ID, pid, code)
	}, func(status int, f *web.Form) { h.renderDoor(w, r, status, s, f) })
}

// decide approves or refuses a registration awaiting approval.
func (h *Handler) decide(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "event.decided", func(f *web.Form) (string, error) {
		_, err := h.Store.Decide(r.Context(), s.Tactic.ID, []string{f.Get("participation")}, f.Get("approve") != "")
		return s.Tactic.Path("door"), err
	}, func(status int, f *web.Form) { h.renderDoor(w, r, status, s, f) })
}

// cancel cancels the event and mails everyone registered.
func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "event.cancelled_flash", func(f *web.Form) (string, error) {
		return s.Tactic.Path(), h.Store.Cancel(r.Context(), s.Tactic.ID)
	}, func(status int, f *web.Form) { h.renderShow(w, r, status, s, f) })
}

package integrity

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/participation"
	"repertoire/internal/web"
)

// Routes mounts the review queue's pages and the API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{community}/integrity", h.queue)
	mux.HandleFunc("POST /c/{community}/integrity/runs", h.runNow)
	mux.HandleFunc("GET /c/{community}/integrity/groups/{id}/invalidate", h.confirmInvalidate)
	mux.HandleFunc("POST /c/{community}/integrity/groups/{id}/invalidate", h.invalidate)
	mux.HandleFunc("POST /c/{community}/integrity/groups/{id}/dismiss", h.dismiss)
	h.apiRoutes(mux)
}

// shownMembers bounds the participations a group shows on the page; the
// API lists them all.
const shownMembers = 50

var errNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "integrity.not_found")

// place is the community of the URL, for one who may review it: others
// get "not found" (a private community is not revealed), visitors the
// sign-in page.
func (h *Handler) place(w http.ResponseWriter, r *http.Request) *community.Community {
	v := web.RequireViewer(w, r)
	if v == nil {
		return nil
	}
	c, err := h.communities.Get(r.Context(), r.PathValue("community"))
	if err == nil {
		var ok bool
		if ok, err = h.CanReview(r.Context(), c.ID, v.PersonID); err == nil && !ok {
			err = errNotFound
		}
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return nil
	}
	return c
}

type queueData struct {
	Community *community.Community
	Status    string // the tab shown: open, invalidated, dismissed
	Statuses  []string
	Groups    []groupView
	Total     int
}

// groupView is a group with its evidence, as the reader may see it.
type groupView struct {
	*StoredGroup
	Targets []targetView
	Rows    []memberView
	More    int // participations not shown
	Score   string
}

type targetView struct {
	Title, Path string
	From, To    time.Time // the group's window on it (UTC)
	Members     int
}

type memberView struct {
	Account          string // "3": the third person of the group (no address to organizers)
	Email            string // administrators only
	Target           string
	Status           string
	At               time.Time // when they took part (UTC); zero when unknown
	Domain, Browser  string
	Disposable, Typo bool
}

func (h *Handler) queue(w http.ResponseWriter, r *http.Request) {
	c := h.place(w, r)
	if c == nil {
		return
	}
	status := r.URL.Query().Get("status")
	switch status {
	case StatusInvalidated, StatusDismissed:
	default:
		status = StatusOpen
	}
	d := queueData{Community: c, Status: status, Statuses: []string{StatusOpen, StatusInvalidated, StatusDismissed}}
	groups, total, err := h.Groups(r.Context(), GroupQuery{CommunityID: c.ID, Status: status, Limit: 50})
	if err == nil {
		d.Total = total
		d.Groups, err = h.views(r.Context(), groups, web.ViewerFrom(r.Context()), web.Localizer(r.Context()).Lang)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "integrity_queue", web.Localizer(r.Context()).T("integrity.queue.title", "Name", c.Name), d)
}

// views reads each group's evidence: its actions' titles, its members'
// circumstances (never their address, except to administrators).
func (h *Handler) views(ctx context.Context, groups []*StoredGroup, v *web.Viewer, lang string) ([]groupView, error) {
	titles := map[string]targetView{}
	out := make([]groupView, len(groups))
	for i, g := range groups {
		ms, err := membersOf(ctx, h.db.Reader(), g.ID)
		if err != nil {
			return nil, err
		}
		gv := groupView{StoredGroup: g, Score: strconv.FormatFloat(g.Score, 'f', 1, 64)}
		shown := ms[:min(len(ms), shownMembers)]
		gv.More = len(ms) - len(shown)
		ids := make([]string, len(ms))
		for j, m := range ms {
			ids[j] = m.participationID
		}
		sigs, err := h.parts.SignalsOf(ctx, ids)
		if err != nil {
			return nil, err
		}
		perAction := map[string]int{}
		for _, m := range ms {
			perAction[m.actionID]++
		}
		for _, win := range g.Windows {
			t, ok := titles[win.ActionID]
			if !ok {
				sg := sigOfAction(sigs, win.ActionID)
				if sg.ActionID != "" {
					if t.Title, t.Path, err = h.parts.ActionPage(ctx, sg.Kind, sg.ActionID, lang); err != nil &&
						repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
						return nil, err
					}
				}
				if t.Title == "" {
					t.Title = win.ActionID
				}
				titles[win.ActionID] = t
			}
			t.From, t.To, t.Members = win.From.UTC(), win.To.UTC(), perAction[win.ActionID]
			gv.Targets = append(gv.Targets, t)
		}
		var emails map[string]account.Contact
		if v != nil && v.IsAdmin {
			people := make([]string, len(shown))
			for j, m := range shown {
				people[j] = m.personID
			}
			if emails, err = account.Contacts(ctx, h.db.Reader(), people); err != nil {
				return nil, err
			}
		}
		number := map[string]int{}
		for _, m := range ms {
			if number[m.personID] == 0 {
				number[m.personID] = len(number) + 1
			}
		}
		for _, m := range shown {
			sg := sigs[m.participationID]
			mv := memberView{Account: strconv.Itoa(number[m.personID]), Target: titles[m.actionID].Title, Status: sg.Status,
				At: sg.CreatedAt.UTC(), Domain: sg.Domain, Browser: sg.UAFamily,
				Disposable: DisposableDomain(sg.Domain), Typo: TypoDomain(sg.Domain)}
			if sg.ID == "" {
				mv.Status = participation.StatusRejected
			}
			if emails != nil {
				mv.Email = emails[m.personID].Email
			}
			gv.Rows = append(gv.Rows, mv)
		}
		out[i] = gv
	}
	return out, nil
}

func sigOfAction(sigs map[string]participation.Signal, actionID string) participation.Signal {
	for _, sg := range sigs {
		if sg.ActionID == actionID {
			return sg
		}
	}
	return participation.Signal{}
}

// group is the group of the URL in the community of the URL.
func (h *Handler) group(w http.ResponseWriter, r *http.Request) (*community.Community, *StoredGroup) {
	c := h.place(w, r)
	if c == nil {
		return nil, nil
	}
	g, err := h.Group(r.Context(), r.PathValue("id"))
	if err == nil && g.CommunityID != c.ID {
		err = errNotFound
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return nil, nil
	}
	return c, g
}

type confirmData struct {
	Community *community.Community
	Group     groupView
	Form      *web.Form
}

// confirmInvalidate asks before a group's participations are rejected.
func (h *Handler) confirmInvalidate(w http.ResponseWriter, r *http.Request) {
	c, g := h.group(w, r)
	if g == nil {
		return
	}
	h.renderConfirm(w, r, http.StatusOK, c, g, web.NewForm(nil))
}

func (h *Handler) renderConfirm(w http.ResponseWriter, r *http.Request, status int, c *community.Community, g *StoredGroup, f *web.Form) {
	views, err := h.views(r.Context(), []*StoredGroup{g}, web.ViewerFrom(r.Context()), web.Localizer(r.Context()).Lang)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, status, "integrity_confirm", web.Localizer(r.Context()).T("integrity.confirm.title"),
		confirmData{Community: c, Group: views[0], Form: f})
}

// invalidate rejects a group's participations once the organizer ticked
// the confirmation (it starts unticked); without it, the page again with
// the field's error.
func (h *Handler) invalidate(w http.ResponseWriter, r *http.Request) {
	c, g := h.group(w, r)
	if g == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	if f.Get("confirm") == "" {
		f.SetErrors(web.Localizer(r.Context()), repertoire.Invalid("confirm", "integrity.confirm.required", nil))
		h.renderConfirm(w, r, http.StatusUnprocessableEntity, c, g, f)
		return
	}
	if _, err := h.Invalidate(r.Context(), g.ID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/c/"+c.Slug+"/integrity", "integrity.flash.invalidated")
}

func (h *Handler) dismiss(w http.ResponseWriter, r *http.Request) {
	c, g := h.group(w, r)
	if g == nil {
		return
	}
	if _, ok := h.pages.Form(w, r); !ok {
		return
	}
	if _, err := h.Dismiss(r.Context(), g.ID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/c/"+c.Slug+"/integrity", "integrity.flash.dismissed")
}

// runNow runs the engine over every participation of the community.
func (h *Handler) runNow(w http.ResponseWriter, r *http.Request) {
	c := h.place(w, r)
	if c == nil {
		return
	}
	if _, ok := h.pages.Form(w, r); !ok {
		return
	}
	run, err := h.Detect(r.Context(), c.ID, time.Time{})
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	flash := "integrity.flash.run_none"
	if len(run.Groups) > 0 {
		flash = "integrity.flash.run_found"
	}
	web.Redirect(w, r, "/c/"+c.Slug+"/integrity", flash)
}

package community

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/i18n"
	"repertoire/internal/web"
)

// listPageSize is how many communities a list page shows.
const listPageSize = 20

// invitationCookie carries a new invitation's token from the creating post
// to the next page, the only time the link can be shown (its hash alone is
// stored). It lives a minute, on the invitations path only.
const invitationCookie = "invitation_link"

// signedIn returns the viewer, or sends a visitor to sign in and come back
// to next (a page: after signing in, the browser comes back with a GET).
func signedIn(w http.ResponseWriter, r *http.Request, next string) *web.Viewer {
	v := web.ViewerFrom(r.Context())
	if v == nil {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
	}
	return v
}

// community finds the community of the URL, showing 404 when the viewer
// may not see it: a private community does not reveal that it exists.
func (h *Handler) community(w http.ResponseWriter, r *http.Request) *Community {
	c, err := h.Store.Get(r.Context(), r.PathValue("slug"))
	if err == nil {
		var ok bool
		ok, err = h.Store.CanView(r.Context(), c, web.ViewerID(r))
		if err == nil && !ok {
			err = notFound(nil)
		}
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return nil
	}
	return c
}

func communityPath(c *Community, rest ...string) string {
	p := "/c/" + c.Slug
	for _, s := range rest {
		p += "/" + s
	}
	return p
}

type listData struct {
	Communities []*Community
	Page        int
	Previous    string
	Next        string
	CanCreate   bool
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	list, _, err := h.Store.List(r.Context(), ListQuery{PublicOnly: true, Limit: listPageSize})
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "community_home", "", listData{Communities: list, CanCreate: web.ViewerID(r) != ""})
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page < 1 {
		page = 1
	}
	list, total, err := h.Store.List(r.Context(), ListQuery{ViewerID: web.ViewerID(r), Limit: listPageSize, Offset: (page - 1) * listPageSize})
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	d := listData{Communities: list, Page: page, CanCreate: web.ViewerID(r) != ""}
	if page > 1 {
		d.Previous = "/communities?page=" + strconv.Itoa(page-1)
	}
	if page*listPageSize < total {
		d.Next = "/communities?page=" + strconv.Itoa(page+1)
	}
	h.pages.Render(w, r, http.StatusOK, "community_list", web.Localizer(r.Context()).T("community.list_title"), d)
}

// formData is what the create and edit forms show.
type formData struct {
	Form         *web.Form
	C            *Community // nil when creating
	Languages    []string
	Policies     []string
	Visibilities []string
}

func newFormData(form *web.Form, c *Community) formData {
	// A post without a choice was given the default: show it checked.
	for name, def := range map[string]string{"join_policy": PolicyOpen, "visibility": Public} {
		if form.Get(name) == "" {
			form.Values.Set(name, def)
		}
	}
	return formData{Form: form, C: c, Languages: i18n.Languages, Policies: Policies, Visibilities: Visibilities}
}

// formStatus is the status of a refused form: 409 for a taken slug, 422
// for invalid fields.
func formStatus(err error) int {
	return repertoire.Status(repertoire.ErrorCode(err))
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if signedIn(w, r, r.URL.RequestURI()) == nil {
		return
	}
	l := web.Localizer(r.Context())
	form := web.NewForm(url.Values{"language": {l.Lang}, "join_policy": {PolicyOpen}, "visibility": {Public}})
	h.pages.Render(w, r, http.StatusOK, "community_new", l.T("community.new_title"), newFormData(form, nil))
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	v := signedIn(w, r, "/communities/new")
	if v == nil {
		return
	}
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	form := web.NewForm(r.PostForm)
	c, err := h.Store.Create(r.Context(), v.PersonID, Input{
		Name: form.Get("name"), Slug: form.Get("slug"), Description: form.Get("description"),
		Language: form.Get("language"), JoinPolicy: form.Get("join_policy"), Visibility: form.Get("visibility"),
	})
	if err != nil {
		l := web.Localizer(r.Context())
		if !form.SetErrors(l, err) {
			h.pages.Error(w, r, err)
			return
		}
		h.pages.Render(w, r, formStatus(err), "community_new", l.T("community.new_title"), newFormData(form, nil))
		return
	}
	web.Redirect(w, r, communityPath(c), "community.flash_created")
}

type showData struct {
	C           *Community
	Role        string // the viewer's, "" for none
	Status      string // the viewer's membership status
	SignedIn    bool
	CanOrganize bool
	CanOwn      bool
	Campaigns   []CampaignSummary
	Links       []PageLink
	Events      []EventSummary
	Error       string // why the last action was refused
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	if c := h.community(w, r); c != nil {
		h.renderShow(w, r, c, http.StatusOK, "")
	}
}

func (h *Handler) renderShow(w http.ResponseWriter, r *http.Request, c *Community, status int, errMsg string) {
	ctx := r.Context()
	pid := web.ViewerID(r)
	d := showData{C: c, SignedIn: pid != "", Error: errMsg, Links: h.Links}
	var err error
	if d.Role, d.Status, err = h.Store.Membership(ctx, c.ID, pid); err == nil {
		if d.CanOrganize, err = h.Store.CanOrganize(ctx, c.ID, pid); err == nil {
			d.CanOwn, err = h.Store.CanOwn(ctx, c.ID, pid)
		}
	}
	if err == nil && h.Campaigns != nil {
		var all []CampaignSummary
		all, err = h.Campaigns.CommunityCampaigns(ctx, c.ID)
		for _, cs := range all {
			if !cs.Draft || d.CanOrganize {
				d.Campaigns = append(d.Campaigns, cs)
			}
		}
	}
	if err == nil && h.Events != nil {
		d.Events, err = h.Events.CommunityEvents(ctx, c.ID, web.Localizer(ctx).Lang)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, status, "community_show", c.Name, d)
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	if signedIn(w, r, r.URL.RequestURI()) == nil {
		return
	}
	c := h.community(w, r)
	if c == nil || !h.allowed(w, r, c, RoleOwner) {
		return
	}
	form := web.NewForm(url.Values{"name": {c.Name}, "description": {c.Description}, "language": {c.Language},
		"join_policy": {c.JoinPolicy}, "visibility": {c.Visibility}})
	h.pages.Render(w, r, http.StatusOK, "community_edit", web.Localizer(r.Context()).T("community.edit_title"), newFormData(form, c))
}

func (h *Handler) edit(w http.ResponseWriter, r *http.Request) {
	v := signedIn(w, r, "/c/"+r.PathValue("slug")+"/edit")
	if v == nil {
		return
	}
	c := h.community(w, r)
	if c == nil {
		return
	}
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	form := web.NewForm(r.PostForm)
	field := func(name string) *string { s := form.Get(name); return &s }
	_, err := h.Store.Update(r.Context(), v.PersonID, c.ID, Patch{
		Name: field("name"), Description: field("description"), Language: field("language"),
		JoinPolicy: field("join_policy"), Visibility: field("visibility"),
	})
	if err != nil {
		l := web.Localizer(r.Context())
		if !form.SetErrors(l, err) {
			h.pages.Error(w, r, err)
			return
		}
		h.pages.Render(w, r, formStatus(err), "community_edit", l.T("community.edit_title"), newFormData(form, c))
		return
	}
	web.Redirect(w, r, communityPath(c), "community.flash_updated")
}

// allowed shows 403 unless the viewer holds at least role in c.
func (h *Handler) allowed(w http.ResponseWriter, r *http.Request, c *Community, role string) bool {
	var ok bool
	var err error
	if role == RoleOwner {
		ok, err = h.Store.CanOwn(r.Context(), c.ID, web.ViewerID(r))
	} else {
		ok, err = h.Store.CanOrganize(r.Context(), c.ID, web.ViewerID(r))
	}
	if err == nil && !ok {
		id := "community.organizers_only"
		if role == RoleOwner {
			id = "community.owners_only"
		}
		err = repertoire.Errorf(repertoire.EFORBIDDEN, id)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return false
	}
	return true
}

func (h *Handler) join(w http.ResponseWriter, r *http.Request) {
	v := signedIn(w, r, "/c/"+r.PathValue("slug"))
	if v == nil {
		return
	}
	c := h.community(w, r)
	if c == nil {
		return
	}
	status, err := h.Store.Join(r.Context(), c.ID, v.PersonID)
	if err != nil {
		h.refused(w, r, c, err)
		return
	}
	flash := "community.flash_joined"
	if status == StatusRequested {
		flash = "community.flash_requested"
	}
	web.Redirect(w, r, communityPath(c), flash)
}

func (h *Handler) leave(w http.ResponseWriter, r *http.Request) {
	v := signedIn(w, r, "/c/"+r.PathValue("slug"))
	if v == nil {
		return
	}
	c := h.community(w, r)
	if c == nil {
		return
	}
	_, status, err := h.Store.Membership(r.Context(), c.ID, v.PersonID)
	if err == nil {
		err = h.Store.Leave(r.Context(), c.ID, v.PersonID)
	}
	if err != nil {
		h.refused(w, r, c, err)
		return
	}
	if status == StatusRequested {
		web.Redirect(w, r, communityPath(c), "community.flash_request_withdrawn")
		return
	}
	next := communityPath(c)
	if c.Visibility == Private { // no longer visible to the one who left
		next = "/communities"
	}
	web.Redirect(w, r, next, "community.flash_left")
}

// refused shows the community page again with why a join or leave was
// refused (already a member, the last owner, invite only).
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, c *Community, err error) {
	switch code := repertoire.ErrorCode(err); code {
	case repertoire.ECONFLICT, repertoire.EFORBIDDEN, repertoire.ENOTFOUND:
		if code == repertoire.ENOTFOUND && repertoire.AsError(err).MessageID == "community.not_found" {
			break
		}
		h.renderShow(w, r, c, repertoire.Status(code), web.Localizer(r.Context()).Error(err))
		return
	}
	h.pages.Error(w, r, err)
}

type membersData struct {
	C        *Community
	Members  []Member
	Requests []Member
	CanOwn   bool
	ViewerID string
	Roles    []string
	Error    string
}

func (h *Handler) members(w http.ResponseWriter, r *http.Request) {
	if signedIn(w, r, r.URL.RequestURI()) == nil {
		return
	}
	c := h.community(w, r)
	if c == nil || !h.allowed(w, r, c, RoleOrganizer) {
		return
	}
	h.renderMembers(w, r, c, http.StatusOK, "")
}

func (h *Handler) renderMembers(w http.ResponseWriter, r *http.Request, c *Community, status int, errMsg string) {
	ctx := r.Context()
	d := membersData{C: c, ViewerID: web.ViewerID(r), Roles: Roles, Error: errMsg}
	var err error
	if d.Members, _, err = h.Store.Members(ctx, c.ID, MemberQuery{Status: StatusActive}); err == nil {
		if d.Requests, _, err = h.Store.Members(ctx, c.ID, MemberQuery{Status: StatusRequested}); err == nil {
			d.CanOwn, err = h.Store.CanOwn(ctx, c.ID, d.ViewerID)
		}
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, status, "community_members", web.Localizer(r.Context()).T("community.members_title", "Name", c.Name), d)
}

// memberAction runs an organizer's or owner's action on one member and
// goes back to the members page.
func (h *Handler) memberAction(w http.ResponseWriter, r *http.Request, flash string, act func(c *Community, actorID, personID string) error) {
	v := signedIn(w, r, "/c/"+r.PathValue("slug")+"/members")
	if v == nil {
		return
	}
	c := h.community(w, r)
	if c == nil {
		return
	}
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	if err := act(c, v.PersonID, r.PathValue("person")); err != nil {
		switch code := repertoire.ErrorCode(err); code {
		case repertoire.ECONFLICT, repertoire.EINVALID:
			h.renderMembers(w, r, c, repertoire.Status(code), web.Localizer(r.Context()).Error(err))
		default:
			h.pages.Error(w, r, err)
		}
		return
	}
	web.Redirect(w, r, communityPath(c, "members"), flash)
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request) {
	h.memberAction(w, r, "community.flash_approved", func(c *Community, actor, person string) error {
		return h.Store.Approve(r.Context(), actor, c.ID, person)
	})
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request) {
	h.memberAction(w, r, "community.flash_refused", func(c *Community, actor, person string) error {
		return h.Store.Refuse(r.Context(), actor, c.ID, person)
	})
}

func (h *Handler) setRole(w http.ResponseWriter, r *http.Request) {
	h.memberAction(w, r, "community.flash_role_changed", func(c *Community, actor, person string) error {
		return h.Store.SetRole(r.Context(), actor, c.ID, person, r.PostForm.Get("role"))
	})
}

// remove takes a member out of the community once its organizer answered
// the confirmation page: coming back depends on the join policy.
func (h *Handler) remove(w http.ResponseWriter, r *http.Request) {
	if signedIn(w, r, "/c/"+r.PathValue("slug")+"/members") == nil {
		return
	}
	c := h.community(w, r)
	if c == nil || !h.allowed(w, r, c, RoleOrganizer) {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	l := web.Localizer(r.Context())
	if !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("community.remove_confirm", "Community", c.Name),
		Consequences: []string{l.T("community.remove_consequence")},
		Button:       l.T("community.remove"),
		Back:         communityPath(c, "members"),
	}) {
		return
	}
	h.memberAction(w, r, "community.flash_removed", func(c *Community, actor, person string) error {
		return h.Store.Remove(r.Context(), actor, c.ID, person)
	})
}

type invitationsData struct {
	C           *Community
	Invitations []*Invitation
	NewLink     string    // shown once, right after creation
	Form        *web.Form // the form that mails an invitation
}

func (h *Handler) invitations(w http.ResponseWriter, r *http.Request) {
	if signedIn(w, r, r.URL.RequestURI()) == nil {
		return
	}
	c := h.community(w, r)
	if c == nil || !h.allowed(w, r, c, RoleOrganizer) {
		return
	}
	list, err := h.Store.Invitations(r.Context(), c.ID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	d := invitationsData{C: c, Invitations: list, Form: web.NewForm(nil)}
	if ck, err := r.Cookie(invitationCookie); err == nil && ck.Value != "" {
		d.NewLink = h.baseURL + "/invite/" + url.PathEscape(ck.Value)
		http.SetCookie(w, &http.Cookie{Name: invitationCookie, Path: communityPath(c, "invitations"), MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	h.pages.Render(w, r, http.StatusOK, "community_invitations", web.Localizer(r.Context()).T("community.invitations_title", "Name", c.Name), d)
}

func (h *Handler) createInvitation(w http.ResponseWriter, r *http.Request) {
	v := signedIn(w, r, "/c/"+r.PathValue("slug")+"/invitations")
	if v == nil {
		return
	}
	c := h.community(w, r)
	if c == nil {
		return
	}
	_, token, err := h.Store.CreateInvitation(r.Context(), v.PersonID, c.ID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: invitationCookie, Value: token, Path: communityPath(c, "invitations"),
		MaxAge: 60, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	web.Redirect(w, r, communityPath(c, "invitations"), "community.flash_invitation_created")
}

// mailInvitation makes a new invitation link and mails it to the address
// the organizer typed, in the page's language: each address gets its own
// link, which the invitations page counts like any other. Organizers may
// mail at most MailInvitationsPerHour.
func (h *Handler) mailInvitation(w http.ResponseWriter, r *http.Request) {
	v := signedIn(w, r, "/c/"+r.PathValue("slug")+"/invitations")
	if v == nil {
		return
	}
	c := h.community(w, r)
	if c == nil || !h.allowed(w, r, c, RoleOrganizer) {
		return
	}
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	l := web.Localizer(r.Context())
	form := web.NewForm(r.PostForm)
	fail := func(err error) {
		if !form.SetErrors(l, err) {
			h.pages.Error(w, r, err)
			return
		}
		list, lerr := h.Store.Invitations(r.Context(), c.ID)
		if lerr != nil {
			h.pages.Error(w, r, lerr)
			return
		}
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "community_invitations", l.T("community.invitations_title", "Name", c.Name),
			invitationsData{C: c, Invitations: list, Form: form})
	}
	email, err := account.CheckEmail("invite_email", r.PostForm.Get("invite_email"))
	if err != nil {
		fail(err)
		return
	}
	if !h.mailLimit.AllowKey(v.PersonID) {
		fail(repertoire.Invalid("invite_email", "error.rate_limited", nil))
		return
	}
	inviter := v.Name
	if inviter == "" {
		inviter = c.Name
	}
	if err := h.Store.MailInvitation(r.Context(), v.PersonID, c.ID, email, inviter, l.Lang); err != nil {
		fail(err)
		return
	}
	web.Redirect(w, r, communityPath(c, "invitations"), "community.flash_invitation_mailed")
}

func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request) {
	v := signedIn(w, r, "/c/"+r.PathValue("slug")+"/invitations")
	if v == nil {
		return
	}
	c := h.community(w, r)
	if c == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	// A revoked link is gone for whoever holds it: asked first.
	l := web.Localizer(r.Context())
	if !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("community.revoke_confirm"),
		Consequences: []string{l.T("community.revoke_consequence")},
		Button:       l.T("community.revoke"),
		Back:         communityPath(c, "invitations"),
	}) {
		return
	}
	if err := h.Store.RevokeInvitation(r.Context(), v.PersonID, c.ID, r.PathValue("id")); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, communityPath(c, "invitations"), "community.flash_invitation_revoked")
}

type inviteData struct {
	C         *Community
	Token     string
	Status    string // the viewer's membership status
	SignedOut bool   // a visitor: offered to sign up or in, and come back here
	Back      string // this page's path, where sign-up and sign-in return
}

// invitation shows an invitation to whoever holds its link. A visitor sees
// the community and the ways to sign up or sign in that bring them back
// here (through the confirmation mail too), to join in one click.
func (h *Handler) invitation(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in this page's URL
	tok := r.PathValue("token")
	_, c, err := h.Store.Invitation(r.Context(), tok)
	var status string
	v := web.ViewerFrom(r.Context())
	if err == nil && v != nil {
		_, status, err = h.Store.Membership(r.Context(), c.ID, v.PersonID)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "community_invite", web.Localizer(r.Context()).T("community.invite_title", "Name", c.Name),
		inviteData{C: c, Token: tok, Status: status, SignedOut: v == nil, Back: "/invite/" + url.PathEscape(tok)})
}

func (h *Handler) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	v := signedIn(w, r, "/invite/"+r.PathValue("token"))
	if v == nil {
		return
	}
	c, err := h.Store.AcceptInvitation(r.Context(), r.PathValue("token"), v.PersonID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, communityPath(c), "community.flash_joined")
}

// MarkAdmins marks the pages of a community (every path under
// /c/{community}/) that an instance administrator views without being
// one of its active members: there they act as administrator, and every
// page says so (web.WithAsAdmin, the layout's banner). Wired inside the
// sessions, so it knows who asks; only administrators cost a read.
func (h *Handler) MarkAdmins(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := web.ViewerFrom(r.Context()); v != nil && v.IsAdmin {
			rest, ok := strings.CutPrefix(r.URL.Path, "/c/")
			slug, _, _ := strings.Cut(rest, "/")
			if ok && slug != "" && h.actsAsAdmin(r.Context(), slug, v.PersonID) {
				r = r.WithContext(web.WithAsAdmin(r.Context()))
			} else {
				r = r.WithContext(web.WithAdminMark(r.Context())) // NoteAdmin's, elsewhere
			}
		}
		next.ServeHTTP(w, r)
	})
}

// NoteAdmin marks the page of a community's message or decision (outside
// /c/{community}/) that an administrator views without being one of its
// active members, as MarkAdmins marks the community's own pages.
func (s *Store) NoteAdmin(ctx context.Context, communityID string) {
	if v := web.ViewerFrom(ctx); v != nil && v.IsAdmin {
		if role, err := s.Role(ctx, communityID, v.PersonID); err == nil && role == "" {
			web.MarkAsAdmin(ctx)
		}
	}
}

// actsAsAdmin reports whether an administrator holds no active membership
// in the community (false when it does not exist: its page says so).
func (h *Handler) actsAsAdmin(ctx context.Context, slug, personID string) bool {
	c, err := h.Store.Get(ctx, slug)
	if err != nil {
		return false
	}
	role, err := h.Store.Role(ctx, c.ID, personID)
	return err == nil && role == ""
}

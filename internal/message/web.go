package message

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/community"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// place is the community of a page, which only its organizers reach.
type place struct {
	Community *community.Community
}

// organize finds the community (id or slug) for the viewer: not found
// when they may not see it, organizers only, visitors sent to sign in.
func (h *Handler) organize(w http.ResponseWriter, r *http.Request, idOrSlug string) *place {
	if web.RequireViewer(w, r) == nil {
		return nil
	}
	c, err := h.communities.Get(r.Context(), idOrSlug)
	if err == nil {
		err = h.access.Check(r.Context(), c.ID, web.ViewerID(r), true)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return nil
	}
	h.communities.NoteAdmin(r.Context(), c.ID)
	return &place{Community: c}
}

// message is the message of the URL, for an organizer of its community.
func (h *Handler) message(w http.ResponseWriter, r *http.Request) (*place, *Message) {
	if web.RequireViewer(w, r) == nil {
		return nil, nil
	}
	m, err := h.Store.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Error(w, r, err)
		return nil, nil
	}
	p := h.organize(w, r, m.CommunityID)
	if p == nil {
		return nil, nil
	}
	return p, m
}

type listItem struct {
	*Message
	Counts Counts
}

type listData struct {
	*place
	Messages []listItem
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	p := h.organize(w, r, r.PathValue("slug"))
	if p == nil {
		return
	}
	ms, _, err := h.Store.List(r.Context(), ListQuery{CommunityID: p.Community.ID, Admin: true, Limit: 200})
	var counts map[string]Counts
	if err == nil {
		counts, err = h.Store.CountsOf(r.Context(), ms)
	}
	d := listData{place: p}
	for _, m := range ms {
		d.Messages = append(d.Messages, listItem{Message: m, Counts: counts[m.ID]})
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "message_list", web.Localizer(r.Context()).T("message.list_title", "Community", p.Community.Name), d)
}

// partChoice is a part of the audience the editor offers.
type partChoice struct {
	Value string // "members" or "participants:<action id>"
	Label string
	Kind  string // participation kind, for its label's prefix; "" for members
}

type formData struct {
	*place
	Message   *Message // nil when new
	Form      *web.Form
	Parts     []partChoice
	Languages []string
	Preview   []preview
}

// preview is a version rendered as it will be mailed.
type preview struct {
	Lang    string
	Subject string
	HTML    template.HTML
	Text    string
}

func previews(vs []Version) []preview {
	var out []preview
	for _, v := range vs {
		r := Render(v.Body)
		// Render escaped the organizer's HTML and kept only safe links.
		out = append(out, preview{Lang: v.Lang, Subject: v.Subject, HTML: template.HTML(r.HTML), Text: r.Text})
	}
	return out
}

func partValue(p Part) string {
	if p.Kind == PartMembers {
		return PartMembers
	}
	return PartParticipants + ":" + p.Action
}

func parsePart(v string) Part {
	if v == PartMembers {
		return Part{Kind: PartMembers}
	}
	kind, id, _ := strings.Cut(v, ":")
	return Part{Kind: kind, Action: id}
}

func (h *Handler) choices(r *http.Request, communityID string) ([]partChoice, error) {
	l := web.Localizer(r.Context())
	out := []partChoice{{Value: PartMembers, Label: l.T("message.part.members")}}
	actions, err := h.Store.Actions(r.Context(), communityID)
	for _, a := range actions {
		out = append(out, partChoice{Value: PartParticipants + ":" + a.ID, Label: a.Title, Kind: string(a.Kind)})
	}
	return out, err
}

func (h *Handler) renderForm(w http.ResponseWriter, r *http.Request, status int, p *place, m *Message, f *web.Form, pv []preview) {
	parts, err := h.choices(r, p.Community.ID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	title := "message.new_title"
	if m != nil {
		title = "message.edit_title"
	}
	h.pages.Render(w, r, status, "message_edit", web.Localizer(r.Context()).T(title),
		formData{place: p, Message: m, Form: f, Parts: parts, Languages: Languages, Preview: pv})
}

// formValues fills a form from a message's input.
func formValues(in Input) url.Values {
	v := url.Values{"from_name": {in.FromName}, "reply_to": {in.ReplyTo}}
	for _, ver := range in.Versions {
		v.Set("subject_"+ver.Lang, ver.Subject)
		v.Set("body_"+ver.Lang, ver.Body)
	}
	for _, p := range in.Audience.Include {
		v.Add("include", partValue(p))
	}
	for _, p := range in.Audience.Exclude {
		v.Add("exclude", partValue(p))
	}
	v.Set("origin", in.Origin)
	return v
}

func formInput(f *web.Form) Input {
	in := Input{FromName: f.Get("from_name"), ReplyTo: f.Get("reply_to"), Origin: f.Get("origin")}
	for _, l := range Languages {
		in.Versions = append(in.Versions, Version{Lang: l, Subject: f.Get("subject_" + l), Body: f.Get("body_" + l)})
	}
	for _, v := range f.Values["include"] {
		in.Audience.Include = append(in.Audience.Include, parsePart(v))
	}
	for _, v := range f.Values["exclude"] {
		in.Audience.Exclude = append(in.Audience.Exclude, parsePart(v))
	}
	return in
}

// Prepared drafts: what the organizer is offered to tell the
// participants of an action when something happened to it (a petition
// delivered, a target's answer), in every language, never sent by itself.
var prepared = map[string]bool{"delivered": true, "answered": true}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	p := h.organize(w, r, r.PathValue("slug"))
	if p == nil {
		return
	}
	in := Input{FromName: p.Community.Name}
	if v := web.ViewerFrom(r.Context()); v != nil {
		in.ReplyTo = v.Email
	}
	q := r.URL.Query()
	if id, about := q.Get("action"), q.Get("about"); id != "" {
		actions, err := h.Store.Actions(r.Context(), p.Community.ID)
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		for _, a := range actions {
			if a.ID != id {
				continue
			}
			in.Audience.Include = []Part{{Kind: PartParticipants, Action: a.ID}}
			if prepared[about] {
				in.Origin = about + ":" + a.ID
				in.Versions = preparedVersions(h, about, a)
			}
		}
	}
	h.renderForm(w, r, http.StatusOK, p, nil, web.NewForm(formValues(in)), nil)
}

// preparedVersions are the prepared draft's texts in every language.
func preparedVersions(h *Handler, about string, a participation.ActionRef) []Version {
	var out []Version
	for _, l := range Languages {
		loc := h.cat.For(l)
		out = append(out, Version{Lang: l, Subject: loc.T("message.prepared."+about+".subject", "Title", a.Title),
			Body: loc.T("message.prepared."+about+".body", "Title", a.Title)})
	}
	return out
}

// save answers a posted editor: preview shows it rendered without saving;
// otherwise it is created or updated, then its page.
func (h *Handler) save(w http.ResponseWriter, r *http.Request, p *place, m *Message) {
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	in := formInput(f)
	if f.Get("do") == "preview" {
		var vs []Version
		for _, v := range in.Versions {
			if strings.TrimSpace(v.Body) != "" || strings.TrimSpace(v.Subject) != "" {
				vs = append(vs, v)
			}
		}
		h.renderForm(w, r, http.StatusOK, p, m, f, previews(vs))
		return
	}
	var err error
	if m == nil {
		m, err = h.Store.Create(r.Context(), web.ViewerID(r), p.Community.ID, in)
	} else {
		m, err = h.Store.Update(r.Context(), m.ID, in)
	}
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderForm(w, r, http.StatusUnprocessableEntity, p, m, f, nil)
		return
	}
	web.Redirect(w, r, m.Path(), "message.saved")
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	if p := h.organize(w, r, r.PathValue("slug")); p != nil {
		h.save(w, r, p, nil)
	}
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	p, m := h.message(w, r)
	if p == nil {
		return
	}
	if !m.Editable() {
		h.pages.Error(w, r, errNotEditable)
		return
	}
	h.renderForm(w, r, http.StatusOK, p, m, web.NewForm(formValues(Input{FromName: m.FromName, ReplyTo: m.ReplyTo, Audience: m.Audience,
		Versions: m.Versions, Origin: m.Origin})), nil)
}

func (h *Handler) edit(w http.ResponseWriter, r *http.Request) {
	if p, m := h.message(w, r); p != nil {
		h.save(w, r, p, m)
	}
}

type showData struct {
	*place
	Message *Message
	Counts  Counts
	Preview []preview
	Parts   map[string]string // audience part value → label
}

func (h *Handler) partLabels(r *http.Request, communityID string) (map[string]string, error) {
	parts, err := h.choices(r, communityID)
	out := map[string]string{}
	for _, c := range parts {
		out[c.Value] = c.Label
	}
	return out, err
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	p, m := h.message(w, r)
	if p == nil {
		return
	}
	c, err := h.Store.Counts(r.Context(), m)
	var labels map[string]string
	if err == nil {
		labels, err = h.partLabels(r, p.Community.ID)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "message_show", m.Subject(), showData{place: p, Message: m, Counts: c, Preview: previews(m.Versions), Parts: labels})
}

func (h *Handler) test(w http.ResponseWriter, r *http.Request) {
	p, m := h.message(w, r)
	if p == nil {
		return
	}
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	if !h.tests.AllowKey(web.ViewerID(r)) {
		h.pages.Error(w, r, repertoire.Errorf(repertoire.ERATELIMIT, "message.test_limit"))
		return
	}
	if err := h.Store.SendTest(r.Context(), m, web.ViewerID(r)); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, m.Path(), "message.test_sent")
}

type confirmData struct {
	*place
	Message *Message
	Reach   int
	Form    *web.Form
}

// formTime is how the schedule field reads (UTC).
const formTime = "2006-01-02T15:04"

func (h *Handler) renderConfirm(w http.ResponseWriter, r *http.Request, status int, p *place, m *Message, f *web.Form) {
	n, err := h.Store.Reach(r.Context(), m)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, status, "message_confirm", web.Localizer(r.Context()).T("message.confirm_title"),
		confirmData{place: p, Message: m, Reach: n, Form: f})
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request) {
	p, m := h.message(w, r)
	if p == nil {
		return
	}
	if !m.Editable() {
		web.Redirect(w, r, m.Path(), "")
		return
	}
	h.renderConfirm(w, r, http.StatusOK, p, m, web.NewForm(url.Values{"at": {store.Now().Add(24 * time.Hour).Format(formTime)}}))
}

// send sends the message now, or schedules it when "at" is given (the
// confirmation page's two buttons).
func (h *Handler) send(w http.ResponseWriter, r *http.Request) {
	p, m := h.message(w, r)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	var err error
	flash := "message.sending"
	if f.Get("when") == "later" {
		at, perr := time.Parse(formTime, strings.TrimSpace(f.Get("at")))
		if perr != nil {
			err = repertoire.Invalid("at", "message.bad_time", nil)
		} else {
			_, err = h.Store.Schedule(r.Context(), m.ID, at)
			flash = "message.scheduled"
		}
	} else {
		_, err = h.Store.Send(r.Context(), m.ID)
	}
	if err != nil {
		if es := repertoire.FieldErrors(err); len(es) > 0 {
			f.Errors["at"] = web.Localizer(r.Context()).Error(es[0])
			h.renderConfirm(w, r, http.StatusUnprocessableEntity, p, m, f)
			return
		}
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, m.Path(), flash)
}

func (h *Handler) unschedule(w http.ResponseWriter, r *http.Request) {
	p, m := h.message(w, r)
	if p == nil {
		return
	}
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	if _, err := h.Store.Unschedule(r.Context(), m.ID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, m.Path(), "message.unscheduled")
}

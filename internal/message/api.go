package message

import (
	"net/http"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/i18n"
)

// The messages API (OSDI messages, as Action Network has them): GET/POST
// /messages, GET/PUT /messages/{id} (PUT edits a draft or a scheduled
// message), POST /messages/{id}/send (now) and /messages/{id}/schedule
// (at scheduled_start_date). Only the organizers of a message's community
// (and administrators) reach it; a message is never public.
//
// Repertoire's own fields beside OSDI's: versions (a subject and a
// Markdown body per language; subject and body are the first's), targets
// and exclusions (parts of the audience: {"kind": "members"} or {"kind":
// "participants", "action": "<petition, pledge, event… id>"}), and the
// statistics the outbox counts.

type versionJSON struct {
	Language string `json:"language"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
}

type statisticsJSON struct {
	Sent         int `json:"sent"`
	Queued       int `json:"queued"`
	Failed       int `json:"failed"`
	Unsubscribed int `json:"unsubscribed"`
	// Action Network's names: refused for good; reported as spam.
	Bounced     int `json:"bounced"`
	SoftBounced int `json:"soft_bounced"`
	SpamReports int `json:"spam_reports"`
}

type messageJSON struct {
	Identifiers        []string       `json:"identifiers"`
	ID                 string         `json:"id"`
	Community          string         `json:"community"`
	Subject            string         `json:"subject"`
	Body               string         `json:"body"`
	Versions           []versionJSON  `json:"versions"`
	From               string         `json:"from"`
	ReplyTo            string         `json:"reply_to"`
	Targets            []Part         `json:"targets"`
	Exclusions         []Part         `json:"exclusions"`
	Status             string         `json:"status"`
	ScheduledStartDate *string        `json:"scheduled_start_date"`
	SentStartDate      *string        `json:"sent_start_date"`
	SentEndDate        *string        `json:"sent_end_date"`
	TotalTargeted      int            `json:"total_targeted"`
	Statistics         statisticsJSON `json:"statistics"`
	Origin             string         `json:"origin,omitempty"`
	CreatedDate        string         `json:"created_date"`
	ModifiedDate       string         `json:"modified_date"`
	BrowserURL         string         `json:"browser_url"`
	Links              api.Links      `json:"_links"`
}

// known are the fields a message body may carry: OSDI's and Action
// Network's (those we keep, and the read-only ones a document read with
// GET sends back), and ours.
var known = api.Known{
	"identifiers": nil, "id": nil, "origin_system": nil, "created_date": nil, "modified_date": nil, "_links": nil,
	"community": nil, "subject": nil, "body": nil, "language": nil, "from": nil, "reply_to": nil,
	"versions": {"language": nil, "subject": nil, "body": nil},
	"targets":  {"kind": nil, "action": nil}, "exclusions": {"kind": nil, "action": nil},
	"status": nil, "scheduled_start_date": nil, "sent_start_date": nil, "sent_end_date": nil, "total_targeted": nil,
	"statistics": nil, "origin": nil, "browser_url": nil, "administrative_url": nil, "type": nil,
}

// messageBody is what clients send; pointers tell absent fields from
// empty ones.
type messageBody struct {
	Community          *string        `json:"community"`
	Subject            *string        `json:"subject"`
	Body               *string        `json:"body"`
	Language           *string        `json:"language"`
	Versions           *[]versionJSON `json:"versions"`
	From               *string        `json:"from"`
	ReplyTo            *string        `json:"reply_to"`
	Targets            *[]Part        `json:"targets"`
	Exclusions         *[]Part        `json:"exclusions"`
	Status             *string        `json:"status"`
	ScheduledStartDate *string        `json:"scheduled_start_date"`
}

func (h *Handler) messageURL(id string, rest ...string) string {
	return api.URL(h.baseURL, api.Prefix+"/messages", append([]string{id}, rest...)...)
}

func (h *Handler) messageDoc(m *Message, c Counts) messageJSON {
	doc := messageJSON{Identifiers: api.Identifiers(m.ID), ID: m.ID, Community: m.CommunityID, From: m.FromName, ReplyTo: m.ReplyTo,
		Targets: m.Audience.Include, Exclusions: m.Audience.Exclude, Status: m.Status, Versions: []versionJSON{},
		ScheduledStartDate: api.TimePtr(m.ScheduledAt), SentStartDate: api.TimePtr(m.StartedAt), SentEndDate: api.TimePtr(m.SentAt),
		TotalTargeted: c.Targeted, Statistics: statisticsJSON{Sent: c.Sent, Queued: c.Queued, Failed: c.Failed, Unsubscribed: c.Unsubscribed,
			Bounced: c.Bounced, SoftBounced: c.SoftBounced, SpamReports: c.Complained},
		Origin: m.Origin, CreatedDate: api.Time(m.CreatedAt), ModifiedDate: api.Time(m.ModifiedAt), BrowserURL: h.baseURL + m.Path(),
		Links: api.Links{
			"self":                 api.Link{Href: h.messageURL(m.ID)},
			"repertoire:send":      api.Link{Href: h.messageURL(m.ID, "send")},
			"repertoire:schedule":  api.Link{Href: h.messageURL(m.ID, "schedule")},
			"repertoire:community": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/communities", m.CommunityID)},
		}}
	if doc.Targets == nil {
		doc.Targets = []Part{}
	}
	if doc.Exclusions == nil {
		doc.Exclusions = []Part{}
	}
	for _, v := range m.Versions {
		doc.Versions = append(doc.Versions, versionJSON{Language: v.Lang, Subject: v.Subject, Body: v.Body})
	}
	if len(m.Versions) > 0 {
		doc.Subject, doc.Body = m.Versions[0].Subject, m.Versions[0].Body
	}
	return doc
}

// apply merges a body into an input: what is absent stays. subject and
// body are the version of "language" (the first one's when absent);
// versions, when given, replace them all before.
func (b *messageBody) apply(in *Input) {
	if b.Versions != nil {
		in.Versions = nil
		for _, v := range *b.Versions {
			in.Versions = append(in.Versions, Version{Lang: v.Language, Subject: v.Subject, Body: v.Body})
		}
	}
	if b.Subject != nil || b.Body != nil {
		lang := api.Value(b.Language)
		if l, ok := i18n.ParseLanguage(lang); ok { // en-GB is en
			lang = l
		}
		if lang == "" {
			lang = Languages[0]
			if len(in.Versions) > 0 {
				lang = in.Versions[0].Lang
			}
		}
		i := -1
		for k := range in.Versions {
			if in.Versions[k].Lang == lang {
				i = k
			}
		}
		if i < 0 {
			in.Versions = append(in.Versions, Version{Lang: lang})
			i = len(in.Versions) - 1
		}
		if b.Subject != nil {
			in.Versions[i].Subject = *b.Subject
		}
		if b.Body != nil {
			in.Versions[i].Body = *b.Body
		}
	}
	if b.From != nil {
		in.FromName = *b.From
	}
	if b.ReplyTo != nil {
		in.ReplyTo = *b.ReplyTo
	}
	if b.Targets != nil {
		in.Audience.Include = *b.Targets
	}
	if b.Exclusions != nil {
		in.Audience.Exclude = *b.Exclusions
	}
	for _, list := range [][]Part{in.Audience.Include, in.Audience.Exclude} {
		for i := range list {
			list[i].Action = api.ParseID(list[i].Action)
		}
	}
}

func (h *Handler) apiMessage(w http.ResponseWriter, r *http.Request) *Message {
	m, _ := campaign.Load(w, r, h.log, h.access, h.Store.Get, func(m *Message) string { return m.CommunityID }, true)
	return m
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request, status int, m *Message) {
	c, err := h.Store.Counts(r.Context(), m)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, status, h.messageDoc(m, c))
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	communityID, page, filter, err := campaign.ParseCommunityQuery(r, h.access, true)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	q := ListQuery{CommunityID: communityID, ViewerID: api.PrincipalID(r), Admin: api.IsAdmin(r), Filter: filter, Offset: page.Offset(), Limit: page.PerPage}
	list, total, err := h.Store.List(r.Context(), q)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	counts, err := h.Store.CountsOf(r.Context(), list)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	items := make([]messageJSON, 0, len(list))
	for _, m := range list {
		items = append(items, h.messageDoc(m, counts[m.ID]))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:messages", items, total, page))
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	var body messageBody
	if err := api.DecodeKnown(w, r, &body, known); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	c, err := campaign.OrganizedCommunity(r.Context(), h.access, api.PrincipalID(r), api.Value(body.Community), "message.community_not_found")
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if s := api.Value(body.Status); s != "" && s != StatusDraft {
		api.Problem(w, r, h.log, repertoire.Invalid("status", "message.status_new", nil))
		return
	}
	var in Input
	body.apply(&in)
	m, err := h.Store.Create(r.Context(), api.PrincipalID(r), c.ID, in)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", h.messageURL(m.ID))
	h.answer(w, r, http.StatusCreated, m)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	if m := h.apiMessage(w, r); m != nil {
		h.answer(w, r, http.StatusOK, m)
	}
}

// apiUpdate edits a message not yet sending. Its status is changed by
// send and schedule, not here: a status sent back as read is accepted,
// another refused by name; so is a community other than its own.
func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	m := h.apiMessage(w, r)
	if m == nil {
		return
	}
	var body messageBody
	if err := api.DecodeKnown(w, r, &body, known); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var es repertoire.Errors
	if body.Status != nil && *body.Status != m.Status {
		es = append(es, repertoire.Invalid("status", "message.status_fixed", nil))
	}
	if body.Community != nil && api.ParseID(*body.Community) != m.CommunityID {
		es = append(es, repertoire.Invalid("community", "message.field_fixed", nil))
	}
	if len(es) > 0 {
		api.Problem(w, r, h.log, es)
		return
	}
	if !m.Editable() {
		api.Problem(w, r, h.log, errNotEditable)
		return
	}
	in := Input{FromName: m.FromName, ReplyTo: m.ReplyTo, Audience: m.Audience, Versions: m.Versions, Origin: m.Origin}
	body.apply(&in)
	m, err := h.Store.Update(r.Context(), m.ID, in)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	h.answer(w, r, http.StatusOK, m)
}

// apiSend sends the message now: 202, the sending goes on after the
// answer (status "sending", then "sent"); 409 when it was sent already.
func (h *Handler) apiSend(w http.ResponseWriter, r *http.Request) {
	m := h.apiMessage(w, r)
	if m == nil {
		return
	}
	m, err := h.Store.Send(r.Context(), m.ID)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	h.answer(w, r, http.StatusAccepted, m)
}

// apiSchedule sets the message to be sent at scheduled_start_date.
func (h *Handler) apiSchedule(w http.ResponseWriter, r *http.Request) {
	m := h.apiMessage(w, r)
	if m == nil {
		return
	}
	var body messageBody
	if err := api.DecodeKnown(w, r, &body, known); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	at, err := time.Parse(time.RFC3339, strings.TrimSpace(api.Value(body.ScheduledStartDate)))
	if err != nil {
		api.Problem(w, r, h.log, repertoire.Invalid("scheduled_start_date", "message.bad_time", nil))
		return
	}
	if m, err = h.Store.Schedule(r.Context(), m.ID, at); err != nil {
		if repertoire.ErrorCode(err) == repertoire.EINVALID {
			err = repertoire.Invalid("scheduled_start_date", "message.schedule_past", nil)
		}
		api.Problem(w, r, h.log, err)
		return
	}
	h.answer(w, r, http.StatusOK, m)
}

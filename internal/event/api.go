package event

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/participation"
	"repertoire/internal/tag"
)

// eventJSON is an OSDI event, with our fields (speakers, room, capacity,
// questions, waitlist).
type eventJSON struct {
	Identifiers        []string     `json:"identifiers"`
	CreatedDate        string       `json:"created_date"`
	ModifiedDate       string       `json:"modified_date"`
	Title              string       `json:"title"`
	Name               string       `json:"name"`
	Description        string       `json:"description"`
	BrowserURL         string       `json:"browser_url"`
	StartDate          string       `json:"start_date"`
	EndDate            string       `json:"end_date"`
	TimezoneIdentifier string       `json:"timezone_identifier"`
	Status             string       `json:"status"`
	Capacity           int          `json:"capacity"`
	Registration       string       `json:"registration"`
	Location           locationJSON `json:"location"`
	Speakers           string       `json:"speakers"`
	Languages          string       `json:"languages"`
	Questions          []Question   `json:"questions"`
	Notes              string       `json:"notes"`
	Sequence           int          `json:"sequence"`
	TotalAccepted      int          `json:"total_accepted"`
	TotalWaitlisted    int          `json:"total_waitlisted"`
	OnlineURL          string       `json:"online_url,omitempty"`
	Links              api.Links    `json:"_links"`
}

type locationJSON struct {
	Venue string `json:"venue"`
	Room  string `json:"room"`
}

func (h *Handler) doc(e *Event, organizer bool) eventJSON {
	self := api.URL(h.baseURL, api.Prefix+"/events", e.ID)
	status := "confirmed"
	if e.Status == StatusCancelled {
		status = "cancelled"
	}
	d := eventJSON{Identifiers: api.Identifiers(e.ID), CreatedDate: api.Time(e.CreatedAt), ModifiedDate: api.Time(e.ModifiedAt),
		Title: e.Title, Name: e.Slug, Description: e.Description, BrowserURL: h.baseURL + e.Path(),
		StartDate: api.Time(e.Start), EndDate: api.Time(e.End), TimezoneIdentifier: e.Timezone, Status: status,
		Capacity: e.Capacity, Registration: e.Registration, Location: locationJSON{Venue: e.Venue, Room: e.Room}, Speakers: e.Speakers, Languages: e.Languages,
		Questions: e.Questions, Notes: e.Notes, Sequence: e.Sequence, TotalAccepted: e.Accepted, TotalWaitlisted: e.Waitlisted,
		Links: api.Links{
			"self":                          api.Link{Href: self},
			"osdi:attendances":              api.Link{Href: self + "/attendances"},
			"osdi:record_attendance_helper": api.Link{Href: self + "/attendances"},
			"repertoire:campaign":           api.Link{Href: api.URL(h.baseURL, api.Prefix+"/campaigns", e.CampaignID)},
		}}
	if d.Questions == nil {
		d.Questions = []Question{}
	}
	if organizer { // the link is for accepted registrants and organizers
		d.OnlineURL = e.OnlineURL
	}
	return d
}

// eventFields are the fields an event body may carry: OSDI's (stored, or
// accepted and ignored) and ours. A document read from GET goes back
// through PUT.
var eventFields = api.Known{
	// stored
	"title": nil, "name": nil, "description": nil, "start_date": nil, "end_date": nil, "timezone_identifier": nil,
	"capacity": nil, "location": {"venue": nil, "room": nil, "address_lines": nil, "locality": nil, "region": nil,
		"postal_code": nil, "country": nil, "location": nil, "language": nil},
	"_links": nil, "status": nil,
	// ours
	"campaign": nil, "community": nil, "speakers": nil, "languages": nil, "registration": nil, "online_url": nil, "notes": nil,
	"questions": {"kind": nil, "label": nil, "required": nil, "options": nil},
	// accepted and ignored
	"identifiers": nil, "created_date": nil, "modified_date": nil, "browser_url": nil, "summary": nil,
	"origin_system": nil, "featured_image_url": nil, "total_accepted": nil, "total_waitlisted": nil, "sequence": nil,
	"visibility": nil, "type": nil, "instructions": nil, "guests_can_invite_others": nil, "transparence": nil,
	"reminders": nil, "administrative_url": nil, "action_network:hidden": nil, "_embedded": nil,
}

// eventBody is an event as a client writes it; absent fields (nil) are
// unchanged by PUT.
type eventBody struct {
	Title              *string `json:"title"`
	Name               *string `json:"name"`
	Description        *string `json:"description"`
	StartDate          *string `json:"start_date"`
	EndDate            *string `json:"end_date"`
	TimezoneIdentifier *string `json:"timezone_identifier"`
	Capacity           *int    `json:"capacity"`
	Registration       *string `json:"registration"`
	Status             *string `json:"status"`
	Location           *struct {
		Venue        *string  `json:"venue"`
		Room         *string  `json:"room"`
		AddressLines []string `json:"address_lines"`
		Locality     string   `json:"locality"`
	} `json:"location"`
	Speakers  *string     `json:"speakers"`
	Languages *string     `json:"languages"`
	OnlineURL *string     `json:"online_url"`
	Notes     *string     `json:"notes"`
	Questions *[]Question `json:"questions"`
	Campaign  string      `json:"campaign"`
	Community string      `json:"community"`
}

// apply merges the body into in; field errors name the JSON fields.
func (b *eventBody) apply(in *Input) error {
	var es repertoire.Errors
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Title, b.Title)
	set(&in.Slug, b.Name)
	set(&in.Description, b.Description)
	set(&in.Timezone, b.TimezoneIdentifier)
	set(&in.Speakers, b.Speakers)
	set(&in.Languages, b.Languages)
	set(&in.OnlineURL, b.OnlineURL)
	set(&in.Notes, b.Notes)
	set(&in.Registration, b.Registration)
	if b.Capacity != nil {
		in.Capacity = *b.Capacity
	}
	if b.Questions != nil {
		in.Questions = *b.Questions
	}
	if b.Location != nil {
		set(&in.Venue, b.Location.Venue)
		set(&in.Room, b.Location.Room)
		if b.Location.Venue == nil && len(b.Location.AddressLines) > 0 {
			in.Venue = strings.Join(append(b.Location.AddressLines, b.Location.Locality), ", ")
		}
	}
	for _, d := range []struct {
		field string
		v     *string
		dst   *time.Time
	}{{"start_date", b.StartDate, &in.Start}, {"end_date", b.EndDate, &in.End}} {
		if d.v == nil {
			continue
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(*d.v))
		if err != nil {
			es = append(es, repertoire.Invalid(d.field, "field.bad_date", nil))
			continue
		}
		*d.dst = t
	}
	if b.Status != nil && *b.Status != "confirmed" && *b.Status != "cancelled" {
		es = append(es, repertoire.Invalid("status", "event.bad_status", nil))
	}
	return es.Err()
}

// apiFieldNames maps Input's field names to the API's.
var apiFieldNames = map[string]string{"start": "start_date", "end": "end_date", "timezone": "timezone_identifier",
	"slug": "name", "venue": "location.venue", "room": "location.room"}

func renamed(err error) error {
	fes := repertoire.FieldErrors(err)
	if len(fes) == 0 {
		return err
	}
	out := make(repertoire.Errors, len(fes))
	for i, fe := range fes {
		c := *fe
		if f, ok := apiFieldNames[c.Field]; ok {
			c.Field = f
		}
		out[i] = &c
	}
	return out
}

// apiEvent loads the event of the URL for the caller: not found when they
// may not see its community; with organize, only for its organizers.
func (h *Handler) apiEvent(w http.ResponseWriter, r *http.Request, organize bool) (*Event, bool) {
	if organize && api.Require(w, r) == nil {
		return nil, false
	}
	e, err := h.Store.Get(r.Context(), api.ParseID(r.PathValue("id")))
	org := false
	if err == nil {
		pid := api.PrincipalID(r)
		if err = h.access.Check(r.Context(), e.CommunityID, pid, organize); err == nil && pid != "" {
			org, err = h.communities.CanOrganize(r.Context(), e.CommunityID, pid)
		}
		if err == nil && !org {
			err = h.campaigns.CheckPublished(r.Context(), h.access, e.CampaignID, pid, api.IsAdmin(r))
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil, false
	}
	return e, org
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	if e, org := h.apiEvent(w, r, false); e != nil {
		api.JSON(w, http.StatusOK, h.doc(e, org))
	}
}

// apiList lists the events the caller may see, newest first.
func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	campaign.ServeTactics(w, r, h.log, h.campaigns, h.access, h.baseURL, "osdi:events", h.Store.List, func(e *Event) eventJSON { return h.doc(e, false) })
}

// apiCreate creates an event in the campaign given (campaign), or in a
// campaign of its own in the community given (community).
func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	pr := api.Require(w, r)
	if pr == nil {
		return
	}
	var b eventBody
	if err := api.DecodeKnown(w, r, &b, eventFields); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var in Input
	err := b.apply(&in)
	var e *Event
	if err == nil {
		e, err = h.createIn(r.Context(), pr.PersonID, &b, in)
	}
	if err == nil && b.Status != nil && *b.Status == "cancelled" {
		if err = h.Store.Cancel(r.Context(), e.ID); err == nil {
			e, err = h.Store.Get(r.Context(), e.ID)
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, renamed(err))
		return
	}
	d := h.doc(e, true)
	w.Header().Set("Location", d.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, d)
}

func (h *Handler) createIn(ctx context.Context, personID string, b *eventBody, in Input) (*Event, error) {
	if strings.TrimSpace(b.Campaign) != "" {
		camp, err := campaign.Organized(ctx, h.campaigns, h.access, personID, b.Campaign, "event.campaign_not_found")
		if err != nil {
			return nil, err
		}
		return h.Store.Create(ctx, camp.ID, in)
	}
	c := strings.TrimSpace(b.Community)
	if c == "" {
		return nil, repertoire.Invalid("campaign", "field.required", nil)
	}
	com, err := h.communities.Get(ctx, api.ParseID(c))
	if err == nil {
		err = h.access.Check(ctx, com.ID, personID, true)
	}
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		err = repertoire.Invalid("community", "event.community_not_found", nil)
	}
	if err != nil {
		return nil, err
	}
	return h.Store.CreateWithCampaign(ctx, personID, com.ID, in)
}

// apiUpdate changes an event: a change of time, place or link is mailed to
// every registrant; status "cancelled" cancels it and mails them all.
func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	e, _ := h.apiEvent(w, r, true)
	if e == nil {
		return
	}
	var b eventBody
	if err := api.DecodeKnown(w, r, &b, eventFields); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	probe := e.input()
	err := b.apply(&probe)
	if err == nil {
		e, err = h.Store.Update(r.Context(), e.ID, func(in *Input) { _ = b.apply(in) })
	}
	if err == nil && b.Status != nil && *b.Status == "cancelled" {
		if err = h.Store.Cancel(r.Context(), e.ID); err == nil {
			e, err = h.Store.Get(r.Context(), e.ID)
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, renamed(err))
		return
	}
	api.JSON(w, http.StatusOK, h.doc(e, true))
}

// attendanceJSON is an OSDI attendance: a registration with its place.
type attendanceJSON struct {
	Identifiers  []string          `json:"identifiers"`
	OriginSystem string            `json:"origin_system"`
	CreatedDate  string            `json:"created_date"`
	ModifiedDate string            `json:"modified_date"`
	Status       string            `json:"status"` // accepted | waitlisted | offered | cancelled…
	Attended     bool              `json:"attended"`
	Answers      map[string]string `json:"answers"`
	Person       map[string]any    `json:"person"`
	Links        api.Links         `json:"_links"`
}

// apiAttendances lists an event's registrations for its organizers, with
// ?filter= on the dates and status.
func (h *Handler) apiAttendances(w http.ResponseWriter, r *http.Request) {
	e, _ := h.apiEvent(w, r, true)
	if e == nil {
		return
	}
	page, err := api.ParsePage(r)
	var filter api.Filter
	if err == nil {
		filter, err = api.ParseFilter(r, "status")
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	status := ""
	for _, c := range filter.Conditions {
		if c.Op != "eq" {
			api.Problem(w, r, h.log, repertoire.Invalid("filter", "api.bad_filter", nil))
			return
		}
		status = c.Value
	}
	list, _, err := h.parts.List(r.Context(), participation.ListQuery{Kind: Registration, ActionID: e.ID, Filter: filter, Limit: 100000})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	ids := make([]string, len(list))
	for i, pt := range list {
		ids[i] = pt.ID
	}
	regs, err := h.Store.States(r.Context(), ids)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	self := api.URL(h.baseURL, api.Prefix+"/events", e.ID)
	docs := []attendanceJSON{}
	for _, pt := range list {
		reg := regs[pt.ID]
		if reg == nil || reg.State == StatePending {
			continue
		}
		if status != "" && reg.State != status {
			continue
		}
		pt = pt.ForOrganizers()
		docs = append(docs, attendanceJSON{Identifiers: api.Identifiers(pt.ID), OriginSystem: pt.OriginSystem,
			CreatedDate: api.Time(pt.CreatedAt), ModifiedDate: api.Time(pt.ModifiedAt), Status: reg.State,
			Attended: reg.AttendedAt != nil, Answers: reg.Answers, Person: pt.OSDIPerson(),
			Links: api.Links{"self": api.Link{Href: api.URL(self, "/attendances", pt.ID)},
				"osdi:person": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", pt.PersonID)},
				"osdi:event":  api.Link{Href: self}}})
	}
	total := len(docs)
	from := min(page.Offset(), total)
	to := min(from+page.PerPage, total)
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:attendances", docs[from:to], total, page))
}

// attendanceFields are the fields of the record-attendance helper's body:
// OSDI's and Action Network's (stored, or accepted and ignored) and our
// consent.
var attendanceFields = api.Known{
	// stored
	"person": nil, "origin_system": nil, "add_tags": nil,
	// ours
	"contact_ok": nil,
	// accepted and ignored: the place is the capacity's to decide
	"status": nil, "identifiers": nil, "created_date": nil, "modified_date": nil, "action_date": nil, "comments": nil,
	"referrer_data": {"source": nil, "referrer": nil, "website": nil, "url": nil}, "action_network:referrer_data": nil,
	"add_lists": nil, "triggers": nil, "_links": nil, "_embedded": nil,
}

// attendanceBody reads the helper's body and refuses the fields OSDI does
// not define, and a status other than OSDI's attendance statuses.
func attendanceBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var raw json.RawMessage
	if err := api.Decode(w, r, &raw); err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, repertoire.Invalid("", "field.bad_json", nil)
	}
	if err := attendanceFields.CheckFields(doc); err != nil {
		return nil, err
	}
	if st, ok := doc["status"]; ok {
		var v string
		if json.Unmarshal(st, &v) != nil || (v != StateAccepted && v != StateWaitlisted && v != StateCancelled) {
			return nil, repertoire.Invalid("status", "event.bad_attendance_status", nil)
		}
	}
	return raw, nil
}

// apiAttend is the record-attendance helper: the participation core's
// record helper (anyone: pending until confirmed by mail, the same 202
// whatever became of it; an organizer's import with origin_system: at
// once), whose confirmed registration takes a place or the waitlist.
func (h *Handler) apiAttend(w http.ResponseWriter, r *http.Request) {
	e, org := h.apiEvent(w, r, false)
	if e == nil {
		return
	}
	body, err := attendanceBody(w, r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	h.parts.Record(w, r, h.log, participation.Record{Kind: Registration, ActionID: e.ID, Organizer: org,
		Unauthorized: repertoire.Errorf(repertoire.EUNAUTHORIZED, "event.import_needs_token"),
		Forbidden:    repertoire.Errorf(repertoire.EFORBIDDEN, "event.organizers_only"),
		Closed: func(imported bool) error {
			if !e.Open(time.Now()) && !imported {
				return errClosed
			}
			return nil
		},
		Links:     api.Links{"osdi:event": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/events", e.ID)}},
		CheckTags: tag.CheckNames,
		AddTags:   tag.Adder(h.Store.db, e.CommunityID),
		Fields:    attendanceFields})
}

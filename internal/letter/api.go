package letter

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/participation"
	"repertoire/internal/tag"
)

// OSDI advocacy campaigns and their outreaches: an advocacy campaign
// carries its templates (subject, message), its targets with their
// counts, total_outreaches and its type; the record-outreach helper is
// POST /advocacy_campaigns/{id}/outreaches, whose outreach is pending
// until its writer confirms it from the mailed link, like a signature.

type templateJSON struct {
	Subject string `json:"subject"`
	Message string `json:"message"`
}

type targetJSON struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Title           string `json:"title"`
	Email           string `json:"email,omitempty"`
	Country         string `json:"country,omitempty"`
	PostalAddress   string `json:"postal_address,omitempty"`
	WebForm         string `json:"web_form,omitempty"`
	TotalOutreaches int    `json:"total_outreaches"`
}

type letterJSON struct {
	Identifiers     []string       `json:"identifiers"`
	ID              string         `json:"id"`
	OriginSystem    string         `json:"origin_system"`
	Slug            string         `json:"slug"`
	Title           string         `json:"title"`
	Description     string         `json:"description"`
	Campaign        string         `json:"campaign"`
	Templates       []templateJSON `json:"templates"`
	Targets         []targetJSON   `json:"targets"`
	Type            string         `json:"type"`
	ByCountry       bool           `json:"by_country"`
	Digest          bool           `json:"digest"`
	TotalOutreaches int            `json:"total_outreaches"`
	Status          string         `json:"status"`                // open, or closed with its campaign
	ClosedDate      string         `json:"closed_date,omitempty"` // when it closed
	CreatedDate     string         `json:"created_date"`
	ModifiedDate    string         `json:"modified_date"`
	BrowserURL      string         `json:"browser_url"`
	// InboundAddress is where targets' answers are mailed, for its
	// organizers only (and when an inbound domain is configured).
	InboundAddress string    `json:"inbound_address,omitempty"`
	Links          api.Links `json:"_links"`
}

// organizerDoc is the document as the campaign's organizers read it.
func (h *Handler) organizerDoc(l *Letter) letterJSON {
	doc := h.letterDoc(l)
	doc.InboundAddress = l.InboundAddress(h.Store.InboundDomain)
	return doc
}

// OSDI's types of an advocacy campaign, by delivery.
var osdiType = map[string]string{DeliveryEmail: "email", DeliveryPost: "postal mail"}

func (h *Handler) letterURL(id string, rest ...string) string {
	return api.URL(h.baseURL, api.Prefix+"/advocacy_campaigns", append([]string{id}, rest...)...)
}

func (h *Handler) letterDoc(l *Letter) letterJSON {
	origin := l.OriginSystem
	if origin == "" {
		origin = "repertoire"
	}
	doc := letterJSON{Identifiers: api.Identifiers(l.ID), ID: l.ID, OriginSystem: origin, Slug: l.Slug, Title: l.Title,
		Description: l.Description, Campaign: l.CampaignID, Templates: []templateJSON{{Subject: l.Subject, Message: l.Body}},
		Targets: []targetJSON{}, Type: osdiType[l.Delivery], ByCountry: l.ByCountry, Digest: l.Digest, TotalOutreaches: l.Total(),
		Status: "open", CreatedDate: api.Time(l.CreatedAt), ModifiedDate: api.Time(l.ModifiedAt), BrowserURL: h.baseURL + l.Path(),
		Links: api.Links{
			"self":                        api.Link{Href: h.letterURL(l.ID)},
			"osdi:outreaches":             api.Link{Href: h.letterURL(l.ID, "outreaches")},
			"osdi:record_outreach_helper": api.Link{Href: h.letterURL(l.ID, "outreaches")},
			"repertoire:campaign":         api.Link{Href: api.URL(h.baseURL, api.Prefix+"/campaigns", l.CampaignID)},
		}}
	if l.ClosedAt != nil {
		doc.Status, doc.ClosedDate = "closed", api.Time(*l.ClosedAt)
	}
	for _, t := range l.Targets {
		doc.Targets = append(doc.Targets, targetJSON{ID: t.ID, Name: t.Name, Title: t.Title, Email: t.Email, Country: t.Country,
			PostalAddress: t.PostalAddress, WebForm: t.WebForm, TotalOutreaches: t.Outreaches})
	}
	return doc
}

// letterFields are the fields an advocacy campaign body may carry: OSDI's
// and Action Network's (stored, or accepted and ignored: README "OSDI
// fields") and ours.
var letterFields = api.Known{
	// stored
	"title": nil, "description": nil, "origin_system": nil, "type": nil,
	"templates": {"subject": nil, "message": nil},
	"targets": {"name": nil, "title": nil, "given_name": nil, "family_name": nil, "organization": nil, "email": nil,
		"country": nil, "postal_address": nil, "web_form": nil, "directory": nil, "id": nil, "total_outreaches": nil, "ocdid": nil},
	// ours
	"slug": nil, "campaign": nil, "by_country": nil, "digest": nil,
	// accepted and ignored
	"identifiers": nil, "id": nil, "name": nil, "summary": nil, "created_date": nil, "modified_date": nil, "browser_url": nil,
	"status": nil, "closed_date": nil, "featured_image_url": nil, "administrative_url": nil, "total_outreaches": nil, "_links": nil, "_embedded": nil,
	"action_network:hidden": nil, "action_network:sponsor": nil,
}

type letterBody struct {
	Title        string         `json:"title"`
	Description  string         `json:"description"`
	OriginSystem string         `json:"origin_system"`
	Type         string         `json:"type"`
	Templates    []templateJSON `json:"templates"`
	Targets      []targetBody   `json:"targets"`
	Slug         string         `json:"slug"`
	Campaign     string         `json:"campaign"`
	ByCountry    bool           `json:"by_country"`
	Digest       bool           `json:"digest"`
}

func (b letterBody) input() (Input, error) {
	in := Input{Title: b.Title, Description: b.Description, OriginSystem: b.OriginSystem, Slug: b.Slug, ByCountry: b.ByCountry, Digest: b.Digest}
	var err error
	if in.Delivery, err = deliveryOf(b.Type); err != nil {
		return in, err
	}
	if len(b.Templates) > 0 {
		in.Subject, in.Body = b.Templates[0].Subject, b.Templates[0].Message
	} else {
		return in, repertoire.Invalid("templates", "field.required", nil)
	}
	in.Targets = targetInputs(b.Targets)
	return in, nil
}

// targetBody is an advocacy campaign's target in a body: OSDI's person
// fields, or ours; id names a target the campaign has (an edit keeps it).
type targetBody struct {
	ID, Name, Title, Email, Country, Organization string
	GivenName                                     string `json:"given_name"`
	FamilyName                                    string `json:"family_name"`
	PostalAddress                                 string `json:"postal_address"`
	WebForm                                       string `json:"web_form"`
	Directory                                     string `json:"directory"`
}

func targetInputs(ts []targetBody) []TargetInput {
	out := []TargetInput{}
	for _, t := range ts {
		name := strings.TrimSpace(t.Name)
		if name == "" {
			name = strings.TrimSpace(strings.TrimSpace(t.GivenName) + " " + strings.TrimSpace(t.FamilyName))
		}
		if name == "" {
			name = strings.TrimSpace(t.Organization)
		}
		title := t.Title
		if org := strings.TrimSpace(t.Organization); org != "" && org != name {
			title = strings.Trim(strings.TrimSpace(title)+", "+org, ", ")
		}
		out = append(out, TargetInput{ID: api.ParseID(strings.TrimSpace(t.ID)), Name: name, Title: title, Email: t.Email,
			Country: t.Country, PostalAddress: t.PostalAddress, WebForm: t.WebForm, Directory: t.Directory})
	}
	return out
}

// patchBody is the body of PUT /advocacy_campaigns/{id}: the fields it
// carries replace the campaign's (Action Network's update), the others
// stay.
type patchBody struct {
	Title        *string         `json:"title"`
	Description  *string         `json:"description"`
	OriginSystem *string         `json:"origin_system"`
	Type         *string         `json:"type"`
	Templates    *[]templateJSON `json:"templates"`
	Targets      *[]targetBody   `json:"targets"`
	Slug         *string         `json:"slug"`
	Campaign     *string         `json:"campaign"`
	ByCountry    *bool           `json:"by_country"`
	Digest       *bool           `json:"digest"`
}

func (b patchBody) patch(l *Letter) (Patch, error) {
	p := Patch{Title: b.Title, Description: b.Description, OriginSystem: b.OriginSystem, Slug: b.Slug, ByCountry: b.ByCountry,
		Digest: b.Digest}
	var es repertoire.Errors
	if b.Campaign != nil && api.ParseID(strings.TrimSpace(*b.Campaign)) != l.CampaignID {
		es = append(es, repertoire.Invalid("campaign", "letter.campaign_fixed", nil))
	}
	if b.Type != nil {
		d, err := deliveryOf(*b.Type)
		if err != nil {
			es = append(es, err.(*repertoire.Error))
		}
		p.Delivery = &d
	}
	if b.Templates != nil {
		if len(*b.Templates) == 0 {
			es = append(es, repertoire.Invalid("templates", "field.required", nil))
		} else {
			t := (*b.Templates)[0]
			p.Subject, p.Body = &t.Subject, &t.Message
		}
	}
	if b.Targets != nil {
		ts := targetInputs(*b.Targets)
		p.Targets = &ts
	}
	return p, es.Err()
}

// deliveryOf reads OSDI's type of an advocacy campaign.
func deliveryOf(typ string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "", "email":
		return DeliveryEmail, nil
	case "postal mail", "postal_mail", "post":
		return DeliveryPost, nil
	}
	return "", repertoire.Invalid("type", "letter.bad_type", nil)
}

// apiUpdate edits a letter campaign (PUT, as Action Network updates one).
func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	l := h.apiLetter(w, r, true)
	if l == nil {
		return
	}
	var body patchBody
	if err := api.DecodeKnown(w, r, &body, letterFields); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	p, err := body.patch(l)
	if err == nil {
		l, err = h.Store.Update(r.Context(), l.ID, p)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.organizerDoc(l))
}

// apiDelete deletes a letter campaign that sent no letter (409 once one
// was sent: Store.Delete).
func (h *Handler) apiDelete(w http.ResponseWriter, r *http.Request) {
	l := h.apiLetter(w, r, true)
	if l == nil {
		return
	}
	if err := h.Store.Delete(r.Context(), l.ID); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiLetter reads the letter campaign of the URL for the caller.
func (h *Handler) apiLetter(w http.ResponseWriter, r *http.Request, organize bool) *Letter {
	l, _ := campaign.LoadTactic(w, r, h.log, h.access, h.campaigns, h.Store.Get, func(l *Letter) campaign.Parent { return l.Parent }, organize)
	return l
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	campaign.ServeTactics(w, r, h.log, h.campaigns, h.access, h.baseURL, "osdi:advocacy_campaigns", h.Store.List, h.letterDoc)
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	var body letterBody
	if err := api.DecodeKnown(w, r, &body, letterFields); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	c, err := campaign.Organized(r.Context(), h.campaigns, h.access, api.PrincipalID(r), body.Campaign, "letter.campaign_not_found")
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	in, err := body.input()
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	l, err := h.Store.Create(r.Context(), api.PrincipalID(r), c.ID, in)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	doc := h.organizerDoc(l)
	w.Header().Set("Location", doc.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, doc)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	l := h.apiLetter(w, r, false)
	if l == nil {
		return
	}
	org := api.IsAdmin(r)
	if pid := api.PrincipalID(r); pid != "" && !org {
		var err error
		if org, err = h.communities.CanOrganize(r.Context(), l.CommunityID, pid); err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
	}
	if org {
		api.JSON(w, http.StatusOK, h.organizerDoc(l))
		return
	}
	api.JSON(w, http.StatusOK, h.letterDoc(l))
}

// outreachFields are the record-outreach helper's body: OSDI's and Action
// Network's outreach fields, the person, and our consents.
var outreachFields = api.Known{
	// stored
	"person": nil, "subject": nil, "message": nil, "targets": {"id": nil, "name": nil, "title": nil, "given_name": nil,
		"family_name": nil, "organization": nil, "ocdid": nil},
	"origin_system": nil, "_links": nil,
	// ours
	"contact_ok": nil, "reply_ok": nil, "country": nil, "personal": nil,
	// accepted and ignored
	"identifiers": nil, "created_date": nil, "modified_date": nil, "action_date": nil, "type": nil, "duration": nil,
	"comments": nil, "add_tags": nil, "referrer_data": {"source": nil, "referrer": nil, "website": nil, "url": nil},
	"action_network:referrer_data": nil, "_embedded": nil,
}

type outreachBody struct {
	Person *struct {
		GivenName       string `json:"given_name"`
		PostalAddresses []struct {
			Country string `json:"country"`
		} `json:"postal_addresses"`
	} `json:"person"`
	Subject  string `json:"subject"`
	Message  string `json:"message"`
	Personal string `json:"personal"`
	Country  string `json:"country"`
	ReplyOK  bool   `json:"reply_ok"`
	Targets  []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"targets"`
}

// apiOutreach is the record-outreach helper (participation.Record): the
// letter is kept against the participation and sent once confirmed. With
// no subject or message, the campaign's template is the letter.
func (h *Handler) apiOutreach(w http.ResponseWriter, r *http.Request) {
	l := h.apiLetter(w, r, false)
	if l == nil {
		return
	}
	var raw json.RawMessage
	if err := api.DecodeKnown(w, r, &raw, outreachFields); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var b outreachBody
	if err := json.Unmarshal(raw, &b); err != nil {
		api.Problem(w, r, h.log, repertoire.Invalid("", "field.bad_json", nil))
		return
	}
	wr := Writing{Subject: b.Subject, Message: b.Message, Personal: b.Personal, Country: b.Country, ReplyOK: b.ReplyOK}
	if strings.TrimSpace(wr.Subject) == "" {
		wr.Subject = l.Subject
	}
	if strings.TrimSpace(wr.Message) == "" {
		wr.Message = l.Body
	}
	if wr.Country == "" && b.Person != nil && len(b.Person.PostalAddresses) > 0 {
		wr.Country = b.Person.PostalAddresses[0].Country
	}
	for _, t := range b.Targets {
		id := api.ParseID(t.ID)
		if id == "" {
			for _, lt := range l.Targets {
				if t.Name != "" && strings.EqualFold(lt.Name, strings.TrimSpace(t.Name)) {
					id = lt.ID
				}
			}
		}
		if id == "" {
			id = "-" // names no target: refused by check
		}
		wr.TargetIDs = append(wr.TargetIDs, id)
	}
	targets, es := wr.check(l)
	if b.Person != nil && strings.TrimSpace(b.Person.GivenName) == "" {
		es = append(es, repertoire.Invalid("person.given_name", "field.required", nil))
	}
	if err := es.Err(); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	org := false
	if pid := api.PrincipalID(r); pid != "" {
		var err error
		if org, err = h.communities.CanOrganize(r.Context(), l.CommunityID, pid); err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
	h.parts.Record(w, r, h.log, participation.Record{Kind: participation.Outreach, ActionID: l.ID, Organizer: org,
		Unauthorized: repertoire.Errorf(repertoire.EUNAUTHORIZED, "error.unauthorized"),
		Forbidden:    repertoire.Errorf(repertoire.EFORBIDDEN, "letter.organizers_only"),
		Closed: func(imported bool) error {
			if imported { // letters sent elsewhere while it was open, recorded, not mailed
				return nil
			}
			return l.Takes()
		},
		Links:     api.Links{"osdi:advocacy_campaign": api.Link{Href: h.letterURL(l.ID)}},
		CheckTags: tag.CheckNames,
		AddTags:   tag.Adder(h.Store.db, l.CommunityID),
		Fields:    outreachFields,
		Payload:   wr.payload(targets)})
}

// outreachJSON is an outreach for its campaign's organizers.
type outreachJSON struct {
	Identifiers  []string       `json:"identifiers"`
	OriginSystem string         `json:"origin_system"`
	CreatedDate  string         `json:"created_date"`
	ModifiedDate string         `json:"modified_date"`
	ActionDate   *string        `json:"action_date"`
	Status       string         `json:"status"`
	Type         string         `json:"type"`
	Subject      string         `json:"subject"`
	Message      string         `json:"message"`
	Targets      []targetJSON   `json:"targets"`
	Person       map[string]any `json:"person"`
	Links        api.Links      `json:"_links"`
}

// apiOutreaches lists a letter campaign's counted outreaches for its
// organizers, filtered and paged like every collection.
func (h *Handler) apiOutreaches(w http.ResponseWriter, r *http.Request) {
	l := h.apiLetter(w, r, true)
	if l == nil {
		return
	}
	page, err := api.ParsePage(r)
	var filter api.Filter
	if err == nil {
		filter, err = api.ParseFilter(r)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	list, total, err := h.parts.List(r.Context(), participation.ListQuery{Kind: participation.Outreach, ActionID: l.ID, Filter: filter,
		Offset: page.Offset(), Limit: page.PerPage})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	ids := make([]string, len(list))
	for i, pt := range list {
		ids[i] = pt.ID
	}
	letters, err := outreachesOf(r.Context(), h.Store.db.Reader(), ids)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]outreachJSON, 0, len(list))
	for _, pt := range list {
		pt = pt.ForOrganizers()
		doc := outreachJSON{Identifiers: api.Identifiers(pt.ID), OriginSystem: pt.OriginSystem, CreatedDate: api.Time(pt.CreatedAt),
			ModifiedDate: api.Time(pt.ModifiedAt), ActionDate: api.TimePtr(pt.ConfirmedAt), Status: pt.Status, Type: osdiType[l.Delivery],
			Targets: []targetJSON{}, Person: pt.OSDIPerson(),
			Links: api.Links{"osdi:person": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", pt.PersonID)},
				"osdi:advocacy_campaign": api.Link{Href: h.letterURL(l.ID)}}}
		if o := letters[pt.ID]; o != nil {
			doc.Subject, doc.Message = o.Subject, o.Message
			for _, t := range o.Targets {
				doc.Targets = append(doc.Targets, targetJSON{ID: t.ID, Name: t.Name, Title: t.Title})
			}
		}
		docs = append(docs, doc)
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:outreaches", docs, total, page))
}

package petition

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/integrity"
	"repertoire/internal/participation"
	"repertoire/internal/tag"
	"repertoire/internal/web"
)

type targetJSON struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

type petitionJSON struct {
	Identifiers  []string `json:"identifiers"`
	OriginSystem string   `json:"origin_system"`
	CreatedDate  string   `json:"created_date"`
	ModifiedDate string   `json:"modified_date"`
	Title        string   `json:"title"`
	Name         string   `json:"name"`
	Slug         string   `json:"slug"`
	Description  string   `json:"description"`
	PetitionText string   `json:"petition_text"`
	// Language is the one title, description and petition_text are in
	// (its campaign's); Translations the others', keyed by BCP 47 tag.
	Language        string            `json:"language"`
	Translations    i18n.Translations `json:"translations"`
	BrowserURL      string            `json:"browser_url"`
	Target          []targetJSON      `json:"target"`
	Goal            int               `json:"goal,omitempty"`
	Status          string            `json:"status"`
	TotalSignatures int               `json:"total_signatures"`
	TotalOnline     int               `json:"total_online_signatures"`
	TotalImported   int               `json:"total_imported_signatures"`
	Demands         []string          `json:"demands"`
	// SetAside is the integrity review's figure: participations held for
	// review or invalidated, by general reason.
	SetAside map[string]any `json:"set_aside,omitempty"`
	Links    api.Links      `json:"_links"`
}

func (h *Handler) doc(r *http.Request, p *Petition, organizer bool) (petitionJSON, error) {
	c, err := h.parts.Counts(r.Context(), p.ID)
	if err != nil {
		return petitionJSON{}, err
	}
	d := h.docWith(p, c, organizer)
	if h.Integrity != nil {
		a, err := h.Integrity.Aside(r.Context(), p.ID, c)
		if err != nil {
			return petitionJSON{}, err
		}
		d.SetAside = a.Document()
	}
	return d, nil
}

// docWith is the petition's document with its counts.
func (h *Handler) docWith(p *Petition, c participation.Counts, organizer bool) petitionJSON {
	self := api.URL(h.baseURL, api.Prefix+"/petitions", p.ID)
	d := petitionJSON{Identifiers: api.Identifiers(p.ID), OriginSystem: p.OriginSystem, CreatedDate: api.Time(p.CreatedAt),
		ModifiedDate: api.Time(p.ModifiedAt), Title: p.Title, Name: cmp.Or(p.Name, p.Slug), Slug: p.Slug, Description: p.Description, PetitionText: p.Text,
		Language: p.Language, Translations: p.Translations.Document(),
		BrowserURL: h.baseURL + p.Path(), Goal: p.Goal, Status: p.Status, TotalSignatures: c.Total(), TotalOnline: c.Confirmed,
		TotalImported: c.Imported, Target: []targetJSON{}, Demands: []string{},
		Links: api.Links{
			"self":                         api.Link{Href: self},
			"osdi:signatures":              api.Link{Href: self + "/signatures"},
			"osdi:record_signature_helper": api.Link{Href: self + "/signatures"},
			"repertoire:campaign":          api.Link{Href: api.URL(h.baseURL, api.Prefix+"/campaigns", p.CampaignID)},
		}}
	for _, t := range p.Targets {
		tj := targetJSON{Name: t.Name}
		if organizer { // addresses of targets are for organizers
			tj.Email = t.Email
		}
		d.Target = append(d.Target, tj)
	}
	for _, id := range p.DemandIDs {
		d.Demands = append(d.Demands, "repertoire:"+id)
	}
	return d
}

// apiPetition loads the petition of the URL for the caller: not found when
// its community is hidden from them; with organize, 401 without a token and
// 403 for non-organizers.
func (h *Handler) apiPetition(w http.ResponseWriter, r *http.Request, organize bool) (*Petition, bool) {
	if organize && api.Require(w, r) == nil {
		return nil, false
	}
	p, public, err := h.petition(r.Context(), api.ParseID(r.PathValue("id")))
	isOrganizer := false
	if err == nil {
		pid := api.PrincipalID(r)
		if !public || pid != "" {
			com, e := h.communities.Get(r.Context(), p.CommunityID)
			if err = e; err == nil {
				var ok bool
				if ok, err = h.communities.CanView(r.Context(), com, pid); err == nil && !ok {
					err = errNotFound
				}
			}
			if err == nil && pid != "" {
				isOrganizer, err = h.communities.CanOrganize(r.Context(), p.CommunityID, pid)
			}
		}
		if err == nil && p.Status == StatusDraft && !isOrganizer && !api.IsAdmin(r) {
			err = errNotFound // a draft is its organizers' only (and admins')
		}
		if err == nil && !isOrganizer {
			// and so are a draft campaign's petitions
			err = h.campaigns.CheckPublished(r.Context(), h.access(), p.CampaignID, api.PrincipalID(r), api.IsAdmin(r))
		}
		if err == nil && organize && !isOrganizer {
			err = repertoire.Errorf(repertoire.EFORBIDDEN, "petition.organizers_only")
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil, false
	}
	return p, isOrganizer
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	p, org := h.apiPetition(w, r, false)
	if p == nil {
		return
	}
	d, err := h.doc(r, p, org)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, d)
}

// apiList is the collection of the petitions the caller may see (all for
// an administrator; drafts, and a draft campaign's, for their organizers
// only), narrowed by ?campaign= to one campaign they may see.
func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	tq, page, err := campaign.ParseTacticQuery(r, h.campaigns, h.access())
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	list, total, err := h.Store.List(r.Context(), ListQuery{CampaignID: tq.CampaignID, Visible: !tq.Admin, ViewerID: tq.ViewerID,
		Filter: tq.Filter, Offset: tq.Offset, Limit: tq.Limit})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	ids := make([]string, len(list))
	for i, p := range list {
		ids[i] = p.ID
	}
	counts, err := participation.CountsOfMany(r.Context(), h.Store.db.Reader(), ids)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var asides map[string]integrity.Aside
	if h.Integrity != nil {
		if asides, err = h.Integrity.Asides(r.Context(), counts); err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
	}
	docs := []petitionJSON{}
	for _, p := range list {
		d := h.docWith(p, counts[p.ID], false)
		if a, ok := asides[p.ID]; ok {
			d.SetAside = a.Document()
		}
		docs = append(docs, d)
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:petitions", docs, total, page))
}

// access is the campaigns' rule for the API, with the petitions' answers.
func (h *Handler) access() campaign.Access {
	return campaign.Access{Communities: h.communities, NotFound: errNotFound,
		OrganizersOnly: repertoire.Errorf(repertoire.EFORBIDDEN, "petition.organizers_only")}
}

// petitionFields are the fields a petition body may carry: OSDI's and
// Action Network's (stored, or accepted and ignored: README "OSDI
// fields") and ours. A document read from GET goes back through PUT.
var petitionFields = api.Known{
	// stored
	"title": nil, "name": nil, "description": nil, "petition_text": nil, "origin_system": nil,
	"target": {"name": nil, "email": nil, "title": nil, "given_name": nil, "family_name": nil, "organization": nil},
	"_links": nil,
	// ours
	"slug": nil, "campaign": nil, "community": nil, "goal": nil, "demands": nil, "status": nil, "translations": nil,
	// accepted and ignored ("language": the campaign's)
	"language": nil, "identifiers": nil, "created_date": nil, "modified_date": nil, "summary": nil, "browser_url": nil,
	"featured_image_url": nil, "administrative_url": nil, "total_signatures": nil, "total_online_signatures": nil,
	"total_imported_signatures": nil, "set_aside": nil, "action_network:hidden": nil, "action_network:sponsor": nil, "_embedded": nil,
}

// targetBody is an OSDI target: a name, or a person's names and
// organization, which make its name.
type targetBody struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	Title        string `json:"title"`
	GivenName    string `json:"given_name"`
	FamilyName   string `json:"family_name"`
	Organization string `json:"organization"`
}

func (t targetBody) target() Target {
	name := strings.TrimSpace(t.Name)
	if name == "" {
		var parts []string
		for _, s := range []string{t.Title, t.GivenName, t.FamilyName} {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, s)
			}
		}
		name = strings.Join(parts, " ")
		if org := strings.TrimSpace(t.Organization); org != "" && name != "" {
			name += ", " + org
		} else if org != "" {
			name = org
		}
	}
	return Target{Name: name, Email: t.Email}
}

// petitionBody is a petition as clients send it; a field left out keeps
// its value on PUT.
type petitionBody struct {
	Title        *string                    `json:"title"`
	Name         *string                    `json:"name"`
	Slug         *string                    `json:"slug"`
	Description  *string                    `json:"description"`
	PetitionText *string                    `json:"petition_text"`
	Translations *i18n.Translations         `json:"translations"`
	Campaign     string                     `json:"campaign"`
	Community    string                     `json:"community"`
	Target       *[]targetBody              `json:"target"`
	Goal         *int                       `json:"goal"`
	Demands      *[]string                  `json:"demands"`
	Status       *string                    `json:"status"`
	OriginSystem string                     `json:"origin_system"`
	Links        map[string]json.RawMessage `json:"_links"`
}

// apply writes the body's fields over in.
func (b *petitionBody) apply(in *Input) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Title, b.Title)
	set(&in.Name, b.Name)
	set(&in.Slug, b.Slug)
	set(&in.Description, b.Description)
	set(&in.Text, b.PetitionText)
	if b.Translations != nil { // replaced whole, as target and demands
		in.Translations = *b.Translations
	}
	if b.Goal != nil {
		in.Goal = *b.Goal
	}
	if b.Target != nil {
		in.Targets = nil
		for _, t := range *b.Target {
			in.Targets = append(in.Targets, t.target())
		}
	}
	if b.Demands != nil {
		in.DemandIDs = nil
		for _, d := range *b.Demands {
			in.DemandIDs = append(in.DemandIDs, api.ParseID(d))
		}
	}
}

// linked is the id (or URL) a field names, or its link in _links does:
// "" when neither is given.
func (b *petitionBody) linked(field, rel string) (string, error) {
	s := b.Campaign
	if field == "community" {
		s = b.Community
	}
	if s = strings.TrimSpace(s); s != "" {
		return api.ParseID(s[strings.LastIndex(s, "/")+1:]), nil
	}
	raw, ok := b.Links[rel]
	if !ok {
		return "", nil
	}
	id, err := api.LinkedID(raw)
	if err != nil {
		return "", repertoire.Invalid("_links."+rel, "field.bad_json", nil)
	}
	return id, nil
}

// apiCreate creates a petition: in the campaign given (campaign, or
// _links.repertoire:campaign), or else in a campaign of its own in the
// community given (community, _links.repertoire:community) or, when the
// token's holder organizes exactly one, in that one.
func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	pr := api.Require(w, r)
	if pr == nil {
		return
	}
	var b petitionBody
	if err := api.DecodeKnown(w, r, &b, petitionFields); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	in := Input{OriginSystem: b.OriginSystem}
	b.apply(&in)
	if b.Slug == nil && community.ValidSlug(in.Name) {
		in.Slug = in.Name // our API's name was the slug before OSDI's administrative name
	}
	// status "draft" saves it unpublished, as the page's "save as draft";
	// it is checked before anything is written.
	switch st := api.Value(b.Status); st {
	case StatusDraft:
		in.Draft = true
	case "", StatusOpen:
	case StatusClosed:
		in.Status = st
	default:
		api.Problem(w, r, h.log, repertoire.Invalid("status", "petition.bad_status", nil))
		return
	}
	p, err := h.createIn(r, pr, &b, in)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	d, err := h.doc(r, p, true)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", d.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, d)
}

// createIn finds where the petition goes and writes it there.
func (h *Handler) createIn(r *http.Request, pr *api.Principal, b *petitionBody, in Input) (*Petition, error) {
	ctx := r.Context()
	campaignID, err := b.linked("campaign", "repertoire:campaign")
	if err != nil {
		return nil, err
	}
	if campaignID != "" {
		c, err := h.Store.Campaign(ctx, campaignID)
		if err != nil {
			return nil, err
		}
		if err := h.organizes(ctx, c.CommunityID, pr.PersonID, "campaign", "petition.campaign_not_found"); err != nil {
			return nil, err
		}
		if err := c.TakesNewActions(); err != nil {
			return nil, err
		}
		in.CampaignID = c.ID
		return h.Store.Create(ctx, pr.PersonID, in)
	}
	communityID, err := b.linked("community", "repertoire:community")
	if err != nil {
		return nil, err
	}
	if communityID == "" {
		ids, err := h.communities.OrganizedIDs(ctx, pr.PersonID)
		if err != nil {
			return nil, err
		}
		if len(ids) != 1 {
			return nil, repertoire.Invalid("community", "petition.community_needed", map[string]any{"N": len(ids)})
		}
		communityID = ids[0]
	}
	com, err := h.communities.Get(ctx, communityID)
	if e := repertoire.AsError(err); err != nil && e.Code == repertoire.ENOTFOUND {
		err = repertoire.Invalid("community", "petition.community_not_found", nil)
	}
	if err != nil {
		return nil, err
	}
	if err := h.organizes(ctx, com.ID, pr.PersonID, "community", "petition.community_not_found"); err != nil {
		return nil, err
	}
	return h.Store.CreateWithCampaign(ctx, pr.PersonID, com.ID, in)
}

// organizes refuses a community the person cannot see (as if it did not
// exist: field, notFound) or does not organize (403).
func (h *Handler) organizes(ctx context.Context, communityID, personID, field, notFound string) error {
	com, err := h.communities.Get(ctx, communityID)
	if err != nil {
		return err
	}
	ok, err := h.communities.CanView(ctx, com, personID)
	if err != nil {
		return err
	}
	if !ok {
		return repertoire.Invalid(field, notFound, nil)
	}
	if ok, err = h.communities.CanOrganize(ctx, com.ID, personID); err != nil {
		return err
	}
	if !ok {
		return repertoire.Errorf(repertoire.EFORBIDDEN, "petition.organizers_only")
	}
	return nil
}

// apiUpdate changes a petition (PUT, PATCH): the fields given replace theirs,
// those left out keep their values. A petition stays in its campaign.
func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	p, _ := h.apiPetition(w, r, true)
	if p == nil {
		return
	}
	var b petitionBody
	err := api.DecodeKnown(w, r, &b, petitionFields)
	if err == nil {
		// The stored petition, not the second-old snapshot: the timeline
		// says what it was before this edit.
		p, err = h.Store.Get(r.Context(), p.ID)
	}
	if err == nil {
		err = h.update(r, p, &b)
		h.forget(p.ID)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if p, err = h.Store.Get(r.Context(), p.ID); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	d, err := h.doc(r, p, true)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, d)
}

func (h *Handler) update(r *http.Request, p *Petition, b *petitionBody) error {
	for _, f := range []struct{ field, rel, is string }{{"campaign", "repertoire:campaign", p.CampaignID}, {"community", "repertoire:community", p.CommunityID}} {
		id, err := b.linked(f.field, f.rel)
		if err != nil {
			return err
		}
		if id != "" && id != f.is && !(f.field == "community" && id == p.CommunitySlug) {
			return repertoire.Invalid(f.field, "petition.stays_in_campaign", nil)
		}
	}
	in := Input{CampaignID: p.CampaignID, Slug: p.Slug, Name: p.Name, Title: p.Title, Description: p.Description, Text: p.Text, Goal: p.Goal,
		Targets: p.Targets, DemandIDs: p.DemandIDs, Translations: p.Translations.Clone()}
	b.apply(&in)
	if st := api.Value(b.Status); st != "" && st != p.Status {
		in.Status = st // published, closed or reopened in the edit's transaction
	}
	// The page's edit: the timeline tells the signers what changed.
	_, err := h.Edit(r.Context(), api.PrincipalID(r), p, in, web.Localizer(r.Context()).Lang)
	return err
}

// apiDelete deletes a petition none of whose signatures counted, as its
// page's delete does; one with counted signatures is refused (409, saying
// why: close it instead).
func (h *Handler) apiDelete(w http.ResponseWriter, r *http.Request) {
	p, _ := h.apiPetition(w, r, true)
	if p == nil {
		return
	}
	err := h.Store.DeleteUncounted(r.Context(), p.ID)
	h.forget(p.ID)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// signatureFields are the fields of the record-signature helper's body:
// OSDI's and Action Network's (stored, or accepted and ignored: README
// "OSDI fields") and our consents. The person's own fields are people's.
var signatureFields = api.Known{
	// stored
	"person": nil, "comments": nil, "origin_system": nil, "_links": nil,
	// ours
	"public_name": nil, "contact_ok": nil, "share_with_target": nil,
	// accepted and ignored
	"identifiers": nil, "created_date": nil, "modified_date": nil, "action_date": nil, "status": nil,
	"add_tags": nil, "add_lists": nil, "triggers": nil, "referrer_data": {"source": nil, "referrer": nil, "website": nil, "url": nil},
	"action_network:referrer_data": nil, "action_network:person_id": nil, "action_network:petition_id": nil, "_embedded": nil,
}

// signatureBody reads the helper's body, refuses the fields neither OSDI
// nor Action Network define, and when the body names its signer by
// _links.osdi:person instead of a person, writes in that existing
// person's stored fields: the core takes a person. Naming a person by
// link needs a token: the person's own, an admin's, or one organizing the
// petition.
func (h *Handler) signatureBody(w http.ResponseWriter, r *http.Request, organizer bool) ([]byte, error) {
	var raw json.RawMessage
	if err := api.Decode(w, r, &raw); err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, repertoire.Invalid("", "field.bad_json", nil)
	}
	if err := signatureFields.CheckFields(doc); err != nil {
		return nil, err
	}
	var links map[string]json.RawMessage
	if err := json.Unmarshal(doc["_links"], &links); doc["_links"] != nil && err != nil {
		return nil, repertoire.Invalid("_links", "field.bad_json", nil)
	}
	link, linked := links["osdi:person"]
	if person := bytes.TrimSpace(doc["person"]); !linked || len(person) > 0 && string(person) != "null" {
		return raw, nil
	}
	pr := api.PrincipalFrom(r.Context())
	if pr == nil {
		return nil, repertoire.Errorf(repertoire.EUNAUTHORIZED, "petition.person_link_needs_token")
	}
	id, err := api.LinkedID(link)
	if err != nil {
		return nil, repertoire.Invalid("_links.osdi:person", "field.bad_json", nil)
	}
	if !organizer && pr.PersonID != id {
		return nil, repertoire.Errorf(repertoire.EFORBIDDEN, "petition.organizers_only")
	}
	p, err := account.GetPerson(r.Context(), h.Store.db.Reader(), id)
	if e := repertoire.AsError(err); err != nil && e.Code == repertoire.ENOTFOUND {
		return nil, repertoire.Invalid("_links.osdi:person", "petition.person_not_found", nil)
	} else if err != nil {
		return nil, err
	}
	doc["person"], err = json.Marshal(map[string]any{
		"given_name": p.GivenName, "family_name": p.FamilyName, "preferred_language": p.PreferredLanguage,
		"email_addresses":  []map[string]any{{"address": p.Email, "primary": true}},
		"postal_addresses": []map[string]any{{"locality": p.Locality, "region": p.Region, "postal_code": p.PostalCode, "country": p.Country}},
	})
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	return json.Marshal(doc)
}

// apiSign is the record-signature helper (participation.Record): imports
// go into a closed petition too, since they were signed while it was open.
func (h *Handler) apiSign(w http.ResponseWriter, r *http.Request) {
	p, org := h.apiPetition(w, r, false)
	if p == nil {
		return
	}
	body, err := h.signatureBody(w, r, org)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	h.parts.Record(w, r, h.log, participation.Record{Kind: participation.Signature, ActionID: p.ID, Organizer: org,
		Unauthorized: repertoire.Errorf(repertoire.EUNAUTHORIZED, "petition.import_needs_token"),
		Forbidden:    repertoire.Errorf(repertoire.EFORBIDDEN, "petition.organizers_only"),
		Closed: func(imported bool) error {
			if p.Status != StatusOpen && !imported {
				return errClosed
			}
			return nil
		},
		NameConsents: true,
		Links:        api.Links{"osdi:petition": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/petitions", p.ID)}},
		CheckTags:    tag.CheckNames,
		AddTags:      tag.Adder(h.Store.db, p.CommunityID),
		Fields:       signatureFields})
}

// signatureJSON is a signature as OSDI documents it, with our consents.
type signatureJSON struct {
	Identifiers     []string       `json:"identifiers"`
	OriginSystem    string         `json:"origin_system"`
	CreatedDate     string         `json:"created_date"`
	ModifiedDate    string         `json:"modified_date"`
	ActionDate      *string        `json:"action_date"`
	Status          string         `json:"status"`
	Comments        string         `json:"comments"`
	Person          map[string]any `json:"person"`
	PublicName      bool           `json:"public_name"`
	ContactOK       bool           `json:"contact_ok"`
	ShareWithTarget bool           `json:"share_with_target"`
	Links           api.Links      `json:"_links"`
}

// signatureDoc is one signature for its petition's organizers: the one
// document of the collections and of GET by id.
func (h *Handler) signatureDoc(r *http.Request, pt participation.Participant) signatureJSON {
	if pr := api.PrincipalFrom(r.Context()); pr == nil || pr.PersonID != pt.PersonID {
		pt = pt.ForOrganizers() // the consents, as in the CSV export
	}
	petition := api.URL(h.baseURL, api.Prefix+"/petitions", pt.ActionID)
	return signatureJSON{
		Identifiers: api.Identifiers(pt.ID), OriginSystem: pt.OriginSystem,
		CreatedDate: api.Time(pt.CreatedAt), ModifiedDate: api.Time(pt.ModifiedAt), ActionDate: api.TimePtr(pt.ConfirmedAt),
		Status: pt.Status, Comments: pt.Comment,
		Person:     pt.OSDIPerson(),
		PublicName: pt.PublicName, ContactOK: pt.ContactOK, ShareWithTarget: pt.ShareWithTarget,
		Links: api.Links{
			"self":          api.Link{Href: api.URL(petition, "/signatures", pt.ID)},
			"osdi:person":   api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", pt.PersonID)},
			"osdi:petition": api.Link{Href: petition},
		},
	}
}

// signatures answers one page of the signatures q selects.
func (h *Handler) signatures(w http.ResponseWriter, r *http.Request, q participation.ListQuery) {
	page, err := api.ParsePage(r)
	if err == nil {
		q.Filter, err = api.ParseFilter(r)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	q.Kind, q.Offset, q.Limit = participation.Signature, page.Offset(), page.PerPage
	list, total, err := h.parts.List(r.Context(), q)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]signatureJSON, 0, len(list))
	for _, pt := range list {
		docs = append(docs, h.signatureDoc(r, pt))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:signatures", docs, total, page))
}

// apiSignatures lists a petition's counted signatures for its organizers.
func (h *Handler) apiSignatures(w http.ResponseWriter, r *http.Request) {
	if p, _ := h.apiPetition(w, r, true); p != nil {
		h.signatures(w, r, participation.ListQuery{ActionID: p.ID})
	}
}

// signature reads the signature of the URL ({sid}) as the collections
// list it: counted, of that petition ("" for any) and person ("" for
// anyone).
func (h *Handler) signature(r *http.Request, petitionID, personID string) (*participation.Participant, error) {
	pt, err := h.parts.Participant(r.Context(), api.ParseID(r.PathValue("sid")))
	if err == nil && (pt.Kind != participation.Signature || pt.Status != participation.StatusConfirmed ||
		petitionID != "" && pt.ActionID != petitionID || personID != "" && pt.PersonID != personID) {
		err = repertoire.Errorf(repertoire.ENOTFOUND, "participation.not_found")
	}
	return pt, err
}

// apiSignature is one signature of the collection, for the same readers.
func (h *Handler) apiSignature(w http.ResponseWriter, r *http.Request) {
	p, _ := h.apiPetition(w, r, true)
	if p == nil {
		return
	}
	pt, err := h.signature(r, p.ID, "")
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.signatureDoc(r, *pt))
}

// apiUpdateSignature is PUT on a signature, for its petition's organizers:
// they may correct its comments. The rest is the signer's (their person,
// their consents): a document read with GET may be sent back, and those
// fields in it are ignored.
func (h *Handler) apiUpdateSignature(w http.ResponseWriter, r *http.Request) {
	p, _ := h.apiPetition(w, r, true)
	if p == nil {
		return
	}
	pt, err := h.signature(r, p.ID, "")
	var b struct {
		Comments *string `json:"comments"`
	}
	if err == nil {
		err = api.DecodeKnown(w, r, &b, signatureFields)
	}
	if err == nil && b.Comments != nil {
		if err = h.parts.SetComment(r.Context(), pt.ID, *b.Comments); err == nil {
			pt, err = h.signature(r, p.ID, "")
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.signatureDoc(r, *pt))
}

// apiPersonSignature is one of a person's signatures, for the readers of
// their collection (an organizer reads those of their petitions only).
func (h *Handler) apiPersonSignature(w http.ResponseWriter, r *http.Request) {
	pr := api.Require(w, r)
	if pr == nil {
		return
	}
	pt, err := h.signature(r, "", api.ParseID(r.PathValue("id")))
	if err == nil && !pr.IsAdmin && pr.PersonID != pt.PersonID {
		var p *Petition
		if p, _, err = h.petition(r.Context(), pt.ActionID); err == nil {
			var ok bool
			if ok, err = h.communities.CanOrganize(r.Context(), p.CommunityID, pr.PersonID); err == nil && !ok {
				err = repertoire.Errorf(repertoire.ENOTFOUND, "participation.not_found")
			}
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.signatureDoc(r, *pt))
}

// apiPersonSignatures lists a person's signatures (OSDI's osdi:signatures
// of a person): all of them for an admin or the person themselves, those
// of the petitions they organize for organizers.
func (h *Handler) apiPersonSignatures(w http.ResponseWriter, r *http.Request) {
	pr := api.Require(w, r)
	if pr == nil {
		return
	}
	id := api.ParseID(r.PathValue("id"))
	if _, err := account.GetPerson(r.Context(), h.Store.db.Reader(), id); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	q := participation.ListQuery{PersonID: id}
	if !pr.IsAdmin && pr.PersonID != id {
		q.Actions = func(column string, arg func(any) string) string { return organizeCondition(column, arg(pr.PersonID)) }
	}
	h.signatures(w, r, q)
}

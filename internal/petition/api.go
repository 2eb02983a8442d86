package petition

import (
	"net/http"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/participation"
)

type targetJSON struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

type petitionJSON struct {
	Identifiers     []string     `json:"identifiers"`
	OriginSystem    string       `json:"origin_system"`
	CreatedDate     string       `json:"created_date"`
	ModifiedDate    string       `json:"modified_date"`
	Title           string       `json:"title"`
	Name            string       `json:"name"`
	Description     string       `json:"description"`
	PetitionText    string       `json:"petition_text"`
	BrowserURL      string       `json:"browser_url"`
	Target          []targetJSON `json:"target"`
	Goal            int          `json:"goal,omitempty"`
	Status          string       `json:"status"`
	TotalSignatures int          `json:"total_signatures"`
	TotalOnline     int          `json:"total_online_signatures"`
	TotalImported   int          `json:"total_imported_signatures"`
	Demands         []string     `json:"demands"`
	Links           api.Links    `json:"_links"`
}

func (h *Handler) doc(r *http.Request, p *Petition, organizer bool) (petitionJSON, error) {
	c, err := h.parts.Counts(r.Context(), p.ID)
	if err != nil {
		return petitionJSON{}, err
	}
	return h.docWith(p, c, organizer), nil
}

// docWith is the petition's document with its counts.
func (h *Handler) docWith(p *Petition, c participation.Counts, organizer bool) petitionJSON {
	self := api.URL(h.baseURL, api.Prefix+"/petitions", p.ID)
	d := petitionJSON{Identifiers: api.Identifiers(p.ID), OriginSystem: p.OriginSystem, CreatedDate: api.Time(p.CreatedAt),
		ModifiedDate: api.Time(p.ModifiedAt), Title: p.Title, Name: p.Slug, Description: p.Description, PetitionText: p.Text,
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

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	list, total, err := h.Store.List(r.Context(), ListQuery{Visible: true, ViewerID: api.PrincipalID(r), Offset: page.Offset(), Limit: page.PerPage})
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
	docs := []petitionJSON{}
	for _, p := range list {
		docs = append(docs, h.docWith(p, counts[p.ID], false))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:petitions", docs, total, page))
}

type petitionBody struct {
	Title        string       `json:"title"`
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	PetitionText string       `json:"petition_text"`
	Campaign     string       `json:"campaign"`
	Target       []targetJSON `json:"target"`
	Goal         int          `json:"goal"`
	Demands      []string     `json:"demands"`
	OriginSystem string       `json:"origin_system"`
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	pr := api.Require(w, r)
	if pr == nil {
		return
	}
	var b petitionBody
	if err := api.Decode(w, r, &b); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if strings.TrimSpace(b.Campaign) == "" {
		api.Problem(w, r, h.log, repertoire.Invalid("campaign", "field.required", nil))
		return
	}
	c, err := h.Store.Campaign(r.Context(), api.ParseID(b.Campaign))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	com, err := h.communities.Get(r.Context(), c.CommunityID)
	if err == nil {
		var ok bool
		if ok, err = h.communities.CanView(r.Context(), com, pr.PersonID); err == nil && !ok {
			err = repertoire.Invalid("campaign", "petition.campaign_not_found", nil)
		}
	}
	if err == nil {
		var ok bool
		if ok, err = h.communities.CanOrganize(r.Context(), com.ID, pr.PersonID); err == nil && !ok {
			err = repertoire.Errorf(repertoire.EFORBIDDEN, "petition.organizers_only")
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	in := Input{CampaignID: c.ID, Title: b.Title, Slug: b.Name, Description: b.Description, Text: b.PetitionText, Goal: b.Goal,
		OriginSystem: b.OriginSystem}
	for _, t := range b.Target {
		in.Targets = append(in.Targets, Target{Name: t.Name, Email: t.Email})
	}
	for _, d := range b.Demands {
		in.DemandIDs = append(in.DemandIDs, api.ParseID(d))
	}
	p, err := h.Store.Create(r.Context(), pr.PersonID, in)
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

// apiSign is the record-signature helper (participation.Record): imports
// go into a closed petition too, since they were signed while it was open.
func (h *Handler) apiSign(w http.ResponseWriter, r *http.Request) {
	p, org := h.apiPetition(w, r, false)
	if p == nil {
		return
	}
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
		Links:        api.Links{"osdi:petition": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/petitions", p.ID)}}})
}

// apiSignatures lists a petition's signatures for its organizers, each
// with what its signer agreed to share (as the CSV export).
func (h *Handler) apiSignatures(w http.ResponseWriter, r *http.Request) {
	p, _ := h.apiPetition(w, r, true)
	if p == nil {
		return
	}
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	c, err := participation.CountsOf(r.Context(), h.Store.db.Reader(), p.ID)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	list, err := h.parts.ConfirmedPage(r.Context(), p.ID, page.Offset(), page.PerPage)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := []map[string]any{}
	for _, pt := range list {
		pt = pt.ForOrganizers() // the consents, as in the CSV export
		emails := []map[string]any{}
		if pt.Email != "" {
			emails = append(emails, map[string]any{"address": pt.Email, "primary": true})
		}
		d := map[string]any{
			"identifiers":   api.Identifiers(pt.ID),
			"origin_system": pt.OriginSystem,
			"created_date":  api.Time(pt.CreatedAt),
			"modified_date": api.Time(pt.ModifiedAt),
			"action_date":   api.TimePtr(pt.ConfirmedAt),
			"status":        pt.Status,
			"comments":      pt.Comment,
			"person": map[string]any{
				"given_name": pt.GivenName, "family_name": pt.FamilyName,
				"email_addresses":  emails,
				"postal_addresses": []map[string]any{{"locality": pt.Locality, "country": pt.Country}},
			},
			"public_name": pt.PublicName, "contact_ok": pt.ContactOK, "share_with_target": pt.ShareWithTarget,
			"_links": api.Links{
				"osdi:person":   api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", pt.PersonID)},
				"osdi:petition": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/petitions", p.ID)},
			},
		}
		docs = append(docs, d)
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:signatures", docs, c.Total(), page))
}

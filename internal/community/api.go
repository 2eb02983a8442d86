package community

import (
	"net/http"

	"repertoire"
	"repertoire/internal/api"
)

// resource is a community as the API shows it, in the OSDI style.
type resource struct {
	Identifiers  []string  `json:"identifiers"`
	ID           string    `json:"id"`
	Slug         string    `json:"slug"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	Language     string    `json:"language"`
	JoinPolicy   string    `json:"join_policy"`
	Visibility   string    `json:"visibility"`
	CreatedDate  string    `json:"created_date"`
	ModifiedDate string    `json:"modified_date"`
	OriginSystem string    `json:"origin_system"`
	BrowserURL   string    `json:"browser_url"`
	TotalMembers int       `json:"total_members"`
	Links        api.Links `json:"_links"`
}

func (h *Handler) resource(c *Community) resource {
	return resource{
		Identifiers:  api.Identifiers(c.ID),
		ID:           c.ID,
		Slug:         c.Slug,
		Name:         c.Name,
		Description:  c.Description,
		Language:     c.Language,
		JoinPolicy:   c.JoinPolicy,
		Visibility:   c.Visibility,
		CreatedDate:  api.Time(c.CreatedAt),
		ModifiedDate: api.Time(c.ModifiedAt),
		OriginSystem: "repertoire",
		BrowserURL:   h.baseURL + "/c/" + c.Slug,
		TotalMembers: c.TotalMembers,
		Links: api.Links{
			"self":                 api.Link{Href: api.URL(h.baseURL, api.Prefix+"/communities", c.ID)},
			"repertoire:members":   api.Link{Href: api.URL(h.baseURL, api.Prefix+"/communities", c.ID, "members")},
			"repertoire:campaigns": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/campaigns") + "?community=" + c.ID},
		},
	}
}

// communityBody is what clients send; absent fields are nil, so that PUT
// changes only what is given. Unknown fields are refused (api.DecodeStrict).
type communityBody struct {
	Name        *string `json:"name"`
	Slug        *string `json:"slug"`
	Description *string `json:"description"`
	Language    *string `json:"language"`
	JoinPolicy  *string `json:"join_policy"`
	Visibility  *string `json:"visibility"`
}

// visible finds the community of the URL, answering 404 when the caller
// may not see it (a private community does not reveal it exists).
func (h *Handler) apiVisible(w http.ResponseWriter, r *http.Request) *Community {
	c, err := h.Store.Get(r.Context(), api.ParseID(r.PathValue("id")))
	if err == nil {
		var ok bool
		ok, err = h.Store.CanView(r.Context(), c, api.PrincipalID(r))
		if err == nil && !ok {
			err = notFound(nil)
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil
	}
	return c
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	filter, err := api.ParseFilter(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	list, total, err := h.Store.List(r.Context(), ListQuery{ViewerID: api.PrincipalID(r), Filter: filter, Limit: page.PerPage, Offset: page.Offset()})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	items := make([]resource, 0, len(list))
	for _, c := range list {
		items = append(items, h.resource(c))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:communities", items, total, page))
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	var body communityBody
	if err := api.DecodeStrict(w, r, &body, &resource{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	c, err := h.Store.Create(r.Context(), p.PersonID, Input{
		Name: api.Value(body.Name), Slug: api.Value(body.Slug), Description: api.Value(body.Description),
		Language: api.Value(body.Language), JoinPolicy: api.Value(body.JoinPolicy), Visibility: api.Value(body.Visibility),
	})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	res := h.resource(c)
	w.Header().Set("Location", res.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, res)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	if c := h.apiVisible(w, r); c != nil {
		api.JSON(w, http.StatusOK, h.resource(c))
	}
}

func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	c := h.apiVisible(w, r)
	if c == nil {
		return
	}
	var body communityBody
	if err := api.DecodeStrict(w, r, &body, &resource{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if body.Slug != nil && *body.Slug != c.Slug {
		api.Problem(w, r, h.log, repertoire.Invalid("slug", "community.slug_immutable", nil))
		return
	}
	c, err := h.Store.Update(r.Context(), p.PersonID, c.ID, Patch{
		Name: body.Name, Description: body.Description, Language: body.Language,
		JoinPolicy: body.JoinPolicy, Visibility: body.Visibility,
	})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.resource(c))
}

func (h *Handler) apiDelete(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	c := h.apiVisible(w, r)
	if c == nil {
		return
	}
	if err := h.Store.Delete(r.Context(), p.PersonID, c.ID); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// memberResource is one membership in the members collection.
type memberResource struct {
	Identifiers  []string  `json:"identifiers"`
	PersonID     string    `json:"person_id"`
	GivenName    string    `json:"given_name"`
	FamilyName   string    `json:"family_name"`
	Role         string    `json:"role"`
	Status       string    `json:"status"`
	CreatedDate  string    `json:"created_date"`
	ModifiedDate string    `json:"modified_date"`
	Links        api.Links `json:"_links"`
}

func (h *Handler) apiMembers(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	c := h.apiVisible(w, r)
	if c == nil {
		return
	}
	ok, err := h.Store.CanOrganize(r.Context(), c.ID, p.PersonID)
	if err == nil && !ok {
		err = repertoire.Errorf(repertoire.EFORBIDDEN, "community.organizers_only")
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	filter, err := api.ParseFilter(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	members, total, err := h.Store.Members(r.Context(), c.ID, MemberQuery{Filter: filter, Limit: page.PerPage, Offset: page.Offset()})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	items := make([]memberResource, 0, len(members))
	for _, m := range members {
		items = append(items, memberResource{
			Identifiers: api.Identifiers(c.ID + ":" + m.PersonID),
			PersonID:    m.PersonID, GivenName: m.GivenName, FamilyName: m.FamilyName,
			Role: m.Role, Status: m.Status,
			CreatedDate: api.Time(m.CreatedAt), ModifiedDate: api.Time(m.ModifiedAt),
			Links: api.Links{
				"osdi:person":          api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", m.PersonID)},
				"repertoire:community": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/communities", c.ID)},
			},
		})
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:members", items, total, page))
}

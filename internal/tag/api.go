package tag

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/store"
)

// The OSDI tags and taggings. Every answer needs a token: a tag is seen
// by its community's organizers and administrators only, and is not found
// by anyone else.

type tagDoc struct {
	Identifiers  []string  `json:"identifiers"`
	OriginSystem string    `json:"origin_system"`
	CreatedDate  string    `json:"created_date"`
	ModifiedDate string    `json:"modified_date"`
	Name         string    `json:"name"`
	Links        api.Links `json:"_links"`
}

func (h *Handler) tagDoc(t *Tag) tagDoc {
	self := api.URL(h.baseURL, api.Prefix+"/tags", t.ID)
	return tagDoc{Identifiers: api.Identifiers(t.ID), OriginSystem: t.OriginSystem, CreatedDate: api.Time(t.CreatedAt),
		ModifiedDate: api.Time(t.ModifiedAt), Name: t.Name,
		Links: api.Links{"self": api.Link{Href: self}, "osdi:taggings": api.Link{Href: self + "/taggings"},
			"repertoire:community": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/communities", t.CommunityID)}}}
}

type taggingDoc struct {
	Identifiers  []string  `json:"identifiers"`
	OriginSystem string    `json:"origin_system"`
	CreatedDate  string    `json:"created_date"`
	ModifiedDate string    `json:"modified_date"`
	ItemType     string    `json:"item_type"`
	Links        api.Links `json:"_links"`
}

func (h *Handler) taggingDoc(g *Tagging) taggingDoc {
	tag := api.URL(h.baseURL, api.Prefix+"/tags", g.TagID)
	return taggingDoc{Identifiers: api.Identifiers(g.ID), OriginSystem: g.OriginSystem, CreatedDate: api.Time(g.CreatedAt),
		ModifiedDate: api.Time(g.ModifiedAt), ItemType: "osdi:person",
		Links: api.Links{"self": api.Link{Href: api.URL(tag, "/taggings", g.ID)}, "osdi:tag": api.Link{Href: tag},
			"osdi:person": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", g.PersonID)}}}
}

// organizerID is the token holder's id when their reach is the
// communities they run, "" for an administrator, who sees every tag.
func organizerID(p *api.Principal) string {
	if p.IsAdmin {
		return ""
	}
	return p.PersonID
}

// apiTag loads the tag of the URL for its community's organizers: 401
// without a token, not found for anyone else.
func (h *Handler) apiTagOf(w http.ResponseWriter, r *http.Request) (*Tag, *api.Principal) {
	p := api.Require(w, r)
	if p == nil {
		return nil, nil
	}
	t, err := getTag(r.Context(), h.db.Reader(), api.ParseID(r.PathValue("id")))
	if err == nil && !p.IsAdmin {
		var ok bool
		if ok, err = h.communities.CanOrganize(r.Context(), t.CommunityID, p.PersonID); err == nil && !ok {
			err = errTagNotFound
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil, nil
	}
	return t, p
}

// decode reads a body whose fields must be among known (OSDI's and
// Action Network's, and ours); another is refused, naming it.
func decode(w http.ResponseWriter, r *http.Request, v any, known ...string) error {
	var raw json.RawMessage
	if err := api.Decode(w, r, &raw); err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return repertoire.Invalid("", "field.bad_json", nil)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !contains(known, k) {
			return repertoire.Invalid(k, "tag.unknown_field", nil)
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		if ute, ok := err.(*json.UnmarshalTypeError); ok {
			return repertoire.Invalid(ute.Field, "field.bad_json", nil)
		}
		return repertoire.Invalid("", "field.bad_json", nil)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Fields of a tag and a tagging besides those stored, accepted and ignored:
// what a client reads and sends back.
var readOnly = []string{"identifiers", "created_date", "modified_date", "_links", "_embedded"}

type tagBody struct {
	Name         *string `json:"name"`
	OriginSystem *string `json:"origin_system"`
	Community    string  `json:"community"`
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	// The one filter OSDI clients send on tags: a name.
	filter, err := api.ParseFilter(r, "name")
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var names []string
	for _, c := range filter.Conditions {
		if c.Op != "eq" {
			api.Problem(w, r, h.log, repertoire.Invalid("filter", "api.bad_filter", nil))
			return
		}
		names = append(names, strings.TrimSpace(c.Value))
	}
	tags, total, err := listTags(r.Context(), h.db.Reader(), organizerID(p), names, filter, page.PerPage, page.Offset())
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]tagDoc, 0, len(tags))
	for _, t := range tags {
		docs = append(docs, h.tagDoc(t))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:tags", docs, total, page))
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	var b tagBody
	if err := decode(w, r, &b, append(readOnly, "name", "origin_system", "community", "description")...); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	name, e := CheckName("name", api.Value(b.Name))
	var errs repertoire.Errors
	if e != nil {
		errs = append(errs, e)
	}
	origin := strings.TrimSpace(api.Value(b.OriginSystem))
	if e := tooLongOrigin(origin); e != nil {
		errs = append(errs, e)
	}
	if err := errs.Err(); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	communityID, err := h.Community(r.Context(), p, b.Community, "community")
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var t *Tag
	err = h.db.Write(r.Context(), func(tx *store.Tx) error {
		t, err = createTag(r.Context(), tx, communityID, name, origin, "name")
		return err
	})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	d := h.tagDoc(t)
	w.Header().Set("Location", d.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, d)
}

func tooLongOrigin(origin string) *repertoire.Error {
	return account.TooLong("origin_system", origin, account.MaxOriginSystem)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	t, _ := h.apiTagOf(w, r)
	if t == nil {
		return
	}
	api.JSON(w, http.StatusOK, h.tagDoc(t))
}

// apiUpdate renames a tag (OSDI allows it; Action Network does not).
func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	t, _ := h.apiTagOf(w, r)
	if t == nil {
		return
	}
	var b tagBody
	if err := decode(w, r, &b, append(readOnly, "name", "origin_system", "description")...); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if b.Name != nil {
		name, e := CheckName("name", *b.Name)
		if e != nil {
			api.Problem(w, r, h.log, e)
			return
		}
		err := h.db.Write(r.Context(), func(tx *store.Tx) error { return renameTag(r.Context(), tx, t.ID, name, "name") })
		if err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
	}
	t, err := getTag(r.Context(), h.db.Writer(), t.ID)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.tagDoc(t))
}

func (h *Handler) apiDelete(w http.ResponseWriter, r *http.Request) {
	t, _ := h.apiTagOf(w, r)
	if t == nil {
		return
	}
	if err := h.db.Write(r.Context(), func(tx *store.Tx) error { return deleteTag(r.Context(), tx, t.ID) }); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) apiTaggings(w http.ResponseWriter, r *http.Request) {
	t, _ := h.apiTagOf(w, r)
	if t == nil {
		return
	}
	where, args := ofTag(t.ID)
	h.writeTaggings(w, r, where, args)
}

func (h *Handler) writeTaggings(w http.ResponseWriter, r *http.Request, where string, args []any) {
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	list, total, err := listTaggings(r.Context(), h.db.Reader(), where, args, page.PerPage, page.Offset())
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]taggingDoc, 0, len(list))
	for _, g := range list {
		docs = append(docs, h.taggingDoc(g))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:taggings", docs, total, page))
}

type taggingBody struct {
	OriginSystem *string `json:"origin_system"`
	ItemType     string  `json:"item_type"`
	Links        struct {
		Person *struct {
			Href string `json:"href"`
		} `json:"osdi:person"`
	} `json:"_links"`
}

// personOf is the id of the person a link names: .../people/{id}, or the
// id alone.
func personOf(href string) string {
	href = strings.TrimSpace(href)
	if u, err := url.Parse(href); err == nil && u.Path != "" {
		href = u.Path
	}
	if i := strings.LastIndex(href, "/people/"); i >= 0 {
		href = href[i+len("/people/"):]
	}
	return api.ParseID(strings.Trim(href, "/"))
}

// apiTag tags a person (OSDI's tagging: the person named by
// _links["osdi:person"]): 201 when new, 200 when they had it. Only a
// person the organizer reaches may be tagged; another is not found.
func (h *Handler) apiTag(w http.ResponseWriter, r *http.Request) {
	t, p := h.apiTagOf(w, r)
	if t == nil {
		return
	}
	var b taggingBody
	if err := decode(w, r, &b, append(readOnly, "origin_system", "item_type")...); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	field := "_links.osdi:person.href"
	if b.ItemType != "" && b.ItemType != "osdi:person" {
		api.Problem(w, r, h.log, repertoire.Invalid("item_type", "field.bad_choice", nil))
		return
	}
	if b.Links.Person == nil || strings.TrimSpace(b.Links.Person.Href) == "" {
		api.Problem(w, r, h.log, repertoire.Invalid(field, "field.required", nil))
		return
	}
	origin := strings.TrimSpace(api.Value(b.OriginSystem))
	if e := tooLongOrigin(origin); e != nil {
		api.Problem(w, r, h.log, e)
		return
	}
	personID := personOf(b.Links.Person.Href)
	ok, err := h.people.Reaches(r.Context(), h.db.Reader(), p, personID)
	if err == nil && !ok {
		err = repertoire.Invalid(field, "tag.person_not_found", nil)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var g *Tagging
	created := false
	err = h.db.Write(r.Context(), func(tx *store.Tx) error {
		g, created, err = tagPerson(r.Context(), tx, t.ID, personID, origin)
		return err
	})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	d := h.taggingDoc(g)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", d.Links["self"].(api.Link).Href)
	}
	api.JSON(w, status, d)
}

func (h *Handler) apiTagging(w http.ResponseWriter, r *http.Request) {
	t, _ := h.apiTagOf(w, r)
	if t == nil {
		return
	}
	g, err := getTagging(r.Context(), h.db.Reader(), t.ID, api.ParseID(r.PathValue("tagging")))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.taggingDoc(g))
}

func (h *Handler) apiUntag(w http.ResponseWriter, r *http.Request) {
	t, _ := h.apiTagOf(w, r)
	if t == nil {
		return
	}
	id := api.ParseID(r.PathValue("tagging"))
	if err := h.db.Write(r.Context(), func(tx *store.Tx) error { return deleteTagging(r.Context(), tx, t.ID, id) }); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiPersonTaggings lists a person's taggings with the tags the token's
// holder sees; a person they do not reach is not found.
func (h *Handler) apiPersonTaggings(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	personID := api.ParseID(r.PathValue("id"))
	ok, err := h.people.Reaches(r.Context(), h.db.Reader(), p, personID)
	if err == nil && !ok {
		err = repertoire.Errorf(repertoire.ENOTFOUND, "person.not_found")
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	where, args := ofPerson(personID, organizerID(p))
	h.writeTaggings(w, r, where, args)
}

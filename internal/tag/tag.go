// Package tag is a community's tags and the people tagged with them
// (OSDI tags and taggings): lists its organizers keep of their people.
// A tag belongs to one community, and only that community's organizers
// (and administrators) see and use it. Tagging someone puts them within
// the reach of the community's organizers' tokens (account.Reach).
package tag

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/community"
	"repertoire/internal/store"
)

// Tag is a community's tag.
type Tag struct {
	ID           string
	CommunityID  string
	Name         string
	OriginSystem string
	CreatedAt    time.Time
	ModifiedAt   time.Time
}

// Tagging is a person tagged with a tag.
type Tagging struct {
	ID           string
	TagID        string
	PersonID     string
	OriginSystem string
	CreatedAt    time.Time
	ModifiedAt   time.Time
}

// MaxName is the longest tag name, in characters.
const MaxName = 100

// MaxTags bounds the tags one request adds or removes.
const MaxTags = 100

// CheckName trims a tag's name and refuses an empty one, one too long, or
// one with control characters; field names it in the error.
func CheckName(field, name string) (string, *repertoire.Error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", repertoire.Invalid(field, "field.required", nil)
	}
	if e := account.TooLong(field, name, MaxName); e != nil {
		return "", e
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", repertoire.Invalid(field, "error.invalid", nil)
	}
	return name, nil
}

// key is what makes two names one tag: their case does not count.
func key(name string) string { return strings.ToLower(name) }

// Handler serves the tags API and offers the people API its tags
// (account.Lists).
type Handler struct {
	db          *store.DB
	log         *slog.Logger
	baseURL     string
	communities *community.Store
	people      *account.Handler
}

// New builds the tags capability; people tells whom an organizer reaches.
func New(db *store.DB, log *slog.Logger, baseURL string, communities *community.Store, people *account.Handler) *Handler {
	return &Handler{db: db, log: log, baseURL: baseURL, communities: communities, people: people}
}

// Routes mounts the OSDI tags and taggings.
func (h *Handler) Routes(mux *http.ServeMux) {
	p := api.Prefix
	mux.HandleFunc("GET "+p+"/tags", h.apiList)
	mux.HandleFunc("POST "+p+"/tags", h.apiCreate)
	mux.HandleFunc("GET "+p+"/tags/{id}", h.apiGet)
	mux.HandleFunc("PUT "+p+"/tags/{id}", h.apiUpdate)
	mux.HandleFunc("DELETE "+p+"/tags/{id}", h.apiDelete)
	mux.HandleFunc("GET "+p+"/tags/{id}/taggings", h.apiTaggings)
	mux.HandleFunc("POST "+p+"/tags/{id}/taggings", h.apiTag)
	mux.HandleFunc("GET "+p+"/tags/{id}/taggings/{tagging}", h.apiTagging)
	mux.HandleFunc("DELETE "+p+"/tags/{id}/taggings/{tagging}", h.apiUntag)
	mux.HandleFunc("GET "+p+"/people/{id}/taggings", h.apiPersonTaggings)
}

// PersonData is a person's taggings in their data export; they are erased
// with the person (the schema's cascade).
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: []account.ExportSection{{Name: "taggings", SQL: exportSQL}}}
}

// Community is the community a request acts in (account.Lists): the one
// given (id, "repertoire:id" or slug) when the token's holder runs it,
// else the one community they run. A community they do not run is not
// found, whether or not it exists.
func (h *Handler) Community(ctx context.Context, p *api.Principal, given, field string) (string, error) {
	if strings.TrimSpace(given) != "" {
		c, err := h.communities.Get(ctx, api.ParseID(given))
		if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
			return "", repertoire.Invalid(field, "tag.community_not_found", nil)
		}
		if err != nil {
			return "", err
		}
		ok, err := h.communities.CanOrganize(ctx, c.ID, p.PersonID)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", repertoire.Invalid(field, "tag.community_not_found", nil)
		}
		return c.ID, nil
	}
	ids, err := community.OrganizedIDs(ctx, h.db.Reader(), p.PersonID)
	if err != nil {
		return "", err
	}
	if len(ids) != 1 {
		return "", repertoire.Invalid(field, "tag.community_needed", nil)
	}
	return ids[0], nil
}

// CheckNames refuses the names that cannot be a tag's, naming field[i]:
// what Apply takes.
func CheckNames(field string, names []string) repertoire.Errors {
	var errs repertoire.Errors
	if len(names) > MaxTags {
		return repertoire.Errors{repertoire.Invalid(field, "tag.too_many", map[string]any{"Max": MaxTags})}
	}
	for i, n := range names {
		if _, e := CheckName(field+"["+strconv.Itoa(i)+"]", n); e != nil {
			errs = append(errs, e)
		}
	}
	return errs
}

// CheckNames is CheckNames, for account.Lists.
func (h *Handler) CheckNames(field string, names []string) repertoire.Errors {
	return CheckNames(field, names)
}

// Apply tags the person with the add names, creating the community's tags
// missing, and untags them of the remove ones, in tx: the one place the
// helpers (people, signatures, commitments) tag through. Names must have passed
// CheckNames; a name in both lists is added.
func Apply(ctx context.Context, tx *store.Tx, communityID, personID string, add, remove []string) error {
	for _, n := range remove {
		name, _ := CheckName("", n)
		if err := untagByName(ctx, tx, communityID, personID, key(name)); err != nil {
			return err
		}
	}
	for _, n := range add {
		name, _ := CheckName("", n)
		t, err := ensureTag(ctx, tx, communityID, name)
		if err != nil {
			return err
		}
		if _, _, err := tagPerson(ctx, tx, t.ID, personID, ""); err != nil {
			return err
		}
	}
	return nil
}

// Adder is the record helpers' add_tags (participation.Record.AddTags):
// it tags the person in the community in a transaction of its own, once
// the group commit made them known.
func Adder(db *store.DB, communityID string) func(ctx context.Context, personID string, names []string) error {
	return func(ctx context.Context, personID string, names []string) error {
		return db.Write(ctx, func(tx *store.Tx) error { return Apply(ctx, tx, communityID, personID, names, nil) })
	}
}

// Apply is Apply, for account.Lists.
func (h *Handler) Apply(ctx context.Context, tx *store.Tx, communityID, personID string, add, remove []string) error {
	return Apply(ctx, tx, communityID, personID, add, remove)
}

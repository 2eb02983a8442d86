// Package cases is the case library: past collective actions against
// platforms as data (platform, year, who acted, tactics, numbers,
// outcome, sources), seeded with the seed's cases — Beacon 2007, Tuenti
// 2009, the like button 2010, Europe-v-Facebook 2011, Reddit 2015, Free
// Basics 2016, the 2018 strikes and the Faceblock — and completed by
// organizers. From it comes the advice on a campaign's page: the tactics
// that won comparable cases beside the campaign's own, and a warning
// when a campaign relies on one tactic alone.
package cases

import (
	"embed"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are the case library's pages and its campaign block.
//
//go:embed templates/*.html
var Templates embed.FS

// Tactics are the kinds of action a case records, in the order pages
// list them.
var Tactics = []string{"petition", "strike", "boycott", "protest", "lobbying", "complaint", "litigation", "disruption"}

// tacticOf maps a campaign's tactic kind (campaign.Tactic.Kind) to the
// library's: a pledge is a conditional strike; a letter to officials is
// lobbying. An unknown kind is its own name.
func tacticOf(kind string) string {
	switch kind {
	case "pledge":
		return "strike"
	case "letter", "outreach", "advocacy":
		return "lobbying"
	case "legal_action", "access_requests":
		return "complaint"
	}
	return kind
}

// Case is a past collective action.
type Case struct {
	ID          string
	Slug        string
	CommunityID string // who added it; "" for the seeded cases
	Platform    string
	Year        int
	Title       string
	Community   string   // who acted
	Tactics     []string // among Tactics
	Numbers     string   // signatures, complaints, participants
	Outcome     string
	Won         bool
	Sources     []string // URLs, or a citation
	CreatedAt   time.Time
	ModifiedAt  time.Time
}

// Input is a case as an organizer writes it.
type Input struct {
	Platform  string   `json:"platform"`
	Year      int      `json:"year"`
	Title     string   `json:"title"`
	Community string   `json:"community"`
	Tactics   []string `json:"tactics"`
	Numbers   string   `json:"numbers"`
	Outcome   string   `json:"outcome"`
	Won       bool     `json:"won"`
	Sources   []string `json:"sources"`
}

// Limits of a case's fields, in characters.
const (
	MaxShort   = 200
	MaxOutcome = 2000
	MaxSources = 10
)

// Normalize trims and checks a case, collecting every field error: a
// platform, a title, a year from 1990 to next year, at least one known
// tactic, an outcome and at least one source, each an http(s) URL.
func (in *Input) Normalize(now time.Time) error {
	var errs repertoire.Errors
	text := func(field string, v *string, max int, required bool) {
		*v = strings.TrimSpace(*v)
		switch {
		case *v == "" && required:
			errs = append(errs, repertoire.Invalid(field, "field.required", nil))
		case account.TooLong(field, *v, max) != nil:
			errs = append(errs, account.TooLong(field, *v, max))
		case field != "outcome" && strings.IndexFunc(*v, unicode.IsControl) >= 0:
			errs = append(errs, repertoire.Invalid(field, "error.invalid", nil))
		}
	}
	text("platform", &in.Platform, MaxShort, true)
	text("title", &in.Title, MaxShort, true)
	text("community", &in.Community, MaxShort, false)
	text("numbers", &in.Numbers, MaxShort, false)
	text("outcome", &in.Outcome, MaxOutcome, true)
	if in.Year < 1990 || in.Year > now.Year()+1 {
		errs = append(errs, repertoire.Invalid("year", "cases.bad_year", map[string]any{"Max": now.Year() + 1}))
	}
	var tactics []string
	for _, t := range in.Tactics {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || slices.Contains(tactics, t) {
			continue
		}
		if !slices.Contains(Tactics, t) {
			errs = append(errs, repertoire.Invalid("tactics", "cases.bad_tactic", map[string]any{"Tactics": strings.Join(Tactics, ", ")}))
			break
		}
		tactics = append(tactics, t)
	}
	in.Tactics = tactics
	if len(tactics) == 0 {
		errs = append(errs, repertoire.Invalid("tactics", "field.required", nil))
	}
	var sources []string
	for _, s := range in.Sources {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(sources, s) {
			sources = append(sources, s)
		}
	}
	in.Sources = sources
	switch {
	case len(sources) == 0:
		errs = append(errs, repertoire.Invalid("sources", "field.required", nil))
	case len(sources) > MaxSources:
		errs = append(errs, repertoire.Invalid("sources", "cases.too_many_sources", map[string]any{"Max": MaxSources}))
	default:
		for _, s := range sources {
			if !campaign.ValidURL(s) {
				errs = append(errs, repertoire.Invalid("sources", "cases.bad_source", nil))
				break
			}
		}
	}
	return errs.Err()
}

// Handler serves the case library and the advice block.
type Handler struct {
	*Store
	db          *store.DB
	pages       *web.Renderer
	cat         *i18n.Catalog
	log         *slog.Logger
	baseURL     string
	communities *community.Store
}

// New builds the case library.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string, communities *community.Store) *Handler {
	return &Handler{Store: NewStore(db), db: db, pages: pages, cat: cat, log: log, baseURL: baseURL, communities: communities}
}

// Routes mounts the library's pages and API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /cases", h.listPage)
	mux.HandleFunc("POST /cases", h.addPage)
	mux.HandleFunc("GET /cases/{id}", h.showPage)
	mux.HandleFunc("GET /api/v1/cases", h.apiList)
	mux.HandleFunc("POST /api/v1/cases", h.apiCreate)
	mux.HandleFunc("GET /api/v1/cases/{id}", h.apiGet)
}

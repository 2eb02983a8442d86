// Package target is the targets directory: the people and bodies a
// campaign addresses — officials (legislators, committees), regulators
// (data protection, consumer, competition, telecom authorities) and
// companies' offices (privacy, legal) — with their contact channels.
//
// The directory is loaded from the embedded datenanfragen data (CC0: 57
// data protection authorities, 3,070 organizations with their privacy
// contacts) at first start (LoadEmbedded) and updated by `repertoire
// targets import DIR` (ImportDir); organizers add their own, which belong
// to their community, and administrators add global ones.
//
// Other capabilities (letters, legal actions) use the Store: Get,
// BySlug, Find (text, kind, role, country), Authorities.
package target

import (
	"embed"
	"log/slog"
	"net/http"
	"net/mail"
	"regexp"
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

// Templates are the directory's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Kinds of target.
const (
	KindOfficial  = "official"  // a legislator, a committee
	KindRegulator = "regulator" // an authority: data protection, consumer, competition, telecom
	KindCompany   = "company"   // a company's office: privacy, legal
)

// Kinds are the kinds of target, in the order forms list them.
var Kinds = []string{KindOfficial, KindRegulator, KindCompany}

// Roles are the roles each kind may have ("" is allowed: unspecified).
var Roles = map[string][]string{
	KindOfficial:  {"legislator", "committee"},
	KindRegulator: {"data_protection", "consumer", "competition", "telecom"},
	KindCompany:   {"privacy", "legal"},
}

// Role names used by the directory import and its users.
const (
	RoleDataProtection = "data_protection"
	RolePrivacy        = "privacy"
)

// SourceDatenanfragen is the source of the embedded directory's rows.
const SourceDatenanfragen = "datenanfragen"

// Target is a person or body a campaign addresses.
type Target struct {
	ID          string
	Source      string // "datenanfragen" for the directory's rows, "" for those organizers add
	Slug        string // the directory's key ("iedpc", "facebook"); organizers' rows: their id
	CommunityID string // "" for a global target
	Kind        string
	Role        string
	Name        string
	OtherNames  []string // what else it is called or runs ("Facebook, Inc.")
	Title       string   // a person's title or office
	// Organization is the body a person or office belongs to.
	Organization  string
	Countries     []string // ISO 3166-1 alpha-2, upper case; empty: every country
	Languages     []string // ISO 639-1, lower case
	Email         string
	PostalAddress string
	WebForm       string
	Phone         string
	Website       string
	// LeadAuthorityID is the company's lead supervisory authority as set
	// by hand ("": derived, Store.LeadAuthority).
	LeadAuthorityID string
	CreatedAt       time.Time
	ModifiedAt      time.Time
}

// Global reports whether every community sees the target.
func (t *Target) Global() bool { return t.CommunityID == "" }

// Input is a target as an organizer writes it.
type Input struct {
	Kind          string   `json:"kind"`
	Role          string   `json:"role"`
	Name          string   `json:"name"`
	OtherNames    []string `json:"other_names"`
	Title         string   `json:"title"`
	Organization  string   `json:"organization"`
	Countries     []string `json:"countries"`
	Languages     []string `json:"languages"`
	Email         string   `json:"email"`
	PostalAddress string   `json:"postal_address"`
	WebForm       string   `json:"web_form"`
	Phone         string   `json:"phone"`
	Website       string   `json:"website"`
	// LeadAuthority names a company's lead supervisory authority (its id,
	// or its directory slug: "iedpc"); "": derived from its country.
	LeadAuthority string `json:"lead_authority_id"`
}

// Limits of a target's fields, in characters.
const (
	MaxName    = 200
	MaxText    = 500
	MaxAddress = 1000
	MaxNames   = 20
)

var (
	countryPattern  = regexp.MustCompile(`^[A-Z]{2}$`)
	languagePattern = regexp.MustCompile(`^[a-z]{2,3}$`)
)

// Normalize trims and checks the input, collecting every field error: a
// name and a known kind are required, a role must be one of its kind's,
// countries are two letters (upper-cased), languages two or three
// (lower-cased), the email an address and the URLs http(s).
func (in *Input) Normalize() error {
	var errs repertoire.Errors
	in.Kind = strings.TrimSpace(in.Kind)
	in.Role = strings.TrimSpace(in.Role)
	if !slices.Contains(Kinds, in.Kind) {
		errs = append(errs, repertoire.Invalid("kind", "field.bad_choice", nil))
	} else if in.Role != "" && !slices.Contains(Roles[in.Kind], in.Role) {
		errs = append(errs, repertoire.Invalid("role", "field.bad_choice", nil))
	}
	text := func(field string, v *string, max int, required bool) {
		*v = strings.TrimSpace(*v)
		if *v == "" && required {
			errs = append(errs, repertoire.Invalid(field, "field.required", nil))
			return
		}
		if e := account.TooLong(field, *v, max); e != nil {
			errs = append(errs, e)
			return
		}
		if field != "postal_address" && strings.IndexFunc(*v, unicode.IsControl) >= 0 {
			errs = append(errs, repertoire.Invalid(field, "error.invalid", nil))
		}
	}
	text("name", &in.Name, MaxName, true)
	text("title", &in.Title, MaxText, false)
	text("organization", &in.Organization, MaxName, false)
	text("postal_address", &in.PostalAddress, MaxAddress, false)
	text("phone", &in.Phone, 50, false)
	text("email", &in.Email, MaxText, false)
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			errs = append(errs, repertoire.Invalid("email", "target.bad_email", nil))
		}
	}
	text("web_form", &in.WebForm, MaxText, false)
	text("website", &in.Website, MaxText, false)
	for _, u := range []struct{ field, v string }{{"web_form", in.WebForm}, {"website", in.Website}} {
		if u.v != "" && !campaign.ValidURL(u.v) {
			errs = append(errs, repertoire.Invalid(u.field, "target.bad_url", nil))
		}
	}
	in.OtherNames = cleanList(in.OtherNames, nil)
	if len(in.OtherNames) > MaxNames {
		errs = append(errs, repertoire.Invalid("other_names", "target.too_many", map[string]any{"Max": MaxNames}))
	}
	for _, n := range in.OtherNames {
		if e := account.TooLong("other_names", n, MaxName); e != nil {
			errs = append(errs, e)
			break
		}
	}
	in.Countries = cleanList(in.Countries, strings.ToUpper)
	for _, c := range in.Countries {
		if !countryPattern.MatchString(c) {
			errs = append(errs, repertoire.Invalid("countries", "target.bad_country", nil))
			break
		}
	}
	in.Languages = cleanList(in.Languages, strings.ToLower)
	for _, l := range in.Languages {
		if !languagePattern.MatchString(l) {
			errs = append(errs, repertoire.Invalid("languages", "target.bad_language", nil))
			break
		}
	}
	return errs.Err()
}

// cleanList trims each item, drops empty and repeated ones, and maps the
// rest with f (when not nil).
func cleanList(items []string, f func(string) string) []string {
	var out []string
	for _, s := range items {
		s = strings.TrimSpace(s)
		if f != nil {
			s = f(s)
		}
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Handler serves the directory's page and API.
type Handler struct {
	*Store
	db          *store.DB
	pages       *web.Renderer
	cat         *i18n.Catalog
	log         *slog.Logger
	baseURL     string
	communities *community.Store
}

// New builds the targets capability.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string, communities *community.Store) *Handler {
	return &Handler{Store: NewStore(db), db: db, pages: pages, cat: cat, log: log, baseURL: baseURL, communities: communities}
}

// Routes mounts the directory's page and its API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /targets", h.searchPage)
	mux.HandleFunc("POST /targets", h.addPage)
	mux.HandleFunc("GET /targets/{id}", h.showPage)
	mux.HandleFunc("POST /targets/{id}/lead_authority", h.setLead)
	h.apiRoutes(mux)
}

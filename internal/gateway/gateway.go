// Package gateway is the union's data gateway: members' data (their vault)
// reaches others only through it, under rules the members vote. A
// community's organizers register consumers (a research team, a partner,
// the platform itself) with a stated purpose, licence, contact and keys;
// what a consumer may receive is a policy, which takes effect only once a
// community decision adopted it; the consumer API (/gateway/v1) serves
// what the policy and each member's consent allow, computed at request
// time, and records every access, appended to the transparency log. A
// data strike, called by a decision, denies the striking members' data
// for its window, on every instance within a second of its commit.
package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/vault"
	"repertoire/internal/web"
)

// Templates are the gateway's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Levels of a policy: what a consumer receives of the items it may read.
const (
	LevelItem       = "item"          // the items, with their owner's person id
	LevelPseudonym  = "pseudonymized" // the items, owners named by an HMAC keyed per consumer
	LevelAggregate  = "aggregate"     // counts per category, none under the minimum group size
	ScopeMembers    = "members"       // a strike of every member of the community
	ScopeJoined     = "joined"        // a strike of the members who joined it
	DefaultMinGroup = 10
)

// Levels and Scopes list the choices, in the order forms offer them.
var (
	Levels = []string{LevelPseudonym, LevelAggregate, LevelItem}
	Scopes = []string{ScopeMembers, ScopeJoined}
)

// Reasons a request is denied.
const (
	ReasonNoKey     = "no_key"
	ReasonNoPolicy  = "no_policy"
	ReasonNoConsent = "no_consent"
	ReasonOverLimit = "over_limit"
	ReasonStrike    = "strike"
)

// Limits of the fields.
const (
	MaxName     = 200
	MaxText     = 5000
	MaxRate     = 100000
	MaxVolume   = 100000000
	MaxDuration = 3 * 366 * 24 * time.Hour
)

// Consumer is whoever reads members' data through the gateway.
type Consumer struct {
	ID          string
	CommunityID string
	Name        string
	Purpose     string
	Licence     string
	Contact     string
	pseudonyms  []byte // the HMAC key of its pseudonyms
	CreatedAt   time.Time
	ModifiedAt  time.Time
	Keys        []Key
}

// Pseudonym is what the consumer reads in place of a person id: HMAC of
// the id keyed per consumer, so two consumers cannot join what they read.
func (c *Consumer) Pseudonym(personID string) string {
	k := pseudonymKey{c.ID, personID}
	pseudonyms.mu.RLock()
	p, ok := pseudonyms.m[k]
	pseudonyms.mu.RUnlock()
	if ok {
		return p
	}
	m := hmac.New(sha256.New, c.pseudonyms)
	m.Write([]byte(personID))
	p = base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	if c.ID != "" {
		pseudonyms.mu.Lock()
		if len(pseudonyms.m) >= maxPseudonyms {
			clear(pseudonyms.m)
		}
		pseudonyms.m[k] = p
		pseudonyms.mu.Unlock()
	}
	return p
}

// pseudonyms keeps the pseudonyms computed, by consumer and person: a
// page of items named each owner by an HMAC, a tenth of the gateway's
// own work per request. A consumer's key never changes.
var pseudonyms = struct {
	mu sync.RWMutex
	m  map[pseudonymKey]string
}{m: map[pseudonymKey]string{}}

type pseudonymKey struct{ consumer, person string }

const maxPseudonyms = 200_000

// Key is one of a consumer's API keys: only its secret's hash is kept.
type Key struct {
	ID        string
	Name      string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// ConsumerInput is what organizers give for a consumer.
type ConsumerInput struct {
	Name, Purpose, Licence, Contact string
}

func text(es *repertoire.Errors, field, v string, max int) {
	switch {
	case v == "":
		*es = append(*es, repertoire.Invalid(field, "field.required", nil))
	case !utf8.ValidString(v):
		*es = append(*es, repertoire.Invalid(field, "gateway.bad_text", nil))
	case utf8.RuneCountInString(v) > max:
		*es = append(*es, repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max}))
	}
}

func (in *ConsumerInput) normalize() error {
	var es repertoire.Errors
	in.Name, in.Purpose = strings.TrimSpace(in.Name), strings.TrimSpace(in.Purpose)
	in.Licence, in.Contact = strings.TrimSpace(in.Licence), strings.TrimSpace(in.Contact)
	text(&es, "name", in.Name, MaxName)
	text(&es, "purpose", in.Purpose, MaxText)
	text(&es, "licence", in.Licence, MaxName)
	text(&es, "contact", in.Contact, MaxName)
	return es.Err()
}

// Policy is what a consumer may receive: adopted by a decision, in force
// from StartsAt until EndsAt.
type Policy struct {
	ID          string
	CommunityID string
	ConsumerID  string
	Categories  []string
	Level       string
	MinGroup    int // aggregates: the smallest group a count is given for
	RatePerMin  int // requests a minute
	ItemsPerDay int // items a day
	Purpose     string
	StartsAt    time.Time
	EndsAt      time.Time
	DecisionID  string
	AdoptedAt   *time.Time
	CreatedAt   time.Time
}

// InForce tells whether the policy lets its consumer read at t: adopted
// by a decision that passed, and within its window.
func (p *Policy) InForce(t time.Time) bool {
	return p.AdoptedAt != nil && !t.Before(p.StartsAt) && t.Before(p.EndsAt)
}

// Covers tells whether the policy covers category.
func (p *Policy) Covers(category string) bool { return slices.Contains(p.Categories, category) }

// PolicyInput is what organizers propose; a decision adopts it.
type PolicyInput struct {
	ConsumerID  string
	Categories  []string
	Level       string
	MinGroup    int
	RatePerMin  int
	ItemsPerDay int
	Purpose     string
	StartsAt    time.Time
	EndsAt      time.Time
}

func (in *PolicyInput) normalize() error {
	var es repertoire.Errors
	in.Purpose = strings.TrimSpace(in.Purpose)
	text(&es, "purpose", in.Purpose, MaxText)
	if in.ConsumerID == "" {
		es = append(es, repertoire.Invalid("consumer", "field.required", nil))
	}
	var cats []string
	for _, c := range vault.Categories { // in the vault's order, once each
		if slices.Contains(in.Categories, c) {
			cats = append(cats, c)
		}
	}
	switch {
	case len(in.Categories) == 0:
		es = append(es, repertoire.Invalid("categories", "gateway.categories_required", nil))
	case len(cats) != len(slices.Compact(slices.Sorted(slices.Values(in.Categories)))):
		es = append(es, repertoire.Invalid("categories", "field.bad_choice", nil))
	}
	in.Categories = cats
	if !slices.Contains(Levels, in.Level) {
		es = append(es, repertoire.Invalid("level", "field.bad_choice", nil))
	}
	if in.Level == LevelAggregate && in.MinGroup == 0 {
		in.MinGroup = DefaultMinGroup
	}
	if in.MinGroup < 0 || in.MinGroup > 1000000 || in.Level == LevelAggregate && in.MinGroup < 2 {
		es = append(es, repertoire.Invalid("min_group", "gateway.bad_min_group", nil))
	}
	if in.RatePerMin < 1 || in.RatePerMin > MaxRate {
		es = append(es, repertoire.Invalid("rate_per_min", "gateway.bad_number", map[string]any{"Max": MaxRate}))
	}
	if in.ItemsPerDay < 1 || in.ItemsPerDay > MaxVolume {
		es = append(es, repertoire.Invalid("items_per_day", "gateway.bad_number", map[string]any{"Max": MaxVolume}))
	}
	in.StartsAt, in.EndsAt = in.StartsAt.UTC().Truncate(time.Microsecond), in.EndsAt.UTC().Truncate(time.Microsecond)
	switch {
	case in.StartsAt.IsZero():
		es = append(es, repertoire.Invalid("starts_at", "field.required", nil))
	case in.EndsAt.IsZero():
		es = append(es, repertoire.Invalid("ends_at", "field.required", nil))
	case !in.EndsAt.After(in.StartsAt):
		es = append(es, repertoire.Invalid("ends_at", "gateway.ends_before_starts", nil))
	case in.EndsAt.Sub(in.StartsAt) > MaxDuration:
		es = append(es, repertoire.Invalid("ends_at", "gateway.too_long", nil))
	}
	return es.Err()
}

// Strike is a data strike: for its window, the gateway denies the
// striking members' data, once the decision that calls it passed.
type Strike struct {
	ID          string
	CommunityID string
	Scope       string
	Reason      string
	StartsAt    time.Time
	EndsAt      time.Time
	DecisionID  string
	CalledAt    *time.Time
	CreatedAt   time.Time
	Strikers    int // joined: how many joined
}

// Active tells whether the strike denies at t.
func (s *Strike) Active(t time.Time) bool {
	return s.CalledAt != nil && !t.Before(s.StartsAt) && t.Before(s.EndsAt)
}

// StrikeInput is what organizers propose; a decision calls it.
type StrikeInput struct {
	Scope    string
	Reason   string
	StartsAt time.Time
	EndsAt   time.Time
}

func (in *StrikeInput) normalize() error {
	var es repertoire.Errors
	in.Reason = strings.TrimSpace(in.Reason)
	text(&es, "reason", in.Reason, MaxText)
	if !slices.Contains(Scopes, in.Scope) {
		es = append(es, repertoire.Invalid("scope", "field.bad_choice", nil))
	}
	in.StartsAt, in.EndsAt = in.StartsAt.UTC().Truncate(time.Microsecond), in.EndsAt.UTC().Truncate(time.Microsecond)
	switch {
	case in.StartsAt.IsZero():
		es = append(es, repertoire.Invalid("starts_at", "field.required", nil))
	case in.EndsAt.IsZero():
		es = append(es, repertoire.Invalid("ends_at", "field.required", nil))
	case !in.EndsAt.After(in.StartsAt):
		es = append(es, repertoire.Invalid("ends_at", "gateway.ends_before_starts", nil))
	case in.EndsAt.Sub(in.StartsAt) > MaxDuration:
		es = append(es, repertoire.Invalid("ends_at", "gateway.too_long", nil))
	}
	return es.Err()
}

// Access is one read of a member's data, as the member and organizers see
// it.
type Access struct {
	RequestID    string // the request that read, or the aggregate that counted them
	PersonID     string
	ConsumerID   string
	ConsumerName string
	PolicyID     string
	Category     string
	ItemIDs      []string
	Items        int
	Aggregate    int // an aggregate they were counted in: of how many members (no items)
	At           time.Time
}

// Request is one decided request of a consumer.
type Request struct {
	ID         string
	ConsumerID string
	PolicyID   string
	Endpoint   string
	Category   string
	Outcome    string // allowed or denied
	Reason     string // why denied
	Items      int
	People     int
	SetID      string // an aggregate's: the members it counted
	At         time.Time
}

// Outcomes of a request.
const (
	Allowed = "allowed"
	Denied  = "denied"
)

// Handler serves the gateway: its pages, the consumer API, and the strike
// state each instance keeps.
type Handler struct {
	Store       *Store
	vault       *vault.Store
	communities *community.Store
	pages       *web.Renderer
	log         *slog.Logger
	baseURL     string
	strikes     *strikes
	history     *history
	// NoHistory serves without recording accesses (the benchmark's middle
	// tier): never set when serving.
	NoHistory bool

	snaps *snapshots
}

// New builds the gateway over the members' vaults.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string,
	communities *community.Store, vaults *vault.Store) *Handler {
	s := NewStore(db)
	h := &Handler{Store: s, vault: vaults, communities: communities, pages: pages, log: log,
		baseURL: strings.TrimRight(baseURL, "/"), strikes: newStrikes(db, log), snaps: newSnapshots()}
	h.history = newHistory(s, log, h.snaps)
	h.strikes.onChange = h.snaps.forget
	return h
}

var (
	errNotFound       = repertoire.Errorf(repertoire.ENOTFOUND, "gateway.not_found")
	errOrganizersOnly = repertoire.Errorf(repertoire.EFORBIDDEN, "gateway.organizers_only")
)

// Routes mounts the organizers' and members' pages and the consumer API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{slug}/gateway", h.overview)
	mux.HandleFunc("POST /c/{slug}/gateway/consumers", h.createConsumer)
	mux.HandleFunc("GET /c/{slug}/gateway/consumers/{id}", h.consumerPage)
	mux.HandleFunc("POST /c/{slug}/gateway/consumers/{id}/keys", h.createKey)
	mux.HandleFunc("POST /c/{slug}/gateway/consumers/{id}/keys/{key}/revoke", h.revokeKey)
	mux.HandleFunc("POST /c/{slug}/gateway/policies", h.createPolicy)
	mux.HandleFunc("POST /c/{slug}/gateway/strikes", h.createStrike)
	mux.HandleFunc("POST /c/{slug}/gateway/strikes/{id}/join", h.joinStrike)
	mux.HandleFunc("GET /account/data-access", h.memberPage)
	h.organizerRoutes(mux)

	for _, rt := range APIRoutes {
		mux.HandleFunc(rt.Method+" "+APIPrefix+rt.Path, rt.handler(h))
	}
	mux.HandleFunc(APIPrefix+"/", h.apiNotFound)
}

// APIPrefix is where the consumer API lives.
const APIPrefix = "/gateway/v1"

// APIRoute is one route of the consumer API; openapi.json documents each
// (a test checks it).
type APIRoute struct {
	Method, Path string
	handler      func(h *Handler) http.HandlerFunc
}

// APIRoutes are the consumer API's routes.
var APIRoutes = []APIRoute{
	{"GET", "/openapi.json", func(h *Handler) http.HandlerFunc { return h.openAPI }},
	{"GET", "/policies", func(h *Handler) http.HandlerFunc { return h.apiPolicies }},
	{"GET", "/items", func(h *Handler) http.HandlerFunc { return h.apiItems }},
	{"GET", "/aggregates", func(h *Handler) http.HandlerFunc { return h.apiAggregates }},
}

// PersonData is what the gateway keeps about a member: the accesses to
// their data and the strikes they joined, exported and erased.
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: exportSections(), Erase: erase}
}

// CommunityRemover is the gateway's step of a community's deletion.
func (h *Handler) CommunityRemover() community.Remover { return removeCommunity }

// CommunityLinks puts the gateway on the community page.
func (h *Handler) CommunityLinks() []community.PageLink {
	return []community.PageLink{{Path: "gateway", Label: "gateway.title"}}
}

// AccountLinks puts "who read my data" on the member's account page.
func (h *Handler) AccountLinks() []account.PageLink {
	return []account.PageLink{{Path: "/account/data-access", Label: "gateway.accesses_title", Lead: "gateway.account_lead"}}
}

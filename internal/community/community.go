// Package community is where people organize: communities with a join
// policy, members and their roles, invitations, and public or private
// visibility. Campaigns belong to a community.
package community

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Join policies.
const (
	PolicyOpen     = "open"     // anyone signed in joins at once
	PolicyApproval = "approval" // a request that an organizer approves
	PolicyInvite   = "invite"   // only through an invitation link
)

// Visibilities.
const (
	Public  = "public"
	Private = "private" // the community and everything in it: members only
)

// Roles, from most to least powerful.
const (
	RoleOwner     = "owner"     // changes roles, removes members, edits the community
	RoleOrganizer = "organizer" // approves requests, invites, runs campaigns
	RoleMember    = "member"
)

// Membership statuses.
const (
	StatusActive    = "active"
	StatusRequested = "requested" // waiting for an organizer's approval
)

// Limits of the community fields.
const (
	MaxName        = 120
	MaxDescription = 5000
)

// InvitationLifetime is how long an invitation link works.
const InvitationLifetime = 14 * 24 * time.Hour

var (
	Policies     = []string{PolicyOpen, PolicyApproval, PolicyInvite}
	Visibilities = []string{Public, Private}
	Roles        = []string{RoleOwner, RoleOrganizer, RoleMember}
)

// Community is a group of people who organize together.
type Community struct {
	ID           string
	Slug         string
	Name         string
	Description  string
	Language     string
	JoinPolicy   string
	Visibility   string
	TotalMembers int // active members, a maintained counter
	CreatedAt    time.Time
	ModifiedAt   time.Time
}

// Input is what a person gives to create a community. Empty slug: derived
// from the name; empty language, policy or visibility: en, open, public.
type Input struct {
	Name        string
	Slug        string
	Description string
	Language    string
	JoinPolicy  string
	Visibility  string
}

// Patch changes some fields of a community; nil fields stay as they are.
// The slug is not here: it is in every link to the community and its
// campaigns, so it never changes.
type Patch struct {
	Name        *string
	Description *string
	Language    *string
	JoinPolicy  *string
	Visibility  *string
}

// Member is a person's membership, with the name people see.
type Member struct {
	PersonID   string
	GivenName  string
	FamilyName string
	Role       string
	Status     string
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// DisplayName is the member's name, or "" when the person gave none.
func (m Member) DisplayName() string {
	return strings.TrimSpace(m.GivenName + " " + m.FamilyName)
}

// Invitation is a link that lets whoever holds it join. Only the hash of
// its token is stored, so the link is shown once, when it is created.
type Invitation struct {
	ID          string
	CommunityID string
	Role        string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	Uses        int
	RevokedAt   *time.Time
}

// CampaignSummary is what the community page shows of each campaign.
type CampaignSummary struct {
	ID, Slug, Title, Summary string
	Targets                  []string
	ModifiedAt               time.Time
	Draft                    bool // listed to the community's organizers only
	Closed                   bool // closed by its organizers, with its tactics
}

// CampaignLister lists a community's campaigns. The campaign package
// implements it; it depends on this package, not the other way round.
type CampaignLister interface {
	CommunityCampaigns(ctx context.Context, communityID string) ([]CampaignSummary, error)
}

// PageLink is a link the community page shows to another capability's
// pages of the community (its decisions): Path under /c/{slug}/, Label a
// message ID; Organizers: shown in the organizers' links only (the
// messages).
type PageLink struct {
	Path, Label string
	Organizers  bool
}

// EventSummary is what the community page shows of an upcoming event.
type EventSummary struct {
	Title, Path, When, Place string
}

// EventLister lists a community's upcoming events, in lang. The event
// package implements it; it depends on this package, not the other way.
type EventLister interface {
	CommunityEvents(ctx context.Context, communityID, lang string) ([]EventSummary, error)
}

// Handler serves community pages and the communities API.
type Handler struct {
	Store     *Store
	Campaigns CampaignLister // nil: the community page lists no campaigns
	Links     []PageLink     // other capabilities' pages of a community
	Events    EventLister    // nil: the community page lists no events
	pages     *web.Renderer
	cat       *i18n.Catalog
	log       *slog.Logger
	baseURL   string
	mailLimit *web.Limiter // invitations an organizer mails, per person
}

// MailInvitationsPerHour is how many invitations an organizer may mail in
// an hour: enough for a meeting's sign-in sheet, too few to spam with.
const MailInvitationsPerHour = 60

// New builds the community handler.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string) *Handler {
	baseURL = strings.TrimRight(baseURL, "/")
	st := NewStore(db)
	st.mail = &mailer{cat: cat, baseURL: baseURL} // requests to organizers, approvals to members
	return &Handler{Store: st, pages: pages, cat: cat, log: log, baseURL: baseURL,
		mailLimit: web.NewLimiter(time.Hour/MailInvitationsPerHour, MailInvitationsPerHour)}
}

// Routes mounts community pages and API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", h.home)
	mux.HandleFunc("GET /communities", h.list)
	mux.HandleFunc("GET /communities/new", h.newForm)
	mux.HandleFunc("POST /communities", h.create)
	mux.HandleFunc("GET /c/{slug}", h.show)
	mux.HandleFunc("GET /c/{slug}/edit", h.editForm)
	mux.HandleFunc("POST /c/{slug}/edit", h.edit)
	mux.HandleFunc("POST /c/{slug}/join", h.join)
	mux.HandleFunc("POST /c/{slug}/leave", h.leave)
	mux.HandleFunc("GET /c/{slug}/members", h.members)
	mux.HandleFunc("POST /c/{slug}/requests/{person}/approve", h.approve)
	mux.HandleFunc("POST /c/{slug}/requests/{person}/refuse", h.refuse)
	mux.HandleFunc("POST /c/{slug}/members/{person}/role", h.setRole)
	mux.HandleFunc("POST /c/{slug}/members/{person}/remove", h.remove)
	mux.HandleFunc("GET /c/{slug}/invitations", h.invitations)
	mux.HandleFunc("POST /c/{slug}/invitations", h.createInvitation)
	mux.HandleFunc("POST /c/{slug}/invitations/mail", h.mailInvitation)
	mux.HandleFunc("POST /c/{slug}/invitations/{id}/revoke", h.revokeInvitation)
	mux.HandleFunc("GET /invite/{token}", h.invitation)
	mux.HandleFunc("POST /invite/{token}", h.acceptInvitation)

	mux.HandleFunc("GET /api/v1/communities", h.apiList)
	mux.HandleFunc("POST /api/v1/communities", h.apiCreate)
	mux.HandleFunc("GET /api/v1/communities/{id}", h.apiGet)
	mux.HandleFunc("PUT /api/v1/communities/{id}", h.apiUpdate)
	mux.HandleFunc("DELETE /api/v1/communities/{id}", h.apiDelete)
	mux.HandleFunc("GET /api/v1/communities/{id}/members", h.apiMembers)
}

var slugPattern = regexp.MustCompile(`^[a-z0-9-]{2,60}$`)

// ValidSlug reports whether s can name a community in its URL.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

// maxSlugVariant bounds the variants tried for a slug held by communities
// the creator cannot see.
const maxSlugVariant = 1000

// slugVariant is the n-th variant (n ≥ 2) of a valid slug: "riders-2",
// the slug cut short when the suffix would make it too long.
func slugVariant(slug string, n int) string {
	suffix := "-" + strconv.Itoa(n)
	if len(slug)+len(suffix) > web.MaxSlug {
		slug = strings.TrimRight(slug[:web.MaxSlug-len(suffix)], "-")
	}
	return slug + suffix
}

// normalize trims the input and fills the defaults.
func (in *Input) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Slug = strings.TrimSpace(in.Slug)
	in.Description = strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n"))
	in.Language = strings.TrimSpace(in.Language)
	in.JoinPolicy = strings.TrimSpace(in.JoinPolicy)
	in.Visibility = strings.TrimSpace(in.Visibility)
	if in.Slug == "" {
		in.Slug = web.Slugify(in.Name)
	}
	if in.Language == "" {
		in.Language = "en"
	}
	if in.JoinPolicy == "" {
		in.JoinPolicy = PolicyOpen
	}
	if in.Visibility == "" {
		in.Visibility = Public
	}
}

// validate collects every field error of a normalized input.
func (in *Input) validate() error {
	var es repertoire.Errors
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		es = append(es, repertoire.Invalid("name", "field.required", nil))
	case n > MaxName:
		es = append(es, repertoire.Invalid("name", "field.too_long", map[string]any{"Max": MaxName}))
	}
	if !ValidSlug(in.Slug) {
		es = append(es, repertoire.Invalid("slug", "field.bad_slug", nil))
	}
	if utf8.RuneCountInString(in.Description) > MaxDescription {
		es = append(es, repertoire.Invalid("description", "field.too_long", map[string]any{"Max": MaxDescription}))
	}
	if lang, err := i18n.CheckLanguage("language", in.Language, true); err != nil {
		es = append(es, err)
	} else {
		in.Language = lang
	}
	if !oneOf(in.JoinPolicy, Policies) {
		es = append(es, repertoire.Invalid("join_policy", "field.bad_choice", nil))
	}
	if !oneOf(in.Visibility, Visibilities) {
		es = append(es, repertoire.Invalid("visibility", "field.bad_choice", nil))
	}
	return es.Err()
}

// apply changes c by the patch and returns the resulting input.
func (p Patch) apply(c *Community) Input {
	in := Input{Name: c.Name, Slug: c.Slug, Description: c.Description, Language: c.Language, JoinPolicy: c.JoinPolicy, Visibility: c.Visibility}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Name, p.Name)
	set(&in.Description, p.Description)
	set(&in.Language, p.Language)
	set(&in.JoinPolicy, p.JoinPolicy)
	set(&in.Visibility, p.Visibility)
	return in
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// rank orders roles; 0 is no active membership.
func rank(role string) int {
	switch role {
	case RoleOwner:
		return 3
	case RoleOrganizer:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// PersonData is what a community keeps about people: memberships and the
// communities they created in their export, and on their erasure each
// community they are the last owner of handed over and their memberships
// gone from the member counts (Erase).
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: ExportSections(), Erase: Erase}
}

// DashboardItem is a line another capability adds to an organizer's
// dashboard: something waiting for their review (flagged participations,
// a suspect group, people asking to join) or something scheduled (a
// pledge's deadline, an event, a vote opening or closing, a message).
// Label is a message ID read with Count and Title; Path the page to act on.
type DashboardItem struct {
	CommunityID string
	Scheduled   bool // false: it needs review
	Label       string
	Title       string
	Count       int
	At          time.Time // when it happens (Scheduled)
	// Zone, when set, is the IANA zone whose clock At is shown on, with
	// its hour (an event); without it the dashboard shows At's day.
	Zone string
	// Instant, when set (a scheduled message), shows At with its hour on
	// the instance's clock (web.Page.Moment, --time-zone): it goes out at
	// that minute, and the instance's zone is the only one it has.
	Instant bool
	Path    string
}

// Dashboarder gives the items of a capability for the dashboard of the
// person, in the communities they organize (OrganizedBy): each capability
// reads only its own tables.
type Dashboarder interface {
	DashboardItems(ctx context.Context, personID string) ([]DashboardItem, error)
}

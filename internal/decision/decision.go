// Package decision is how a community gives itself a mandate: a proposal
// (ratify the demands, call a strike, adopt a rule, anything) with its
// options, a discussion beside it, a voting period, an electorate taken
// when voting opens (the active members at that moment), a quorum, a
// threshold (simple majority, two thirds, consensus with blocks) and an
// open or secret ballot. A decision goes draft → open → closed; opening
// and closing are jobs of the scheduler, and closing counts the ballots and
// applies what passed (activate the strike pledge, adopt the demand list)
// in the same transaction.
//
// Secret ballots: the electors table says who voted (so nobody votes
// twice); a ballot only adds one to its option's count, in the same
// transaction, and leaves no row of its own, so nothing in the database
// joins a choice to a person. Counts are shown only once voting closes. An
// open ballot keeps each elector's choice beside their name, and may be
// changed while voting is open; a secret one cannot be changed.
package decision

import (
	"embed"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/gateway"
	"repertoire/internal/i18n"
	"repertoire/internal/pledge"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Kinds of proposal. A proposal that passes can act: ratify_demands adopts
// its campaign's demand list, call_strike activates its pledge,
// data_policy puts a data gateway policy in force, data_strike calls a
// data strike.
const (
	KindRatifyDemands = "ratify_demands"
	KindCallStrike    = "call_strike"
	KindDataPolicy    = "data_policy"
	KindDataStrike    = "data_strike"
	KindRule          = "rule"
	KindOther         = "other"
)

// Kinds lists every kind, in the order forms offer them.
var Kinds = []string{KindRatifyDemands, KindCallStrike, KindDataPolicy, KindDataStrike, KindRule, KindOther}

// Thresholds: what it takes to pass.
const (
	Majority  = "majority"   // more than half of the ballots cast, abstentions aside
	TwoThirds = "two_thirds" // at least two thirds of them
	Consensus = "consensus"  // no block, and more agree than disagree
)

// Thresholds lists every threshold.
var Thresholds = []string{Majority, TwoThirds, Consensus}

// Statuses of a decision.
const (
	StatusDraft  = "draft"
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Outcomes of a closed decision.
const (
	Passed   = "passed"
	Rejected = "rejected"
	Blocked  = "blocked"   // consensus: somebody blocked it
	NoQuorum = "no_quorum" // too few voted
)

// Roles of options: what each counts for. A custom option has none.
const (
	RoleFor     = "for"
	RoleAgainst = "against"
	RoleAbstain = "abstain"
	RoleBlock   = "block"
)

// Job kinds this package schedules.
const (
	jobOpen  = "decision.open"
	jobClose = "decision.close"
)

// Limits of the fields.
const (
	MaxTitle    = 200
	MaxBody     = 20000
	MaxOption   = 200
	MaxOptions  = 20
	MaxComment  = 5000
	MaxDuration = 366 * 24 * time.Hour
)

// Option is one answer of a decision, with its count (read only at close
// for a secret ballot).
type Option struct {
	ID       string
	Position int
	Label    string // empty for the standard answers, which are named in the reader's language
	Role     string
	Votes    int
}

// Decision is one proposal put to a community's vote.
type Decision struct {
	ID            string
	CommunityID   string
	CommunitySlug string
	CommunityName string
	Title         string
	Body          string
	Kind          string
	CampaignID    string
	PledgeID      string
	PolicyID      string // data_policy: the gateway policy it adopts
	StrikeID      string // data_strike: the data strike it calls
	Threshold     string
	Quorum        int // percent of the electorate who must vote
	Secret        bool
	Status        string
	OpensAt       *time.Time
	ClosesAt      time.Time
	OpenedAt      *time.Time
	ClosedAt      *time.Time
	Electorate    int
	Turnout       int // ballots cast, known at close (kept up to date for open ballots)
	Outcome       string
	WinnerID      string
	Options       []Option
	CreatedAt     time.Time
	ModifiedAt    time.Time
}

// Path is the decision's page: under /decisions, as a community's
// /c/{slug}/{name}/… paths are its campaigns'.
func (d *Decision) Path(rest ...string) string {
	s := "/decisions/" + d.ID
	for _, r := range rest {
		s += "/" + r
	}
	return s
}

// ResultsShown tells whether counts may be shown: always for an open
// ballot, only once closed for a secret one.
func (d *Decision) ResultsShown() bool { return !d.Secret || d.Status == StatusClosed }

// Option finds an option by id.
func (d *Decision) Option(id string) *Option {
	for i := range d.Options {
		if d.Options[i].ID == id {
			return &d.Options[i]
		}
	}
	return nil
}

// Counted returns the votes of the options with role.
func (d *Decision) Counted(role string) int {
	n := 0
	for _, o := range d.Options {
		if o.Role == role {
			n += o.Votes
		}
	}
	return n
}

// Result is what a count decides.
type Result struct {
	Outcome  string
	WinnerID string // the option that carried it, "" when none did
}

// Tally decides a decision from its counts, turnout and electorate: the
// quorum first (turnout against the electorate), then the threshold over
// the ballots cast that are not abstentions. With custom options, the
// option with the most votes carries it when it meets the threshold.
func Tally(d *Decision) Result {
	if d.Quorum > 0 && d.Turnout*100 < d.Quorum*d.Electorate {
		return Result{Outcome: NoQuorum}
	}
	if d.Threshold == Consensus && d.Counted(RoleBlock) > 0 {
		return Result{Outcome: Blocked}
	}
	cast := 0
	var best *Option
	tie := false
	for i := range d.Options {
		o := &d.Options[i]
		if o.Role == RoleAbstain {
			continue
		}
		if d.Threshold == Consensus && o.Role == RoleBlock {
			continue
		}
		cast += o.Votes
		switch {
		case best == nil || o.Votes > best.Votes:
			best, tie = o, false
		case o.Votes == best.Votes:
			tie = true
		}
	}
	if best == nil || cast == 0 || tie {
		return Result{Outcome: Rejected}
	}
	ok := false
	switch d.Threshold {
	case TwoThirds:
		ok = best.Votes*3 >= cast*2
	default: // majority, consensus
		ok = best.Votes*2 > cast
	}
	if !ok || best.Role == RoleAgainst {
		return Result{Outcome: Rejected}
	}
	return Result{Outcome: Passed, WinnerID: best.ID}
}

// standardOptions are the answers of a yes/no question, or of a consensus.
func standardOptions(threshold string) []Option {
	if threshold == Consensus {
		return []Option{{Role: RoleFor}, {Role: RoleAbstain}, {Role: RoleAgainst}, {Role: RoleBlock}}
	}
	return []Option{{Role: RoleFor}, {Role: RoleAgainst}, {Role: RoleAbstain}}
}

// Input is what an organizer gives to create a decision. Without Options
// the question is yes / no / abstain (agree / abstain / disagree / block
// for a consensus). Without OpensAt it waits, a draft, until opened.
type Input struct {
	Title      string
	Body       string
	Kind       string
	CampaignID string
	PledgeID   string
	PolicyID   string
	StrikeID   string
	Threshold  string
	Quorum     int
	Secret     bool
	Options    []string
	OpensAt    *time.Time
	ClosesAt   time.Time
}

// Patch changes a draft (nil: unchanged).
type Patch struct {
	Title    *string
	Body     *string
	OpensAt  *time.Time
	ClosesAt *time.Time
}

// changes tells whether p changes d (a document sent back as read does
// not).
func (p Patch) changes(d *Decision) bool {
	sameTime := func(t *time.Time, cur *time.Time) bool {
		return t == nil || cur != nil && t.Equal(*cur)
	}
	return p.Title != nil && *p.Title != d.Title || p.Body != nil && *p.Body != d.Body ||
		!sameTime(p.OpensAt, d.OpensAt) || !sameTime(p.ClosesAt, &d.ClosesAt)
}

func text(es *repertoire.Errors, field, v string, required bool, max int) {
	switch {
	case required && v == "":
		*es = append(*es, repertoire.Invalid(field, "field.required", nil))
	case !utf8.ValidString(v):
		*es = append(*es, repertoire.Invalid(field, "decision.bad_text", nil))
	case utf8.RuneCountInString(v) > max:
		*es = append(*es, repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max}))
	}
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// normalize trims and checks an input; now is when it is asked (the
// closing time must be ahead, the demo passes a zero now for its past).
func (in *Input) normalize(now time.Time) error {
	var es repertoire.Errors
	in.Title = strings.TrimSpace(in.Title)
	in.Body = strings.TrimSpace(in.Body)
	text(&es, "title", in.Title, true, MaxTitle)
	text(&es, "body", in.Body, false, MaxBody)
	if in.Kind == "" {
		in.Kind = KindOther
	}
	if in.Threshold == "" {
		in.Threshold = Majority
	}
	if !oneOf(in.Kind, Kinds) {
		es = append(es, repertoire.Invalid("kind", "field.bad_choice", nil))
	}
	if !oneOf(in.Threshold, Thresholds) {
		es = append(es, repertoire.Invalid("threshold", "field.bad_choice", nil))
	}
	switch {
	case in.Kind == KindRatifyDemands && in.CampaignID == "":
		es = append(es, repertoire.Invalid("campaign", "decision.campaign_required", nil))
	case in.Kind == KindCallStrike && in.PledgeID == "":
		es = append(es, repertoire.Invalid("pledge", "decision.pledge_required", nil))
	case in.Kind == KindDataPolicy && in.PolicyID == "":
		es = append(es, repertoire.Invalid("policy", "decision.policy_required", nil))
	case in.Kind == KindDataStrike && in.StrikeID == "":
		es = append(es, repertoire.Invalid("strike", "decision.strike_required", nil))
	}
	if in.Quorum < 0 || in.Quorum > 100 {
		es = append(es, repertoire.Invalid("quorum", "decision.bad_quorum", nil))
	}
	var labels []string
	for _, o := range in.Options {
		if o = strings.TrimSpace(o); o != "" {
			labels = append(labels, o)
		}
	}
	in.Options = labels
	if len(labels) > 0 {
		switch {
		case in.Kind != KindRule && in.Kind != KindOther || in.Threshold == Consensus:
			es = append(es, repertoire.Invalid("options", "decision.options_fixed", nil))
		case len(labels) < 2 || len(labels) > MaxOptions:
			es = append(es, repertoire.Invalid("options", "decision.options_count", map[string]any{"Max": MaxOptions}))
		default:
			for _, l := range labels {
				text(&es, "options", l, true, MaxOption)
			}
		}
	}
	if in.OpensAt != nil {
		t := in.OpensAt.UTC().Truncate(time.Microsecond)
		in.OpensAt = &t
	}
	if in.ClosesAt.IsZero() {
		es = append(es, repertoire.Invalid("closes_at", "field.required", nil))
	} else {
		in.ClosesAt = in.ClosesAt.UTC().Truncate(time.Microsecond)
		start := now
		if in.OpensAt != nil {
			start = *in.OpensAt
		}
		switch {
		case !now.IsZero() && !in.ClosesAt.After(now):
			es = append(es, repertoire.Invalid("closes_at", "decision.closes_past", nil))
		case !start.IsZero() && !in.ClosesAt.After(start):
			es = append(es, repertoire.Invalid("closes_at", "decision.closes_before_opens", nil))
		case !start.IsZero() && in.ClosesAt.Sub(start) > MaxDuration:
			es = append(es, repertoire.Invalid("closes_at", "decision.too_long", nil))
		}
	}
	return es.Err()
}

// Handler serves decisions: their pages, API and mailed ballot links.
type Handler struct {
	Store       *Store
	communities *community.Store
	campaigns   *campaign.Store
	pledges     *pledge.Store  // the pledges a call to strike may activate
	gateway     *gateway.Store // the data policies and strikes a decision may adopt or call (nil: none offered)
	access      campaign.Access
	pages       *web.Renderer
	log         *slog.Logger
	baseURL     string
	comments    *web.Limiter // per client: the discussion is a public form of members
	ballots     *web.Limiter // per client: the mailed links' votes, which need no sign-in
}

// New builds the decision handler. kick wakes the scheduler (an opening
// or a closing asked now runs at once); nil: nothing to wake.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string,
	communities *community.Store, campaigns *campaign.Store, pledges *pledge.Store, gateways *gateway.Store, kick func()) *Handler {
	baseURL = strings.TrimRight(baseURL, "/")
	return &Handler{Store: NewStore(db, cat, baseURL, kick), communities: communities, campaigns: campaigns, pledges: pledges, gateway: gateways,
		access: campaign.Access{Communities: communities, NotFound: errNotFound, OrganizersOnly: errOrganizersOnly},
		pages:  pages, log: log, baseURL: baseURL, comments: web.NewLimiter(10*time.Second, 5),
		ballots: web.NewLimiter(time.Second, 20)}
}

var (
	errNotFound       = repertoire.Errorf(repertoire.ENOTFOUND, "decision.not_found")
	errOrganizersOnly = repertoire.Errorf(repertoire.EFORBIDDEN, "decision.organizers_only")
	errMembersOnly    = repertoire.Errorf(repertoire.EFORBIDDEN, "decision.members_only")
)

// Routes mounts the decision pages, the ballot link and the API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{slug}/decisions", h.list)
	mux.HandleFunc("GET /c/{slug}/decisions/new", h.newForm)
	mux.HandleFunc("POST /c/{slug}/decisions", h.create)
	mux.HandleFunc("GET /decisions/{id}", h.show)
	mux.HandleFunc("POST /decisions/{id}/vote", h.vote)
	mux.HandleFunc("POST /decisions/{id}/comments", h.comment)
	mux.HandleFunc("POST /decisions/{id}/open", h.open)
	mux.HandleFunc("POST /decisions/{id}/close", h.close)
	mux.HandleFunc("GET /vote/{token}", h.ballotPage)
	mux.HandleFunc("POST /vote/{token}", h.ballotVote)

	mux.HandleFunc("GET /api/v1/decisions", h.apiList)
	mux.HandleFunc("POST /api/v1/decisions", h.apiCreate)
	mux.HandleFunc("GET /api/v1/decisions/{id}", h.apiGet)
	mux.HandleFunc("PUT /api/v1/decisions/{id}", h.apiUpdate)
	mux.HandleFunc("GET /api/v1/decisions/{id}/ballots", h.apiBallots)
	mux.HandleFunc("POST /api/v1/decisions/{id}/ballots", h.apiCast)
	mux.HandleFunc("GET /api/v1/decisions/{id}/comments", h.apiComments)
	mux.HandleFunc("POST /api/v1/decisions/{id}/comments", h.apiAddComment)
	mux.HandleFunc("GET /api/v1/decisions/{id}/comments/{comment}", h.apiComment)
}

// Jobs are the openings and closings of decisions.
func (h *Handler) Jobs() map[string]schedule.Handler {
	return map[string]schedule.Handler{jobOpen: h.Store.onOpen, jobClose: h.Store.onClose}
}

// PersonData is what decisions keep about a person: their place in
// electorates (whether they voted; an open ballot's choice) and their
// comments, exported and erased. Erasure deletes the elector row: a secret
// ballot's count stays as it was, and no link to it existed to remove.
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: exportSections(), Erase: erase}
}

// Dashboard is the decisions' part of the organizer's dashboard: votes
// opening and closing.
func (h *Handler) Dashboard() community.Dashboarder { return h.Store }

// CommunityLinks puts the decisions on the community page.
func (h *Handler) CommunityLinks() []community.PageLink {
	return []community.PageLink{{Path: "decisions", Label: "decision.decisions"}}
}

// comment is one message of the discussion beside a proposal.
type Comment struct {
	ID         string
	DecisionID string
	PersonID   string
	Name       string
	Body       string
	CreatedAt  time.Time
	ParentID   string    // the message it replies to ("": a message of its own)
	Replies    []Comment // a message's replies, oldest first
}

// Voter is an elector of an open ballot, by name, with their choice.
type Voter struct {
	PersonID string
	Name     string
	OptionID string
	VotedAt  *time.Time
}

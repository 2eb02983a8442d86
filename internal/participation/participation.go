// Package participation holds what every tactic shares about the people
// who take part in it (every participation is made by a person,
// confirmed before it counts, can be withdrawn, and shows up in that
// person's export). A petition's signatures and a pledge's commitments are
// participations; the petition and pledge packages own their actions and
// describe them to this core through the Action interface.
//
// Submissions are group-committed: Submit hands its submission to one
// writer goroutine that gathers the submissions waiting at that moment into
// one transaction, commits, and only then answers every caller. Counts are
// kept in action_counters in the same transaction as every change.
package participation

import (
	"context"
	"crypto/subtle"
	"embed"
	"log/slog"
	"strings"
	"sync"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are the confirm and withdraw pages shared by every tactic.
//
//go:embed templates/*.html
var Templates embed.FS

// Kind names the kind of participation, one per tactic.
type Kind string

const (
	Signature  Kind = "signature"  // a petition's
	Commitment Kind = "commitment" // a pledge's
	Outreach   Kind = "outreach"   // a letter campaign's: one person's letter to its targets
	Enrolment  Kind = "enrolment"  // a legal action's
	// Registration is an event's: its place (accepted, waitlisted…) is
	// the event package's.
	Registration Kind = "registration"
)

// Statuses of a participation.
const (
	StatusPending   = "pending"   // waiting for the mailed confirmation link
	StatusConfirmed = "confirmed" // counts
	StatusWithdrawn = "withdrawn" // the person took it back
	StatusFlagged   = "flagged"   // over a rate limit: kept for an organizer's review, not counted
	StatusRejected  = "rejected"  // refused on review
)

// Submission is one person's participation as submitted.
//
// Field errors returned by Submit name the form fields: "email",
// "given_name", "family_name", "locality", "country", "comment" (the API
// maps them to its JSON paths).
type Submission struct {
	Kind            Kind
	ActionID        string
	Person          account.PersonInput // email required; matched by normalized email
	Comment         string
	PublicName      bool   // show my name publicly
	ContactOK       bool   // the organizers may contact me
	ShareWithTarget bool   // give my name to the target on delivery
	IP              string // kept for the abuse checks only, purged later
	// UserAgent is the browser's User-Agent header; only its coarse
	// family (UAFamily) is kept, beside the IP and purged with it.
	UserAgent string
	Lang      string // language of the confirmation mail
	// OriginSystem is "" for online participation (pending until confirmed
	// by mail); non-empty for an organizer's import, confirmed at once.
	OriginSystem string
	// Payload is the tactic's own fields (a letter's subject and text, an
	// event's answers), serialized by the tactic: kept with the link mailed
	// for this submission, like its choices, and handed back to the
	// tactic's Mover when that link confirms it. The tactic's tables
	// receive only what a followed link confirmed.
	Payload string

	canonical string // account.CanonicalEmail of the address, set by Validate
}

// Choices are what one mailed link confirms: the name and place given, the
// consents and the comment. Each link confirms the choices it was mailed
// for, whatever was submitted since (see again).
type Choices struct {
	GivenName, FamilyName, Locality, Country string
	Comment                                  string
	PublicName, ContactOK, ShareWithTarget   bool
	Lang                                     string
	Payload                                  string // the tactic's own fields (Submission.Payload)
}

// choices are what a submission asks its link to confirm.
func (sub *Submission) choices() Choices {
	in := sub.Person
	return Choices{GivenName: in.GivenName, FamilyName: in.FamilyName, Locality: in.Locality, Country: in.Country,
		Comment: sub.Comment, PublicName: sub.PublicName, ContactOK: sub.ContactOK, ShareWithTarget: sub.ShareWithTarget, Lang: sub.Lang,
		Payload: sub.Payload}
}

// participation is the participation a submission makes, as inserted.
func (sub *Submission) participation(id, personID, status string) *Participation {
	p := &Participation{ID: id, Kind: sub.Kind, ActionID: sub.ActionID, PersonID: personID, Status: status, OriginSystem: sub.OriginSystem}
	p.setChoices(sub.choices())
	return p
}

// setChoices makes c the participation's choices.
func (p *Participation) setChoices(c Choices) {
	p.GivenName, p.FamilyName, p.Locality, p.Country = c.GivenName, c.FamilyName, c.Locality, c.Country
	p.Comment, p.PublicName, p.ContactOK, p.ShareWithTarget, p.Lang = c.Comment, c.PublicName, c.ContactOK, c.ShareWithTarget, c.Lang
	p.Payload = c.Payload
}

// choices are what a participation holds now.
func (p *Participation) choices() Choices {
	return Choices{GivenName: p.GivenName, FamilyName: p.FamilyName, Locality: p.Locality, Country: p.Country,
		Comment: p.Comment, PublicName: p.PublicName, ContactOK: p.ContactOK, ShareWithTarget: p.ShareWithTarget, Lang: p.Lang,
		Payload: p.Payload}
}

// Result is the state of a participation after Submit's commit.
type Result struct {
	ID     string
	Status string // pending | confirmed | flagged | withdrawn…
	// Existing is true when the person had already participated: nothing new
	// was counted (a pending one gets a fresh confirmation mail).
	Existing bool
}

// Counts are an action's maintained counters.
type Counts struct {
	Confirmed int // confirmed online, by the mailed link
	Imported  int // imported by organizers, confirmed elsewhere
	Pending   int
	Flagged   int
	Withdrawn int
}

// Total is what an action counts: online confirmations and imports.
func (c Counts) Total() int { return c.Confirmed + c.Imported }

// Links are the absolute URLs, with the token, mailed to a participant,
// and Choices, the text stating what the confirm link confirms (name,
// place, consents, comment) in the mail's language: a confirmation mail
// shows it.
// Token is the link's token itself, for a tactic whose mail links a page
// of its own by it (a legal action's enrolee page).
type Links struct{ Confirm, Withdraw, Choices, Token string }

// A link token is "<participation id>.<secret>". The id finds the row by
// its primary key and only the secret's hash is kept (token_hash), compared
// in constant time. A bare random token would have to be looked up by its
// hash, and an index of random keys costs a page write per signature in a
// busy ingest. The first link's hash is the participation's; links mailed
// after it are kept with their choices in participation_links, looked up
// by the participation's id (see again).
func newLink(participationID string) (token, hash string) {
	secret := store.NewToken()
	return participationID + "." + secret, store.HashToken(secret)
}

// byLink reads the participation a link token names, from q (the read pool
// or a transaction), with the choices that link confirms when they are not
// the participation's own (a link mailed after the first, see again); any
// mismatch is the same "invalid link" answer.
func byLink(ctx context.Context, q store.Queryer, token string) (*Participation, *Choices, error) {
	id, secret, ok := strings.Cut(token, ".")
	if !ok || id == "" || secret == "" {
		return nil, nil, errLink()
	}
	p, stored, err := linkedParticipation(ctx, q, id)
	if err != nil {
		return nil, nil, err
	}
	hash := []byte(store.HashToken(secret))
	if stored.Valid && subtle.ConstantTimeCompare([]byte(stored.String), hash) == 1 {
		return p, nil, nil
	}
	links, err := linksOf(ctx, q, id)
	if err != nil {
		return nil, nil, err
	}
	for _, l := range links {
		if subtle.ConstantTimeCompare([]byte(l.hash), hash) == 1 {
			return p, &l.choices, nil
		}
	}
	return nil, nil, errLink()
}

// Action describes a tactic to the participation core: its mails, its page
// and its reaction to counts.
type Action interface {
	// ConfirmMail renders the confirmation mail of one participation, in
	// lang, given the links. It is called once per submission inside the
	// group-commit transaction: keep it cheap (cache the action's title).
	ConfirmMail(ctx context.Context, q store.Queryer, actionID, lang string, links Links) (subject, body string, err error)
	// Counted runs inside the transaction that changed the counts of
	// actionID (a confirmation, a withdrawal, an import, a review), with the
	// counts after the change: a pledge activates here.
	Counted(ctx context.Context, tx *store.Tx, actionID string, c Counts) error
	// Page gives the action's title and the path of its public page, for the
	// confirm and withdraw pages.
	Page(ctx context.Context, actionID, lang string) (title, path string, err error)
	// Titles names the actions of ids (id → title), for a person's data
	// export; an unknown id is left out.
	Titles(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error)
}

// Mover is what an Action may add to hear, inside the transaction, of
// each participation a mailed link or an organizer's import just moved:
//
//   - confirmed by its link (from pending, flagged or withdrawn), or by an
//     import, or followed again once confirmed: p.Payload is what that
//     link (or import) confirms, its tactic's own fields, which its tables
//     receive now and only now (a letter is kept and sent, an event's
//     answers kept, an enrolment's answers kept);
//   - withdrawn by its link: a legal action forgets the enrolment's
//     answers, clock and files.
//
// One hook for both: each is the tactic's part of the move, written in
// the move's transaction. A batch's moves come in one call, in the order
// they were applied.
type Mover interface {
	Moved(ctx context.Context, tx *store.Tx, parts []*Participation) error
}

// Reopener is what an Action may add when one of its confirmed
// participations may be taken again: an event's registration whose offered
// place expired. Taking part again then mails a new link, as for a
// pending one, whose confirmation its Mover hears of.
type Reopener interface {
	Reopens(ctx context.Context, tx *store.Tx, p *Participation) (bool, error)
}

// Drafter is what an Action may add when its actions may be drafts (or
// in a draft campaign): a draft is its organizers' only, as if it did not
// exist, so its public count (the transparency log's /log/counts) is not
// found either (Service.Draft).
type Drafter interface {
	Draft(ctx context.Context, q store.Queryer, actionID string) (bool, error)
}

// Participation is one stored participation.
type Participation struct {
	ID              string
	Kind            Kind
	ActionID        string
	PersonID        string
	Status          string
	OriginSystem    string
	Comment         string
	PublicName      bool
	ContactOK       bool
	ShareWithTarget bool
	GivenName       string
	FamilyName      string
	Locality        string
	Country         string
	Lang            string
	FlagReason      string
	Checkin         string
	Payload         string // the tactic's own fields its current choices hold (Submission.Payload)
	CreatedAt       time.Time
	ConfirmedAt     *time.Time
	WithdrawnAt     *time.Time
	ModifiedAt      time.Time
	// logSalt is the salt its leaves in the transparency log are hashed
	// with, when made with the row (migration 47); nil: the log keeps it.
	logSalt []byte
}

// Participant is a participation with its person's email, for organizers'
// work: delivery, exports, mails to committed people. Never public.
type Participant struct {
	Participation
	Email string
}

// ForOrganizers is what the organizers may see of a participant (the
// signers' CSV, the API's lists of signatures and commitments), by their
// consents: a signer's name only when they agreed to show it or to give
// it to the target, a committed person's when they agreed to be
// contacted, a registrant's always (it is on the list at the door), the
// address only when they agreed to be contacted. The one home of that
// rule.
func (p Participant) ForOrganizers() Participant {
	named := p.PublicName || p.ShareWithTarget
	switch p.Kind {
	case Commitment, Outreach:
		named = p.ContactOK // a pledge and a letter ask one consent: to be contacted
	case Registration:
		named = true // a registrant's name is on the list at the door (the form says so)
	}
	if !named {
		p.GivenName, p.FamilyName = "", ""
	}
	if !p.ContactOK {
		p.Email = ""
	}
	return p
}

// OSDIPerson is the person of an OSDI signature-like document: what
// ForOrganizers left of them, an empty address list when it left none.
func (p Participant) OSDIPerson() map[string]any {
	emails := []map[string]any{}
	if p.Email != "" {
		emails = append(emails, map[string]any{"address": p.Email, "primary": true})
	}
	return map[string]any{"given_name": p.GivenName, "family_name": p.FamilyName,
		"email_addresses":  emails,
		"postal_addresses": []map[string]any{{"locality": p.Locality, "country": p.Country}}}
}

// PublicParticipant is what a page may show of a confirmed participant who
// agreed to show their name.
type PublicParticipant struct {
	Name        string
	Locality    string
	Country     string
	Comment     string
	ConfirmedAt time.Time
	Imported    bool
}

// Bucket is the net number of counted participations in one hour.
type Bucket struct {
	Start     time.Time
	Confirmed int
}

// Limit is a rate: at most N submissions per Window from one key.
type Limit struct {
	N      int
	Window time.Duration
}

// Limits are the abuse checks, per IP address and per email domain, each a
// burst and a sustained window (as e-petitions does). Over any of them a
// submission is kept and flagged for review, never dropped. A zero Limit is
// no limit.
type Limits struct {
	IPBurst, IPSustained         Limit
	DomainBurst, DomainSustained Limit
	// KeepIPs is how long IP addresses are kept (default 30 days).
	KeepIPs time.Duration
	// Exempt email domains are never limited by domain (large providers
	// whose users sign in great numbers: gmail.com, …).
	ExemptDomains []string
}

// DefaultLimits are generous enough for a viral petition shared by one
// office (many signers behind one NAT) while catching scripted floods.
func DefaultLimits() Limits {
	return Limits{
		IPBurst:         Limit{N: 20, Window: time.Minute},
		IPSustained:     Limit{N: 200, Window: time.Hour},
		DomainBurst:     Limit{N: 60, Window: time.Minute},
		DomainSustained: Limit{N: 1000, Window: time.Hour},
		KeepIPs:         30 * 24 * time.Hour,
		ExemptDomains:   []string{"gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "outlook.com", "hotmail.com", "hotmail.fr", "icloud.com", "orange.fr", "free.fr", "laposte.net", "gmx.de", "web.de", "proton.me", "protonmail.com"},
	}
}

// Service is the participation core.
type Service struct {
	db      *store.DB
	pages   *web.Renderer // the confirm and withdraw pages (nil: no pages)
	cat     *i18n.Catalog // the choices stated in confirmation mails
	frames  sync.Map      // kind + "\x00" + lang → *frame (choices.go)
	baseURL string
	log     *slog.Logger
	limits  Limits
	logged  bool // the transparency log is kept (KeepLog)

	mu      sync.RWMutex
	actions map[Kind]Action

	queue     chan *pending // submissions waiting for the writer
	startOnce sync.Once

	rate *rateLimiter

	cacheMu sync.Mutex
	counts  map[string]cachedCounts
}

type cachedCounts struct {
	c    Counts
	size int64 // the log's size they belong to, -1 without the log
	at   time.Time
}

// New builds the service. Register each tactic's Action before serving.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, baseURL string, log *slog.Logger, limits Limits) *Service {
	if limits.KeepIPs == 0 {
		limits.KeepIPs = 30 * 24 * time.Hour
	}
	return &Service{db: db, pages: pages, cat: cat, baseURL: baseURL, log: log, limits: limits,
		actions: map[Kind]Action{}, queue: make(chan *pending, 16384),
		rate: newRateLimiter(limits), counts: map[string]cachedCounts{}}
}

// Register makes a tactic known.
func (s *Service) Register(kind Kind, a Action) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.actions[kind] = a
}

func (s *Service) action(kind Kind) Action {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.actions[kind]
}

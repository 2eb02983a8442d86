// Package message is how organizers write to the people of their
// community (OSDI messages): members, the participants of their
// campaigns' actions (signers, committed people, registrants, writers,
// enrolees) who agreed to be contacted, in union, less exclusions, less
// anyone who unsubscribed, bounced or complained. A message has a version
// per language (each person gets theirs, or the one there is), a Markdown
// body mailed as sanitized HTML with its plain text, a sender's name and a
// Reply-To; it is previewed, tested on oneself, then sent after a
// confirmation that says how many will receive it, at once or at a time.
//
// A message sends once. Sending is a job of the scheduler: its first run
// takes the audience into message_recipients, and each run puts the mails
// of a chunk of them in the outbox and moves the message's sent_through
// past them in the job's transaction, which schedules the next chunk; a
// run that crashes rolls back whole, and the next one goes on after the
// last chunk written. Counts come from the outbox
// (the mails of the message's list: sent, failed, unsubscribed by their
// link).
package message

import (
	"embed"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Statuses of a message.
const (
	StatusDraft     = "draft"
	StatusScheduled = "scheduled"
	StatusSending   = "sending"
	StatusSent      = "sent"
)

// Kinds of audience part.
const (
	PartMembers      = "members"      // the community's active members
	PartParticipants = "participants" // those who took part in an action and agreed to be contacted
)

// Languages a message may be written in: those of the catalogs.
var Languages = []string{"en", "fr"}

// jobSend is the job that writes a message's next chunk of recipients.
const jobSend = "message.send"

// Limits of the fields.
const (
	MaxSubject  = 200
	MaxBody     = 50000
	MaxFromName = 100
	MaxParts    = 50
)

// Part is one group of people a message includes or excludes.
type Part struct {
	Kind   string `json:"kind"`
	Action string `json:"action,omitempty"` // the action's id, for participants
}

// Audience is who a message is written to: the people of any included
// part who are in no excluded part.
type Audience struct {
	Include []Part `json:"include"`
	Exclude []Part `json:"exclude"`
}

// Includes reports whether the audience includes (or, with exclude,
// excludes) the part.
func (a Audience) Includes(p Part, exclude bool) bool {
	list := a.Include
	if exclude {
		list = a.Exclude
	}
	for _, q := range list {
		if q == p {
			return true
		}
	}
	return false
}

// Version is a message in one language.
type Version struct {
	Lang    string
	Subject string
	Body    string // Markdown
}

// Message is one message of a community.
type Message struct {
	ID          string
	CommunityID string
	FromName    string
	ReplyTo     string
	Audience    Audience
	Versions    []Version // in the order of Languages
	Status      string
	ScheduledAt *time.Time
	StartedAt   *time.Time
	SentAt      *time.Time
	Targeted    int // the audience taken when sending started
	Origin      string
	CreatedBy   string
	CreatedAt   time.Time
	ModifiedAt  time.Time
}

// Path is the message's page.
func (m *Message) Path(rest ...string) string {
	s := "/messages/" + m.ID
	for _, r := range rest {
		s += "/" + r
	}
	return s
}

// Version returns the version in lang, or the first there is: what a
// person reading lang receives.
func (m *Message) Version(lang string) Version {
	for _, v := range m.Versions {
		if v.Lang == lang {
			return v
		}
	}
	if len(m.Versions) == 0 {
		return Version{}
	}
	return m.Versions[0]
}

// Subject is the subject of the first version, for lists.
func (m *Message) Subject() string { return m.Version("").Subject }

// Editable tells whether the message may still change: not once sending
// started.
func (m *Message) Editable() bool { return m.Status == StatusDraft || m.Status == StatusScheduled }

// Input is what an organizer writes.
type Input struct {
	FromName string
	ReplyTo  string
	Audience Audience
	Versions []Version
	Origin   string
}

func text(es *repertoire.Errors, field, v string, required bool, max int) {
	switch {
	case required && v == "":
		*es = append(*es, repertoire.Invalid(field, "field.required", nil))
	case !utf8.ValidString(v):
		*es = append(*es, repertoire.Invalid(field, "message.bad_text", nil))
	case utf8.RuneCountInString(v) > max:
		*es = append(*es, repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max}))
	}
}

// normalize trims and checks an input: a version at least, each with its
// subject and body, a Reply-To that is an address, an audience. Whether
// its actions are the community's is the store's to check.
func (in *Input) normalize() error {
	var es repertoire.Errors
	in.FromName = strings.Join(strings.Fields(in.FromName), " ")
	in.ReplyTo = strings.TrimSpace(in.ReplyTo)
	text(&es, "from_name", in.FromName, false, MaxFromName)
	if in.ReplyTo != "" {
		a, err := mail.ParseAddress(in.ReplyTo)
		if err != nil || a.Name != "" || !strings.Contains(a.Address, ".") {
			es = append(es, repertoire.Invalid("reply_to", "message.bad_reply_to", nil))
		} else {
			in.ReplyTo = a.Address
		}
	}
	var versions []Version
	seen := map[string]bool{}
	for _, v := range in.Versions {
		v.Subject = strings.Join(strings.Fields(v.Subject), " ")
		v.Body = strings.TrimSpace(strings.ReplaceAll(v.Body, "\r\n", "\n"))
		if v.Subject == "" && v.Body == "" {
			continue // a language left empty
		}
		lang, err := i18n.CheckLanguage("language", v.Lang, true)
		if err != nil {
			es = append(es, err)
			continue
		}
		if v.Lang = lang; !oneOf(v.Lang, Languages) || seen[v.Lang] {
			es = append(es, repertoire.Invalid("language", "message.bad_language", nil))
			continue
		}
		seen[v.Lang] = true
		text(&es, "subject_"+v.Lang, v.Subject, true, MaxSubject)
		text(&es, "body_"+v.Lang, v.Body, true, MaxBody)
		versions = append(versions, v)
	}
	if len(versions) == 0 {
		es = append(es, repertoire.Invalid("subject_"+Languages[0], "message.no_version", nil))
	}
	// The catalogs' order, whatever the order given.
	in.Versions = in.Versions[:0]
	for _, l := range Languages {
		for _, v := range versions {
			if v.Lang == l {
				in.Versions = append(in.Versions, v)
			}
		}
	}
	if len(in.Audience.Include) == 0 {
		es = append(es, repertoire.Invalid("audience", "message.no_audience", nil))
	}
	if len(in.Audience.Include)+len(in.Audience.Exclude) > MaxParts {
		es = append(es, repertoire.Invalid("audience", "message.too_many_parts", map[string]any{"Max": MaxParts}))
	}
	for _, list := range [][]Part{in.Audience.Include, in.Audience.Exclude} {
		for _, p := range list {
			if p.Kind != PartMembers && (p.Kind != PartParticipants || p.Action == "") {
				es = append(es, repertoire.Invalid("audience", "message.bad_part", nil))
				break
			}
		}
	}
	if in.Audience.Exclude == nil {
		in.Audience.Exclude = []Part{}
	}
	return es.Err()
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// Handler serves messages: their pages and API, and the job that sends
// them.
type Handler struct {
	Store       *Store
	communities *community.Store
	access      campaign.Access
	pages       *web.Renderer
	cat         *i18n.Catalog
	log         *slog.Logger
	baseURL     string
	tests       *web.Limiter // per organizer: test sends are mail to oneself, not a way to mail others
}

// New builds the message handler. parts names the actions people took
// part in; actions is the SQL subquery of the actions of the campaigns a
// subquery selects (every tactic's, wired in server.go); kick wakes the
// scheduler (a send asked now starts at once).
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string,
	communities *community.Store, parts *participation.Service, actions func(campaigns string) string, kick func()) *Handler {
	baseURL = strings.TrimRight(baseURL, "/")
	return &Handler{Store: NewStore(db, cat, baseURL, parts, actions, kick), communities: communities,
		access: campaign.Access{Communities: communities, NotFound: errNotFound, OrganizersOnly: errOrganizersOnly},
		pages:  pages, cat: cat, log: log, baseURL: baseURL, tests: web.NewLimiter(10*time.Second, 5)}
}

var (
	errNotFound       = repertoire.Errorf(repertoire.ENOTFOUND, "message.not_found")
	errOrganizersOnly = repertoire.Errorf(repertoire.EFORBIDDEN, "message.organizers_only")
	errNotEditable    = repertoire.Errorf(repertoire.ECONFLICT, "message.not_editable")
)

// Routes mounts the message pages and the API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{slug}/messages", h.list)
	mux.HandleFunc("GET /c/{slug}/messages/new", h.newForm)
	mux.HandleFunc("POST /c/{slug}/messages", h.create)
	mux.HandleFunc("GET /messages/{id}", h.show)
	mux.HandleFunc("GET /messages/{id}/edit", h.editForm)
	mux.HandleFunc("POST /messages/{id}/edit", h.edit)
	mux.HandleFunc("POST /messages/{id}/test", h.test)
	mux.HandleFunc("GET /messages/{id}/send", h.confirm)
	mux.HandleFunc("POST /messages/{id}/send", h.send)
	mux.HandleFunc("POST /messages/{id}/unschedule", h.unschedule)

	mux.HandleFunc("GET /api/v1/messages", h.apiList)
	mux.HandleFunc("POST /api/v1/messages", h.apiCreate)
	mux.HandleFunc("GET /api/v1/messages/{id}", h.apiGet)
	mux.HandleFunc("PUT /api/v1/messages/{id}", h.apiUpdate)
	mux.HandleFunc("POST /api/v1/messages/{id}/send", h.apiSend)
	mux.HandleFunc("POST /api/v1/messages/{id}/schedule", h.apiSchedule)
}

// Jobs is the sending of messages, a chunk per run.
func (h *Handler) Jobs() map[string]schedule.Handler {
	return map[string]schedule.Handler{jobSend: h.Store.onSend}
}

// PersonData is what messages keep about a person: the messages written
// to them (in their export); erasing them deletes those rows (the
// schema's cascade does too) and the messages they created stay, without
// their creator.
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: exportSections(), Erase: erase}
}

// CommunityLinks puts the messages on the community page (its organizers
// see the link's page; others are refused there).
func (h *Handler) CommunityLinks() []community.PageLink {
	return []community.PageLink{{Path: "messages", Label: "message.messages", Organizers: true}}
}

// Package legal is collective legal action: a complaint to a regulator
// (GDPR art. 77, the community representing its members under art. 80), a
// group action, or a drive of access requests (art. 15, with art. 20
// portability). A legal action belongs to a campaign; enrolments are
// participations (kind enrolment) through the participation core, with
// what the action needs kept here: eligibility answers, the mandate
// accepted, files, and for an access request its legal clock (due one
// month after sending, extendable by two, art. 12(3)), whose reminders and
// overdue transitions are jobs of the scheduler.
package legal

import (
	"embed"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/participation"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Kinds of legal action.
const (
	KindComplaint      = "regulator_complaint" // GDPR art. 77, represented under art. 80
	KindGroupAction    = "group_action"        // enrolment in a class or group action
	KindAccessRequests = "access_requests"     // a drive of art. 15 (and 20) requests
)

// Kinds lists every kind.
var Kinds = []string{KindComplaint, KindGroupAction, KindAccessRequests}

// Answers a company gave to an access request.
const (
	AnswerComplete   = "complete"
	AnswerIncomplete = "incomplete"
	AnswerNone       = "none"
)

// Job kinds this package schedules, per enrolment.
const (
	jobReminder = "legal.reminder" // ReminderBefore the due date
	jobDue      = "legal.due"      // at the due date: overdue without a complete answer
)

// ReminderBefore is how long before a due date the enrolee is reminded.
const ReminderBefore = 7 * 24 * time.Hour

// Limits.
const (
	MaxTitle       = 200
	MaxDescription = 20000
	MaxQuestions   = 20
	MaxMandate     = 20000
	MaxFileBytes   = 10 << 20 // an uploaded file
	MaxFiles       = 10       // per enrolee
)

// Action is one legal action.
type Action struct {
	ID string
	campaign.Parent
	Slug           string
	Kind           string
	Title          string
	Description    string
	Questions      []string
	Mandate        string
	MandateVersion int
	Company        Contact
	AuthorityID    string // the company's lead authority in the directory
	Portability    bool
	FiledAt        *time.Time
	Counts         participation.Counts
	Status         Status // of the access requests
	// ClosedAt is when its enrolment closed with its campaign
	// (CloseCampaign): it takes no new enrolee, while those already in
	// keep their page, legal clock and reminders; nil while open.
	ClosedAt   *time.Time
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// errClosed refuses an enrolment in a closed legal action (409, naming
// why).
var errClosed = repertoire.Errorf(repertoire.ECONFLICT, "legal.closed")

// Takes says why the action takes no new enrolee (nil: it does).
func (a *Action) Takes() error {
	if a.ClosedAt != nil {
		return errClosed
	}
	return nil
}

// Contact is whom a request goes to: the directory's company, or typed.
type Contact struct {
	TargetID string
	Name     string
	Email    string
	Address  string
}

// Path is the action's public page.
func (a *Action) Path(rest ...string) string {
	s := "/c/" + a.CommunitySlug + "/" + a.CampaignSlug + "/legal/" + a.Slug
	for _, r := range rest {
		s += "/" + r
	}
	return s
}

// Requests tells whether enrolees send access requests.
func (a *Action) Requests() bool { return a.Kind == KindAccessRequests }

// Status is the public aggregate of an access-request drive.
type Status struct {
	Requests   int // sent
	InTime     int // answered completely by the due date
	Late       int // answered completely after it
	Incomplete int // answered incompletely
	Overdue    int // due passed without a complete answer
	Waiting    int // sent, not yet due, no answer
}

// Input is what an organizer gives to create or change an action.
type Input struct {
	Kind, Title, Slug, Description string
	Questions                      []string
	Mandate                        string
	Company                        Contact
	AuthorityID                    string
	Portability                    bool
}

func text(es *repertoire.Errors, field, v string, required bool, max int) {
	switch {
	case required && v == "":
		*es = append(*es, repertoire.Invalid(field, "field.required", nil))
	case !utf8.ValidString(v):
		*es = append(*es, repertoire.Invalid(field, "legal.bad_text", nil))
	case utf8.RuneCountInString(v) > max:
		*es = append(*es, repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max}))
	}
}

// normalize trims and checks an input: an access-request drive names the
// company it writes to.
func (in *Input) normalize() error {
	var es repertoire.Errors
	in.Title, in.Description, in.Mandate = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.Mandate)
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Company.Name, in.Company.Email, in.Company.Address = strings.TrimSpace(in.Company.Name), strings.TrimSpace(in.Company.Email), strings.TrimSpace(in.Company.Address)
	text(&es, "title", in.Title, true, MaxTitle)
	text(&es, "description", in.Description, false, MaxDescription)
	text(&es, "mandate", in.Mandate, false, MaxMandate)
	found := false
	for _, k := range Kinds {
		found = found || k == in.Kind
	}
	if !found {
		es = append(es, repertoire.Invalid("kind", "legal.bad_kind", nil))
	}
	qs := in.Questions[:0:0]
	for _, q := range in.Questions {
		if q = strings.TrimSpace(q); q != "" {
			text(&es, "questions", q, false, 500)
			qs = append(qs, q)
		}
	}
	in.Questions = qs
	if len(qs) > MaxQuestions {
		es = append(es, repertoire.Invalid("questions", "legal.too_many_questions", map[string]any{"Max": MaxQuestions}))
	}
	if in.Slug == "" {
		in.Slug = web.Slugify(in.Title)
		if !campaign.ValidSlug(in.Slug) && in.Title != "" {
			in.Slug = "legal"
		}
	}
	if in.Title != "" && !campaign.ValidSlug(in.Slug) {
		es = append(es, repertoire.Invalid("slug", "field.bad_slug", nil))
	}
	if in.Kind == KindAccessRequests && in.Company.TargetID == "" && in.Company.Name == "" {
		es = append(es, repertoire.Invalid("company", "legal.company_required", nil))
	}
	text(&es, "company", in.Company.Name, false, 300)
	text(&es, "company_address", in.Company.Address, false, 1000)
	if in.Company.Email != "" && (!strings.Contains(in.Company.Email, "@") || strings.ContainsAny(in.Company.Email, " \r\n<>,;")) {
		es = append(es, repertoire.Invalid("company_email", "field.bad_email", nil))
	}
	return es.Err()
}

// Enrolment is what an enrolment holds beside its participation.
type Enrolment struct {
	ParticipationID string
	ActionID        string
	Answers         []string // "yes" / "no", in the order of the questions
	MandateVersion  int      // 0: not accepted
	MandateAccepted *time.Time
	SentAt          *time.Time
	DueAt           *time.Time
	Extended        bool
	Answer          string
	AnsweredAt      *time.Time
	RemindedDue     *time.Time
	OverdueAt       *time.Time
	Files           []File
	// Of the participation:
	Status    string
	Email     string
	Name      string
	Country   string
	Lang      string
	CreatedAt time.Time
}

// File is a file an enrolee gave.
type File struct {
	ID, ParticipationID, ActionID, Kind, Name string
	Size                                      int64
	CreatedAt                                 time.Time
}

// Due is the due date of a request sent at sent: one month, or three when
// the company extended it (art. 12(3)).
func Due(sent time.Time, extended bool) time.Time {
	if extended {
		return sent.AddDate(0, 3, 0)
	}
	return sent.AddDate(0, 1, 0)
}

// Clock states of an access request.
const (
	ClockNotSent    = "not_sent"
	ClockWaiting    = "waiting"
	ClockInTime     = "answered_in_time"
	ClockLate       = "answered_late"
	ClockIncomplete = "incomplete"
	ClockOverdue    = "overdue"
)

// Clock is where the request stands at now.
func (e *Enrolment) Clock(now time.Time) string {
	switch {
	case e.SentAt == nil:
		return ClockNotSent
	case e.Answer == AnswerComplete && e.AnsweredAt != nil && e.DueAt != nil && !e.AnsweredAt.After(*e.DueAt):
		return ClockInTime
	case e.Answer == AnswerComplete:
		return ClockLate
	case e.Answer == AnswerIncomplete:
		return ClockIncomplete
	case e.OverdueAt != nil || e.Answer == AnswerNone || (e.DueAt != nil && now.After(*e.DueAt)):
		return ClockOverdue
	}
	return ClockWaiting
}

// ComplaintReady tells whether the enrolee's page offers the complaint: a
// late, missing or incomplete answer.
func (e *Enrolment) ComplaintReady(now time.Time) bool {
	c := e.Clock(now)
	return c == ClockOverdue || c == ClockIncomplete || c == ClockLate
}

// Completeness is what an organizer sees of an enrolee: the parts given
// out of those the action needs.
type Completeness struct {
	Confirmed, Answers, Mandate, Files, Sent bool
}

// Complete tells whether every part the action needs is there.
func (c Completeness) Complete() bool {
	return c.Confirmed && c.Answers && c.Mandate && c.Files && c.Sent
}

// Completeness of e for a.
func (a *Action) Completeness(e *Enrolment) Completeness {
	return Completeness{
		Confirmed: e.Status == participation.StatusConfirmed,
		Answers:   len(e.Answers) >= len(a.Questions),
		Mandate:   a.Mandate == "" || e.MandateVersion == a.MandateVersion,
		Files:     a.Kind == KindAccessRequests || len(e.Files) > 0,
		Sent:      a.Kind != KindAccessRequests || e.SentAt != nil,
	}
}

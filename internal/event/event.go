// Package event is a campaign's events (seminars, meetings): when and
// where, how many places, the questions of its registration form. A
// registration is a participation (kind registration), confirmed by mail
// like a signature; once confirmed it takes a place or, when the event is
// full, a place on the waitlist (event_registrations, this package's). A
// freed place is offered to the next person on the waitlist by mail, with
// a deadline (a job of the scheduler) after which it passes on. A change
// of time, place or link mails every registrant before and after; the
// event is served as iCalendar, one event or a community's feed.
package event

import (
	"embed"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Registration is the participation kind of an event's registrations.
const Registration = participation.Registration

// Statuses of an event.
const (
	StatusScheduled = "scheduled"
	StatusCancelled = "cancelled"
)

// States of a registration (event_registrations.state).
const (
	StatePending    = "pending"    // its participation waits for the mailed confirmation
	StateAccepted   = "accepted"   // holds a place
	StateWaitlisted = "waitlisted" // waits for a place
	StateOffered    = "offered"    // a freed place is held for them until offer_until
	StateExpired    = "expired"    // the offer passed on unanswered
	StateCancelled  = "cancelled"  // withdrawn
	StateRequested  = "requested"  // confirmed, awaiting the organizers' approval
	StateApproved   = "approved"   // approved: takes a place or the waitlist
	StateRefused    = "refused"    // the organizers said no
)

// Registration modes: anyone confirmed takes a place, or the organizers
// approve each registration first.
const (
	RegistrationOpen     = "open"
	RegistrationApproval = "approval"
)

// OfferFor is how long a person offered a freed place has to take it.
const OfferFor = 48 * time.Hour

// jobOffer passes an unanswered offer on, at its deadline.
const jobOffer = "event.offer"

// Limits of the fields.
const (
	MaxTitle       = 200
	MaxDescription = 20000
	MaxShort       = 500
	MaxCapacity    = 1_000_000
	MaxQuestions   = 20
	MaxAnswer      = 2000
)

// Question kinds of the registration form.
const (
	QuestionText   = "text"
	QuestionChoice = "choice"
	QuestionYesNo  = "yes_no"
)

// Question is one question of the registration form.
type Question struct {
	Kind     string   `json:"kind"`
	Label    string   `json:"label"`
	Required bool     `json:"required"`
	Options  []string `json:"options,omitempty"`
}

// Event is one event of a campaign.
type Event struct {
	ID string
	campaign.Parent
	Slug         string
	Title        string
	Description  string
	Speakers     string
	Start, End   time.Time // UTC instants
	Timezone     string    // IANA name: the event's wall clock
	Venue        string
	Room         string
	OnlineURL    string
	Capacity     int    // 0: no limit
	Registration string // open | approval
	Languages    string
	Questions    []Question
	Notes        string
	Status       string
	Sequence     int
	Accepted     int // registrations holding a place (accepted or offered)
	Waitlisted   int
	CreatedAt    time.Time
	ModifiedAt   time.Time
}

// Path is the event's public page.
func (e *Event) Path(rest ...string) string {
	s := "/c/" + e.CommunitySlug + "/" + e.CampaignSlug + "/events/" + e.Slug
	for _, r := range rest {
		s += "/" + r
	}
	return s
}

// Location is the event's wall-clock zone (UTC when unknown).
func (e *Event) Location() *time.Location {
	if loc, err := time.LoadLocation(e.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// LocalStart and LocalEnd are the event's times on its own clock.
func (e *Event) LocalStart() time.Time { return e.Start.In(e.Location()) }
func (e *Event) LocalEnd() time.Time   { return e.End.In(e.Location()) }

// Past tells whether the event is over.
func (e *Event) Past(now time.Time) bool { return !e.End.After(now) }

// Full tells whether every place is taken.
func (e *Event) Full() bool { return e.Capacity > 0 && e.Accepted >= e.Capacity }

// Open tells whether it takes registrations: scheduled and not begun.
func (e *Event) Open(now time.Time) bool { return e.Status == StatusScheduled && e.Start.After(now) }

// Left is the number of free places (-1: no limit).
func (e *Event) Left() int {
	if e.Capacity == 0 {
		return -1
	}
	return max(0, e.Capacity-e.Accepted)
}

// Input is what an organizer gives for an event. Empty slug: derived from
// the title.
type Input struct {
	Title        string
	Slug         string
	Description  string
	Speakers     string
	Start, End   time.Time
	Timezone     string
	Venue        string
	Room         string
	OnlineURL    string
	Capacity     int
	Registration string // open (default) | approval
	Languages    string
	Questions    []Question
	Notes        string
}

func (e *Event) input() Input {
	return Input{Title: e.Title, Slug: e.Slug, Description: e.Description, Speakers: e.Speakers, Start: e.Start, End: e.End,
		Timezone: e.Timezone, Venue: e.Venue, Room: e.Room, OnlineURL: e.OnlineURL, Capacity: e.Capacity, Registration: e.Registration,
		Languages: e.Languages, Questions: e.Questions, Notes: e.Notes}
}

func text(es *repertoire.Errors, field, v string, required bool, max int) {
	switch {
	case required && v == "":
		*es = append(*es, repertoire.Invalid(field, "field.required", nil))
	case !utf8.ValidString(v):
		*es = append(*es, repertoire.Invalid(field, "event.bad_text", nil))
	case utf8.RuneCountInString(v) > max:
		*es = append(*es, repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max}))
	}
}

// normalize trims and checks an input: the one home of an event's rules.
func (in *Input) normalize() error {
	var es repertoire.Errors
	for _, p := range []*string{&in.Title, &in.Description, &in.Speakers, &in.Timezone, &in.Venue, &in.Room, &in.OnlineURL, &in.Languages, &in.Notes} {
		*p = strings.TrimSpace(*p)
	}
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	text(&es, "title", in.Title, true, MaxTitle)
	text(&es, "description", in.Description, false, MaxDescription)
	text(&es, "notes", in.Notes, false, MaxDescription)
	for _, f := range []struct {
		name, v string
	}{{"speakers", in.Speakers}, {"venue", in.Venue}, {"room", in.Room}, {"online_url", in.OnlineURL}, {"languages", in.Languages}} {
		text(&es, f.name, f.v, false, MaxShort)
	}
	if langs, err := i18n.CheckLanguages("languages", in.Languages); err != nil {
		es = append(es, err)
	} else {
		in.Languages = langs
	}
	if in.Slug == "" {
		in.Slug = web.Slugify(in.Title)
		if !campaign.ValidSlug(in.Slug) && in.Title != "" {
			in.Slug = "event"
		}
	}
	if in.Title != "" && !campaign.ValidSlug(in.Slug) {
		es = append(es, repertoire.Invalid("slug", "field.bad_slug", nil))
	} else if in.Slug == "new" {
		es = append(es, repertoire.Invalid("slug", "event.slug_reserved", nil))
	}
	if in.Timezone == "" {
		in.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(in.Timezone); err != nil || strings.EqualFold(in.Timezone, "local") {
		es = append(es, repertoire.Invalid("timezone", "event.bad_timezone", nil))
	}
	switch {
	case in.Start.IsZero():
		es = append(es, repertoire.Invalid("start", "field.required", nil))
	case in.End.IsZero():
		es = append(es, repertoire.Invalid("end", "field.required", nil))
	case !in.End.After(in.Start):
		es = append(es, repertoire.Invalid("end", "event.end_before_start", nil))
	}
	in.Start, in.End = in.Start.UTC().Truncate(time.Second), in.End.UTC().Truncate(time.Second)
	if in.Venue == "" && in.OnlineURL == "" {
		es = append(es, repertoire.Invalid("venue", "event.place_required", nil))
	}
	if in.OnlineURL != "" {
		if u, err := url.Parse(in.OnlineURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			es = append(es, repertoire.Invalid("online_url", "event.bad_url", nil))
		}
	}
	switch in.Registration {
	case "":
		in.Registration = RegistrationOpen
	case RegistrationOpen, RegistrationApproval:
	default:
		es = append(es, repertoire.Invalid("registration", "event.bad_registration", nil))
	}
	if in.Capacity < 0 || in.Capacity > MaxCapacity {
		es = append(es, repertoire.Invalid("capacity", "event.bad_capacity", map[string]any{"Max": MaxCapacity}))
	}
	if len(in.Questions) > MaxQuestions {
		es = append(es, repertoire.Invalid("questions", "event.too_many_questions", map[string]any{"Max": MaxQuestions}))
	}
	for i := range in.Questions {
		q := &in.Questions[i]
		q.Label = strings.TrimSpace(q.Label)
		text(&es, "questions", q.Label, true, MaxShort)
		switch q.Kind {
		case QuestionText, QuestionYesNo:
			q.Options = nil
		case QuestionChoice:
			if len(q.Options) < 2 {
				es = append(es, repertoire.Invalid("questions", "event.choice_options", nil))
			}
		default:
			es = append(es, repertoire.Invalid("questions", "event.bad_question_kind", nil))
		}
	}
	return es.Err()
}

// Answers checks a registration's answers (question index → answer): the
// required ones given, a choice among its options, yes/no as "yes" or "no".
// Field errors name the form's fields q0, q1….
func (e *Event) Answers(get func(field string) string) (map[string]string, error) {
	var es repertoire.Errors
	out := map[string]string{}
	for i, q := range e.Questions {
		field := "q" + itoa(i)
		v := strings.TrimSpace(get(field))
		switch {
		case v == "" && q.Required:
			es = append(es, repertoire.Invalid(field, "field.required", nil))
			continue
		case v == "":
			continue
		case !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxAnswer:
			es = append(es, repertoire.Invalid(field, "field.too_long", map[string]any{"Max": MaxAnswer}))
			continue
		case q.Kind == QuestionYesNo && v != "yes" && v != "no":
			es = append(es, repertoire.Invalid(field, "event.bad_answer", nil))
			continue
		case q.Kind == QuestionChoice && !contains(q.Options, v):
			es = append(es, repertoire.Invalid(field, "event.bad_answer", nil))
			continue
		}
		out[q.Label] = v
	}
	return out, es.Err()
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// Package pledge is the conditional strike: "I will <action> from <window
// start> to <window end>, but only if <threshold> people commit by
// <deadline>". A pledge belongs to a campaign. Commitments are
// participations (kind commitment), confirmed by mail like signatures; the
// pledge activates the moment confirmed commitments reach the threshold,
// or lapses when the deadline passes first, then is under way during its
// window and ended after it. Every change mails the committed people; the
// deadline and the window are jobs of the scheduler, so they happen even
// across restarts and once across several instances.
package pledge

import (
	"embed"
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

// Statuses of a pledge, in the order they happen.
const (
	// StatusDraft: saved, not published: not public, not committed to,
	// listed to its organizers only, without jobs; published, it collects.
	StatusDraft      = "draft"
	StatusCollecting = "collecting" // gathering commitments
	StatusActivated  = "activated"  // the threshold was reached: it is on
	StatusLapsed     = "lapsed"     // the deadline passed first
	StatusClosed     = "closed"     // its organizers stopped it before the threshold
	StatusUnderWay   = "under_way"  // inside the window
	StatusEnded      = "ended"      // the window is over
)

// Statuses lists every status.
var Statuses = []string{StatusDraft, StatusCollecting, StatusActivated, StatusLapsed, StatusClosed, StatusUnderWay, StatusEnded}

// Check-in answers (participations.checkin).
const (
	CheckinHeld  = "held"
	CheckinBroke = "broke"
)

// Job kinds this package schedules.
const (
	jobDeadline  = "pledge.deadline"  // at the deadline: lapse when not activated
	jobActivated = "pledge.activated" // at activation: mail every committed person
	jobReminder  = "pledge.reminder"  // the day before the window
	jobStart     = "pledge.start"     // window start: under way
	jobEnd       = "pledge.end"       // window end: ended, check-in mail
)

// ReminderBefore is how long before the window the reminder goes out.
const ReminderBefore = 24 * time.Hour

// Limits of the fields.
const (
	MaxTitle       = 200
	MaxAction      = 500
	MaxDescription = 20000
	MaxThreshold   = 100_000_000
)

// Progress marks at which organizers are told how far the pledge is.
var progressMarks = []int{25, 50, 75}

// Pledge is one conditional strike.
type Pledge struct {
	ID string
	campaign.Parent
	Slug          string
	Title         string // in the campaign's language (Parent.Language)
	Action        string
	Description   string
	Translations  i18n.Translations // title, action, description in the other languages
	Threshold     int
	Deadline      time.Time
	WindowStart   time.Time
	WindowEnd     time.Time // an instant: the window closes then (see LastDay)
	Status        string
	ActivatedAt   *time.Time
	ProgressSent  int // highest progress mark mailed to organizers
	CheckinsHeld  int
	CheckinsBroke int
	Counts        participation.Counts // maintained counters of its commitments
	CreatedAt     time.Time
	ModifiedAt    time.Time
}

// In is the pledge as a reader of lang reads it: title, action and
// description in lang when written in it, else in its own; its campaign's
// title too. p is not changed.
func (p *Pledge) In(lang string) *Pledge {
	out := *p
	out.Title = p.Pick(p.Translations, lang, "title", p.Title)
	out.Action = p.Pick(p.Translations, lang, "action", p.Action)
	out.Description = p.Pick(p.Translations, lang, "description", p.Description)
	out.Parent = p.Parent.In(lang)
	return &out
}

// translated are the fields a pledge is written in in other languages,
// with their limits.
var translated = map[string]func(field, v string) (string, []*repertoire.Error){
	"title": limit(MaxTitle), "action": limit(MaxAction), "description": limit(MaxDescription)}

func limit(max int) func(field, v string) (string, []*repertoire.Error) {
	return func(field, v string) (string, []*repertoire.Error) {
		v = strings.TrimSpace(v)
		var es repertoire.Errors
		text(&es, field, v, false, max)
		return v, es
	}
}

// Path is the pledge's public page.
func (p *Pledge) Path(rest ...string) string {
	s := "/c/" + p.CommunitySlug + "/" + p.CampaignSlug + "/pledges/" + p.Slug
	for _, r := range rest {
		s += "/" + r
	}
	return s
}

// Total is the number of counted commitments: confirmed online and imported.
func (p *Pledge) Total() int { return p.Counts.Total() }

// Percent is the progress toward the threshold, 0 to 100.
func (p *Pledge) Percent() int {
	if p.Threshold <= 0 {
		return 0
	}
	return min(100, p.Total()*100/p.Threshold)
}

// LastDay is the window's last day, the one convention of pages, mails,
// forms and the API's window_last_day: WindowEnd is an instant, the moment
// the window closes (its end job runs then), so a window ending at
// midnight UTC ends the day before. The last day is the UTC day of
// WindowEnd minus one nanosecond; "to 1 June" means through 1 June.
func (p *Pledge) LastDay() time.Time { return p.WindowEnd.Add(-time.Nanosecond).UTC() }

// Open tells whether commitments are still taken: while collecting, and
// once it is on until the window opens (latecomers join the strike).
func (p *Pledge) Open() bool {
	return p.Status == StatusCollecting || p.Status == StatusActivated
}

// Editable tells whether organizers may still change it: a draft, or
// published and collecting (before activation). A published pledge's
// changes that matter to the committed people are kept in its history.
func (p *Pledge) Editable() bool { return p.Status == StatusCollecting || p.Status == StatusDraft }

// Draft tells a pledge not published yet.
func (p *Pledge) Draft() bool { return p.Status == StatusDraft }

// Checkins is the number of check-in answers.
func (p *Pledge) Checkins() int { return p.CheckinsHeld + p.CheckinsBroke }

// Compliance is the share of check-in answers that held the line, in
// percent, and false when nobody answered.
func (p *Pledge) Compliance() (int, bool) {
	n := p.Checkins()
	if n == 0 {
		return 0, false
	}
	return (p.CheckinsHeld*100 + n/2) / n, true
}

// CompliancePercent is Compliance for templates (0 without answers).
func (p *Pledge) CompliancePercent() int { c, _ := p.Compliance(); return c }

// Input is what an organizer gives to create a pledge. Empty slug: derived
// from the title.
type Input struct {
	Title       string
	Slug        string
	Action      string
	Description string
	Threshold   int
	Deadline    time.Time
	WindowStart time.Time
	WindowEnd   time.Time
	Draft       bool // saved as a draft (the form's "save as a draft")
	// Translations are the other languages' title, action, description.
	Translations i18n.Translations
}

// Patch changes the given fields of a pledge (nil: unchanged).
type Patch struct {
	Title       *string
	Slug        *string
	Action      *string
	Description *string
	Threshold   *int
	Deadline    *time.Time
	WindowStart *time.Time
	WindowEnd   *time.Time
	// Translations, when given, replace the pledge's.
	Translations *i18n.Translations
}

// empty tells a patch that changes nothing.
func (p Patch) empty() bool { return p == Patch{} }

// apply merges p into in.
func (p Patch) apply(in *Input) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Title, p.Title)
	set(&in.Slug, p.Slug)
	set(&in.Action, p.Action)
	set(&in.Description, p.Description)
	if p.Threshold != nil {
		in.Threshold = *p.Threshold
	}
	if p.Translations != nil {
		in.Translations = *p.Translations
	}
	for _, d := range []struct{ dst, v *time.Time }{{&in.Deadline, p.Deadline}, {&in.WindowStart, p.WindowStart}, {&in.WindowEnd, p.WindowEnd}} {
		if d.v != nil {
			*d.dst = *d.v
		}
	}
}

func (p *Pledge) input() Input {
	return Input{Title: p.Title, Slug: p.Slug, Action: p.Action, Description: p.Description, Threshold: p.Threshold,
		Deadline: p.Deadline, WindowStart: p.WindowStart, WindowEnd: p.WindowEnd, Translations: p.Translations.Clone()}
}

func text(es *repertoire.Errors, field, v string, required bool, max int) {
	switch {
	case required && v == "":
		*es = append(*es, repertoire.Invalid(field, "field.required", nil))
	case !utf8.ValidString(v):
		*es = append(*es, repertoire.Invalid(field, "pledge.bad_text", nil))
	case utf8.RuneCountInString(v) > max:
		*es = append(*es, repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max}))
	}
}

// normalize trims and checks an input. The deadline comes no later than
// the window's start (people must know it is on before it starts), and
// the window ends after it starts. With now set, the deadline must also
// be ahead: a new or changed pledge cannot be already over.
func (in *Input) normalize(now time.Time) error {
	var es repertoire.Errors
	in.Title = strings.TrimSpace(in.Title)
	in.Action = strings.TrimSpace(in.Action)
	in.Description = strings.TrimSpace(in.Description)
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	text(&es, "title", in.Title, true, MaxTitle)
	text(&es, "action", in.Action, true, MaxAction)
	text(&es, "description", in.Description, false, MaxDescription)
	if err := in.Translations.Normalize("", translated); err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	}
	if in.Slug == "" {
		in.Slug = web.Slugify(in.Title)
		if !campaign.ValidSlug(in.Slug) && in.Title != "" {
			in.Slug = "pledge"
		}
	}
	switch {
	case in.Title != "" && !campaign.ValidSlug(in.Slug):
		es = append(es, repertoire.Invalid("slug", "field.bad_slug", nil))
	case in.Slug == "new": // the new-pledge form lives there
		es = append(es, repertoire.Invalid("slug", "pledge.slug_reserved", nil))
	}
	switch {
	case in.Threshold < 1:
		es = append(es, repertoire.Invalid("threshold", "pledge.threshold_min", nil))
	case in.Threshold > MaxThreshold:
		es = append(es, repertoire.Invalid("threshold", "pledge.threshold_max", map[string]any{"Max": MaxThreshold}))
	}
	dates := true
	for _, d := range []struct {
		field string
		t     *time.Time
	}{{"deadline", &in.Deadline}, {"window_start", &in.WindowStart}, {"window_end", &in.WindowEnd}} {
		if d.t.IsZero() {
			es = append(es, repertoire.Invalid(d.field, "field.required", nil))
			dates = false
		}
		*d.t = d.t.UTC().Truncate(time.Microsecond)
	}
	if dates {
		if !in.WindowEnd.After(in.WindowStart) {
			es = append(es, repertoire.Invalid("window_end", "pledge.window_end_before_start", nil))
		}
		if in.Deadline.After(in.WindowStart) {
			es = append(es, repertoire.Invalid("deadline", "pledge.deadline_after_window", nil))
		} else if !now.IsZero() && !in.Deadline.After(now) {
			es = append(es, repertoire.Invalid("deadline", "pledge.deadline_past", nil))
		}
	}
	return es.Err()
}

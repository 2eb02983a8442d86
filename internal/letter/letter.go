// Package letter is the letter campaign (OSDI advocacy_campaigns): a
// campaign's letter to officials, regulators or companies, which each
// supporter reviews, personalizes and sends. A letter is a participation
// (kind outreach) through the core: pending until confirmed from the
// mailed link, and only then mailed to its targets (one mail per letter,
// or a daily digest), or left for the writer to post or paste into a web
// form and mark sent. Counts are kept per target; a target's answer is
// recorded against the letter campaign and may move a demand's status.
package letter

import (
	"embed"
	"encoding/json"
	"net/mail"
	"net/url"
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

// Deliveries: how a letter reaches its targets.
const (
	DeliveryEmail = "email" // mailed by Repertoire under the writer's name
	DeliveryPost  = "post"  // printed or pasted into a web form by the writer, then marked sent
)

// States of a letter to one target (outreach_targets.state).
const (
	StateWaiting = "waiting" // the letter is not confirmed yet: nothing sent
	StateMailed  = "mailed"  // mailed to the target
	StateDigest  = "digest"  // in the target's next daily digest
	StateToSend  = "to_send" // for the writer to post or paste
	StateSent    = "sent"    // the writer marked it sent
)

// jobDigest mails each target the day's letters of one letter campaign.
const jobDigest = "letter.digest"

// Limits of the fields.
const (
	MaxTitle       = 200
	MaxSubject     = 200
	MaxBody        = 20000
	MaxDescription = 20000
	MaxTargets     = 1000
	MaxTargetField = 500
)

// Letter is a letter campaign.
type Letter struct {
	ID string
	campaign.Parent
	Slug         string
	Title        string
	Description  string
	Subject      string // the subject every writer starts from
	Body         string // the letter every writer starts from
	ByCountry    bool   // each writer writes to the targets of their country
	InboundToken string // of the address answers are mailed to (InboundAddress)
	Delivery     string
	Digest       bool // targets get one mail a day
	OriginSystem string
	Targets      []Target
	Counts       participation.Counts
	// ClosedAt is when it closed with its campaign (CloseCampaign): it
	// takes no new letter, its page keeps its counts and answers; nil
	// while open.
	ClosedAt   *time.Time
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// errClosed refuses a letter to a closed letter campaign (409, naming
// why).
var errClosed = repertoire.Errorf(repertoire.ECONFLICT, "letter.closed")

// Takes says why the letter campaign takes no new letter (nil: it does).
func (l *Letter) Takes() error {
	if l.ClosedAt != nil {
		return errClosed
	}
	return nil
}

// Path is the letter campaign's public page.
func (l *Letter) Path(rest ...string) string {
	s := "/c/" + l.CommunitySlug + "/" + l.CampaignSlug + "/letters/" + l.Slug
	for _, r := range rest {
		s += "/" + r
	}
	return s
}

// InboundAddress is where targets' answers to the letter campaign are
// mailed: answers+<token>@domain ("" without an inbound domain).
func (l *Letter) InboundAddress(domain string) string {
	if domain == "" || l.InboundToken == "" {
		return ""
	}
	return InboundLocal + "+" + l.InboundToken + "@" + domain
}

// InboundLocal is the local part of every letter campaign's inbound
// address, before "+token".
const InboundLocal = "answers"

// Total is the number of letters counted: confirmed online and imported.
func (l *Letter) Total() int { return l.Counts.Total() }

// Countries are the countries of the targets, in their order, each once.
func (l *Letter) Countries() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range l.Targets {
		if t.Country != "" && !seen[t.Country] {
			seen[t.Country] = true
			out = append(out, t.Country)
		}
	}
	return out
}

// TargetsFor are the targets a writer of country writes to: all of them,
// or those of that country when the letter goes by country.
func (l *Letter) TargetsFor(country string) []Target {
	if !l.ByCountry {
		return l.Targets
	}
	var out []Target
	for _, t := range l.Targets {
		if strings.EqualFold(t.Country, country) {
			out = append(out, t)
		}
	}
	return out
}

// Target is whom a letter is written to, with the channels to reach them.
type Target struct {
	ID            string
	Name          string
	Title         string // their office: "Senator for New York", "Chairman"
	Email         string
	Country       string // ISO 3166-1 alpha-2, upper case
	PostalAddress string
	WebForm       string
	Outreaches    int // confirmed letters to them
}

// Label is the target's name and office.
func (t Target) Label() string {
	if t.Title == "" {
		return t.Name
	}
	return t.Name + ", " + t.Title
}

// TargetInput is a target as an organizer gives it. Directory names a
// target of the targets directory (its id, or its datenanfragen slug:
// "iedpc"), whose name and channels fill the fields left empty.
type TargetInput struct {
	Name, Title, Email, Country, PostalAddress, WebForm string
	Directory                                           string
	// ID names one of the letter campaign's targets an edit keeps (its
	// letters and counts stay with it); "" adds a new one.
	ID string
}

// Input is what an organizer gives to create a letter campaign. Empty
// slug: derived from the title.
type Input struct {
	Title        string
	Slug         string
	Description  string
	Subject      string
	Body         string
	ByCountry    bool
	Delivery     string
	Digest       bool
	OriginSystem string
	Targets      []TargetInput
}

func text(es *repertoire.Errors, field, v string, required bool, max int) {
	switch {
	case required && v == "":
		*es = append(*es, repertoire.Invalid(field, "field.required", nil))
	case !utf8.ValidString(v):
		*es = append(*es, repertoire.Invalid(field, "letter.bad_text", nil))
	case utf8.RuneCountInString(v) > max:
		*es = append(*es, repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max}))
	}
}

// targetField names a target's field in errors, as the API and the form
// name it.
func targetField(i int, name string) string {
	return "targets[" + itoa(i) + "]." + name
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// normalize trims and checks an input: the letter needs a subject and a
// body, and targets it can reach by its delivery (an address to mail, or
// a postal address or web form), each with a country when it goes by
// country.
func (in *Input) normalize() error {
	var es repertoire.Errors
	for _, s := range []*string{&in.Title, &in.Description, &in.Subject, &in.Body, &in.OriginSystem} {
		*s = strings.TrimSpace(*s)
	}
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	text(&es, "title", in.Title, true, MaxTitle)
	text(&es, "description", in.Description, false, MaxDescription)
	text(&es, "subject", in.Subject, true, MaxSubject)
	text(&es, "body", in.Body, true, MaxBody)
	if strings.ContainsAny(in.Subject, "\r\n") {
		es = append(es, repertoire.Invalid("subject", "letter.one_line", nil))
	}
	if in.Slug == "" {
		in.Slug = web.Slugify(in.Title)
		if !campaign.ValidSlug(in.Slug) && in.Title != "" {
			in.Slug = "letter"
		}
	}
	switch {
	case in.Title != "" && !campaign.ValidSlug(in.Slug):
		es = append(es, repertoire.Invalid("slug", "field.bad_slug", nil))
	case in.Slug == "new":
		es = append(es, repertoire.Invalid("slug", "letter.slug_reserved", nil))
	}
	if in.Delivery == "" {
		in.Delivery = DeliveryEmail
	}
	if in.Delivery != DeliveryEmail && in.Delivery != DeliveryPost {
		es = append(es, repertoire.Invalid("delivery", "letter.bad_delivery", nil))
	}
	if in.Delivery == DeliveryPost {
		in.Digest = false // nothing to bundle: the writers send their own
	}
	switch {
	case len(in.Targets) == 0:
		es = append(es, repertoire.Invalid("targets", "letter.no_targets", nil))
	case len(in.Targets) > MaxTargets:
		es = append(es, repertoire.Invalid("targets", "field.too_long", map[string]any{"Max": MaxTargets}))
	}
	for i := range in.Targets {
		t := &in.Targets[i]
		for _, s := range []*string{&t.Name, &t.Title, &t.Email, &t.Country, &t.PostalAddress, &t.WebForm} {
			*s = strings.TrimSpace(*s)
		}
		t.Country = strings.ToUpper(t.Country)
		text(&es, targetField(i, "name"), t.Name, true, MaxTargetField)
		text(&es, targetField(i, "title"), t.Title, false, MaxTargetField)
		text(&es, targetField(i, "postal_address"), t.PostalAddress, false, MaxTargetField)
		if t.Email != "" {
			if a, err := mail.ParseAddress(t.Email); err != nil || a.Address != t.Email || len(t.Email) > 254 {
				es = append(es, repertoire.Invalid(targetField(i, "email"), "field.bad_email", nil))
			}
		}
		if t.WebForm != "" {
			if u, err := url.Parse(t.WebForm); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(t.WebForm) > MaxTargetField {
				es = append(es, repertoire.Invalid(targetField(i, "web_form"), "letter.bad_url", nil))
			}
		}
		if t.Country != "" && !validCountry(t.Country) {
			es = append(es, repertoire.Invalid(targetField(i, "country"), "letter.bad_country", nil))
		}
		if in.ByCountry && t.Country == "" {
			es = append(es, repertoire.Invalid(targetField(i, "country"), "letter.country_required", nil))
		}
		switch {
		case in.Delivery == DeliveryEmail && t.Email == "":
			es = append(es, repertoire.Invalid(targetField(i, "email"), "letter.email_required", nil))
		case in.Delivery == DeliveryPost && t.PostalAddress == "" && t.WebForm == "":
			es = append(es, repertoire.Invalid(targetField(i, "postal_address"), "letter.post_required", nil))
		}
	}
	return es.Err()
}

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// Input is the letter campaign as it is: what an edit starts from, each
// target with its id.
func (l *Letter) Input() Input {
	in := Input{Title: l.Title, Slug: l.Slug, Description: l.Description, Subject: l.Subject, Body: l.Body, ByCountry: l.ByCountry,
		Delivery: l.Delivery, Digest: l.Digest, OriginSystem: l.OriginSystem}
	for _, t := range l.Targets {
		in.Targets = append(in.Targets, TargetInput{ID: t.ID, Name: t.Name, Title: t.Title, Email: t.Email, Country: t.Country,
			PostalAddress: t.PostalAddress, WebForm: t.WebForm})
	}
	return in
}

// Patch is an edit of a letter campaign: the fields set replace the
// current ones (the API's PUT, the edit form). Targets, when set, are the
// whole new list: those naming a current target's ID keep it with its
// letters, the others are added, and a current one left out is removed,
// which is refused once letters were written to it.
type Patch struct {
	Title, Slug, Description, Subject, Body, Delivery, OriginSystem *string
	ByCountry, Digest                                               *bool
	Targets                                                         *[]TargetInput
}

// apply writes the patch over in.
func (p Patch) apply(in *Input) {
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&in.Title, p.Title}, {&in.Slug, p.Slug}, {&in.Description, p.Description}, {&in.Subject, p.Subject}, {&in.Body, p.Body},
		{&in.Delivery, p.Delivery}, {&in.OriginSystem, p.OriginSystem}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if p.ByCountry != nil {
		in.ByCountry = *p.ByCountry
	}
	if p.Digest != nil {
		in.Digest = *p.Digest
	}
	if p.Targets != nil {
		in.Targets = *p.Targets
	}
}

// Writing is one supporter's letter as they send it: the subject and
// text they reviewed (with their own paragraph), their country when the
// letter goes by country, and whether the targets may reply to them.
type Writing struct {
	Subject  string
	Message  string
	Personal string // their own paragraph, after the letter
	Country  string
	// TargetIDs narrow the targets (the API's outreach targets); none:
	// every target the letter goes to.
	TargetIDs []string
	ReplyOK   bool
}

// check trims w and checks it against the letter, returning the targets
// it goes to.
func (w *Writing) check(l *Letter) ([]Target, repertoire.Errors) {
	var es repertoire.Errors
	w.Subject, w.Message, w.Personal = strings.TrimSpace(w.Subject), strings.TrimSpace(w.Message), strings.TrimSpace(w.Personal)
	w.Country = strings.ToUpper(strings.TrimSpace(w.Country))
	text(&es, "subject", w.Subject, true, MaxSubject)
	if strings.ContainsAny(w.Subject, "\r\n") {
		es = append(es, repertoire.Invalid("subject", "letter.one_line", nil))
	}
	text(&es, "message", w.Message, true, MaxBody)
	text(&es, "personal", w.Personal, false, MaxBody)
	if l.ByCountry && w.Country == "" {
		es = append(es, repertoire.Invalid("country", "letter.country_required", nil))
		return nil, es
	}
	targets := l.TargetsFor(w.Country)
	if len(w.TargetIDs) > 0 {
		var picked []Target
		for _, t := range targets {
			for _, id := range w.TargetIDs {
				if t.ID == id {
					picked = append(picked, t)
					break
				}
			}
		}
		if len(picked) != len(uniq(w.TargetIDs)) {
			es = append(es, repertoire.Invalid("targets", "letter.unknown_target", nil))
		}
		targets = picked
	}
	if len(targets) == 0 && len(es) == 0 {
		field := "targets"
		if l.ByCountry {
			field = "country"
		}
		es = append(es, repertoire.Invalid(field, "letter.no_targets_there", nil))
	}
	return targets, es
}

func uniq(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// text is the letter the targets read: the reviewed text, then the
// writer's paragraph.
func (w *Writing) text() string {
	if w.Personal == "" {
		return w.Message
	}
	return w.Message + "\n\n" + w.Personal
}

// letterPayload is a letter as its writer submitted it: the
// participation's payload, which the link mailed for it confirms and
// which outreaches receives only then (Store.Moved).
type letterPayload struct {
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	ReplyOK bool     `json:"reply_ok,omitempty"`
	Targets []string `json:"targets"` // letter_targets ids
}

// payload serializes a checked letter going to targets.
func (w *Writing) payload(targets []Target) string {
	k := letterPayload{Subject: w.Subject, Text: w.text(), ReplyOK: w.ReplyOK, Targets: []string{}}
	for _, t := range targets {
		k.Targets = append(k.Targets, t.ID)
	}
	b, _ := json.Marshal(k)
	return string(b)
}

// Answer is a target's answer to a letter campaign, as an organizer
// records it.
type Answer struct {
	ID           string
	TargetID     string
	TargetName   string
	AnsweredOn   time.Time
	Body         string
	DemandID     string
	DemandStatus string
	ByMail       bool // received at the inbound address
	CreatedAt    time.Time
}

// AnswerInput is an answer as an organizer records it; with a demand and
// a status, the demand's status moves to it (with its history).
type AnswerInput struct {
	TargetID     string
	AnsweredOn   time.Time
	Body         string
	DemandID     string
	DemandStatus string
	Lang         string // of the note in the demand's history
}

// Package campaign is what a community fights for: a campaign with its
// targets, an optional ultimatum, its demands in ordered sections with a
// kept history of every status change, a timeline of updates, and the
// press coverage it received.
package campaign

import (
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Handler serves campaign pages and the campaigns API.
type Handler struct {
	Store       *Store // also the community pages' community.CampaignLister
	communities *community.Store
	access      Access // the API's rule of who sees and organizes a campaign
	pages       *web.Renderer
	cat         *i18n.Catalog
	log         *slog.Logger
	baseURL     string

	// Tactics list the petitions, pledges… the campaign page links to.
	Tactics []TacticLister
	// Blocks are the sections other capabilities add to its page
	// (server.go hands them over).
	Blocks []Block
	// Dashboard gives the organizer's dashboard what waits for review
	// and what is scheduled, each capability its own.
	Dashboard []community.Dashboarder
}

// New builds the campaign handler.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string, communities *community.Store) *Handler {
	return &Handler{Store: NewStore(db), communities: communities, pages: pages, cat: cat, log: log, baseURL: strings.TrimRight(baseURL, "/"),
		access: Access{Communities: communities, NotFound: errNotFound, OrganizersOnly: repertoire.Errorf(repertoire.EFORBIDDEN, "campaign.organizers_only")}}
}

// Routes mounts campaign pages and API. Page paths live under the
// community's /c/{community}/; POST paths of sub-items have six segments so
// they never overlap the community's own five-segment ones.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{community}/campaigns/new", h.newForm)
	mux.HandleFunc("GET /dashboard", h.dashboard)
	mux.HandleFunc("POST /c/{community}/campaigns", h.create)
	mux.HandleFunc("GET /c/{community}/{campaign}", web.NewMicrocache(time.Second).Wrap(h.show))
	mux.HandleFunc("GET /c/{community}/{campaign}/edit", h.editForm)
	mux.HandleFunc("GET /c/{community}/{campaign}/edit/{part}", h.editForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/edit", h.edit)
	mux.HandleFunc("POST /c/{community}/{campaign}/delete", h.delete)
	mux.HandleFunc("POST /c/{community}/{campaign}/publish", h.publish)
	mux.HandleFunc("POST /c/{community}/{campaign}/close", h.close)
	mux.HandleFunc("POST /c/{community}/{campaign}/sections", h.addSection)
	mux.HandleFunc("POST /c/{community}/{campaign}/sections/{section}/edit", h.renameSection)
	mux.HandleFunc("POST /c/{community}/{campaign}/sections/{section}/move", h.moveSection)
	mux.HandleFunc("POST /c/{community}/{campaign}/sections/{section}/delete", h.deleteSection)
	mux.HandleFunc("POST /c/{community}/{campaign}/sections/{section}/demands", h.addDemands)
	mux.HandleFunc("GET /c/{community}/{campaign}/demands/{demand}", h.demandPage)
	mux.HandleFunc("POST /c/{community}/{campaign}/demands/{demand}/edit", h.editDemand)
	mux.HandleFunc("POST /c/{community}/{campaign}/demands/{demand}/move", h.moveDemand)
	mux.HandleFunc("POST /c/{community}/{campaign}/demands/{demand}/status", h.setStatus)
	mux.HandleFunc("POST /c/{community}/{campaign}/demands/{demand}/delete", h.deleteDemand)
	mux.HandleFunc("POST /c/{community}/{campaign}/updates", h.addUpdate)
	mux.HandleFunc("POST /c/{community}/{campaign}/updates/{item}/delete", h.deleteItem(h.Store.DeleteUpdate, "item", "timeline", "campaign.deleted_item"))
	mux.HandleFunc("POST /c/{community}/{campaign}/coverage", h.addCoverage)
	mux.HandleFunc("POST /c/{community}/{campaign}/coverage/{item}/delete", h.deleteItem(h.Store.DeleteCoverage, "item", "coverage", "campaign.deleted_item"))

	mux.HandleFunc("GET /api/v1/campaigns", h.apiList)
	mux.HandleFunc("POST /api/v1/campaigns", h.apiCreate)
	mux.HandleFunc("GET /api/v1/campaigns/{id}", h.apiGet)
	mux.HandleFunc("PUT /api/v1/campaigns/{id}", h.apiUpdate)
	mux.HandleFunc("PATCH /api/v1/campaigns/{id}", h.apiUpdate)
	mux.HandleFunc("DELETE /api/v1/campaigns/{id}", h.apiDelete)
	mux.HandleFunc("GET /api/v1/campaigns/{id}/demands", h.apiDemands)
	mux.HandleFunc("POST /api/v1/campaigns/{id}/demands", h.apiAddDemand)
	mux.HandleFunc("GET /api/v1/campaigns/{id}/demands/{demand}", h.apiDemand)
	mux.HandleFunc("PUT /api/v1/campaigns/{id}/demands/{demand}", h.apiEditDemand)
	mux.HandleFunc("DELETE /api/v1/campaigns/{id}/demands/{demand}", h.apiDeleteDemand)
	mux.HandleFunc("POST /api/v1/campaigns/{id}/coverage", h.apiAddCoverage)
	mux.HandleFunc("DELETE /api/v1/campaigns/{id}/coverage/{item}", h.apiDeleteCoverage)
	mux.HandleFunc("POST /api/v1/campaigns/{id}/updates", h.apiAddUpdate)
	mux.HandleFunc("DELETE /api/v1/campaigns/{id}/updates/{item}", h.apiDeleteUpdate)
}

// campaignPath is the campaign's page, or a page under it.
// editParts are the campaign's edit pages, each with its own forms, so
// that saving one never drops what was typed, unsaved, in another: the
// details (…/edit), the demands, the timeline and the coverage
// (…/edit/<part>).
var editParts = []string{"details", "demands", "timeline", "coverage"}

// editPath is the path of an edit page.
func editPath(c *Campaign, part string) string {
	if part == "details" || part == "" {
		return campaignPath(c, "edit")
	}
	return campaignPath(c, "edit", part)
}

func campaignPath(c *Campaign, rest ...string) string {
	p := "/c/" + c.CommunitySlug + "/" + c.Slug
	for _, s := range rest {
		p += "/" + s
	}
	return p
}

// PersonData is what a campaign keeps about people, in their export: the
// campaigns they created, the demand statuses and updates they wrote.
// Erasure keeps those, unsigned (the schema sets their author to NULL).
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: ExportSections()}
}

// CampaignLister lists a community's campaigns on the community's page.
func (h *Handler) CampaignLister() community.CampaignLister { return h.Store }

// Limits of a campaign. A demand list is meant to be read by the public and
// the target: past these sizes it stops being a list of demands.
const (
	MaxTitle           = 200
	MaxSummary         = 5000
	MaxTargets         = 20
	MaxTargetName      = 200
	MaxSections        = 26 // one letter each, A to Z
	MaxSectionDemands  = 100
	MaxDemands         = 300
	MaxDemandText      = 1000
	MaxNote            = 2000
	MaxURL             = 2000
	MaxUpdateBody      = 10000
	MaxCoverageTitle   = 500
	MaxLanguage        = 35
	MinSlug, MaxSlug   = 2, 60
	defaultFormSection = 3
)

// Demand statuses. A demand starts open; its later statuses are recorded
// with a date, a note and an evidence link.
const (
	StatusOpen         = "open"
	StatusPartiallyMet = "partially_met"
	StatusMet          = "met"
	StatusRejected     = "rejected"
	StatusWithdrawn    = "withdrawn"
)

// Statuses lists every demand status, in the order forms offer them.
var Statuses = []string{StatusOpen, StatusPartiallyMet, StatusMet, StatusRejected, StatusWithdrawn}

// ValidStatus reports whether s is a demand status.
func ValidStatus(s string) bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Coverage kinds.
var CoverageKinds = []string{"article", "podcast"}

// Campaign is what a community fights for.
type Campaign struct {
	ID            string
	CommunityID   string
	CommunitySlug string
	CommunityName string
	Slug          string
	Title         string // in Language, as Summary and the demands
	Summary       string
	Language      string // the language of the columns above: a supported one
	// Translations are the other languages' versions of title and summary
	// (the campaign's fields); each section and demand holds its own.
	Translations i18n.Translations
	Targets      []string
	UltimatumAt  *time.Time
	// Draft: saved, not published: its pages and its tactics' are found by
	// its community's organizers only, and no list shows it to anyone else.
	Draft bool
	// ClosedAt is when its organizers closed it, with its tactics still
	// taking part; nil while it runs (a draft is deleted, never closed).
	ClosedAt   *time.Time
	CreatedAt  time.Time
	ModifiedAt time.Time
	Sections   []Section // filled by Get, not by List
	Updates    []Update  // newest first
	Coverage   []Coverage
}

// errTakesNoNewActions refuses a new tactic in a closed campaign. It names
// the field campaign, as the API's create bodies do.
var errTakesNoNewActions = &repertoire.Error{Code: repertoire.ECONFLICT, Field: "campaign", MessageID: "campaign.takes_no_new_actions"}

// TakesNewActions is the one rule every tactic's create asks (the API
// through Organized or its own loader, the pages through
// participation.Locator.LocateNew): a closed campaign takes no new
// petition, pledge, event, letter or legal action (409 naming campaign).
// Its existing actions are still read, edited and closed.
func (c *Campaign) TakesNewActions() error {
	if c.ClosedAt != nil {
		return errTakesNoNewActions
	}
	return nil
}

// DemandCount is the number of demands in all sections.
func (c *Campaign) DemandCount() int {
	n := 0
	for _, s := range c.Sections {
		n += len(s.Demands)
	}
	return n
}

// Section is a lettered group of demands (A, B, C…).
type Section struct {
	ID           string
	Position     int // 1 = A
	Title        string
	Translations i18n.Translations // of title
	Demands      []Demand
}

// Letter is the section's letter.
func (s Section) Letter() string { return web.SectionLetter(s.Position) }

// Demand is one numbered item of a section.
type Demand struct {
	ID              string
	CampaignID      string
	SectionID       string
	SectionPosition int
	SectionTitle    string
	Position        int // numbered from 1 within its section
	Text            string
	Translations    i18n.Translations // of text
	Status          string
	CreatedAt       time.Time
	ModifiedAt      time.Time
	History         []StatusChange // oldest first
}

// Number reads like the demand list: "A3".
func (d Demand) Number() string {
	return fmt.Sprintf("%s%d", web.SectionLetter(d.SectionPosition), d.Position)
}

// SectionLetter is the letter of the demand's section.
func (d Demand) SectionLetter() string { return web.SectionLetter(d.SectionPosition) }

// StatusChange is one entry of a demand's history. When recording a change,
// a zero ChangedAt means now.
type StatusChange struct {
	ID          string
	Status      string
	Note        string
	EvidenceURL string
	ChangedAt   time.Time
	ChangedBy   string
	// Told is the note the system wrote, kept to be written in each
	// reader's language (Note holds it as recorded); nil for an
	// organizer's own.
	Told *i18n.Message
}

// Update is an entry of the campaign's timeline.
type Update struct {
	ID          string
	Title       string
	Body        string
	PublishedAt time.Time
	// Told is what the system wrote (a delivery, a new goal), kept to be
	// written in each reader's language; nil for an organizer's own entry.
	// Title and Body then hold it in the language it was recorded in.
	Told *Told
	// Translations are an organizer's entry in the campaign's other
	// languages (title, body); Title and Body hold it in the campaign's.
	Translations i18n.Translations
}

// Told is a timeline entry the system writes: its title's message, and
// its body's paragraphs when the system writes them too (else Body, the
// organizer's words, a delivery's note or a target's answer, is shown).
type Told struct {
	Title i18n.Message   `json:"title"`
	Body  []i18n.Message `json:"body,omitempty"`
}

// Coverage is a press article or podcast about the campaign.
type Coverage struct {
	ID          string
	Kind        string // article | podcast
	PublishedOn string // YYYY-MM-DD
	Outlet      string
	Title       string
	Language    string
	URL         string
	CreatedAt   time.Time
}

// CampaignInput is what an organizer gives to create a campaign.
type CampaignInput struct {
	CommunityID  string
	Title        string
	Slug         string // derived from the title when empty
	Summary      string
	Language     string // BCP 47; "" is the community's language
	Translations i18n.Translations
	Targets      []string
	UltimatumAt  *time.Time
	Sections     []SectionInput
	// OpenedAt dates the demands' initial "open" entries; nil means now.
	// The demo dates its 2018 demands with it.
	OpenedAt *time.Time
	Draft    bool // saved as a draft (the form's "save as a draft")
}

// SectionInput is a section with its demands, in order.
type SectionInput struct {
	Title        string
	Translations i18n.Translations
	Demands      []DemandInput
}

// DemandInput is one demand; an empty Status means open.
type DemandInput struct {
	Text         string
	Translations i18n.Translations
	Status       string
}

// CampaignPatch changes only the fields that are not nil.
type CampaignPatch struct {
	Title       *string
	Slug        *string
	Summary     *string
	Targets     *[]string
	UltimatumAt **time.Time // pointer to nil clears the ultimatum
	Language    *string
	// Translations, when given, replace the campaign's (title, summary).
	Translations *i18n.Translations
	// Publish makes a draft public with the edit, in its transaction (a
	// published campaign stays so).
	Publish bool
}

// NewDemand adds a demand to a section (by id, or by position when
// SectionPosition > 0). Position 0 appends.
type NewDemand struct {
	SectionID       string
	SectionPosition int
	Text            string
	Translations    i18n.Translations
	Position        int
}

// DemandPatch edits a demand: its text, its place in its section, and its
// status (recorded in the history with note, evidence and date).
type DemandPatch struct {
	Text         *string
	Translations *i18n.Translations // replace the text's translations
	Position     *int
	Status       *StatusChange
}

// CoverageInput is a press article or podcast to list.
type CoverageInput struct {
	Kind        string // "" means article
	PublishedOn string // YYYY-MM-DD
	Outlet      string
	Title       string
	Language    string
	URL         string
}

// UpdateInput is a timeline entry; a zero PublishedAt means now.
type UpdateInput struct {
	Title       string
	Body        string
	PublishedAt time.Time
	Told        *Told // what the system wrote (RecordUpdate's callers)
	// Translations are the entry's title and body in the campaign's
	// other languages (the campaign's own is dropped).
	Translations i18n.Translations
}

// Field names follow the API's JSON and are 0-based like JSON arrays:
// demand_sections[0].demands[2].text is the third demand of section A.
// The forms use the same names for their inputs.
func sectionField(i int) string { return fmt.Sprintf("demand_sections[%d]", i) }

func demandField(i, j int) string {
	return fmt.Sprintf("demand_sections[%d].demands[%d]", i, j)
}

func targetField(i int) string { return fmt.Sprintf("targets[%d].name", i) }

// clean trims text and normalizes it (NFC, \n line ends) so what is stored
// is what people typed, without invisible differences.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(norm.NFC.String(s))
}

// cleanLine is clean for one-line values: inner runs of white space,
// newlines included, become one space.
func cleanLine(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))), " ")
}

func length(s string) int { return utf8.RuneCountInString(s) }

// text checks a required or optional text field after cleaning.
func text(es *repertoire.Errors, field, v string, required bool, max int) {
	switch {
	case required && v == "":
		*es = append(*es, repertoire.Invalid(field, "field.required", nil))
	case length(v) > max:
		*es = append(*es, repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max}))
	}
}

// ValidSlug reports whether s is a well-formed slug.
func ValidSlug(s string) bool {
	if len(s) < MinSlug || len(s) > MaxSlug || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// reserved slugs would be shadowed by the pages under /c/{community}/.
var reserved = map[string]bool{
	"campaigns": true, "edit": true, "delete": true, "new": true, "members": true,
	"join": true, "leave": true, "invite": true, "invitations": true, "settings": true,
	"requests": true, "feed": true,
}

// normalize cleans the input and collects every field error. Errors name
// fields the way the API does (see sectionField).
func (in *CampaignInput) normalize() error {
	var es repertoire.Errors
	in.Title = cleanLine(in.Title)
	text(&es, "title", in.Title, true, MaxTitle)
	in.Summary = clean(in.Summary)
	text(&es, "summary", in.Summary, false, MaxSummary)
	if in.Language != "" {
		lang, err := i18n.CheckLanguage("language", in.Language, false)
		if err != nil {
			es = append(es, err)
		}
		in.Language = lang
	}
	if err := in.Translations.Normalize(in.Language, campaignFields); err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	}
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	if in.Slug == "" && in.Title != "" {
		in.Slug = web.Slugify(in.Title)
		if reserved[in.Slug] {
			in.Slug += "-campaign"
		}
		if len(in.Slug) < MinSlug { // a title of symbols or a foreign script
			id := store.NewID()
			in.Slug = "campaign-" + id[len(id)-8:]
		}
	} else if in.Slug != "" {
		checkSlug(&es, in.Slug)
	}
	es = append(es, normalizeTargets(in.Targets)...)
	for i := range in.Targets {
		in.Targets[i] = cleanLine(in.Targets[i])
	}
	if len(in.Sections) > MaxSections {
		es = append(es, repertoire.Invalid("demand_sections", "campaign.too_many_sections", map[string]any{"Max": MaxSections}))
	}
	total := 0
	for i := range in.Sections {
		s := &in.Sections[i]
		s.Title = cleanLine(s.Title)
		text(&es, sectionField(i)+".title", s.Title, true, MaxTitle)
		if err := s.Translations.Normalize(in.Language, sectionFields); err != nil {
			es = append(es, prefixed(sectionField(i)+".", err)...)
		}
		if len(s.Demands) > MaxSectionDemands {
			es = append(es, repertoire.Invalid(sectionField(i)+".demands", "campaign.too_many_section_demands", map[string]any{"Max": MaxSectionDemands}))
		}
		total += len(s.Demands)
		for j := range s.Demands {
			d := &s.Demands[j]
			d.Text = clean(d.Text)
			text(&es, demandField(i, j)+".text", d.Text, true, MaxDemandText)
			if err := d.Translations.Normalize(in.Language, demandFields); err != nil {
				es = append(es, prefixed(demandField(i, j)+".", err)...)
			}
			if d.Status == "" {
				d.Status = StatusOpen
			} else if !ValidStatus(d.Status) {
				es = append(es, repertoire.Invalid(demandField(i, j)+".status", "campaign.bad_status", nil))
			}
		}
	}
	if total > MaxDemands {
		es = append(es, repertoire.Invalid("demand_sections", "campaign.too_many_demands", map[string]any{"Max": MaxDemands}))
	}
	return es.Err()
}

func checkSlug(es *repertoire.Errors, slug string) {
	switch {
	case !ValidSlug(slug):
		*es = append(*es, repertoire.Invalid("slug", "field.bad_slug", nil))
	case reserved[slug]:
		*es = append(*es, repertoire.Invalid("slug", "campaign.slug_reserved", nil))
	}
}

func normalizeTargets(targets []string) repertoire.Errors {
	var es repertoire.Errors
	if len(targets) > MaxTargets {
		es = append(es, repertoire.Invalid("targets", "campaign.too_many_targets", map[string]any{"Max": MaxTargets}))
	}
	for i, t := range targets {
		t = cleanLine(t)
		text(&es, targetField(i), t, true, MaxTargetName)
	}
	return es
}

func (p *CampaignPatch) normalize() error {
	var es repertoire.Errors
	if p.Title != nil {
		*p.Title = cleanLine(*p.Title)
		text(&es, "title", *p.Title, true, MaxTitle)
	}
	if p.Summary != nil {
		*p.Summary = clean(*p.Summary)
		text(&es, "summary", *p.Summary, false, MaxSummary)
	}
	if p.Slug != nil {
		*p.Slug = strings.ToLower(strings.TrimSpace(*p.Slug))
		checkSlug(&es, *p.Slug)
	}
	if p.Language != nil {
		lang, err := i18n.CheckLanguage("language", *p.Language, true)
		if err != nil {
			es = append(es, err)
		}
		*p.Language = lang
	}
	if p.Translations != nil {
		// The own language's entries are dropped in the transaction,
		// which knows it.
		if err := p.Translations.Normalize("", campaignFields); err != nil {
			es = append(es, repertoire.FieldErrors(err)...)
		}
	}
	if p.Targets != nil {
		es = append(es, normalizeTargets(*p.Targets)...)
		for i := range *p.Targets {
			(*p.Targets)[i] = cleanLine((*p.Targets)[i])
		}
	}
	return es.Err()
}

// normalizeChange checks a status change; now bounds its date, so history
// is never written in the future.
func (c *StatusChange) normalize(now time.Time) error {
	var es repertoire.Errors
	if !ValidStatus(c.Status) {
		es = append(es, repertoire.Invalid("status", "campaign.bad_status", nil))
	}
	c.Note = clean(c.Note)
	text(&es, "status_note", c.Note, false, MaxNote)
	c.EvidenceURL = strings.TrimSpace(c.EvidenceURL)
	if c.EvidenceURL != "" && !ValidURL(c.EvidenceURL) {
		es = append(es, repertoire.Invalid("evidence_url", "field.bad_url", nil))
	}
	if c.ChangedAt.IsZero() {
		c.ChangedAt = now
	} else if c.ChangedAt.After(now.Add(24 * time.Hour)) { // a day of slack for time zones
		es = append(es, repertoire.Invalid("status_date", "campaign.date_in_future", nil))
	}
	c.ChangedAt = c.ChangedAt.UTC().Truncate(time.Microsecond)
	return es.Err()
}

func (in *CoverageInput) normalize() error {
	var es repertoire.Errors
	in.Kind = strings.TrimSpace(in.Kind)
	if in.Kind == "" {
		in.Kind = "article"
	}
	if in.Kind != "article" && in.Kind != "podcast" {
		es = append(es, repertoire.Invalid("kind", "field.bad_choice", nil))
	}
	in.PublishedOn = strings.TrimSpace(in.PublishedOn)
	if in.PublishedOn == "" {
		es = append(es, repertoire.Invalid("date", "field.required", nil))
	} else if d, err := ParseDate(in.PublishedOn); err != nil {
		es = append(es, repertoire.Invalid("date", "field.bad_date", nil))
	} else {
		in.PublishedOn = d.Format(time.DateOnly)
	}
	in.Outlet = cleanLine(in.Outlet)
	text(&es, "outlet", in.Outlet, true, MaxTitle)
	in.Title = cleanLine(in.Title)
	text(&es, "title", in.Title, true, MaxCoverageTitle)
	if lang, err := i18n.CheckTag("language", in.Language); err != nil {
		es = append(es, err)
	} else {
		in.Language = lang
	}
	in.URL = strings.TrimSpace(in.URL)
	if in.URL != "" && !ValidURL(in.URL) {
		es = append(es, repertoire.Invalid("url", "field.bad_url", nil))
	}
	return es.Err()
}

func (in *UpdateInput) normalize(now time.Time) error {
	var es repertoire.Errors
	in.Title = cleanLine(in.Title)
	text(&es, "title", in.Title, true, MaxTitle)
	in.Body = clean(in.Body)
	text(&es, "body", in.Body, false, MaxUpdateBody)
	if err := in.Translations.Normalize("", updateFields); err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	}
	if in.PublishedAt.IsZero() {
		in.PublishedAt = now
	} else if in.PublishedAt.After(now.Add(24 * time.Hour)) {
		es = append(es, repertoire.Invalid("published_date", "campaign.date_in_future", nil))
	}
	in.PublishedAt = in.PublishedAt.UTC().Truncate(time.Microsecond)
	return es.Err()
}

// ValidURL accepts absolute http and https links only: evidence and press
// links are shown to the public, so no javascript: or data: links.
func ValidURL(s string) bool {
	if len(s) > MaxURL || strings.ContainsAny(s, " \t\n\r") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// ParseDate reads a date as people and API clients write it: YYYY-MM-DD
// (midnight UTC) or an RFC 3339 timestamp.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	if t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("year out of range")
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

// Lines splits a "one per line" textarea: blank lines are skipped, each
// line trimmed. Bullets and numbers people paste ("1.", "-", "•") stay:
// they may belong to the text.
func Lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(strings.TrimRight(l, "\r")); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// DaysUntil counts whole days from now to t (negative once passed).
func DaysUntil(now, t time.Time) int {
	d := t.Sub(now)
	days := int(d / (24 * time.Hour))
	if d > 0 && d%(24*time.Hour) != 0 {
		days++ // "in 1 day" until the very day
	}
	return days
}

// What each part of a campaign translates, with the checks of its own
// language's field.
var (
	campaignFields = map[string]func(field, v string) (string, []*repertoire.Error){
		"title": translated(cleanLine, MaxTitle), "summary": translated(clean, MaxSummary)}
	sectionFields = map[string]func(field, v string) (string, []*repertoire.Error){"title": translated(cleanLine, MaxTitle)}
	demandFields  = map[string]func(field, v string) (string, []*repertoire.Error){"text": translated(clean, MaxDemandText)}
	updateFields  = map[string]func(field, v string) (string, []*repertoire.Error){
		"title": translated(cleanLine, MaxTitle), "body": translated(clean, MaxUpdateBody)}
)

// translated is the check of a translated field: cleaned as its own
// language's, never required (the own language's version is).
func translated(cleaner func(string) string, max int) func(field, v string) (string, []*repertoire.Error) {
	return func(field, v string) (string, []*repertoire.Error) {
		v = cleaner(v)
		var es repertoire.Errors
		text(&es, field, v, false, max)
		return v, es
	}
}

// prefixed puts a part's path before its errors' fields: a section's
// translations.fr.title is demand_sections[0].translations.fr.title.
func prefixed(prefix string, err error) repertoire.Errors {
	es := repertoire.FieldErrors(err)
	for _, e := range es {
		e.Field = prefix + e.Field
	}
	return es
}

// In is the campaign as a reader of lang reads it: its title, summary,
// sections and demands in lang where they were written in it, in the
// campaign's own language otherwise (i18n.Translations.Pick); its
// timeline's system entries written in l's language. c is not changed.
func (c *Campaign) In(l *i18n.Localizer) *Campaign {
	lang := l.Tag()
	out := *c
	out.Title = c.Translations.Pick(lang, c.Language, "title", c.Title)
	out.Summary = c.Translations.Pick(lang, c.Language, "summary", c.Summary)
	out.Sections = make([]Section, len(c.Sections))
	for i, s := range c.Sections {
		s.Title = s.Translations.Pick(lang, c.Language, "title", s.Title)
		ds := make([]Demand, len(s.Demands))
		for j, d := range s.Demands {
			ds[j] = d.In(l, c.Language)
			ds[j].SectionTitle = s.Title
		}
		s.Demands = ds
		out.Sections[i] = s
	}
	out.Updates = make([]Update, len(c.Updates))
	for i, u := range c.Updates {
		out.Updates[i] = u.In(l, c.Language)
	}
	return &out
}

// In is the demand as a reader of l's language reads it (own: its
// campaign's language), the notes the system wrote in its history too.
func (d Demand) In(l *i18n.Localizer, own string) Demand {
	d.Text = d.Translations.Pick(l.Tag(), own, "text", d.Text)
	told := false
	for _, c := range d.History {
		told = told || c.Told != nil
	}
	if told && l != nil {
		h := make([]StatusChange, len(d.History))
		for i, c := range d.History {
			if c.Told != nil {
				c.Note = c.Told.Render(l, web.FormatNumber)
			}
			h[i] = c
		}
		d.History = h
	}
	return d
}

// In is the entry as a reader of l's language reads it (own: its
// campaign's language): a system entry written in l's language, an
// organizer's in their version for it when they wrote one
// (i18n.Translations.Pick), else as written.
func (u Update) In(l *i18n.Localizer, own string) Update {
	if u.Told == nil || u.Told.Title.ID == "" {
		if len(u.Translations) > 0 && l != nil {
			u.Title = u.Translations.Pick(l.Tag(), own, "title", u.Title)
			u.Body = u.Translations.Pick(l.Tag(), own, "body", u.Body)
		}
		return u
	}
	u.Title = u.Told.Title.Render(l, web.FormatNumber)
	if len(u.Told.Body) > 0 {
		said := make([]string, len(u.Told.Body))
		for i, m := range u.Told.Body {
			said[i] = m.Render(l, web.FormatNumber)
		}
		u.Body = strings.Join(said, "\n\n")
	}
	return u
}

// OtherLanguages are the languages a campaign's content may be translated
// into: the instance's, but its own.
func OtherLanguages(own string) []string {
	var out []string
	for _, l := range i18n.Languages {
		if l != own {
			out = append(out, l)
		}
	}
	return out
}

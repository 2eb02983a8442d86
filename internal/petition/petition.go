// Package petition is a campaign's petition: an organizer writes it with
// its targets, goal and the demands it supports; anyone signs from its
// public page or through the OSDI record-signature helper; signatures are
// participations (package participation): pending until confirmed by
// mail, counted from maintained counters; the organizer delivers it to its
// targets and exports its signers.
package petition

import (
	"context"
	"embed"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/integrity"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Petition statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
	// StatusDraft: saved, not published: not public, not signed, not
	// counted, listed to its organizers only; published by opening it.
	StatusDraft = "draft"
)

// Target is whom a petition is delivered to; the address is optional (a
// target without one gets the petition by other means, recorded by hand).
type Target struct {
	Name  string
	Email string
}

// Petition is one petition of a campaign.
type Petition struct {
	ID string
	campaign.Parent
	Slug         string
	Name         string // OSDI's administrative name; "" when none was given
	Title        string // in the campaign's language (Parent.Language)
	Description  string
	Text         string
	Translations i18n.Translations // title, description, petition_text in the other languages
	Goal         int               // 0: no goal
	Status       string
	OriginSystem string
	Targets      []Target
	DemandIDs    []string
	CreatedAt    time.Time
	ModifiedAt   time.Time
}

// In is the petition as a reader of lang reads it: its title, description
// and text in lang when written in it (else in its own), its campaign's
// title too. p is not changed.
func (p *Petition) In(lang string) *Petition {
	out := *p
	out.Title = p.Pick(p.Translations, lang, "title", p.Title)
	out.Description = p.Pick(p.Translations, lang, "description", p.Description)
	out.Text = p.Pick(p.Translations, lang, "petition_text", p.Text)
	out.Parent = p.Parent.In(lang)
	return &out
}

// translated are the fields a petition is written in in other languages,
// named as the form and the API name them, with their limits.
var translated = map[string]func(field, v string) (string, []*repertoire.Error){
	"title": limit(200), "description": limit(2000), "petition_text": limit(20000)}

func limit(max int) func(field, v string) (string, []*repertoire.Error) {
	return func(field, v string) (string, []*repertoire.Error) {
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) > max {
			return v, []*repertoire.Error{repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max})}
		}
		return v, nil
	}
}

// Path is the petition's public page.
func (p *Petition) Path() string {
	return "/c/" + p.CommunitySlug + "/" + p.CampaignSlug + "/petitions/" + p.Slug
}

// Input is what an organizer writes. Field names are the form's and the
// API's: title, slug, name (OSDI's administrative name), description,
// petition_text, goal, target[i].name, target[i].email, demands.
type Input struct {
	CampaignID   string
	Slug         string // made from the title when empty
	Name         string // administrative name (the API's OSDI name)
	Title        string
	Description  string
	Text         string
	Translations i18n.Translations // the other languages' title, description, petition_text
	Goal         int
	Targets      []Target
	DemandIDs    []string
	OriginSystem string
	Draft        bool // created as a draft (the page's "save as draft")
	// Status, when not "", is the status an edit leaves the petition in
	// (the API's PUT: published, closed or reopened with the edit, in its
	// transaction); "" keeps it.
	Status string
}

func (in *Input) normalize() error {
	in.Title = strings.TrimSpace(in.Title)
	in.Slug = strings.TrimSpace(strings.ToLower(in.Slug))
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	in.Text = strings.TrimSpace(in.Text)
	var errs repertoire.Errors
	if err := in.Translations.Normalize("", translated); err != nil {
		errs = append(errs, repertoire.FieldErrors(err)...)
	}
	if utf8.RuneCountInString(in.Name) > 200 {
		errs = append(errs, repertoire.Invalid("name", "field.too_long", map[string]any{"Max": 200}))
	}
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		errs = append(errs, repertoire.Invalid("title", "field.required", nil))
	case n > 200:
		errs = append(errs, repertoire.Invalid("title", "field.too_long", map[string]any{"Max": 200}))
	}
	if in.Slug == "" {
		in.Slug = web.Slugify(in.Title)
	}
	if !community.ValidSlug(in.Slug) {
		errs = append(errs, repertoire.Invalid("slug", "field.bad_slug", nil))
	}
	if utf8.RuneCountInString(in.Description) > 2000 {
		errs = append(errs, repertoire.Invalid("description", "field.too_long", map[string]any{"Max": 2000}))
	}
	// The text is optional, as in OSDI: a petition may be all description.
	if utf8.RuneCountInString(in.Text) > 20000 {
		errs = append(errs, repertoire.Invalid("petition_text", "field.too_long", map[string]any{"Max": 20000}))
	}
	if in.Goal < 0 || in.Goal > 1_000_000_000 {
		errs = append(errs, repertoire.Invalid("goal", "petition.bad_goal", nil))
	}
	var targets []Target
	for i, t := range in.Targets {
		t.Name, t.Email = strings.TrimSpace(t.Name), strings.ToLower(strings.TrimSpace(t.Email))
		if t.Name == "" && t.Email == "" {
			continue
		}
		f := "target[" + itoa(i) + "]"
		if t.Name == "" {
			errs = append(errs, repertoire.Invalid(f+".name", "field.required", nil))
		} else if utf8.RuneCountInString(t.Name) > 200 {
			errs = append(errs, repertoire.Invalid(f+".name", "field.too_long", map[string]any{"Max": 200}))
		}
		if t.Email != "" && !account.ValidEmail(t.Email) {
			errs = append(errs, repertoire.Invalid(f+".email", "field.bad_email", nil))
		}
		targets = append(targets, t)
	}
	if len(targets) > 50 {
		errs = append(errs, repertoire.Invalid("target", "petition.too_many_targets", nil))
	}
	in.Targets = targets
	seen := map[string]bool{}
	var demands []string
	for _, d := range in.DemandIDs {
		if d = strings.TrimSpace(d); d != "" && !seen[d] {
			seen[d] = true
			demands = append(demands, d)
		}
	}
	in.DemandIDs = demands
	return errs.Err()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// Handler serves petition pages and API, and is the petition Action of the
// participation core.
type Handler struct {
	Store       *Store
	parts       *participation.Service
	communities *community.Store
	campaigns   *campaign.Store
	pages       *web.Renderer
	locator     participation.Locator[*Petition]
	cat         *i18n.Catalog
	log         *slog.Logger
	baseURL     string

	// Public pages and the signing helper read these snapshots, at most a
	// second old, so a viral petition's page costs no query per view.
	cacheMu sync.Mutex
	views   map[string]*cachedView
	byID    map[string]*cachedPetition
	cards   *web.ShareCards // the share images, drawn once a minute

	// Integrity gives the set-aside figure beside the count (nil: none
	// shown), wired in server.go.
	Integrity *integrity.Handler
}

type cachedPetition struct {
	p      *Petition
	public bool // its community is public
	at     time.Time
}

const cacheTTL = time.Second

// New builds the petition handler and registers petitions with the
// participation core.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string,
	communities *community.Store, campaigns *campaign.Store, parts *participation.Service) *Handler {
	h := &Handler{Store: NewStore(db), parts: parts, communities: communities, campaigns: campaigns, pages: pages,
		cat: cat, log: log, baseURL: strings.TrimRight(baseURL, "/"), views: map[string]*cachedView{}, byID: map[string]*cachedPetition{},
		cards: web.NewShareCards(time.Minute)}
	h.locator = participation.Locator[*Petition]{Pages: pages, Communities: communities, Campaigns: campaigns,
		Get: h.Store.GetBySlug, Param: "petition", OrganizersOnly: "petition.organizers_only",
		Draft: func(p *Petition) bool { return p.Status == StatusDraft }, NotFound: errNotFound}
	parts.Register(participation.Signature, h)
	return h
}

// petition reads a petition by id through the one-second cache, with
// whether its community is public.
func (h *Handler) petition(ctx context.Context, id string) (*Petition, bool, error) {
	now := time.Now()
	h.cacheMu.Lock()
	c := h.byID[id]
	h.cacheMu.Unlock()
	if c != nil && now.Sub(c.at) < cacheTTL {
		return c.p, c.public, nil
	}
	p, err := h.Store.Get(ctx, id)
	if err != nil {
		return nil, false, err
	}
	com, err := h.communities.Get(ctx, p.CommunityID)
	if err != nil {
		return nil, false, err
	}
	public := com.Visibility == community.Public
	h.cacheMu.Lock()
	if len(h.byID) > 10_000 {
		clear(h.byID)
	}
	h.byID[id] = &cachedPetition{p: p, public: public, at: now}
	h.cacheMu.Unlock()
	return p, public, nil
}

// forget drops cached views of a petition after an organizer changed it,
// and the form's snapshots: a closed petition refuses the next signature.
func (h *Handler) forget(id string) {
	h.cacheMu.Lock()
	delete(h.byID, id)
	clear(h.views)
	h.cacheMu.Unlock()
	h.locator.Forget()
}

// ConfirmMail renders the signature confirmation mail (participation.Action).
func (h *Handler) ConfirmMail(ctx context.Context, q store.Queryer, actionID, lang string, links participation.Links) (string, string, error) {
	p, _, err := h.petition(ctx, actionID)
	if err != nil {
		return "", "", err
	}
	l := h.cat.For(lang)
	p = p.In(l.Tag())
	return l.T("petition.mail.confirm.subject", "Title", p.Title),
		l.T("petition.mail.confirm.body", "Title", p.Title, "Confirm", links.Confirm, "Choices", links.Choices, "Withdraw", links.Withdraw,
			"Page", h.baseURL+p.Path()), nil
}

// Draft tells a draft petition, or one of a draft campaign
// (participation.Drafter).
func (h *Handler) Draft(ctx context.Context, q store.Queryer, actionID string) (bool, error) {
	return h.Store.Draft(ctx, q, actionID)
}

// Counted is called when a petition's count moved (participation.Action):
// nothing to do, the page reads the counters.
func (h *Handler) Counted(ctx context.Context, tx *store.Tx, actionID string, c participation.Counts) error {
	return nil
}

// Titles names petitions (participation.Action).
func (h *Handler) Titles(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error) {
	return h.Store.Titles(ctx, q, ids)
}

// Page gives a petition's title and path (participation.Action).
func (h *Handler) Page(ctx context.Context, actionID, lang string) (string, string, error) {
	p, _, err := h.petition(ctx, actionID)
	if err != nil {
		return "", "", err
	}
	return p.In(lang).Title, p.Path(), nil
}

// DemandMove is a demand status change recorded with a delivery.
type DemandMove struct {
	DemandID string
	Status   string
}

// Deliver hands the petition to its targets, in one transaction: the
// delivery, a mail to each target with an address (see mailDelivery), an
// entry on the campaign timeline, and any demand status moves.
func (h *Handler) Deliver(ctx context.Context, actorID string, p *Petition, note, lang string, moves []DemandMove) (*Delivery, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 2000 {
		return nil, repertoire.Invalid("note", "field.too_long", map[string]any{"Max": 2000})
	}
	for _, m := range moves {
		if !campaign.ValidStatus(m.Status) {
			return nil, repertoire.Invalid("demand_status", "campaign.bad_status", nil)
		}
	}
	l := h.cat.For(lang)
	sh, err := h.deliverySheet(ctx, p, l)
	if err != nil {
		return nil, err
	}
	d := &Delivery{ID: store.NewID(), Note: note}
	err = h.Store.db.Write(ctx, func(tx *store.Tx) error {
		counts, err := participation.CountsOf(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		d.Count, d.DeliveredAt = counts.Total(), tx.Now
		if err := insertDelivery(ctx, tx, p.ID, actorID, d); err != nil {
			return err
		}
		if err := h.mailDelivery(ctx, tx, actorID, p, d, sh, lang, l); err != nil {
			return err
		}
		told := i18n.Msg("petition.timeline.delivered", "Title", p.titles(), "Total", d.Count)
		title := told.Render(l, web.FormatNumber)
		if err := campaign.RecordUpdate(ctx, tx, actorID, p.CampaignID, campaign.UpdateInput{Title: title, Body: note, PublishedAt: d.DeliveredAt,
			Told: &campaign.Told{Title: told}}); err != nil {
			return err
		}
		for _, m := range moves {
			if err := campaign.RecordDemandStatus(ctx, tx, actorID, p.CampaignID, m.DemandID,
				campaign.StatusChange{Status: m.Status, Note: title, ChangedAt: d.DeliveredAt, Told: &told}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.forget(p.ID)
	return d, nil
}

// Edit saves an organizer's changes to a petition and, in the same
// transaction, tells the campaign's timeline of those its signers care
// about: a new goal, a changed text (what they signed). A draft's edits
// tell nothing: nobody signed it, and its title is not public yet. The
// page's form and the API's PUT both edit through here.
func (h *Handler) Edit(ctx context.Context, actorID string, p *Petition, in Input, lang string) (*Petition, error) {
	l := h.cat.For(lang)
	return h.Store.update(ctx, p.ID, in, func(tx *store.Tx, in Input) error {
		if p.Status == StatusDraft {
			return nil
		}
		var told []i18n.Message
		if in.Goal != p.Goal {
			told = append(told, i18n.Msg("petition.timeline.goal", "Before", p.Goal, "After", in.Goal))
		}
		if in.Text != p.Text || textChanged(p.Translations, in.Translations) {
			told = append(told, i18n.Msg("petition.timeline.text"))
		}
		if len(told) == 0 {
			return nil
		}
		said := make([]string, len(told))
		for i, m := range told {
			said[i] = m.Render(l, web.FormatNumber)
		}
		edited := &Petition{Parent: p.Parent, Title: in.Title, Translations: in.Translations}
		title := i18n.Msg("petition.timeline.edited", "Title", edited.titles())
		return campaign.RecordUpdate(ctx, tx, actorID, p.CampaignID, campaign.UpdateInput{
			Title: title.Render(l, web.FormatNumber), Body: strings.Join(said, "\n\n"), PublishedAt: tx.Now,
			Told: &campaign.Told{Title: title, Body: told}})
	})
}

// Answer records the target's answer to a delivery, on the petition and
// the campaign timeline, in one transaction.
func (h *Handler) Answer(ctx context.Context, actorID string, p *Petition, deliveryID, answer, lang string) error {
	answer = strings.TrimSpace(answer)
	switch n := utf8.RuneCountInString(answer); {
	case n == 0:
		return repertoire.Invalid("answer", "field.required", nil)
	case n > 5000:
		return repertoire.Invalid("answer", "field.too_long", map[string]any{"Max": 5000})
	}
	l := h.cat.For(lang)
	return h.Store.db.Write(ctx, func(tx *store.Tx) error {
		if err := answerDelivery(ctx, tx, p.ID, deliveryID, answer); err != nil {
			return err
		}
		told := i18n.Msg("petition.timeline.answered", "Title", p.titles())
		return campaign.RecordUpdate(ctx, tx, actorID, p.CampaignID, campaign.UpdateInput{
			Title: told.Render(l, web.FormatNumber), Body: answer, PublishedAt: tx.Now, Told: &campaign.Told{Title: told}})
	})
}

// titles is the petition's title in every language it has, as the
// argument of a timeline entry written in each reader's (i18n.Message).
func (p *Petition) titles() map[string]string {
	return i18n.Versions(p.Language, p.Title, p.Translations, "title")
}

// textChanged reports whether the text's version in any language changed:
// what its signers signed.
func textChanged(before, after i18n.Translations) bool {
	for _, l := range i18n.Languages {
		if before.Get(l, "petition_text") != after.Get(l, "petition_text") {
			return true
		}
	}
	return false
}

// TacticLister lists a campaign's petitions on its page, and closes its
// open ones when the campaign is closed (campaign.TacticCloser).
func (h *Handler) TacticLister() campaign.TacticLister { return tactics{h} }

type tactics struct{ h *Handler }

func (t tactics) CampaignTactics(ctx context.Context, campaignID string) ([]campaign.Tactic, error) {
	return t.h.Store.CampaignTactics(ctx, campaignID)
}

// CloseCampaignTactics closes the campaign's open petitions, then forgets
// them, so that their pages and signing read them closed at once.
func (t tactics) CloseCampaignTactics(ctx context.Context, campaignID string) error {
	ids, err := t.h.Store.CloseCampaign(ctx, campaignID)
	for _, id := range ids {
		t.h.forget(id)
	}
	return err
}

// Dashboard is the petitions' part of the organizer's dashboard: the
// signatures flagged for their review.
func (h *Handler) Dashboard() community.Dashboarder { return h.Store }

package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Store holds campaigns, their demands and their history. Each public
// method is one transaction: a campaign with 17 demands is written whole or
// not at all.
type Store struct{ db *store.DB }

// NewStore wraps the database.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

var (
	errNotFound       = repertoire.Errorf(repertoire.ENOTFOUND, "campaign.not_found")
	errDemandNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "campaign.demand_not_found")
)

func slugTaken() error {
	return &repertoire.Error{Code: repertoire.ECONFLICT, Field: "slug", MessageID: "campaign.slug_taken"}
}

// Create writes a campaign with its targets, sections and demands, and the
// initial "open" entry of every demand's history.
func (s *Store) Create(ctx context.Context, personID string, in CampaignInput) (*Campaign, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	var id string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		id, err = Insert(ctx, tx, personID, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Insert is Create inside the caller's transaction (a petition created
// with a campaign of its own), returning the new campaign's id.
func Insert(ctx context.Context, tx *store.Tx, personID string, in CampaignInput) (string, error) {
	found, err := community.ByIDs(ctx, tx, []string{in.CommunityID})
	if err != nil {
		return "", err
	}
	if found[in.CommunityID] == nil {
		return "", repertoire.Errorf(repertoire.ENOTFOUND, "campaign.community_not_found")
	}
	if in.Language == "" { // written in its community's language unless said
		in.Language, _ = i18n.ParseLanguage(found[in.CommunityID].Language)
		if in.Language == "" {
			in.Language = i18n.Languages[0]
		}
	}
	if err := in.normalize(); err != nil {
		return "", err
	}
	id := store.NewID()
	if err := checkSlugFree(ctx, tx, in.CommunityID, in.Slug, ""); err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO campaigns (id, community_id, slug, title, summary, ultimatum_at, draft, created_by, created_at, modified_at, language, translations)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)`,
		id, in.CommunityID, in.Slug, in.Title, in.Summary, store.NullTime(in.UltimatumAt), in.Draft, nullID(personID), tx.Now, in.Language, in.Translations)
	if store.IsUniqueViolation(err) {
		return "", slugTaken()
	}
	if err != nil {
		return "", repertoire.Internal(err)
	}
	if err := writeTargets(ctx, tx, id, in.Targets); err != nil {
		return "", err
	}
	opened := tx.Now
	if in.OpenedAt != nil {
		opened = in.OpenedAt.UTC().Truncate(time.Microsecond)
	}
	for i, sec := range in.Sections {
		sid, err := insertSection(ctx, tx, id, i+1, sec.Title, sec.Translations)
		if err != nil {
			return "", err
		}
		for j, d := range sec.Demands {
			if _, err := insertDemand(ctx, tx, personID, id, sid, j+1, d.Text, d.Translations, d.Status, opened); err != nil {
				return "", err
			}
		}
	}
	return id, nil
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

func checkSlugFree(ctx context.Context, tx *store.Tx, communityID, slug, exceptID string) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaigns WHERE community_id = $1 AND slug = $2 AND id <> $3`,
		communityID, slug, exceptID).Scan(&n)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n > 0 {
		return slugTaken()
	}
	return nil
}

func writeTargets(ctx context.Context, tx *store.Tx, campaignID string, targets []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM campaign_targets WHERE campaign_id = $1`, campaignID); err != nil {
		return repertoire.Internal(err)
	}
	for i, name := range targets {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_targets (id, campaign_id, position, name) VALUES ($1, $2, $3, $4)`,
			store.NewID(), campaignID, i+1, name); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

func insertSection(ctx context.Context, tx *store.Tx, campaignID string, pos int, title string, tr i18n.Translations) (string, error) {
	id := store.NewID()
	if _, err := tx.ExecContext(ctx, `INSERT INTO demand_sections (id, campaign_id, position, title, translations) VALUES ($1, $2, $3, $4, $5)`,
		id, campaignID, pos, title, tr); err != nil {
		return "", repertoire.Internal(err)
	}
	return id, nil
}

// insertDemand writes a demand and its first history entry, "open" at
// opened; a demand created with another status gets that status as a
// second entry at the same date.
func insertDemand(ctx context.Context, tx *store.Tx, personID, campaignID, sectionID string, pos int, text string, tr i18n.Translations, status string, opened time.Time) (string, error) {
	id := store.NewID()
	if status == "" {
		status = StatusOpen
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO demands (id, campaign_id, section_id, position, text, status, created_at, modified_at, translations)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`, id, campaignID, sectionID, pos, text, status, tx.Now, tr); err != nil {
		return "", repertoire.Internal(err)
	}
	if err := insertChange(ctx, tx, id, personID, StatusChange{Status: StatusOpen, ChangedAt: opened}); err != nil {
		return "", err
	}
	if status != StatusOpen {
		if err := insertChange(ctx, tx, id, personID, StatusChange{Status: status, ChangedAt: opened}); err != nil {
			return "", err
		}
	}
	return id, nil
}

func insertChange(ctx context.Context, tx *store.Tx, demandID, personID string, c StatusChange) error {
	told := ""
	if c.Told != nil {
		b, err := json.Marshal(c.Told)
		if err != nil {
			return repertoire.Internal(err)
		}
		told = string(b)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO demand_status_changes (id, demand_id, status, note, evidence_url, changed_at, changed_by, message)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, store.NewID(), demandID, c.Status, c.Note, c.EvidenceURL, c.ChangedAt, nullID(personID), told)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// campaignColumns are read without the community's slug and name, which
// fillCommunities adds from the community package.
const campaignColumns = `c.id, c.community_id, c.slug, c.title, c.summary, c.ultimatum_at, c.draft, c.closed_at, c.created_at, c.modified_at, c.language, c.translations`

func scanCampaign(row store.Scanner) (*Campaign, error) {
	var c Campaign
	var ult, closed sql.NullTime
	if err := row.Scan(&c.ID, &c.CommunityID, &c.Slug, &c.Title, &c.Summary, &ult, &c.Draft, &closed, &c.CreatedAt, &c.ModifiedAt, &c.Language, &c.Translations); err != nil {
		return nil, err
	}
	c.UltimatumAt, c.ClosedAt = store.TimePtr(ult), store.TimePtr(closed)
	c.CreatedAt, c.ModifiedAt = c.CreatedAt.UTC(), c.ModifiedAt.UTC()
	return &c, nil
}

// fillCommunities sets each campaign's community slug and name, one read
// of the communities for all of them. A campaign whose community is gone
// meanwhile is left out.
func fillCommunities(ctx context.Context, q store.Queryer, cs []*Campaign) ([]*Campaign, error) {
	if len(cs) == 0 {
		return cs, nil
	}
	var ids []string
	seen := map[string]bool{}
	for _, c := range cs {
		if !seen[c.CommunityID] {
			seen[c.CommunityID] = true
			ids = append(ids, c.CommunityID)
		}
	}
	coms, err := community.ByIDs(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	kept := cs[:0]
	for _, c := range cs {
		if m := coms[c.CommunityID]; m != nil {
			c.CommunitySlug, c.CommunityName = m.Slug, m.Name
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// Get returns a campaign with everything on its page: targets, sections
// with demands and their histories, updates and coverage.
func (s *Store) Get(ctx context.Context, id string) (*Campaign, error) {
	return s.get(ctx, `c.id = $1`, id)
}

// GetBySlug finds a campaign by its slug within a community.
func (s *Store) GetBySlug(ctx context.Context, communityID, slug string) (*Campaign, error) {
	return s.get(ctx, `c.community_id = $1 AND c.slug = $2`, communityID, slug)
}

func (s *Store) get(ctx context.Context, where string, args ...any) (*Campaign, error) {
	q := s.db.Reader()
	c, err := scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns c WHERE `+where, args...))
	if err != nil {
		return nil, store.NotFound(err, "campaign.not_found")
	}
	if found, err := fillCommunities(ctx, q, []*Campaign{c}); err != nil {
		return nil, err
	} else if len(found) == 0 {
		return nil, errNotFound
	}
	if err := loadTargets(ctx, q, []*Campaign{c}); err != nil {
		return nil, err
	}
	if c.Sections, err = loadSections(ctx, q, c.ID); err != nil {
		return nil, err
	}
	if c.Updates, err = loadUpdates(ctx, q, c.ID); err != nil {
		return nil, err
	}
	if c.Coverage, err = loadCoverage(ctx, q, c.ID); err != nil {
		return nil, err
	}
	return c, nil
}

func loadTargets(ctx context.Context, q store.Queryer, cs []*Campaign) error {
	if len(cs) == 0 {
		return nil
	}
	byID := map[string]*Campaign{}
	args := make([]any, len(cs))
	marks := make([]string, len(cs))
	for i, c := range cs {
		byID[c.ID] = c
		args[i] = c.ID
		marks[i] = "$" + itoa(i+1)
	}
	rows, err := q.QueryContext(ctx, `SELECT campaign_id, name FROM campaign_targets WHERE campaign_id IN (`+strings.Join(marks, ", ")+`) ORDER BY campaign_id, position`, args...)
	if err != nil {
		return repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid, name string
		if err := rows.Scan(&cid, &name); err != nil {
			return repertoire.Internal(err)
		}
		byID[cid].Targets = append(byID[cid].Targets, name)
	}
	return internal(rows.Err())
}

func internal(err error) error {
	if err == nil {
		return nil
	}
	return repertoire.Internal(err)
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

const demandColumns = `d.id, d.campaign_id, d.section_id, s.position, s.title, d.position, d.text, d.status, d.created_at, d.modified_at, d.translations`

func scanDemand(row interface{ Scan(...any) error }) (*Demand, error) {
	var d Demand
	if err := row.Scan(&d.ID, &d.CampaignID, &d.SectionID, &d.SectionPosition, &d.SectionTitle, &d.Position, &d.Text, &d.Status, &d.CreatedAt, &d.ModifiedAt, &d.Translations); err != nil {
		return nil, err
	}
	d.CreatedAt, d.ModifiedAt = d.CreatedAt.UTC(), d.ModifiedAt.UTC()
	return &d, nil
}

func loadSections(ctx context.Context, q store.Queryer, campaignID string) ([]Section, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, position, title, translations FROM demand_sections WHERE campaign_id = $1 ORDER BY position`, campaignID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	var secs []Section
	idx := map[string]int{}
	for rows.Next() {
		var s Section
		if err := rows.Scan(&s.ID, &s.Position, &s.Title, &s.Translations); err != nil {
			rows.Close()
			return nil, repertoire.Internal(err)
		}
		idx[s.ID] = len(secs)
		secs = append(secs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	demands, err := queryDemands(ctx, q, `d.campaign_id = $1`, []any{campaignID}, "", true)
	if err != nil {
		return nil, err
	}
	for _, d := range demands {
		i := idx[d.SectionID]
		secs[i].Demands = append(secs[i].Demands, d)
	}
	return secs, nil
}

// queryDemands reads demands in list order (section, then number), with
// their histories when asked.
func queryDemands(ctx context.Context, q store.Queryer, where string, args []any, limit string, history bool) ([]Demand, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+demandColumns+` FROM demands d JOIN demand_sections s ON s.id = d.section_id
		WHERE `+where+` ORDER BY s.position, d.position`+limit, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	var out []Demand
	byID := map[string]int{}
	for rows.Next() {
		d, err := scanDemand(rows)
		if err != nil {
			rows.Close()
			return nil, repertoire.Internal(err)
		}
		byID[d.ID] = len(out)
		out = append(out, *d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	if !history || len(out) == 0 {
		return out, nil
	}
	// One query for the histories of all these demands.
	hargs := []any{}
	marks := []string{}
	for _, d := range out {
		hargs = append(hargs, d.ID)
		marks = append(marks, "$"+itoa(len(hargs)))
	}
	hrows, err := q.QueryContext(ctx, `SELECT demand_id, id, status, note, evidence_url, changed_at, COALESCE(changed_by, ''), message
		FROM demand_status_changes WHERE demand_id IN (`+strings.Join(marks, ", ")+`) ORDER BY changed_at, id`, hargs...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer hrows.Close()
	for hrows.Next() {
		var did, told string
		var c StatusChange
		if err := hrows.Scan(&did, &c.ID, &c.Status, &c.Note, &c.EvidenceURL, &c.ChangedAt, &c.ChangedBy, &told); err != nil {
			return nil, repertoire.Internal(err)
		}
		if told != "" {
			c.Told = new(i18n.Message)
			if err := json.Unmarshal([]byte(told), c.Told); err != nil {
				return nil, repertoire.Internal(err)
			}
		}
		c.ChangedAt = c.ChangedAt.UTC()
		i := byID[did]
		out[i].History = append(out[i].History, c)
	}
	return out, internal(hrows.Err())
}

func loadUpdates(ctx context.Context, q store.Queryer, campaignID string) ([]Update, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, title, body, published_at, message, translations FROM campaign_updates WHERE campaign_id = $1 ORDER BY published_at DESC, id DESC`, campaignID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Update
	for rows.Next() {
		var u Update
		var told string
		if err := rows.Scan(&u.ID, &u.Title, &u.Body, &u.PublishedAt, &told, &u.Translations); err != nil {
			return nil, repertoire.Internal(err)
		}
		u.PublishedAt = u.PublishedAt.UTC()
		if told != "" {
			u.Told = new(Told)
			if err := json.Unmarshal([]byte(told), u.Told); err != nil {
				return nil, repertoire.Internal(err)
			}
		}
		out = append(out, u)
	}
	return out, internal(rows.Err())
}

func loadCoverage(ctx context.Context, q store.Queryer, campaignID string) ([]Coverage, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, published_on, outlet, title, language, url, created_at FROM coverage WHERE campaign_id = $1 ORDER BY published_on DESC, id DESC`, campaignID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Coverage
	for rows.Next() {
		var c Coverage
		if err := rows.Scan(&c.ID, &c.Kind, &c.PublishedOn, &c.Outlet, &c.Title, &c.Language, &c.URL, &c.CreatedAt); err != nil {
			return nil, repertoire.Internal(err)
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, internal(rows.Err())
}

// ListQuery selects campaigns for the API: those of public communities, of
// the communities ViewerID is an active member of, or all for an admin.
type ListQuery struct {
	CommunityID string // "" for every community
	ViewerID    string
	Admin       bool
	Filter      api.Filter
	Offset      int
	Limit       int
}

// List returns a page of campaigns (with targets, without demands) and the
// total, newest first.
func (s *Store) List(ctx context.Context, lq ListQuery) ([]*Campaign, int, error) {
	p := &store.Page{Offset: lq.Offset, Limit: lq.Limit}
	if lq.CommunityID != "" {
		p.Cond("c.community_id = " + p.Args.Add(lq.CommunityID))
	}
	if !lq.Admin {
		viewer := p.Args.Add(lq.ViewerID)
		p.Cond(community.VisibleCondition("c.community_id", viewer))
		p.Cond(publishedCondition("c", viewer))
	}
	p.Cond(lq.Filter.Where("c.created_at", "c.modified_at", p.Args.Add)...)
	q := s.db.Reader()
	out, total, err := store.SelectPage(ctx, q, campaignColumns, "FROM campaigns c", "c.created_at DESC, c.id DESC", p, scanCampaign)
	if err != nil {
		return nil, 0, err
	}
	if out, err = fillCommunities(ctx, q, out); err != nil {
		return nil, 0, err
	}
	return out, total, loadTargets(ctx, q, out)
}

// TacticQuery selects a page of one kind of a campaign's tactics
// (petitions' siblings: pledges, letters, legal actions, events) for the
// API: those of one campaign or of all, in the communities ViewerID may see
// (all of them for an administrator), within the filter's times.
type TacticQuery struct {
	CampaignID string
	ViewerID   string
	Admin      bool
	// OrganizerID keeps the tactics of the communities this person
	// organizes (their dashboard).
	OrganizerID string
	// Draft is the tactic's status of a draft ("": it has none): a draft
	// is listed to its campaign's organizers only (and to admins).
	Draft  string
	Filter api.Filter
	Offset int
	Limit  int
}

// Page writes q's conditions on the tactic table aliased alias (its
// columns campaign_id, created_at and modified_at), for store.SelectPage.
func (q TacticQuery) Page(alias string) *store.Page {
	p := &store.Page{Offset: q.Offset, Limit: q.Limit}
	if q.CampaignID != "" {
		p.Cond(alias + ".campaign_id = " + p.Args.Add(q.CampaignID))
	}
	if !q.Admin {
		viewer := p.Args.Add(q.ViewerID)
		p.Cond(VisibleCondition(alias+".campaign_id", viewer))
		if q.Draft != "" {
			p.Cond("(" + alias + ".status <> " + p.Args.Add(q.Draft) + " OR " + OrganizeCondition(alias+".campaign_id", viewer) + ")")
		}
	}
	if q.OrganizerID != "" {
		p.Cond(OrganizeCondition(alias+".campaign_id", p.Args.Add(q.OrganizerID)))
	}
	p.Cond(q.Filter.Where(alias+".created_at", alias+".modified_at", p.Args.Add)...)
	return p
}

// CommunityCampaigns lists a community's campaigns for its page
// (community.CampaignLister). The community decides who sees it, and
// shows drafts to its organizers only.
func (s *Store) CommunityCampaigns(ctx context.Context, communityID string) ([]community.CampaignSummary, error) {
	cs, _, err := s.List(ctx, ListQuery{CommunityID: communityID, Admin: true})
	if err != nil {
		return nil, err
	}
	out := make([]community.CampaignSummary, len(cs))
	lang := web.Localizer(ctx).Tag() // the reader's, when a page asks
	for i, c := range cs {
		c.Title = c.Translations.Pick(lang, c.Language, "title", c.Title)
		c.Summary = c.Translations.Pick(lang, c.Language, "summary", c.Summary)
		out[i] = community.CampaignSummary{ID: c.ID, Slug: c.Slug, Title: c.Title, Summary: c.Summary, Targets: c.Targets, ModifiedAt: c.ModifiedAt,
			Draft: c.Draft, Closed: c.ClosedAt != nil}
	}
	return out, nil
}

// Publish makes a draft campaign public; a campaign never goes back to
// being a draft (people may have read it or taken part).
func (s *Store) Publish(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error { return publish(ctx, tx, id) })
}

func publish(ctx context.Context, tx *store.Tx, id string) error {
	res, err := tx.ExecContext(ctx, `UPDATE campaigns SET draft = FALSE, modified_at = $2 WHERE id = $1 AND draft`, id, tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotDraft
	}
	return nil
}

var errNotDraft = &repertoire.Error{Code: repertoire.ECONFLICT, Field: "status", MessageID: "campaign.not_draft"}

// Close marks a published campaign closed now and tells its timeline
// (told, written in each reader's language), in one transaction. Its
// tactics are closed first, by the handler's close: closed_at is written
// last so that a failure halfway leaves a campaign still open, whose
// closing can simply be tried again. A draft is refused (it is deleted
// instead), and so is a campaign already closed.
func (s *Store) Close(ctx context.Context, personID, id string, told i18n.Message, title string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET closed_at = $2, modified_at = $2 WHERE id = $1 AND NOT draft AND closed_at IS NULL`, id, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var draft bool
			if err := tx.QueryRowContext(ctx, `SELECT draft FROM campaigns WHERE id = $1`, id).Scan(&draft); err != nil {
				return store.NotFound(err, "campaign.not_found")
			}
			return closable(&Campaign{Draft: draft, ClosedAt: &tx.Now})
		}
		return RecordUpdate(ctx, tx, personID, id, UpdateInput{Title: title, PublishedAt: tx.Now, Told: &Told{Title: told}})
	})
}

// closable refuses to close a draft (it is deleted instead) or a campaign
// already closed.
func closable(c *Campaign) error {
	switch {
	case c.Draft:
		return errDraftNotClosed
	case c.ClosedAt != nil:
		return errClosed
	}
	return nil
}

var (
	errDraftNotClosed = &repertoire.Error{Code: repertoire.ECONFLICT, Field: "status", MessageID: "campaign.draft_not_closed"}
	errClosed         = &repertoire.Error{Code: repertoire.ECONFLICT, Field: "status", MessageID: "campaign.already_closed"}
)

// Update changes the given fields of a campaign; Targets, when given,
// replace the list.
func (s *Store) Update(ctx context.Context, id string, p CampaignPatch) (*Campaign, error) {
	if err := p.normalize(); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var communityID string
		if err := tx.QueryRowContext(ctx, `SELECT community_id FROM campaigns WHERE id = $1`, id).Scan(&communityID); err != nil {
			return store.NotFound(err, "campaign.not_found")
		}
		set := func(col string, v any) error {
			_, err := tx.ExecContext(ctx, `UPDATE campaigns SET `+col+` = $1 WHERE id = $2`, v, id)
			if store.IsUniqueViolation(err) {
				return slugTaken()
			}
			return internal(err)
		}
		if p.Slug != nil {
			if err := checkSlugFree(ctx, tx, communityID, *p.Slug, id); err != nil {
				return err
			}
			if err := set("slug", *p.Slug); err != nil {
				return err
			}
		}
		if p.Title != nil {
			if err := set("title", *p.Title); err != nil {
				return err
			}
		}
		if p.Summary != nil {
			if err := set("summary", *p.Summary); err != nil {
				return err
			}
		}
		if p.Language != nil {
			if err := set("language", *p.Language); err != nil {
				return err
			}
		}
		if p.Translations != nil {
			var lang string
			if err := tx.QueryRowContext(ctx, `SELECT language FROM campaigns WHERE id = $1`, id).Scan(&lang); err != nil {
				return repertoire.Internal(err)
			}
			t := p.Translations.Clone()
			delete(t, lang) // its columns hold that one
			if err := set("translations", t); err != nil {
				return err
			}
		}
		if p.UltimatumAt != nil {
			if err := set("ultimatum_at", store.NullTime(*p.UltimatumAt)); err != nil {
				return err
			}
		}
		if p.Targets != nil {
			if err := writeTargets(ctx, tx, id, *p.Targets); err != nil {
				return err
			}
		}
		if p.Publish {
			return publish(ctx, tx, id)
		}
		return touch(ctx, tx, id)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// touch marks a campaign modified: any change to its demands, updates or
// coverage changes what its page and API document show.
func touch(ctx context.Context, tx *store.Tx, campaignID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE campaigns SET modified_at = $1 WHERE id = $2`, tx.Now, campaignID)
	return internal(err)
}

// Delete removes a campaign with everything in it.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM campaigns WHERE id = $1`, id)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

// Demands returns a page of a campaign's demands in list order, with
// their histories, and the total.
func (s *Store) Demands(ctx context.Context, campaignID string, filter api.Filter, offset, limit int) ([]Demand, int, error) {
	q := s.db.Reader()
	args := []any{campaignID}
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	where := strings.Join(append([]string{`d.campaign_id = $1`}, filter.Where("d.created_at", "d.modified_at", arg)...), " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM demands d WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	page := ""
	if limit > 0 {
		page = " LIMIT " + arg(limit) + " OFFSET " + arg(offset)
	}
	ds, err := queryDemands(ctx, q, where, args, page, true)
	return ds, total, err
}

// Demand returns one demand of a campaign with its history.
func (s *Store) Demand(ctx context.Context, campaignID, demandID string) (*Demand, error) {
	ds, err := queryDemands(ctx, s.db.Reader(), `d.campaign_id = $1 AND d.id = $2`, []any{campaignID, demandID}, "", true)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, errDemandNotFound
	}
	return &ds[0], nil
}

// DemandByID returns a demand with its history, whatever its campaign.
func (s *Store) DemandByID(ctx context.Context, demandID string) (*Demand, error) {
	ds, err := queryDemands(ctx, s.db.Reader(), `d.id = $1`, []any{demandID}, "", true)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, errDemandNotFound
	}
	return &ds[0], nil
}

// AddSection appends a section, with its demands, to a campaign.
func (s *Store) AddSection(ctx context.Context, personID, campaignID string, in SectionInput) (*Section, error) {
	var es repertoire.Errors
	in.Title = cleanLine(in.Title)
	text(&es, "title", in.Title, true, MaxTitle)
	if len(in.Demands) > MaxSectionDemands {
		es = append(es, repertoire.Invalid("demands", "campaign.too_many_section_demands", map[string]any{"Max": MaxSectionDemands}))
	}
	if err := in.Translations.Normalize("", sectionFields); err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	}
	for j := range in.Demands {
		in.Demands[j].Text = clean(in.Demands[j].Text)
		text(&es, "demands["+itoa(j)+"].text", in.Demands[j].Text, true, MaxDemandText)
		if err := in.Demands[j].Translations.Normalize("", demandFields); err != nil {
			es = append(es, prefixed("demands["+itoa(j)+"].", err)...)
		}
		in.Demands[j].Status = StatusOpen
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	var sec Section
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var nsec, ndem int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM demand_sections WHERE campaign_id = $1), (SELECT COUNT(*) FROM demands WHERE campaign_id = $1)
			FROM campaigns WHERE id = $1`, campaignID).Scan(&nsec, &ndem); err != nil {
			return store.NotFound(err, "campaign.not_found")
		}
		if nsec >= MaxSections {
			return repertoire.Invalid("demand_sections", "campaign.too_many_sections", map[string]any{"Max": MaxSections})
		}
		if ndem+len(in.Demands) > MaxDemands {
			return repertoire.Invalid("demands", "campaign.too_many_demands", map[string]any{"Max": MaxDemands})
		}
		var err error
		if in.Translations, err = withoutOwn(ctx, tx, campaignID, in.Translations); err != nil {
			return err
		}
		sid, err := insertSection(ctx, tx, campaignID, nsec+1, in.Title, in.Translations)
		if err != nil {
			return err
		}
		sec = Section{ID: sid, Position: nsec + 1, Title: in.Title, Translations: in.Translations}
		for j, d := range in.Demands {
			if d.Translations, err = withoutOwn(ctx, tx, campaignID, d.Translations); err != nil {
				return err
			}
			if _, err := insertDemand(ctx, tx, personID, campaignID, sid, j+1, d.Text, d.Translations, StatusOpen, tx.Now); err != nil {
				return err
			}
		}
		return touch(ctx, tx, campaignID)
	})
	if err != nil {
		return nil, err
	}
	return &sec, nil
}

// section finds a section of the campaign by id, or by position.
func section(ctx context.Context, tx *store.Tx, campaignID, sectionID string, position int) (id string, pos int, err error) {
	err = tx.QueryRowContext(ctx, `SELECT id, position FROM demand_sections WHERE campaign_id = $1 AND (id = $2 OR position = $3)`,
		campaignID, sectionID, position).Scan(&id, &pos)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, repertoire.Invalid("section", "campaign.section_not_found", nil)
	}
	return id, pos, internal(err)
}

// RenameSection changes a section's title, and its translations (nil
// keeps them).
func (s *Store) RenameSection(ctx context.Context, campaignID, sectionID, title string, tr *i18n.Translations) error {
	title = cleanLine(title)
	var es repertoire.Errors
	text(&es, "title", title, true, MaxTitle)
	if tr != nil {
		if err := tr.Normalize("", sectionFields); err != nil {
			es = append(es, repertoire.FieldErrors(err)...)
		}
	}
	if err := es.Err(); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE demand_sections SET title = $1 WHERE id = $2 AND campaign_id = $3`, title, sectionID, campaignID)
		if err == nil && tr != nil {
			var t i18n.Translations
			if t, err = withoutOwn(ctx, tx, campaignID, *tr); err == nil {
				_, err = tx.ExecContext(ctx, `UPDATE demand_sections SET translations = $1 WHERE id = $2 AND campaign_id = $3`, t, sectionID, campaignID)
			}
		}
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return repertoire.Errorf(repertoire.ENOTFOUND, "campaign.section_not_found")
		}
		return touch(ctx, tx, campaignID)
	})
}

// DeleteSection removes a section with its demands; the sections after it
// move up a letter.
func (s *Store) DeleteSection(ctx context.Context, campaignID, sectionID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM demand_sections WHERE id = $1 AND campaign_id = $2`, sectionID, campaignID)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return repertoire.Errorf(repertoire.ENOTFOUND, "campaign.section_not_found")
		}
		if err := renumber(ctx, tx, "demand_sections", "campaign_id", campaignID, "", 0); err != nil {
			return err
		}
		return touch(ctx, tx, campaignID)
	})
}

// MoveSection moves a section to position (1-based, clamped).
func (s *Store) MoveSection(ctx context.Context, campaignID, sectionID string, position int) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, _, err := section(ctx, tx, campaignID, sectionID, -1); err != nil {
			return repertoire.Errorf(repertoire.ENOTFOUND, "campaign.section_not_found")
		}
		if err := renumber(ctx, tx, "demand_sections", "campaign_id", campaignID, sectionID, position); err != nil {
			return err
		}
		return touch(ctx, tx, campaignID)
	})
}

// renumber gives the rows of one list (a campaign's sections or a
// section's demands) the positions 1…n in their current order, with moveID
// placed at moveTo when given. Positions are unique, and both engines
// check that row by row, so rows first go to negative positions.
func renumber(ctx context.Context, tx *store.Tx, table, parentCol, parentID, moveID string, moveTo int) error {
	all, err := store.Strings(ctx, tx, `SELECT id FROM `+table+` WHERE `+parentCol+` = $1 ORDER BY position`, parentID)
	if err != nil {
		return err
	}
	ids := slices.DeleteFunc(all, func(id string) bool { return id == moveID })
	if moveID != "" {
		i := min(max(moveTo, 1), len(ids)+1) - 1
		ids = append(ids[:i], append([]string{moveID}, ids[i:]...)...)
	}
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET position = $1 WHERE id = $2`, -(i + 1), id); err != nil {
			return repertoire.Internal(err)
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE `+table+` SET position = -position WHERE `+parentCol+` = $1 AND position < 0`, parentID)
	return internal(err)
}

// AddDemand adds a demand to a section of the campaign, at Position or at
// the end, and records its initial "open" entry.
func (s *Store) AddDemand(ctx context.Context, personID, campaignID string, in NewDemand) (*Demand, error) {
	in.Text = clean(in.Text)
	var es repertoire.Errors
	text(&es, "text", in.Text, true, MaxDemandText)
	if in.SectionID == "" && in.SectionPosition <= 0 {
		es = append(es, repertoire.Invalid("section", "field.required", nil))
	}
	if err := in.Translations.Normalize("", demandFields); err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	var id string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var ndem int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM demands WHERE campaign_id = $1) FROM campaigns WHERE id = $1`, campaignID).Scan(&ndem); err != nil {
			return store.NotFound(err, "campaign.not_found")
		}
		sid, _, err := section(ctx, tx, campaignID, in.SectionID, in.SectionPosition)
		if err != nil {
			return err
		}
		var nsec int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM demands WHERE section_id = $1`, sid).Scan(&nsec); err != nil {
			return repertoire.Internal(err)
		}
		if nsec >= MaxSectionDemands {
			return repertoire.Invalid("section", "campaign.too_many_section_demands", map[string]any{"Max": MaxSectionDemands})
		}
		if ndem >= MaxDemands {
			return repertoire.Invalid("text", "campaign.too_many_demands", map[string]any{"Max": MaxDemands})
		}
		if in.Translations, err = withoutOwn(ctx, tx, campaignID, in.Translations); err != nil {
			return err
		}
		if id, err = insertDemand(ctx, tx, personID, campaignID, sid, nsec+1, in.Text, in.Translations, StatusOpen, tx.Now); err != nil {
			return err
		}
		if in.Position > 0 && in.Position <= nsec {
			if err := renumber(ctx, tx, "demands", "section_id", sid, id, in.Position); err != nil {
				return err
			}
		}
		return touch(ctx, tx, campaignID)
	})
	if err != nil {
		return nil, err
	}
	return s.Demand(ctx, campaignID, id)
}

// AddDemands appends several demands to one section at once (the "one
// demand per line" form), all or none.
func (s *Store) AddDemands(ctx context.Context, personID, campaignID, sectionID string, texts []DemandInput) error {
	var es repertoire.Errors
	for j := range texts {
		texts[j].Text = clean(texts[j].Text)
		text(&es, "demands["+itoa(j)+"].text", texts[j].Text, true, MaxDemandText)
		if err := texts[j].Translations.Normalize("", demandFields); err != nil {
			es = append(es, prefixed("demands["+itoa(j)+"].", err)...)
		}
	}
	if len(texts) == 0 {
		es = append(es, repertoire.Invalid("demands", "field.required", nil))
	}
	if err := es.Err(); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		var ndem, nsec int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM demands WHERE campaign_id = $1), (SELECT COUNT(*) FROM demands WHERE section_id = $2)
			FROM demand_sections WHERE id = $2 AND campaign_id = $1`, campaignID, sectionID).Scan(&ndem, &nsec); err != nil {
			return store.NotFound(err, "campaign.section_not_found")
		}
		if nsec+len(texts) > MaxSectionDemands {
			return repertoire.Invalid("demands", "campaign.too_many_section_demands", map[string]any{"Max": MaxSectionDemands})
		}
		if ndem+len(texts) > MaxDemands {
			return repertoire.Invalid("demands", "campaign.too_many_demands", map[string]any{"Max": MaxDemands})
		}
		for j, t := range texts {
			if len(t.Translations) > 0 {
				var err error
				if t.Translations, err = withoutOwn(ctx, tx, campaignID, t.Translations); err != nil {
					return err
				}
			}
			if _, err := insertDemand(ctx, tx, personID, campaignID, sectionID, nsec+j+1, t.Text, t.Translations, StatusOpen, tx.Now); err != nil {
				return err
			}
		}
		return touch(ctx, tx, campaignID)
	})
}

// EditDemand changes a demand's text, its number within its section, and
// records a status change when one is given.
func (s *Store) EditDemand(ctx context.Context, personID, campaignID, demandID string, p DemandPatch) (*Demand, error) {
	var es repertoire.Errors
	if p.Text != nil {
		*p.Text = clean(*p.Text)
		text(&es, "text", *p.Text, true, MaxDemandText)
	}
	if p.Translations != nil {
		if err := p.Translations.Normalize("", demandFields); err != nil {
			es = append(es, repertoire.FieldErrors(err)...)
		}
	}
	if p.Position != nil && *p.Position < 1 {
		es = append(es, repertoire.Invalid("position", "campaign.bad_position", nil))
	}
	now := store.Now()
	if p.Status != nil {
		if err := p.Status.normalize(now); err != nil {
			es = append(es, repertoire.FieldErrors(err)...)
		}
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var sectionID string
		if err := tx.QueryRowContext(ctx, `SELECT section_id FROM demands WHERE id = $1 AND campaign_id = $2`, demandID, campaignID).Scan(&sectionID); err != nil {
			return store.NotFound(err, "campaign.demand_not_found")
		}
		if p.Text != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE demands SET text = $1, modified_at = $2 WHERE id = $3`, *p.Text, tx.Now, demandID); err != nil {
				return repertoire.Internal(err)
			}
		}
		if p.Translations != nil {
			t, err := withoutOwn(ctx, tx, campaignID, *p.Translations)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE demands SET translations = $1, modified_at = $2 WHERE id = $3`, t, tx.Now, demandID); err != nil {
				return repertoire.Internal(err)
			}
		}
		if p.Position != nil {
			if err := renumber(ctx, tx, "demands", "section_id", sectionID, demandID, *p.Position); err != nil {
				return err
			}
		}
		if p.Status != nil {
			if err := recordStatus(ctx, tx, personID, demandID, *p.Status); err != nil {
				return err
			}
		}
		return touch(ctx, tx, campaignID)
	})
	if err != nil {
		return nil, err
	}
	return s.Demand(ctx, campaignID, demandID)
}

// DeleteDemand removes a demand and its history; the demands after it in
// its section are renumbered.
func (s *Store) DeleteDemand(ctx context.Context, campaignID, demandID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		var sectionID string
		if err := tx.QueryRowContext(ctx, `SELECT section_id FROM demands WHERE id = $1 AND campaign_id = $2`, demandID, campaignID).Scan(&sectionID); err != nil {
			return store.NotFound(err, "campaign.demand_not_found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM demands WHERE id = $1`, demandID); err != nil {
			return repertoire.Internal(err)
		}
		if err := renumber(ctx, tx, "demands", "section_id", sectionID, "", 0); err != nil {
			return err
		}
		return touch(ctx, tx, campaignID)
	})
}

// SetDemandStatus records a status change of a demand. The demand's status
// is that of its latest entry by date, so an organizer may fill in an
// older change without overriding a newer one.
func (s *Store) SetDemandStatus(ctx context.Context, personID, demandID string, change StatusChange) error {
	if err := change.normalize(store.Now()); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		var campaignID string
		if err := tx.QueryRowContext(ctx, `SELECT campaign_id FROM demands WHERE id = $1`, demandID).Scan(&campaignID); err != nil {
			return store.NotFound(err, "campaign.demand_not_found")
		}
		if err := recordStatus(ctx, tx, personID, demandID, change); err != nil {
			return err
		}
		return touch(ctx, tx, campaignID)
	})
}

func recordStatus(ctx context.Context, tx *store.Tx, personID, demandID string, c StatusChange) error {
	// History starts when the demand was made: a change dated earlier
	// would read as if it came first. A date-only change on that very day
	// goes right after the opening.
	var opened time.Time
	if err := tx.QueryRowContext(ctx, `SELECT changed_at FROM demand_status_changes WHERE demand_id = $1 ORDER BY changed_at, id LIMIT 1`, demandID).Scan(&opened); err != nil {
		return repertoire.Internal(err)
	}
	if opened = opened.UTC(); c.ChangedAt.Before(opened) {
		if c.ChangedAt.Format(time.DateOnly) != opened.Format(time.DateOnly) {
			return repertoire.Invalid("status_date", "campaign.date_before_opening", map[string]any{"Date": opened.Format(time.DateOnly)})
		}
		c.ChangedAt = opened
	}
	if err := insertChange(ctx, tx, demandID, personID, c); err != nil {
		return err
	}
	var latest string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM demand_status_changes WHERE demand_id = $1 ORDER BY changed_at DESC, id DESC LIMIT 1`, demandID).Scan(&latest); err != nil {
		return repertoire.Internal(err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE demands SET status = $1, modified_at = $2 WHERE id = $3`, latest, tx.Now, demandID)
	return internal(err)
}

// CreateCoverage lists a press article or podcast on the campaign.
func (s *Store) CreateCoverage(ctx context.Context, campaignID string, in CoverageInput) (*Coverage, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	c := Coverage{ID: store.NewID(), Kind: in.Kind, PublishedOn: in.PublishedOn, Outlet: in.Outlet, Title: in.Title, Language: in.Language, URL: in.URL}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		c.CreatedAt = tx.Now
		_, err := tx.ExecContext(ctx, `INSERT INTO coverage (id, campaign_id, kind, published_on, outlet, title, language, url, created_at)
			SELECT $1, id, $3, $4, $5, $6, $7, $8, $9 FROM campaigns WHERE id = $2`,
			c.ID, campaignID, c.Kind, c.PublishedOn, c.Outlet, c.Title, c.Language, c.URL, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		return touchExisting(ctx, tx, campaignID)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// AddCoverage is CreateCoverage for callers that need no result (the demo).
func (s *Store) AddCoverage(ctx context.Context, campaignID string, in CoverageInput) error {
	_, err := s.CreateCoverage(ctx, campaignID, in)
	return err
}

// touchExisting is touch that reports a campaign that does not exist (the
// INSERT … SELECT before it then wrote nothing).
func touchExisting(ctx context.Context, tx *store.Tx, campaignID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE campaigns SET modified_at = $1 WHERE id = $2`, tx.Now, campaignID)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound
	}
	return nil
}

// DeleteCoverage removes a coverage entry of the campaign.
func (s *Store) DeleteCoverage(ctx context.Context, campaignID, coverageID string) error {
	return s.deleteChild(ctx, "coverage", campaignID, coverageID)
}

// CreateUpdate adds an entry to the campaign's timeline.
func (s *Store) CreateUpdate(ctx context.Context, personID, campaignID string, in UpdateInput) (*Update, error) {
	if err := in.normalize(store.Now()); err != nil {
		return nil, err
	}
	u := Update{ID: store.NewID(), Title: in.Title, Body: in.Body, PublishedAt: in.PublishedAt, Told: in.Told}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if len(in.Translations) > 0 {
			var err error
			if u.Translations, err = withoutOwn(ctx, tx, campaignID, in.Translations); err != nil {
				return err
			}
		}
		return insertUpdate(ctx, tx, personID, campaignID, u)
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// AddUpdate is CreateUpdate for callers that need no result (the demo).
func (s *Store) AddUpdate(ctx context.Context, personID, campaignID string, in UpdateInput) error {
	_, err := s.CreateUpdate(ctx, personID, campaignID, in)
	return err
}

// DeleteUpdate removes a timeline entry of the campaign.
func (s *Store) DeleteUpdate(ctx context.Context, campaignID, updateID string) error {
	return s.deleteChild(ctx, "campaign_updates", campaignID, updateID)
}

func (s *Store) deleteChild(ctx context.Context, table, campaignID, id string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = $1 AND campaign_id = $2`, id, campaignID)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return repertoire.Errorf(repertoire.ENOTFOUND, "error.not_found")
		}
		return touch(ctx, tx, campaignID)
	})
}

// insertUpdate writes a timeline entry (with what the system told, as
// JSON) and marks the campaign modified.
func insertUpdate(ctx context.Context, tx *store.Tx, personID, campaignID string, u Update) error {
	told := ""
	if u.Told != nil {
		b, err := json.Marshal(u.Told)
		if err != nil {
			return repertoire.Internal(err)
		}
		told = string(b)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO campaign_updates (id, campaign_id, title, body, published_at, created_by, message, translations)
		SELECT $1, id, $3, $4, $5, $6, $7, $8 FROM campaigns WHERE id = $2`, u.ID, campaignID, u.Title, u.Body, u.PublishedAt, nullID(personID), told, u.Translations)
	if err != nil {
		return repertoire.Internal(err)
	}
	return touchExisting(ctx, tx, campaignID)
}

// withoutOwn is t without the campaign's own language (its columns hold
// that version), read in tx.
func withoutOwn(ctx context.Context, tx *store.Tx, campaignID string, t i18n.Translations) (i18n.Translations, error) {
	var lang string
	if err := tx.QueryRowContext(ctx, `SELECT language FROM campaigns WHERE id = $1`, campaignID).Scan(&lang); err != nil {
		return nil, store.NotFound(err, "campaign.not_found")
	}
	t = t.Clone()
	delete(t, lang)
	return t, nil
}

package petition

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Store holds petitions, their targets, demands and deliveries.
type Store struct{ db *store.DB }

// NewStore wraps the database.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

var (
	errNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "petition.not_found")
	errClosed   = repertoire.Errorf(repertoire.ECONFLICT, "petition.closed")
)

const petitionColumns = `p.id, p.campaign_id, p.slug, p.name, p.title, p.description, p.petition_text, p.goal, p.status, p.origin_system,
	p.created_at, p.modified_at, p.translations`

func scanPetition(row interface{ Scan(...any) error }) (*Petition, error) {
	var p Petition
	err := row.Scan(&p.ID, &p.CampaignID, &p.Slug, &p.Name, &p.Title, &p.Description, &p.Text, &p.Goal, &p.Status, &p.OriginSystem,
		&p.CreatedAt, &p.ModifiedAt, &p.Translations)
	if err != nil {
		return nil, err
	}
	p.CreatedAt, p.ModifiedAt = p.CreatedAt.UTC(), p.ModifiedAt.UTC()
	return &p, nil
}

// marks returns "$from, $from+1, …" for n arguments.
func marks(from, n int) string {
	m := make([]string, n)
	for i := range m {
		m[i] = "$" + itoa(from+i)
	}
	return strings.Join(m, ",")
}

// Create adds a petition to a campaign. The demands must be the campaign's.
func (s *Store) Create(ctx context.Context, personID string, in Input) (*Petition, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error { return insert(ctx, tx, id, personID, in) })
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// CreateWithCampaign adds a petition to a campaign of its own, created in
// the community in the same transaction and named after the petition (its
// slug, or the first free variant: name-2, …), as OSDI clients create
// petitions without a campaign.
func (s *Store) CreateWithCampaign(ctx context.Context, personID, communityID string, in Input) (*Petition, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	if len(in.DemandIDs) > 0 { // a new campaign has none
		return nil, repertoire.Invalid("demands", "petition.demand_not_found", nil)
	}
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		for n := 1; ; n++ {
			ci := campaign.CampaignInput{CommunityID: communityID, Title: in.Title, Slug: in.Slug}
			if n > 1 {
				ci.Slug = in.Slug + "-" + itoa(n)
			}
			cid, err := campaign.Insert(ctx, tx, personID, ci)
			if e := repertoire.AsError(err); err != nil && e.Code == repertoire.ECONFLICT && e.Field == "slug" && n < 100 {
				continue // checked before writing: the transaction goes on
			}
			if err != nil {
				return err
			}
			in.CampaignID = cid
			return insert(ctx, tx, id, personID, in)
		}
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// insert writes a normalized petition, its targets and demands.
func insert(ctx context.Context, tx *store.Tx, id, personID string, in Input) error {
	origin := in.OriginSystem
	if origin == "" {
		origin = "repertoire"
	}
	if err := slugFree(ctx, tx, in.CampaignID, in.Slug, ""); err != nil {
		return err
	}
	heads, err := campaign.Heads(ctx, tx, []string{in.CampaignID})
	if err != nil {
		return err
	}
	if heads[in.CampaignID] == nil {
		return repertoire.Invalid("campaign", "petition.campaign_not_found", nil)
	}
	if err := demandsOf(ctx, tx, in); err != nil {
		return err
	}
	var creator any
	if personID != "" {
		creator = personID
	}
	status := StatusOpen
	if in.Draft {
		status = StatusDraft
	} else if in.Status != "" {
		status = in.Status // an import of a petition already closed
	}
	if in.Translations, err = campaign.WithoutOwn(ctx, tx, in.CampaignID, in.Translations); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO petitions (id, campaign_id, slug, name, title, description, petition_text, goal, status,
		origin_system, created_by, created_at, modified_at, translations) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $12, $9, $10, $11, $11, $13)`,
		id, in.CampaignID, in.Slug, in.Name, in.Title, in.Description, in.Text, in.Goal, origin, creator, tx.Now, status, in.Translations); err != nil {
		return repertoire.Internal(err)
	}
	return writeParts(ctx, tx, id, in)
}

// slugFree refuses a slug another petition of the campaign holds.
func slugFree(ctx context.Context, tx *store.Tx, campaignID, slug, exceptID string) error {
	var taken int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM petitions WHERE campaign_id = $1 AND slug = $2 AND id <> $3`,
		campaignID, slug, exceptID).Scan(&taken); err != nil {
		return repertoire.Internal(err)
	}
	if taken > 0 {
		return &repertoire.Error{Code: repertoire.ECONFLICT, Field: "slug", MessageID: "petition.slug_taken"}
	}
	return nil
}

// demandsOf refuses demands that are not the petition's campaign's.
func demandsOf(ctx context.Context, tx *store.Tx, in Input) error {
	demands, err := campaign.DemandsByID(ctx, tx, in.DemandIDs)
	if err != nil {
		return err
	}
	ours := 0
	for _, d := range demands {
		if d.CampaignID == in.CampaignID {
			ours++
		}
	}
	if ours != len(in.DemandIDs) {
		return repertoire.Invalid("demands", "petition.demand_not_found", nil)
	}
	return nil
}

// writeParts writes a petition's targets and demands, replacing any.
func writeParts(ctx context.Context, tx *store.Tx, id string, in Input) error {
	for _, q := range []string{`DELETE FROM petition_targets WHERE petition_id = $1`, `DELETE FROM petition_demands WHERE petition_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return repertoire.Internal(err)
		}
	}
	for i, t := range in.Targets {
		if _, err := tx.ExecContext(ctx, `INSERT INTO petition_targets (petition_id, position, name, email) VALUES ($1, $2, $3, $4)`,
			id, i+1, t.Name, t.Email); err != nil {
			return repertoire.Internal(err)
		}
	}
	for _, d := range in.DemandIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO petition_demands (petition_id, demand_id) VALUES ($1, $2)`, id, d); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// Update rewrites a petition's text, targets, goal and demands (its
// campaign and origin stay): in is the whole petition as it should be.
func (s *Store) Update(ctx context.Context, id string, in Input) (*Petition, error) {
	return s.update(ctx, id, in, nil)
}

// update is Update, with also (when not nil) run in its transaction with
// the normalized input.
func (s *Store) update(ctx context.Context, id string, in Input, also func(*store.Tx, Input) error) (*Petition, error) {
	var errs repertoire.Errors
	if err := in.normalize(); err != nil {
		if errs = repertoire.FieldErrors(err); len(errs) == 0 {
			return nil, err
		}
	}
	if in.Status != "" {
		if err := checkStatus(in.Status); err != nil {
			errs = append(errs, repertoire.FieldErrors(err)...)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := slugFree(ctx, tx, in.CampaignID, in.Slug, id); err != nil {
			return err
		}
		if err := demandsOf(ctx, tx, in); err != nil {
			return err
		}
		var err error
		if in.Translations, err = campaign.WithoutOwn(ctx, tx, in.CampaignID, in.Translations); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `UPDATE petitions SET slug = $2, name = $3, title = $4, description = $5, petition_text = $6, goal = $7,
			modified_at = $8, translations = $9 WHERE id = $1`, id, in.Slug, in.Name, in.Title, in.Description, in.Text, in.Goal, tx.Now, in.Translations)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return errNotFound
		}
		if err := writeParts(ctx, tx, id, in); err != nil {
			return err
		}
		if in.Status != "" {
			if err := setStatus(ctx, tx, id, in.Status); err != nil {
				return err
			}
		}
		if also != nil {
			return also(tx, in)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// organizeCondition is an SQL condition true when the petition whose id is
// in column belongs to a community the person bound at personArg
// organizes (campaign.OrganizeCondition).
func organizeCondition(column, personArg string) string {
	return "(" + column + " IN (SELECT id FROM petitions WHERE " + campaign.OrganizeCondition("campaign_id", personArg) + "))"
}

// Get reads a petition with its targets and demands.
func (s *Store) Get(ctx context.Context, id string) (*Petition, error) {
	return s.get(ctx, `p.id = $1`, id)
}

// GetBySlug reads a campaign's petition by its slug.
func (s *Store) GetBySlug(ctx context.Context, campaignID, slug string) (*Petition, error) {
	return s.get(ctx, `p.campaign_id = $1 AND p.slug = $2`, campaignID, slug)
}

func (s *Store) get(ctx context.Context, where string, args ...any) (*Petition, error) {
	q := s.db.Reader()
	p, err := scanPetition(q.QueryRowContext(ctx, `SELECT `+petitionColumns+` FROM petitions p WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	if err := complete(ctx, q, []*Petition{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// complete fills in what petitions hold beside their row: their
// campaign's and community's names, targets and demands, with a few
// lookups for all of them.
func complete(ctx context.Context, q store.Queryer, ps []*Petition) error {
	if len(ps) == 0 {
		return nil
	}
	byID := make(map[string]*Petition, len(ps))
	ids := make([]any, len(ps))
	var campaignIDs []string
	for i, p := range ps {
		byID[p.ID], ids[i] = p, p.ID
		campaignIDs = append(campaignIDs, p.CampaignID)
	}
	heads, err := campaign.Heads(ctx, q, campaignIDs)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if c := heads[p.CampaignID]; c != nil {
			p.Parent = c.Parent()
		}
	}
	in := marks(1, len(ids))
	rows, err := q.QueryContext(ctx, `SELECT petition_id, name, email FROM petition_targets WHERE petition_id IN (`+in+`)
		ORDER BY petition_id, position`, ids...)
	if err != nil {
		return repertoire.Internal(err)
	}
	for rows.Next() {
		var pid string
		var t Target
		if err := rows.Scan(&pid, &t.Name, &t.Email); err != nil {
			rows.Close()
			return repertoire.Internal(err)
		}
		byID[pid].Targets = append(byID[pid].Targets, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return repertoire.Internal(err)
	}
	rows, err = q.QueryContext(ctx, `SELECT petition_id, demand_id FROM petition_demands WHERE petition_id IN (`+in+`)`, ids...)
	if err != nil {
		return repertoire.Internal(err)
	}
	supports := map[string][]string{} // demand → its petitions
	var demandIDs []string
	for rows.Next() {
		var pid, did string
		if err := rows.Scan(&pid, &did); err != nil {
			rows.Close()
			return repertoire.Internal(err)
		}
		if supports[did] == nil {
			demandIDs = append(demandIDs, did)
		}
		supports[did] = append(supports[did], pid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return repertoire.Internal(err)
	}
	// The campaign's list order: section, then number.
	demands, err := campaign.DemandsByID(ctx, q, demandIDs)
	if err != nil {
		return err
	}
	for _, d := range demands {
		for _, pid := range supports[d.ID] {
			byID[pid].DemandIDs = append(byID[pid].DemandIDs, d.ID)
		}
	}
	return nil
}

// ListQuery selects petitions: of one campaign, or of the communities a
// person may see.
type ListQuery struct {
	CampaignID string
	// Visible keeps only the petitions of communities ViewerID may see (a
	// visitor, "": the public ones).
	Visible  bool
	ViewerID string
	// OrganizerID keeps the petitions of the communities this person
	// organizes (their dashboard).
	OrganizerID string
	Filter      api.Filter
	Offset      int
	Limit       int
}

// List returns a page of petitions, newest first, and the total.
func (s *Store) List(ctx context.Context, lq ListQuery) ([]*Petition, int, error) {
	var conds []string
	var args []any
	if lq.CampaignID != "" {
		args = append(args, lq.CampaignID)
		conds = append(conds, `p.campaign_id = $`+itoa(len(args)))
	}
	if lq.Visible {
		args = append(args, lq.ViewerID)
		conds = append(conds, campaign.VisibleCondition("p.campaign_id", "$"+itoa(len(args))),
			`(p.status <> '`+StatusDraft+`' OR `+organizeCondition("p.id", "$"+itoa(len(args)))+`)`)
	}
	if lq.OrganizerID != "" {
		args = append(args, lq.OrganizerID)
		conds = append(conds, campaign.OrganizeCondition("p.campaign_id", "$"+itoa(len(args))))
	}
	conds = append(conds, lq.Filter.Where("p.created_at", "p.modified_at", func(v any) string { args = append(args, v); return "$" + itoa(len(args)) })...)
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, " AND ")
	}
	q := s.db.Reader()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM petitions p`+where, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	if lq.Limit <= 0 {
		lq.Limit = 100
	}
	rows, err := q.QueryContext(ctx, `SELECT `+petitionColumns+` FROM petitions p`+where+` ORDER BY p.created_at DESC, p.id DESC LIMIT `+
		itoa(lq.Limit)+` OFFSET `+itoa(lq.Offset), args...)
	if err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	var out []*Petition
	for rows.Next() {
		p, err := scanPetition(rows)
		if err != nil {
			rows.Close()
			return nil, 0, repertoire.Internal(err)
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	if err := complete(ctx, q, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// SetStatus opens (publishes) or closes a petition; a closed one takes no
// signatures. A petition never goes back to being a draft: people may have
// read or signed it.
func (s *Store) SetStatus(ctx context.Context, id, status string) error {
	if err := checkStatus(status); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error { return setStatus(ctx, tx, id, status) })
}

// checkStatus refuses a status an organizer may not set: open (publish,
// reopen) and closed are theirs; draft is only where a petition starts.
func checkStatus(status string) error {
	if status != StatusOpen && status != StatusClosed {
		return repertoire.Invalid("status", "petition.bad_status", nil)
	}
	return nil
}

// setStatus moves a petition to status: a draft is published (open)
// before it can be closed, so a petition nobody could sign is never shown
// closed.
func setStatus(ctx context.Context, tx *store.Tx, id, status string) error {
	var cur string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM petitions WHERE id = $1`, id).Scan(&cur); err != nil {
		return store.NotFound(err, "petition.not_found")
	}
	if cur == status {
		return nil
	}
	if cur == StatusDraft && status == StatusClosed {
		return errDraftClosed
	}
	if _, err := tx.ExecContext(ctx, `UPDATE petitions SET status = $2, modified_at = $3 WHERE id = $1`, id, status, tx.Now); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// CloseCampaign closes the campaign's open petitions (its drafts stay
// drafts, deleted rather than closed), each through setStatus as an
// organizer's closing, in one transaction; it returns their ids.
func (s *Store) CloseCampaign(ctx context.Context, campaignID string) ([]string, error) {
	var ids []string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error // a retried transaction reads them again
		if ids, err = store.Strings(ctx, tx, `SELECT id FROM petitions WHERE campaign_id = $1 AND status = $2`, campaignID, StatusOpen); err != nil {
			return err
		}
		for _, id := range ids {
			if err := setStatus(ctx, tx, id, StatusClosed); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}

// errDraftClosed refuses to close a petition never published.
var errDraftClosed = &repertoire.Error{Code: repertoire.ECONFLICT, Field: "status", MessageID: "petition.draft_not_closed"}

// Delete removes a petition and its signatures in one transaction.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM petitions WHERE id = $1`, id)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return errNotFound
		}
		return participation.DeleteAction(ctx, tx, id)
	})
}

// DeleteUncounted deletes a petition none of whose signatures counted
// (pending ones go with it, and their links then find nothing); one with
// counted signatures is refused: they are leaves of the transparency log
// and answer to the text they signed. The check and the deletion share
// one transaction.
func (s *Store) DeleteUncounted(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := participation.DeleteUncounted(ctx, tx, id, errCounted); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `DELETE FROM petitions WHERE id = $1`, id)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

// Draft tells a petition saved as a draft, or in a draft campaign
// (participation.Drafter): its count is not public.
func (s *Store) Draft(ctx context.Context, q store.Queryer, id string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM petitions WHERE id = $1 AND (status = $2 OR `+campaign.DraftCondition("campaign_id")+`)`,
		id, StatusDraft).Scan(&n); err != nil {
		return false, repertoire.Internal(err)
	}
	return n > 0, nil
}

// errCounted refuses to delete a petition with counted signatures.
var errCounted = repertoire.Errorf(repertoire.ECONFLICT, "petition.delete.counted")

// CampaignTactics lists a campaign's petitions for its page
// (campaign.TacticLister), newest first, with their counted signatures
// from the maintained counters. A closed petition says so; an open one
// needs no badge.
func (s *Store) CampaignTactics(ctx context.Context, campaignID string) ([]campaign.Tactic, error) {
	ps, _, err := s.List(ctx, ListQuery{CampaignID: campaignID})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	counts, err := participation.CountsOfMany(ctx, s.db.Reader(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]campaign.Tactic, len(ps))
	lang := web.Localizer(ctx).Tag() // the reader's
	for i, p := range ps {
		c := counts[p.ID]
		p := p.In(lang)
		t := campaign.Tactic{Kind: "petition", Title: p.Title, Path: p.Path(), Summary: p.Description, Count: c.Total(), Goal: p.Goal}
		switch p.Status {
		case StatusClosed:
			t.Status = StatusClosed
		case StatusDraft:
			t.Status = campaign.TacticDraft // the campaign page lists it to organizers only
		}
		out[i] = t
	}
	return out, nil
}

// Demands reads the demands a petition supports, in its campaign's list
// order, without loading the campaign.
func (s *Store) Demands(ctx context.Context, p *Petition) ([]campaign.Demand, error) {
	return campaign.DemandsByID(ctx, s.db.Reader(), p.DemandIDs)
}

// Campaign reads the head of the campaign a petition is created in (see
// campaign.Heads); an unknown one is the body's error.
func (s *Store) Campaign(ctx context.Context, id string) (*campaign.Campaign, error) {
	heads, err := campaign.Heads(ctx, s.db.Reader(), []string{id})
	if err != nil {
		return nil, err
	}
	c := heads[id]
	if c == nil {
		return nil, repertoire.Invalid("campaign", "petition.campaign_not_found", nil)
	}
	return c, nil
}

// Titles names petitions by id (participation.Action: a signer's data
// export names what they signed).
func (s *Store) Titles(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error) {
	return participation.TitlesOf(ctx, q, `SELECT id, title FROM petitions WHERE id IN $ids`, ids)
}

// DashboardItems are the signatures flagged for review in the petitions of
// the communities the person organizes, for their dashboard.
func (s *Store) DashboardItems(ctx context.Context, personID string) ([]community.DashboardItem, error) {
	ps, _, err := s.List(ctx, ListQuery{OrganizerID: personID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	counts, err := participation.CountsOfMany(ctx, s.db.Reader(), ids)
	if err != nil {
		return nil, err
	}
	var out []community.DashboardItem
	for _, p := range ps {
		if n := counts[p.ID].Flagged; n > 0 {
			out = append(out, community.DashboardItem{CommunityID: p.CommunityID, Label: "petition.dashboard.flagged",
				Title: p.Title, Count: n, Path: p.Path() + "/manage"})
		}
	}
	return out, nil
}

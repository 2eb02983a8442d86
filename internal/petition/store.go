package petition

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/participation"
	"repertoire/internal/store"
)

// Store holds petitions, their targets, demands and deliveries.
type Store struct{ db *store.DB }

// NewStore wraps the database.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

// A person's data export names the petitions they signed.
func init() {
	participation.ExportTitle(participation.Signature, `SELECT title FROM petitions WHERE id = $1`)
}

var errNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "petition.not_found")

const petitionColumns = `p.id, p.campaign_id, c.slug, c.title, c.community_id, co.slug, p.slug, p.title, p.description,
	p.petition_text, p.goal, p.status, p.origin_system, p.created_at, p.modified_at`

const petitionFrom = ` FROM petitions p JOIN campaigns c ON c.id = p.campaign_id JOIN communities co ON co.id = c.community_id `

func scanPetition(row interface{ Scan(...any) error }) (*Petition, error) {
	var p Petition
	err := row.Scan(&p.ID, &p.CampaignID, &p.CampaignSlug, &p.CampaignTitle, &p.CommunityID, &p.CommunitySlug, &p.Slug, &p.Title,
		&p.Description, &p.Text, &p.Goal, &p.Status, &p.OriginSystem, &p.CreatedAt, &p.ModifiedAt)
	if err != nil {
		return nil, err
	}
	p.CreatedAt, p.ModifiedAt = p.CreatedAt.UTC(), p.ModifiedAt.UTC()
	return &p, nil
}

// Create adds a petition to a campaign. The demands must be the campaign's.
func (s *Store) Create(ctx context.Context, personID string, in Input) (*Petition, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	id := store.NewID()
	origin := in.OriginSystem
	if origin == "" {
		origin = "repertoire"
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM petitions WHERE campaign_id = $1 AND slug = $2`, in.CampaignID, in.Slug).Scan(&taken); err != nil {
			return repertoire.Internal(err)
		}
		if taken > 0 {
			return &repertoire.Error{Code: repertoire.ECONFLICT, Field: "slug", MessageID: "petition.slug_taken"}
		}
		var creator any
		if personID != "" {
			creator = personID
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO petitions (id, campaign_id, slug, title, description, petition_text, goal, status,
			origin_system, created_by, created_at, modified_at) SELECT $1, id, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $10
			FROM campaigns WHERE id = $2`, id, in.CampaignID, in.Slug, in.Title, in.Description, in.Text, in.Goal, origin, creator, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return repertoire.Invalid("campaign", "petition.campaign_not_found", nil)
		}
		for i, t := range in.Targets {
			if _, err := tx.ExecContext(ctx, `INSERT INTO petition_targets (petition_id, position, name, email) VALUES ($1, $2, $3, $4)`,
				id, i+1, t.Name, t.Email); err != nil {
				return repertoire.Internal(err)
			}
		}
		for _, d := range in.DemandIDs {
			r, err := tx.ExecContext(ctx, `INSERT INTO petition_demands (petition_id, demand_id)
				SELECT $1, id FROM demands WHERE id = $2 AND campaign_id = $3`, id, d, in.CampaignID)
			if err != nil {
				return repertoire.Internal(err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return repertoire.Invalid("demands", "petition.demand_not_found", nil)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
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
	p, err := scanPetition(q.QueryRowContext(ctx, `SELECT `+petitionColumns+petitionFrom+`WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	rows, err := q.QueryContext(ctx, `SELECT name, email FROM petition_targets WHERE petition_id = $1 ORDER BY position`, p.ID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	for rows.Next() {
		var t Target
		if err := rows.Scan(&t.Name, &t.Email); err != nil {
			rows.Close()
			return nil, repertoire.Internal(err)
		}
		p.Targets = append(p.Targets, t)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT pd.demand_id FROM petition_demands pd JOIN demands d ON d.id = pd.demand_id
		JOIN demand_sections s ON s.id = d.section_id WHERE pd.petition_id = $1 ORDER BY s.position, d.position`, p.ID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, repertoire.Internal(err)
		}
		p.DemandIDs = append(p.DemandIDs, d)
	}
	return p, nil
}

// ListQuery selects petitions: of one campaign, or of the given
// communities (those the caller may see).
type ListQuery struct {
	CampaignID   string
	CommunityIDs []string // nil: any
	Offset       int
	Limit        int
}

// List returns a page of petitions, newest first, and the total.
func (s *Store) List(ctx context.Context, lq ListQuery) ([]*Petition, int, error) {
	var conds []string
	var args []any
	if lq.CampaignID != "" {
		args = append(args, lq.CampaignID)
		conds = append(conds, `p.campaign_id = $`+itoa(len(args)))
	}
	if lq.CommunityIDs != nil {
		if len(lq.CommunityIDs) == 0 {
			return nil, 0, nil
		}
		var in []string
		for _, id := range lq.CommunityIDs {
			args = append(args, id)
			in = append(in, `$`+itoa(len(args)))
		}
		conds = append(conds, `c.community_id IN (`+strings.Join(in, ",")+`)`)
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, " AND ")
	}
	q := s.db.Reader()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+petitionFrom+where, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	if lq.Limit <= 0 {
		lq.Limit = 100
	}
	rows, err := q.QueryContext(ctx, `SELECT `+petitionColumns+petitionFrom+where+` ORDER BY p.created_at DESC, p.id DESC LIMIT `+
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
	for i, p := range out { // targets and demands: few petitions per page
		full, err := s.Get(ctx, p.ID)
		if err != nil {
			return nil, 0, err
		}
		out[i] = full
	}
	return out, total, nil
}

// SetStatus opens or closes a petition; a closed one takes no signatures.
func (s *Store) SetStatus(ctx context.Context, id, status string) error {
	if status != StatusOpen && status != StatusClosed {
		return repertoire.Invalid("status", "field.bad_choice", nil)
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE petitions SET status = $2, modified_at = $3 WHERE id = $1`, id, status, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

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

// Delivery is one handing-over of a petition to its targets.
type Delivery struct {
	ID          string
	DeliveredAt time.Time
	Count       int
	Note        string
	Answer      string
	AnsweredAt  *time.Time
}

// Deliveries lists a petition's deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, petitionID string) ([]Delivery, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, delivered_at, count, note, answer, answered_at FROM petition_deliveries
		WHERE petition_id = $1 ORDER BY delivered_at DESC, id DESC`, petitionID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var answered sql.NullTime
		if err := rows.Scan(&d.ID, &d.DeliveredAt, &d.Count, &d.Note, &d.Answer, &answered); err != nil {
			return nil, repertoire.Internal(err)
		}
		d.DeliveredAt = d.DeliveredAt.UTC()
		d.AnsweredAt = store.TimePtr(answered)
		out = append(out, d)
	}
	return out, nil
}

// CampaignTactics lists a campaign's petitions for its page
// (campaign.TacticLister), newest first, with their counted signatures
// from the maintained counters. A closed petition says so; an open one
// needs no badge.
func (s *Store) CampaignTactics(ctx context.Context, campaignID string) ([]campaign.Tactic, error) {
	ps, _, err := s.List(ctx, ListQuery{CampaignID: campaignID})
	if err != nil {
		return nil, err
	}
	out := make([]campaign.Tactic, len(ps))
	for i, p := range ps {
		c, err := participation.CountsOf(ctx, s.db.Reader(), p.ID)
		if err != nil {
			return nil, err
		}
		t := campaign.Tactic{Kind: "petition", Title: p.Title, Path: p.Path(), Summary: p.Description, Count: c.Total(), Goal: p.Goal}
		if p.Status == StatusClosed {
			t.Status = StatusClosed
		}
		out[i] = t
	}
	return out, nil
}

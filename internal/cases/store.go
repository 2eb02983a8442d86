package cases

import (
	"context"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/store"
)

// The cases table.

// Store reads and writes the case library.
type Store struct{ db *store.DB }

// NewStore is the case library over db.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

const columns = `id, slug, COALESCE(community_id, ''), platform, year, title, community, tactics, numbers, outcome, won, sources, created_at, modified_at`

func scan(r store.Scanner) (*Case, error) {
	var c Case
	var tactics, sources string
	if err := r.Scan(&c.ID, &c.Slug, &c.CommunityID, &c.Platform, &c.Year, &c.Title, &c.Community, &tactics, &c.Numbers,
		&c.Outcome, &c.Won, &sources, &c.CreatedAt, &c.ModifiedAt); err != nil {
		return nil, err
	}
	c.Tactics, c.Sources = strings.Fields(tactics), strings.Fields(sources)
	c.CreatedAt, c.ModifiedAt = c.CreatedAt.UTC(), c.ModifiedAt.UTC()
	return &c, nil
}

// insert writes a case; with seeded, a case of that slug already there is
// left as it is.
func insert(ctx context.Context, tx *store.Tx, c *Case, seeded bool) error {
	if c.ID == "" {
		c.ID = store.NewID()
	}
	if c.Slug == "" {
		c.Slug = c.ID
	}
	c.CreatedAt, c.ModifiedAt = tx.Now, tx.Now
	var community any
	if c.CommunityID != "" {
		community = c.CommunityID
	}
	q := `INSERT INTO cases (id, slug, community_id, platform, year, title, community, tactics, numbers, outcome, won, sources, created_at, modified_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`
	if seeded {
		q += ` ON CONFLICT (slug) DO NOTHING`
	}
	_, err := tx.ExecContext(ctx, q, c.ID, c.Slug, community, c.Platform, c.Year, c.Title, c.Community,
		strings.Join(c.Tactics, "\n"), c.Numbers, c.Outcome, c.Won, strings.Join(c.Sources, "\n"), tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// Create adds an organizer's case, on behalf of a community ("" for an
// administrator's).
func (s *Store) Create(ctx context.Context, communityID string, in Input) (*Case, error) {
	if err := in.Normalize(store.Now()); err != nil {
		return nil, err
	}
	c := &Case{CommunityID: communityID, Platform: in.Platform, Year: in.Year, Title: in.Title, Community: in.Community,
		Tactics: in.Tactics, Numbers: in.Numbers, Outcome: in.Outcome, Won: in.Won, Sources: in.Sources}
	err := s.db.Write(ctx, func(tx *store.Tx) error { return insert(ctx, tx, c, false) })
	return c, err
}

// Get reads a case by id ("repertoire:<id>" too) or slug.
func (s *Store) Get(ctx context.Context, id string) (*Case, error) {
	c, err := scan(s.db.Reader().QueryRowContext(ctx, `SELECT `+columns+` FROM cases WHERE id = $1 OR slug = $1`, api.ParseID(id)))
	if err != nil {
		return nil, store.NotFound(err, "cases.not_found")
	}
	return c, nil
}

// Query selects cases.
type Query struct {
	Platform string // whatever the case
	Filter   api.Filter
	Limit    int // 0: every case
	Offset   int
}

// List returns the cases q selects, by year then title, and their count.
func (s *Store) List(ctx context.Context, q Query) ([]*Case, int, error) {
	var conds []string
	var args store.Args
	arg := args.Add
	if q.Platform != "" {
		conds = append(conds, "LOWER(platform) = "+arg(strings.ToLower(q.Platform)))
	}
	conds = append(conds, q.Filter.Where("created_at", "modified_at", arg)...)
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	r := s.db.Reader()
	var total int
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`+where, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	page := ""
	if q.Limit > 0 {
		page = ` LIMIT ` + arg(q.Limit) + ` OFFSET ` + arg(q.Offset)
	}
	rows, err := r.QueryContext(ctx, `SELECT `+columns+` FROM cases`+where+` ORDER BY year, title, id`+page, args...)
	if err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Case
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, 0, repertoire.Internal(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	return out, total, nil
}

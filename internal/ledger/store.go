package ledger

import (
	"context"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/store"
)

// The ledger_entries table.

var errNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "ledger.not_found")

// Store reads and writes campaigns' ledgers.
type Store struct{ db *store.DB }

// NewStore is the ledgers over db.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

const columns = `id, campaign_id, entry_date, kind, channel, amount, currency, purpose, created_at, modified_at`

func scan(r store.Scanner) (*Entry, error) {
	var e Entry
	if err := r.Scan(&e.ID, &e.CampaignID, &e.Date, &e.Kind, &e.Channel, &e.Amount, &e.Currency, &e.Purpose, &e.CreatedAt, &e.ModifiedAt); err != nil {
		return nil, err
	}
	e.CreatedAt, e.ModifiedAt = e.CreatedAt.UTC(), e.ModifiedAt.UTC()
	return &e, nil
}

// Add writes an entry to a campaign's ledger.
func (s *Store) Add(ctx context.Context, campaignID string, in Input) (*Entry, error) {
	if err := in.Normalize(); err != nil {
		return nil, err
	}
	e := &Entry{ID: store.NewID(), CampaignID: campaignID, Date: in.Date, Kind: in.Kind, Channel: in.Channel, Amount: in.Amount,
		Currency: in.Currency, Purpose: in.Purpose}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		e.CreatedAt, e.ModifiedAt = tx.Now, tx.Now
		_, err := tx.ExecContext(ctx, `INSERT INTO ledger_entries (`+columns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			e.ID, campaignID, e.Date, e.Kind, e.Channel, e.Amount, e.Currency, e.Purpose, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	return e, err
}

// Get reads an entry of a campaign's ledger.
func (s *Store) Get(ctx context.Context, campaignID, id string) (*Entry, error) {
	e, err := scan(s.db.Reader().QueryRowContext(ctx, `SELECT `+columns+` FROM ledger_entries WHERE id = $1 AND campaign_id = $2`,
		api.ParseID(id), campaignID))
	if err != nil {
		return nil, store.NotFound(err, "ledger.not_found")
	}
	return e, nil
}

// Delete removes an entry of a campaign's ledger.
func (s *Store) Delete(ctx context.Context, campaignID, id string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM ledger_entries WHERE id = $1 AND campaign_id = $2`, api.ParseID(id), campaignID)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

// List returns a page of a campaign's entries, newest first (limit 0:
// every one), and how many there are.
func (s *Store) List(ctx context.Context, campaignID string, f api.Filter, limit, offset int) ([]*Entry, int, error) {
	args := store.Args{campaignID}
	arg := args.Add
	conds := append([]string{"campaign_id = $1"}, f.Where("created_at", "modified_at", arg)...)
	where := " WHERE " + strings.Join(conds, " AND ")
	r := s.db.Reader()
	var total int
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_entries`+where, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	page := ""
	if limit > 0 {
		page = ` LIMIT ` + arg(limit) + ` OFFSET ` + arg(offset)
	}
	rows, err := r.QueryContext(ctx, `SELECT `+columns+` FROM ledger_entries`+where+` ORDER BY entry_date DESC, created_at DESC, id`+page, args...)
	if err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, 0, repertoire.Internal(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	return out, total, nil
}

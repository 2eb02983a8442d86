package participation

import (
	"context"
	"strings"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/store"
)

// The API's collections of participations (a petition's signatures, a
// person's signatures): confirmed ones, online and imported alike, as the
// counters count them, filtered and paged in SQL; and an organizer's edit
// of one.

// ListQuery selects confirmed participations of one kind.
type ListQuery struct {
	Kind     Kind
	ActionID string // one action's; "" for any
	PersonID string // one person's; "" for anyone's
	// Actions, when set, is an SQL condition on the column holding the
	// action's id, written by the tactic that owns the actions (e.g. those
	// the caller organizes), binding its values with arg.
	Actions func(column string, arg func(any) string) string
	Filter  api.Filter
	Offset  int
	Limit   int
}

// List reads one page of the participations q selects, oldest first, with
// their people's emails, and how many it selects in all.
func (s *Service) List(ctx context.Context, q ListQuery) ([]Participant, int, error) {
	args := []any{string(q.Kind), StatusConfirmed}
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	where := []string{"p.kind = $1", "p.status = $2"}
	if q.ActionID != "" {
		where = append(where, "p.action_id = "+arg(q.ActionID))
	}
	if q.PersonID != "" {
		where = append(where, "p.person_id = "+arg(q.PersonID))
	}
	if q.Actions != nil {
		where = append(where, q.Actions("p.action_id", arg))
	}
	where = append(where, q.Filter.Where("p.created_at", "p.modified_at", arg)...)
	cond := strings.Join(where, " AND ")
	r := s.db.Reader()
	var total int
	if q.ActionID != "" && q.PersonID == "" && q.Actions == nil && len(q.Filter.Times) == 0 {
		// The whole action: its maintained counter, not a count of a million rows.
		c, err := CountsOf(ctx, r, q.ActionID)
		if err != nil {
			return nil, 0, err
		}
		total = c.Total()
	} else if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM participations p WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, internalErr(err)
	}
	page, err := participants(ctx, r, `SELECT `+participationColumns+` FROM participations p WHERE `+cond+
		` ORDER BY p.created_at, p.id LIMIT `+arg(q.Limit)+` OFFSET `+arg(q.Offset), args...)
	if err != nil {
		return nil, 0, err
	}
	return page, total, withEmails(ctx, r, page)
}

// Participant reads one participation with its person's email; whoever
// asks checks the caller may see it.
func (s *Service) Participant(ctx context.Context, id string) (*Participant, error) {
	r := s.db.Reader()
	p, err := getParticipation(ctx, r, id)
	if err != nil {
		return nil, err
	}
	page := []Participant{{Participation: *p}}
	return &page[0], withEmails(ctx, r, page)
}

// SetComment changes a participation's comments (an organizer's correction
// through the API); the caller checks they organize its action.
func (s *Service) SetComment(ctx context.Context, id, comment string) error {
	comment = strings.TrimSpace(comment)
	if e := account.TooLong("comments", comment, 2000); e != nil {
		return e
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE participations SET comment = $2, modified_at = $3 WHERE id = $1`, id, comment, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return repertoire.Errorf(repertoire.ENOTFOUND, "participation.not_found")
		}
		return nil
	})
}

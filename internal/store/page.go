package store

import (
	"context"
	"strings"

	"repertoire"
)

// Page is one page of an API collection being selected: the conditions
// written so far, their bound arguments, and the page's bounds. The
// owner of a table writes its conditions (Cond, with Args.Add binding each
// value) and hands the page to SelectPage, which every collection shares.
type Page struct {
	Where  []string
	Args   Args
	Offset int
	Limit  int // 0: every row
}

// Cond adds a condition the rows must meet.
func (p *Page) Cond(c ...string) { p.Where = append(p.Where, c...) }

// SelectPage counts the rows of from (a FROM clause with its joins) that
// meet p's conditions, and scans one page of them in order (an ORDER BY
// list, which should end with a unique column so pages do not overlap).
func SelectPage[T any](ctx context.Context, q Queryer, columns, from, order string, p *Page, scan func(Scanner) (T, error)) ([]T, int, error) {
	cond := ""
	if len(p.Where) > 0 {
		cond = " WHERE " + strings.Join(p.Where, " AND ")
	}
	var total int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) "+from+cond, p.Args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	args := append(Args(nil), p.Args...)
	limit := ""
	if p.Limit > 0 {
		limit = " LIMIT " + args.Add(p.Limit) + " OFFSET " + args.Add(p.Offset)
	}
	rows, err := q.QueryContext(ctx, "SELECT "+columns+" "+from+cond+" ORDER BY "+order+limit, args...)
	if err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, repertoire.Internal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	return out, total, nil
}

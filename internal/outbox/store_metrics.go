package outbox

import (
	"context"

	"repertoire/internal/store"
)

// Backlog is how many mails wait to be delivered (pending, due or retrying
// later), for the operator's gauge on /metrics. It reads the outbox_due
// index only.
func Backlog(ctx context.Context, q store.Queryer) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE status = 'pending'`).Scan(&n)
	return n, err
}

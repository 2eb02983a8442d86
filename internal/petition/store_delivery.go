package petition

import (
	"context"
	"database/sql"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

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
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

// insertDelivery records a delivery of the petition, made by actorID.
func insertDelivery(ctx context.Context, tx *store.Tx, petitionID, actorID string, d *Delivery) error {
	var by any
	if actorID != "" {
		by = actorID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO petition_deliveries (id, petition_id, delivered_at, count, note, delivered_by)
		VALUES ($1, $2, $3, $4, $5, $6)`, d.ID, petitionID, d.DeliveredAt, d.Count, d.Note, by); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// answerDelivery records the target's answer to a delivery of the petition.
func answerDelivery(ctx context.Context, tx *store.Tx, petitionID, deliveryID, answer string) error {
	r, err := tx.ExecContext(ctx, `UPDATE petition_deliveries SET answer = $3, answered_at = $4 WHERE id = $1 AND petition_id = $2`,
		deliveryID, petitionID, answer, tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return errNotFound
	}
	return nil
}

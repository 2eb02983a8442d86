package participation

import (
	"context"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// The group commit's statements on participations (see batch.go and
// submit.go for what they decide).

// newRow is one participation to insert, with everything decided.
type newRow struct {
	id, personID, status, reason string
	tokenHash                    any // nil when it gets no link (imports, flagged)
	confirmedAt                  any // nil unless an import
	sub                          *Submission
}

// appendArgs appends the row's values, in insertColumns order, to dst.
func (r *newRow) appendArgs(dst []any, now time.Time) []any {
	sub := r.sub
	var ip any
	if sub.IP != "" {
		ip = sub.IP
	}
	in := sub.Person
	return append(dst, r.id, string(sub.Kind), sub.ActionID, r.personID, r.status, sub.OriginSystem, sub.Comment,
		sub.PublicName, sub.ContactOK, sub.ShareWithTarget, in.GivenName, in.FamilyName, in.Locality, in.Country,
		sub.Lang, ip, emailDomain(in.Email), r.reason, r.tokenHash, r.confirmedAt, now, now)
}

const insertColumns = `INSERT INTO participations (id, kind, action_id, person_id, status, origin_system, comment,
	public_name, contact_ok, share_with_target, given_name, family_name, locality, country, lang, ip, email_domain,
	flag_reason, token_hash, confirmed_at, created_at, modified_at) VALUES `

// insertOne inserts one participation and reports whether it did: false
// when the person already takes part in the action.
func insertOne(ctx context.Context, tx *store.Tx, r *newRow) (bool, error) {
	res, err := tx.ExecContext(ctx, insertColumns+`($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)
		ON CONFLICT (action_id, person_id) DO NOTHING`, r.appendArgs(make([]any, 0, 22), tx.Now)...)
	if err != nil {
		return false, repertoire.Internal(err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// insertMany inserts rows with one multi-row statement per chunkRows and
// returns the ids actually inserted: a missing one met an earlier
// participation of the same person.
func insertMany(ctx context.Context, tx *store.Tx, rows []*newRow) (map[string]bool, error) {
	inserted := make(map[string]bool, len(rows))
	for start := 0; start < len(rows); start += chunkRows {
		chunk := rows[start:min(start+chunkRows, len(rows))]
		args := make([]any, 0, len(chunk)*22)
		for _, r := range chunk {
			args = r.appendArgs(args, tx.Now)
		}
		res, err := query(ctx, tx, insertColumns+store.Rows(tx.Dialect, len(chunk), 22)+
			` ON CONFLICT (action_id, person_id) DO NOTHING RETURNING id`, args)
		if err != nil {
			return nil, err
		}
		for res.Next() {
			var id string
			if err := res.Scan(&id); err != nil {
				res.Close()
				return nil, repertoire.Internal(err)
			}
			inserted[id] = true
		}
		res.Close()
		if err := res.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	return inserted, nil
}

// existing reads the participation a person already has in an action.
func existing(ctx context.Context, tx *store.Tx, actionID, personID string) (id, status string, modified time.Time, err error) {
	err = tx.QueryRowContext(ctx, `SELECT id, status, modified_at FROM participations WHERE action_id = $1 AND person_id = $2`,
		actionID, personID).Scan(&id, &status, &modified)
	if err != nil {
		return "", "", time.Time{}, repertoire.Internal(err)
	}
	return id, status, modified, nil
}

// confirmImported confirms a participation from an organizer's import.
func confirmImported(ctx context.Context, tx *store.Tx, id, origin string) error {
	_, err := tx.ExecContext(ctx, `UPDATE participations SET status = 'confirmed', origin_system = $2, confirmed_at = $3,
		withdrawn_at = NULL, token_hash = NULL, modified_at = $3 WHERE id = $1`, id, origin, tx.Now)
	return internalErr(err)
}

// startOver makes a participation pending again with what the person
// submitted this time and a fresh link's hash.
func startOver(ctx context.Context, tx *store.Tx, id, hash string, sub *Submission) error {
	_, err := tx.ExecContext(ctx, `UPDATE participations SET status = 'pending', token_hash = $2, comment = $3,
		public_name = $4, contact_ok = $5, share_with_target = $6, lang = $7, withdrawn_at = NULL, modified_at = $8 WHERE id = $1`,
		id, hash, sub.Comment, sub.PublicName, sub.ContactOK, sub.ShareWithTarget, sub.Lang, tx.Now)
	return internalErr(err)
}

// moveStatus moves a participation from status from to status to, and
// reports whether it did: false when another transaction moved it first.
func moveStatus(ctx context.Context, tx *store.Tx, id, from, to string) (bool, error) {
	set := `status = $2, modified_at = $3`
	switch to {
	case StatusConfirmed:
		set += `, confirmed_at = $3, withdrawn_at = NULL`
	case StatusWithdrawn:
		set += `, withdrawn_at = $3`
	}
	r, err := tx.ExecContext(ctx, `UPDATE participations SET `+set+` WHERE id = $1 AND status = $4`, id, to, tx.Now, from)
	if err != nil {
		return false, repertoire.Internal(err)
	}
	n, _ := r.RowsAffected()
	return n > 0, nil
}

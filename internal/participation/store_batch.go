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
	// The log's salt and place (logRow), when it is kept: nil otherwise.
	logSalt []byte
	logFrom any
}

// appendArgs appends the row's values, in the order of insertColumns
// (then its log's salt and place when it has them: insertOf), to dst.
func (r *newRow) appendArgs(dst []any, now time.Time) []any {
	sub := r.sub
	var ip any
	if sub.IP != "" {
		ip = sub.IP
	}
	in := sub.Person
	dst = append(dst, r.id, string(sub.Kind), sub.ActionID, r.personID, r.status, sub.OriginSystem, sub.Comment,
		sub.PublicName, sub.ContactOK, sub.ShareWithTarget, in.GivenName, in.FamilyName, in.Locality, in.Country,
		sub.Lang, ip, emailDomain(in.Email), r.reason, r.tokenHash, r.confirmedAt, now, now, sub.canonical, UAFamily(sub.UserAgent), sub.Payload)
	if r.logSalt != nil {
		dst = append(dst, r.logSalt, r.logFrom)
	}
	return dst
}

// insertColumns are the columns of a new participation. Its inserts do
// nothing on a conflict with either unique key, (action, person) or
// (action, canonical address): the same inbox takes part once.
const insertColumns = `INSERT INTO participations (id, kind, action_id, person_id, status, origin_system, comment,
	public_name, contact_ok, share_with_target, given_name, family_name, locality, country, lang, ip, email_domain,
	flag_reason, token_hash, confirmed_at, created_at, modified_at, email_canonical, ua_family, payload`

// insertWidth is how many values a row of insertColumns has.
const insertWidth = 25

// insertOf is the insert of rows with their log's salt and place when
// they have them (the log is kept: logRow, the same for every row of a
// transaction), and its values a row: without the log, the insert is
// what it was before it.
func insertOf(r *newRow) (string, int) {
	if r.logSalt != nil {
		return insertColumns + `, log_salt, log_from) VALUES `, insertWidth + 2
	}
	return insertColumns + `) VALUES `, insertWidth
}

// insertOne inserts one participation and reports whether it did: false
// when the person already takes part in the action.
func insertOne(ctx context.Context, tx *store.Tx, r *newRow) (bool, error) {
	q, width := insertOf(r)
	res, err := tx.ExecContext(ctx, q+store.Rows(tx.Dialect, 1, width)+` ON CONFLICT DO NOTHING`,
		r.appendArgs(make([]any, 0, width), tx.Now)...)
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
		q, width := insertOf(chunk[0])
		args := make([]any, 0, len(chunk)*width)
		for _, r := range chunk {
			args = r.appendArgs(args, tx.Now)
		}
		res, err := query(ctx, tx, q+store.Rows(tx.Dialect, len(chunk), width)+
			` ON CONFLICT DO NOTHING RETURNING id`, args)
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

// existing reads the participation a person already has in an action:
// theirs, or else the one of their inbox under another spelling of its
// address (canonical).
func existing(ctx context.Context, tx *store.Tx, actionID, personID, canonical string) (*Participation, error) {
	p, err := scanParticipation(tx.QueryRowContext(ctx, `SELECT `+participationColumns+` FROM participations p
		WHERE p.action_id = $1 AND (p.person_id = $2 OR p.email_canonical = $3)
		ORDER BY CASE WHEN p.person_id = $2 THEN 0 ELSE 1 END LIMIT 1`, actionID, personID, canonical))
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	return p, nil
}

// confirmImported confirms a participation from an organizer's import,
// with the import's payload.
func confirmImported(ctx context.Context, tx *store.Tx, id, origin, payload string) error {
	_, err := tx.ExecContext(ctx, `UPDATE participations SET status = 'confirmed', origin_system = $2, confirmed_at = $3,
		withdrawn_at = NULL, token_hash = NULL, modified_at = $3, payload = $4 WHERE id = $1`, id, origin, tx.Now, payload)
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

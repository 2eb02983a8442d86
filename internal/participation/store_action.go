package participation

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/store"
)

// Recipient is a confirmed participant as a tactic's mailing needs them:
// the participation, its person's address and the participation's language.
type Recipient struct {
	ParticipationID string
	PersonID        string
	Email           string
	Lang            string
}

// ConfirmedRecipients lists the confirmed participants of an action, in
// participation id order, inside tx: one read of the participations, then
// their addresses one read per chunk of people (account.Contacts). With at set, only those
// confirmed at that instant (by the transaction of that time: an index
// lookup, not a scan of every participant).
func ConfirmedRecipients(ctx context.Context, tx *store.Tx, actionID string, at time.Time) ([]Recipient, error) {
	q := `SELECT id, person_id, lang FROM participations WHERE action_id = $1 AND status = 'confirmed'`
	args := []any{actionID}
	if !at.IsZero() {
		q += ` AND confirmed_at = $2`
		args = append(args, at)
	}
	rows, err := tx.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	var out []Recipient
	var people []string
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.ParticipationID, &r.PersonID, &r.Lang); err != nil {
			rows.Close()
			return nil, repertoire.Internal(err)
		}
		out = append(out, r)
		people = append(people, r.PersonID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	contacts, err := account.Contacts(ctx, tx, people)
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, r := range out {
		if a, ok := contacts[r.PersonID]; ok {
			r.Email = a.Email
			kept = append(kept, r)
		}
	}
	return kept, nil
}

// ByID reads one participation from q (the read pool or a transaction).
func ByID(ctx context.Context, q store.Queryer, id string) (*Participation, error) {
	p, err := scanParticipation(q.QueryRowContext(ctx, `SELECT `+participationColumns+` FROM participations p WHERE p.id = $1`, id))
	if err != nil {
		return nil, store.NotFound(err, "participation.not_found")
	}
	return p, nil
}

// SetCheckin records a participation's answer to a check-in (a pledge's
// "did you hold the line?") inside tx, and returns the answer it replaces
// ("" for none). The same answer again changes nothing.
func SetCheckin(ctx context.Context, tx *store.Tx, participationID, answer string) (string, error) {
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT checkin FROM participations WHERE id = $1`, participationID).Scan(&prev)
	if errors.Is(err, sql.ErrNoRows) {
		return "", repertoire.Errorf(repertoire.ENOTFOUND, "participation.not_found")
	}
	if err != nil {
		return "", repertoire.Internal(err)
	}
	if prev == answer {
		return prev, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE participations SET checkin = $1, modified_at = $2 WHERE id = $3`,
		answer, tx.Now, participationID); err != nil {
		return "", repertoire.Internal(err)
	}
	return prev, nil
}

// ParticipantsOf is an SQL subquery selecting the people who took part,
// confirmed, in the actions the subquery actions selects: the participants
// an organizer of those actions reaches through the people API (a pending
// participation may be someone else typing their address).
func ParticipantsOf(actions string) string {
	return "SELECT person_id FROM participations WHERE status = '" + StatusConfirmed + "' AND action_id IN (" + actions + ")"
}

// ContactableIn is an SQL subquery selecting the people who took part,
// confirmed, in the actions the subquery actions selects and agreed to be
// contacted by its organizers (contact_ok): whom a message to an action's
// participants may write to.
func ContactableIn(actions string) string {
	return "SELECT person_id FROM participations WHERE status = '" + StatusConfirmed + "' AND contact_ok = TRUE AND action_id IN (" + actions + ")"
}

// takenActions lists the kind and id of the actions of the subquery
// actions (bound to args) that someone took part in, confirmed.
func takenActions(ctx context.Context, q store.Queryer, actions string, args ...any) ([]ActionRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT kind, action_id FROM participations WHERE status = '`+StatusConfirmed+
		`' AND action_id IN (`+actions+`)`, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []ActionRef
	for rows.Next() {
		var a ActionRef
		if err := rows.Scan(&a.Kind, &a.ID); err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

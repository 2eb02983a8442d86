package participation

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// countsTTL is how long a page may show cached counts: the issue allows a
// second, and a viral petition's page then costs no query at all.
const countsTTL = time.Second

const participationColumns = `p.id, p.kind, p.action_id, p.person_id, p.status, p.origin_system, p.comment, p.public_name,
	p.contact_ok, p.share_with_target, p.given_name, p.family_name, p.locality, p.country, p.lang, p.flag_reason, p.checkin,
	p.created_at, p.confirmed_at, p.withdrawn_at, p.modified_at`

func scanParticipation(row interface{ Scan(...any) error }, extra ...any) (*Participation, error) {
	var p Participation
	var kind string
	var confirmed, withdrawn sql.NullTime
	dest := append([]any{&p.ID, &kind, &p.ActionID, &p.PersonID, &p.Status, &p.OriginSystem, &p.Comment, &p.PublicName,
		&p.ContactOK, &p.ShareWithTarget, &p.GivenName, &p.FamilyName, &p.Locality, &p.Country, &p.Lang, &p.FlagReason, &p.Checkin,
		&p.CreatedAt, &confirmed, &withdrawn, &p.ModifiedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	p.Kind = Kind(kind)
	p.ConfirmedAt, p.WithdrawnAt = store.TimePtr(confirmed), store.TimePtr(withdrawn)
	p.CreatedAt, p.ModifiedAt = p.CreatedAt.UTC(), p.ModifiedAt.UTC()
	return &p, nil
}

func errLink() error { return repertoire.Errorf(repertoire.ENOTFOUND, "participation.link_invalid") }

// ByToken reads the participation a mailed token belongs to.
func (s *Service) ByToken(ctx context.Context, token string) (*Participation, error) {
	return byLink(ctx, s.db.Reader(), token)
}

// Get reads one participation.
func (s *Service) Get(ctx context.Context, id string) (*Participation, error) {
	p, err := scanParticipation(s.db.Reader().QueryRowContext(ctx,
		`SELECT `+participationColumns+` FROM participations p WHERE p.id = $1`, id))
	if err != nil {
		return nil, store.NotFound(err, "participation.not_found")
	}
	return p, nil
}

// transition moves the participation holding token from one of the from
// statuses to to, with its counters, in the writer's next group commit
// (see writeMove): a link followed by thousands at once shares their
// transactions with the signatures arriving.
func (s *Service) transition(ctx context.Context, token string, from []string, to string) (*Participation, error) {
	p := &pending{ctx: ctx, move: &move{link: token, from: from, to: to}}
	if err := s.await(ctx, p); err != nil {
		return nil, err
	}
	return p.move.part, nil
}

// counterOf names the counter a participation is counted in.
func counterOf(p *Participation) string {
	if p.Status == StatusConfirmed && p.OriginSystem != "" {
		return "imported"
	}
	return p.Status
}

func isCounted(counter string) bool { return counter == StatusConfirmed || counter == "imported" }

// Confirm confirms the participation of the mailed token: from then on it
// counts. Following the link again changes nothing. A withdrawn
// participation can be confirmed again from the same mail.
func (s *Service) Confirm(ctx context.Context, token string) (*Participation, error) {
	return s.transition(ctx, token, []string{StatusPending, StatusWithdrawn}, StatusConfirmed)
}

// Withdraw withdraws the participation of the mailed token; the count drops
// when it was counted.
func (s *Service) Withdraw(ctx context.Context, token string) (*Participation, error) {
	return s.transition(ctx, token, []string{StatusPending, StatusConfirmed}, StatusWithdrawn)
}

// Counts reads an action's counters, cached for at most a second.
func (s *Service) Counts(ctx context.Context, actionID string) (Counts, error) {
	now := time.Now()
	s.cacheMu.Lock()
	if c, ok := s.counts[actionID]; ok && now.Sub(c.at) < countsTTL {
		s.cacheMu.Unlock()
		return c.c, nil
	}
	s.cacheMu.Unlock()
	c, err := CountsOf(ctx, s.db.Reader(), actionID)
	if err != nil {
		return c, err
	}
	s.cacheMu.Lock()
	if len(s.counts) > 10_000 {
		clear(s.counts)
	}
	s.counts[actionID] = cachedCounts{c: c, at: now}
	s.cacheMu.Unlock()
	return c, nil
}

// forget drops the cached counts of an action after a change made here,
// so the person who just confirmed sees their signature counted.
func (s *Service) forget(actionID string) {
	s.cacheMu.Lock()
	delete(s.counts, actionID)
	s.cacheMu.Unlock()
}

// CountsOf reads an action's counters without cache (inside a transaction
// or from a reader): a primary-key lookup.
func CountsOf(ctx context.Context, q store.Queryer, actionID string) (Counts, error) {
	var c Counts
	err := q.QueryRowContext(ctx, `SELECT confirmed, imported, pending, flagged, withdrawn FROM action_counters WHERE action_id = $1`,
		actionID).Scan(&c.Confirmed, &c.Imported, &c.Pending, &c.Flagged, &c.Withdrawn)
	if errors.Is(err, sql.ErrNoRows) {
		return Counts{}, nil
	}
	if err != nil {
		return c, repertoire.Internal(err)
	}
	return c, nil
}

// Growth returns the net counted participations per hour, oldest first.
func (s *Service) Growth(ctx context.Context, actionID string) ([]Bucket, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT bucket, confirmed FROM action_count_buckets WHERE action_id = $1 ORDER BY bucket`, actionID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Bucket
	for rows.Next() {
		var b Bucket
		if err := rows.Scan(&b.Start, &b.Confirmed); err != nil {
			return nil, repertoire.Internal(err)
		}
		b.Start = b.Start.UTC()
		out = append(out, b)
	}
	return out, internalErr(rows.Err())
}

func internalErr(err error) error {
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// Recent lists the latest confirmed participants who agreed to show their
// name, newest first.
func (s *Service) Recent(ctx context.Context, actionID string, n int) ([]PublicParticipant, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT p.given_name, p.family_name, p.locality, p.country, p.comment, p.confirmed_at, p.origin_system
		FROM participations p WHERE p.action_id = $1 AND p.status = 'confirmed' AND p.public_name
		ORDER BY p.confirmed_at DESC LIMIT $2`, actionID, n)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []PublicParticipant
	for rows.Next() {
		var pp PublicParticipant
		var given, family, origin string
		var at sql.NullTime
		if err := rows.Scan(&given, &family, &pp.Locality, &pp.Country, &pp.Comment, &at, &origin); err != nil {
			return nil, repertoire.Internal(err)
		}
		pp.Name = strings.TrimSpace(given + " " + family)
		if pp.Name == "" {
			continue
		}
		if at.Valid {
			pp.ConfirmedAt = at.Time.UTC()
		}
		pp.Imported = origin != ""
		out = append(out, pp)
	}
	return out, internalErr(rows.Err())
}

// each runs fn over the participations of actionID in the given statuses,
// with each person's email, oldest first.
func (s *Service) each(ctx context.Context, actionID string, statuses []string, limit int, fn func(Participant) error) error {
	args := []any{actionID}
	in := make([]string, len(statuses))
	for i, st := range statuses {
		args = append(args, st)
		in[i] = "$" + itoa(i+2)
	}
	q := `SELECT ` + participationColumns + `, pe.email FROM participations p JOIN people pe ON pe.id = p.person_id
		WHERE p.action_id = $1 AND p.status IN (` + strings.Join(in, ",") + `) ORDER BY p.created_at, p.id`
	if limit > 0 {
		q += ` LIMIT ` + itoa(limit)
	}
	rows, err := s.db.Reader().QueryContext(ctx, q, args...)
	if err != nil {
		return repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var pt Participant
		p, err := scanParticipation(rows, &pt.Email)
		if err != nil {
			return repertoire.Internal(err)
		}
		pt.Participation = *p
		if err := fn(pt); err != nil {
			return err
		}
	}
	return internalErr(rows.Err())
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Confirmed runs fn over the confirmed participants of an action (online
// and imported), oldest first: deliveries, exports, mails to committed
// people. Consent is the caller's to honour (ShareWithTarget, ContactOK).
func (s *Service) Confirmed(ctx context.Context, actionID string, fn func(Participant) error) error {
	return s.each(ctx, actionID, []string{StatusConfirmed}, 0, fn)
}

// ReviewQueue lists the flagged participations of an action, oldest first.
func (s *Service) ReviewQueue(ctx context.Context, actionID string, limit int) ([]Participant, error) {
	var out []Participant
	err := s.each(ctx, actionID, []string{StatusFlagged}, limit, func(p Participant) error { out = append(out, p); return nil })
	return out, err
}

// Review settles flagged participations of an action in bulk: accepted
// ones become pending and get their confirmation mail (they still have to
// confirm, like everyone); rejected ones are kept as rejected. The caller
// checks that actorID organizes the action. Ids that are not flagged
// participations of the action are ignored. It returns how many changed.
func (s *Service) Review(ctx context.Context, actorID, actionID string, ids []string, accept bool) (int, error) {
	changed := 0
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		changed = 0
		var kind Kind
		for _, id := range ids {
			var k, email, lang string
			err := tx.QueryRowContext(ctx, `SELECT p.kind, pe.email, p.lang FROM participations p JOIN people pe ON pe.id = p.person_id
				WHERE p.id = $1 AND p.action_id = $2 AND p.status = 'flagged'`, id, actionID).Scan(&k, &email, &lang)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return repertoire.Internal(err)
			}
			kind = Kind(k)
			if !accept {
				if _, err := tx.ExecContext(ctx, `UPDATE participations SET status = 'rejected', modified_at = $2 WHERE id = $1`, id, tx.Now); err != nil {
					return repertoire.Internal(err)
				}
				changed++
				continue
			}
			token, hash := newLink(id)
			if _, err := tx.ExecContext(ctx, `UPDATE participations SET status = 'pending', token_hash = $2, modified_at = $3 WHERE id = $1`,
				id, hash, tx.Now); err != nil {
				return repertoire.Internal(err)
			}
			if err := s.mailConfirmation(ctx, tx, kind, actionID, email, lang, token); err != nil {
				return err
			}
			changed++
		}
		if changed == 0 {
			return nil
		}
		delta := map[string]int{StatusFlagged: -changed}
		if accept {
			delta[StatusPending] = changed
		}
		_, err := bump(ctx, tx, kind, actionID, delta)
		return err
	})
	s.forget(actionID)
	return changed, err
}

// NewLink mints a fresh token for a participation, inside tx, and returns
// its links (a pledge's check-in mail carries one). The previous token stops
// working: only the hash of the latest is kept.
func (s *Service) NewLink(ctx context.Context, tx *store.Tx, participationID string) (token string, links Links, err error) {
	token, hash := newLink(participationID)
	if _, err := tx.ExecContext(ctx, `UPDATE participations SET token_hash = $2 WHERE id = $1`, participationID, hash); err != nil {
		return "", Links{}, repertoire.Internal(err)
	}
	return token, s.links(token), nil
}

// URL is the absolute URL of a path on this Repertoire.
func (s *Service) URL(path string) string { return s.baseURL + path }

// Checkin records a confirmed participant's answer ("held" or "broke") to a
// pledge's check-in, from their mailed token.
func (s *Service) Checkin(ctx context.Context, token, answer string) (*Participation, error) {
	if answer != "held" && answer != "broke" {
		return nil, repertoire.Invalid("checkin", "field.bad_choice", nil)
	}
	var out *Participation
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		p, err := byLink(ctx, tx, token)
		if err != nil {
			return err
		}
		if p.Status != StatusConfirmed {
			return errLink()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE participations SET checkin = $2, modified_at = $3 WHERE id = $1`, p.ID, answer, tx.Now); err != nil {
			return repertoire.Internal(err)
		}
		p.Checkin = answer
		out = p
		return nil
	})
	return out, err
}

// DeleteAction removes an action's participations and counters, inside the
// transaction that deletes the action.
func DeleteAction(ctx context.Context, tx *store.Tx, actionID string) error {
	for _, q := range []string{`DELETE FROM participations WHERE action_id = $1`, `DELETE FROM action_counters WHERE action_id = $1`,
		`DELETE FROM action_count_buckets WHERE action_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, actionID); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// PurgeIPs forgets the IP addresses of participations older than the
// configured period, and returns how many it forgot.
func (s *Service) PurgeIPs(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE participations SET ip = NULL WHERE ip IS NOT NULL AND created_at < $1`, now.Add(-s.limits.KeepIPs))
		if err != nil {
			return repertoire.Internal(err)
		}
		n, _ = r.RowsAffected()
		return nil
	})
	return int(n), err
}

// Run does the background work until ctx ends: it starts the group-commit
// writer (Submit also starts it, for tests and tools that do not Run) and
// purges old IP addresses every hour.
func (s *Service) Run(ctx context.Context) {
	s.startWriters()
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := s.PurgeIPs(ctx, store.Now()); err != nil {
			if ctx.Err() == nil {
				s.log.Error("ip purge failed", "err", err)
			}
		} else if n > 0 {
			s.log.Info("ip addresses purged", "participations", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

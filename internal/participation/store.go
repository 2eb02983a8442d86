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

// The participation core's SQL: participations, action_counters and
// action_count_buckets. The group commit's statements are in
// store_batch.go.

const participationColumns = `p.id, p.kind, p.action_id, p.person_id, p.status, p.origin_system, p.comment, p.public_name,
	p.contact_ok, p.share_with_target, p.given_name, p.family_name, p.locality, p.country, p.lang, ` + flagReason + `, p.checkin,
	p.created_at, p.confirmed_at, p.withdrawn_at, p.modified_at, p.payload, p.log_salt`

// flagReason is the flag reason of the participation p: its own, or else
// FlagCoordinated when the integrity review shadow-flagged it (a row in
// participation_coordinated, a primary-key probe).
const flagReason = `CASE WHEN p.flag_reason = '' AND EXISTS (SELECT 1 FROM participation_coordinated c
	WHERE c.participation_id = p.id) THEN '` + FlagCoordinated + `' ELSE p.flag_reason END`

func scanParticipation(row interface{ Scan(...any) error }, extra ...any) (*Participation, error) {
	var p Participation
	var kind string
	var confirmed, withdrawn sql.NullTime
	dest := append([]any{&p.ID, &kind, &p.ActionID, &p.PersonID, &p.Status, &p.OriginSystem, &p.Comment, &p.PublicName,
		&p.ContactOK, &p.ShareWithTarget, &p.GivenName, &p.FamilyName, &p.Locality, &p.Country, &p.Lang, &p.FlagReason, &p.Checkin,
		&p.CreatedAt, &confirmed, &withdrawn, &p.ModifiedAt, &p.Payload, &p.logSalt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	p.Kind = Kind(kind)
	p.ConfirmedAt, p.WithdrawnAt = store.TimePtr(confirmed), store.TimePtr(withdrawn)
	p.CreatedAt, p.ModifiedAt = p.CreatedAt.UTC(), p.ModifiedAt.UTC()
	return &p, nil
}

// getParticipation reads one participation by id.
func getParticipation(ctx context.Context, q store.Queryer, id string) (*Participation, error) {
	p, err := scanParticipation(q.QueryRowContext(ctx, `SELECT `+participationColumns+` FROM participations p WHERE p.id = $1`, id))
	if err != nil {
		return nil, store.NotFound(err, "participation.not_found")
	}
	return p, nil
}

// linkedParticipation reads one participation by id with the hash of its
// first link's secret (invalid when it has none: see participation_links).
func linkedParticipation(ctx context.Context, q store.Queryer, id string) (*Participation, sql.NullString, error) {
	var stored sql.NullString
	p, err := scanParticipation(q.QueryRowContext(ctx,
		`SELECT `+participationColumns+`, p.token_hash FROM participations p WHERE p.id = $1`, id), &stored)
	if err != nil {
		return nil, stored, store.NotFound(err, "participation.link_invalid")
	}
	return p, stored, nil
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

// idsChunk bounds the ids of one "IN (…)" lookup.
const idsChunk = 500

// marks returns "$from, $from+1, …" for n arguments.
func marks(from, n int) string {
	m := make([]string, n)
	for i := range m {
		m[i] = "$" + itoa(from+i)
	}
	return strings.Join(m, ",")
}

// CountsOfMany reads the counters of several actions at once (a page of
// them): action id → counts (zero counts for an action nothing was counted
// in yet).
func CountsOfMany(ctx context.Context, q store.Queryer, actionIDs []string) (map[string]Counts, error) {
	out := make(map[string]Counts, len(actionIDs))
	err := store.EachByID(ctx, q, `SELECT action_id, confirmed, imported, pending, flagged, withdrawn FROM action_counters
		WHERE action_id IN $ids`, actionIDs, func(r store.Scanner) error {
		var id string
		var c Counts
		if err := r.Scan(&id, &c.Confirmed, &c.Imported, &c.Pending, &c.Flagged, &c.Withdrawn); err != nil {
			return repertoire.Internal(err)
		}
		out[id] = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// buckets reads an action's hourly buckets, oldest first.
func buckets(ctx context.Context, q store.Queryer, actionID string) ([]Bucket, error) {
	rows, err := q.QueryContext(ctx, `SELECT bucket, confirmed FROM action_count_buckets WHERE action_id = $1 ORDER BY bucket`, actionID)
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

// recent reads the latest confirmed participants of an action who agreed
// to show their name, newest first.
func recent(ctx context.Context, q store.Queryer, actionID string, n int) ([]PublicParticipant, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.given_name, p.family_name, p.locality, p.country, p.comment, p.confirmed_at, p.origin_system
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

// pageKey is where a page of participations in list order (created_at,
// id) ends; the next page starts after it.
type pageKey struct {
	createdAt time.Time
	id        string
}

// listOf picks the participations of a list: those in the statuses,
// only the flagged ones (a flag reason kept: see toReview) when flagged.
type listOf struct {
	statuses []string
	flagged  bool
}

// participationsAfter reads up to n participations of actionID that list
// picks, oldest first, after key (nil: from the first).
func participationsAfter(ctx context.Context, q store.Queryer, actionID string, list listOf, key *pageKey, n int) ([]Participant, error) {
	args := []any{actionID}
	for _, st := range list.statuses {
		args = append(args, st)
	}
	where := `p.action_id = $1 AND p.status IN (` + marks(2, len(list.statuses)) + `)`
	// after is the page's start, written on the columns given: a row
	// value, one seek in the index read, where the OR form read every
	// earlier row again for each page.
	after := func(createdAt, id string) string { return "" }
	if key != nil {
		args = append(args, key.createdAt, key.id)
		a, b := "$"+itoa(len(args)-1), "$"+itoa(len(args))
		after = func(createdAt, id string) string {
			return ` AND (` + createdAt + `, ` + id + `) > (` + a + `, ` + b + `)`
		}
	}
	if !list.flagged { // participations_action_order
		return participants(ctx, q, `SELECT `+participationColumns+` FROM participations p WHERE `+where+
			after("p.created_at", "p.id")+` ORDER BY p.created_at, p.id LIMIT `+itoa(n), args...)
	}
	// Those flagged with a reason of their own (participations_review, a
	// partial index) and those the integrity review shadow-flagged
	// (participation_coordinated_order), each read in order up to n,
	// merged.
	own := `SELECT ` + participationColumns + ` FROM participations p WHERE ` + where + ` AND p.flag_reason <> ''` +
		after("p.created_at", "p.id") + ` ORDER BY p.created_at, p.id LIMIT ` + itoa(n)
	shadow := `SELECT ` + participationColumns + ` FROM participation_coordinated c JOIN participations p ON p.id = c.participation_id
		WHERE c.action_id = $1 AND ` + where + ` AND p.flag_reason = ''` + after("c.created_at", "c.participation_id") +
		` ORDER BY c.created_at, c.participation_id LIMIT ` + itoa(n)
	return participants(ctx, q, `SELECT * FROM (`+own+`) own UNION ALL SELECT * FROM (`+shadow+`) shadow
		ORDER BY created_at, id LIMIT `+itoa(n), args...)
}

func participants(ctx context.Context, q store.Queryer, query string, args ...any) ([]Participant, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Participant
	for rows.Next() {
		p, err := scanParticipation(rows)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, Participant{Participation: *p})
	}
	return out, internalErr(rows.Err())
}

// flaggedAmong reads which of ids are participations of actionID to
// review (see toReview): id → the participation. Others are left out.
func flaggedAmong(ctx context.Context, tx *store.Tx, actionID string, ids []string) (map[string]*Participation, error) {
	out := map[string]*Participation{}
	err := store.EachByID(ctx, tx, `SELECT `+participationColumns+` FROM participations p WHERE p.id IN $ids`, ids, func(r store.Scanner) error {
		p, err := scanParticipation(r)
		if err != nil {
			return repertoire.Internal(err)
		}
		if p.ActionID == actionID && (p.Status == StatusFlagged || (p.Status == StatusConfirmed && p.FlagReason != "")) {
			out[p.ID] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reject marks flagged participations rejected on review.
func reject(ctx context.Context, tx *store.Tx, ids []string) error {
	for start := 0; start < len(ids); start += idsChunk {
		chunk := ids[start:min(start+idsChunk, len(ids))]
		args := []any{tx.Now}
		for _, id := range chunk {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE participations SET status = 'rejected', modified_at = $1
			WHERE id IN (`+marks(2, len(chunk))+`)`, args...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// repend makes a participation pending again with a fresh link's hash
// (a flagged one accepted on review: reviewed, it is flagged no more).
func repend(ctx context.Context, tx *store.Tx, id, hash string) error {
	_, err := tx.ExecContext(ctx, `UPDATE participations SET status = 'pending', token_hash = $2, flag_reason = '', modified_at = $3
		WHERE id = $1`, id, hash, tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	return unflag(ctx, tx, id)
}

// unflag takes the integrity review's shadow flag off a participation
// accepted on review.
func unflag(ctx context.Context, tx *store.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM participation_coordinated WHERE participation_id = $1`, id)
	return internalErr(err)
}

// clearFlag accepts on review a participation confirmed while flagged.
func clearFlag(ctx context.Context, tx *store.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `UPDATE participations SET flag_reason = '', modified_at = $2 WHERE id = $1`, id, tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	return unflag(ctx, tx, id)
}

// setLink keeps the hash of a participation's first link (nil: none; its
// links then live in participation_links).
func setLink(ctx context.Context, tx *store.Tx, id string, hash any) error {
	_, err := tx.ExecContext(ctx, `UPDATE participations SET token_hash = $2 WHERE id = $1`, id, hash)
	return internalErr(err)
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

// DeleteUncounted deletes an action's participations, counters and
// buckets when none of them counted; with counted ones it returns counted
// and deletes nothing: they are leaves of the transparency log and answer
// to the text people took part in (close the action instead). The tactic
// deletes its own row in the same transaction.
func DeleteUncounted(ctx context.Context, tx *store.Tx, actionID string, counted error) error {
	c, err := CountsOf(ctx, tx, actionID)
	if err != nil {
		return err
	}
	if c.Total() > 0 {
		return counted
	}
	return DeleteAction(ctx, tx, actionID)
}

// purgeIPs forgets the IP addresses (and user agent families) of participations made before, and
// returns how many it forgot.
func purgeIPs(ctx context.Context, tx *store.Tx, before time.Time) (int64, error) {
	r, err := tx.ExecContext(ctx, `UPDATE participations SET ip = NULL, ua_family = '' WHERE ip IS NOT NULL AND created_at < $1`, before)
	if err != nil {
		return 0, repertoire.Internal(err)
	}
	n, _ := r.RowsAffected()
	return n, nil
}

// bump adds to an action's counters (creating them) and returns them after.
// Statuses outside the counters (rejected) are ignored.
func bump(ctx context.Context, tx *store.Tx, kind Kind, actionID string, delta map[string]int) (Counts, error) {
	var c Counts
	err := tx.QueryRowContext(ctx, `INSERT INTO action_counters (action_id, kind, confirmed, imported, pending, flagged, withdrawn, modified_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (action_id) DO UPDATE SET confirmed = action_counters.confirmed + excluded.confirmed,
		imported = action_counters.imported + excluded.imported, pending = action_counters.pending + excluded.pending,
		flagged = action_counters.flagged + excluded.flagged, withdrawn = action_counters.withdrawn + excluded.withdrawn,
		modified_at = excluded.modified_at
		RETURNING confirmed, imported, pending, flagged, withdrawn`,
		actionID, string(kind), delta[StatusConfirmed], delta["imported"], delta[StatusPending], delta[StatusFlagged],
		delta[StatusWithdrawn], tx.Now).Scan(&c.Confirmed, &c.Imported, &c.Pending, &c.Flagged, &c.Withdrawn)
	if err != nil {
		return c, repertoire.Internal(err)
	}
	return c, nil
}

func addBucket(ctx context.Context, tx *store.Tx, actionID string, n int) error {
	return addBucketAt(ctx, tx, actionID, tx.Now.Truncate(time.Hour), n)
}

// addBucketAt adds n to the chart's bucket of the given hour.
func addBucketAt(ctx context.Context, tx *store.Tx, actionID string, hour time.Time, n int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO action_count_buckets (action_id, bucket, confirmed) VALUES ($1, $2, $3)
		ON CONFLICT (action_id, bucket) DO UPDATE SET confirmed = action_count_buckets.confirmed + excluded.confirmed`,
		actionID, hour, n)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// exportSQL is the participations section of a person's export, the
// action's title given by title (see ExportSection).
const exportSQL = `SELECT p.kind, p.action_id,
	p.status, p.origin_system, p.comment,
	CASE WHEN p.public_name THEN 'yes' ELSE 'no' END AS public_name,
	CASE WHEN p.contact_ok THEN 'yes' ELSE 'no' END AS contact_ok,
	CASE WHEN p.share_with_target THEN 'yes' ELSE 'no' END AS share_with_target,
	p.given_name, p.family_name, p.locality, p.country, p.lang, p.checkin,
	p.created_at, p.confirmed_at, p.withdrawn_at, p.modified_at, p.payload
	FROM participations p WHERE p.person_id = $1 ORDER BY p.created_at, p.id`

// Draft tells whether the action whose counters are kept under actionID
// is a draft its tactic hides (Drafter); an action without counters, or
// of a tactic with no drafts, is not.
func (s *Service) Draft(ctx context.Context, q store.Queryer, actionID string) (bool, error) {
	var kind string
	err := q.QueryRowContext(ctx, `SELECT kind FROM action_counters WHERE action_id = $1`, actionID).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, repertoire.Internal(err)
	}
	if d, ok := s.action(Kind(kind)).(Drafter); ok {
		return d.Draft(ctx, q, actionID)
	}
	return false, nil
}

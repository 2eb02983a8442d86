package participation

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/store"
	"repertoire/internal/translog"
)

// Past is a participation that happened before it was recorded here (a
// scenario's history, another tool's records with their dates): what was
// submitted, when, when it was confirmed, and when it was withdrawn if it
// was. An OriginSystem makes it an import, counted apart, as Submit does.
type Past struct {
	Submission
	SubmittedAt time.Time
	ConfirmedAt time.Time
	WithdrawnAt time.Time // zero: never withdrawn
}

// RecordPast records participations of the past as they happened: each
// confirmed at its ConfirmedAt and withdrawn at its WithdrawnAt when set,
// counted in its action's counters and in the chart's buckets of those
// hours as the confirmation and the withdrawal were then, and its action
// told of the new counts. Nobody is mailed: it is history. Each submission
// is validated as Submit does it (the IP address is not kept: the rate
// limits are for what arrives now). A person who already took part in the
// action keeps that participation: the result says Existing and nothing
// is counted. Everything is written in one transaction, a few multi-row
// statements per fifty participations; the results follow past's order.
func (s *Service) RecordPast(ctx context.Context, past []Past) ([]Result, error) {
	past = slices.Clone(past)
	for i := range past {
		p := &past[i]
		if err := Validate(&p.Submission); err != nil {
			return nil, err
		}
		if s.action(p.Kind) == nil || p.ActionID == "" {
			return nil, repertoire.Internal(errors.New("participation: unknown kind or action"))
		}
		p.SubmittedAt, p.ConfirmedAt, p.WithdrawnAt = p.SubmittedAt.UTC(), p.ConfirmedAt.UTC(), p.WithdrawnAt.UTC()
		if p.SubmittedAt.IsZero() || p.ConfirmedAt.Before(p.SubmittedAt) ||
			(!p.WithdrawnAt.IsZero() && p.WithdrawnAt.Before(p.ConfirmedAt)) {
			return nil, repertoire.Internal(errors.New("participation: a past participation's dates are out of order"))
		}
	}
	out := make([]Result, len(past))
	err := s.db.Write(ctx, func(tx *store.Tx) error { return s.writePast(ctx, tx, past, out) })
	for _, p := range past {
		s.forget(p.ActionID)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// writePast writes RecordPast's participations inside tx: the people in
// one upsert and the participations in one insert per fifty rows, then
// each action's counters once and the chart's buckets, hour by hour.
func (s *Service) writePast(ctx context.Context, tx *store.Tx, past []Past, out []Result) error {
	rows := make([]*fresh, len(past))
	at := make(map[*fresh]int, len(past))
	for i := range past {
		if latest(past[i]).After(tx.Now) {
			return repertoire.Internal(errors.New("participation: a past participation is dated in the future"))
		}
		rows[i] = &fresh{p: &pending{sub: past[i].Submission}, id: store.NewID()}
		at[rows[i]] = i
	}
	sorted := slices.Clone(rows)
	slices.SortStableFunc(sorted, func(a, b *fresh) int { return lockOrder(&a.p.sub, &b.p.sub) })
	if err := upsertPeople(ctx, tx, sorted, true); err != nil {
		return err
	}
	inserted := make(map[string]bool, len(sorted))
	for start := 0; start < len(sorted); start += chunkRows {
		chunk := sorted[start:min(start+chunkRows, len(sorted))]
		args := make([]any, 0, len(chunk)*21)
		for _, r := range chunk {
			p, sub := past[at[r]], &r.p.sub
			r.status = StatusConfirmed
			modified, withdrawn := p.ConfirmedAt, any(nil)
			if !p.WithdrawnAt.IsZero() {
				r.status, modified, withdrawn = StatusWithdrawn, p.WithdrawnAt, p.WithdrawnAt
			}
			in := sub.Person
			args = append(args, r.id, string(sub.Kind), sub.ActionID, r.personID, r.status, sub.OriginSystem, sub.Comment,
				sub.PublicName, sub.ContactOK, sub.ShareWithTarget, in.GivenName, in.FamilyName, in.Locality, in.Country,
				sub.Lang, emailDomain(in.Email), p.SubmittedAt, p.ConfirmedAt, withdrawn, modified, sub.canonical)
		}
		q := `INSERT INTO participations (id, kind, action_id, person_id, status, origin_system, comment,
			public_name, contact_ok, share_with_target, given_name, family_name, locality, country, lang, email_domain,
			created_at, confirmed_at, withdrawn_at, modified_at, email_canonical) VALUES ` + store.Rows(tx.Dialect, len(chunk), 21) +
			` ON CONFLICT DO NOTHING RETURNING id`
		res, err := query(ctx, tx, q, args)
		if err != nil {
			return err
		}
		for res.Next() {
			var id string
			if err := res.Scan(&id); err != nil {
				res.Close()
				return repertoire.Internal(err)
			}
			inserted[id] = true
		}
		res.Close()
		if err := res.Err(); err != nil {
			return repertoire.Internal(err)
		}
	}

	deltas := map[string]*pastDelta{}
	var buckets []pastBucket
	var leaves []translog.Leaf
	for _, r := range sorted {
		i := at[r]
		if !inserted[r.id] {
			// Taken part already: that participation stands.
			ex, err := existing(ctx, tx, r.p.sub.ActionID, r.personID, r.p.sub.canonical)
			if err != nil {
				return err
			}
			out[i] = Result{ID: ex.ID, Status: ex.Status, Existing: true}
			continue
		}
		out[i] = Result{ID: r.id, Status: r.status}
		p := past[i]
		part := &Participation{ID: r.id, Kind: p.Kind, ActionID: p.ActionID, PersonID: r.personID}
		confirm := leaf(translog.Confirm, part)
		confirm.New = true // inserted above: no receipt to read
		leaves = append(leaves, *confirm)
		if r.status == StatusWithdrawn {
			withdraw := leaf(translog.Withdraw, part)
			withdraw.New = true
			leaves = append(leaves, *withdraw)
		}
		d := deltas[p.ActionID]
		if d == nil {
			d = &pastDelta{kind: p.Kind, counts: map[string]int{}}
			deltas[p.ActionID] = d
		}
		counter := counterOf(&Participation{Status: StatusConfirmed, OriginSystem: p.OriginSystem})
		buckets = append(buckets, pastBucket{p.ActionID, p.ConfirmedAt.Truncate(time.Hour), 1})
		if r.status == StatusWithdrawn {
			buckets = append(buckets, pastBucket{p.ActionID, p.WithdrawnAt.Truncate(time.Hour), -1})
			counter = StatusWithdrawn
		}
		d.counts[counter]++
	}
	if err := addPastBuckets(ctx, tx, buckets); err != nil {
		return err
	}
	staged, err := s.stageLog(ctx, tx, leaves)
	if err != nil {
		return err
	}
	actions := make([]string, 0, len(deltas))
	for id := range deltas {
		actions = append(actions, id)
	}
	slices.Sort(actions) // the counters' lock order: see startWriters
	for _, id := range actions {
		d := deltas[id]
		c, err := bump(ctx, tx, d.kind, id, d.counts)
		if err != nil {
			return err
		}
		if d.counts[StatusConfirmed] != 0 || d.counts["imported"] != 0 {
			if err := s.action(d.kind).Counted(ctx, tx, id, c); err != nil {
				return err
			}
		}
	}
	return staged.Append(ctx, tx) // last, as in a batch
}

// latest is the last date of a past participation.
func latest(p Past) time.Time {
	if p.WithdrawnAt.After(p.ConfirmedAt) {
		return p.WithdrawnAt
	}
	return p.ConfirmedAt
}

// pastDelta is what RecordPast adds to one action's counters.
type pastDelta struct {
	kind   Kind
	counts map[string]int
}

// pastBucket is one confirmation (+1) or withdrawal (-1) in its hour.
type pastBucket struct {
	actionID string
	hour     time.Time
	n        int
}

// addPastBuckets adds the confirmations and withdrawals of the past to the
// chart's hourly buckets, each hour once, fifty hours a statement. An hour
// with as many withdrawals as confirmations keeps its bucket at zero, as
// the live count leaves it.
func addPastBuckets(ctx context.Context, tx *store.Tx, events []pastBucket) error {
	sum := map[pastBucket]int{}
	var hours []pastBucket
	for _, e := range events {
		k := pastBucket{actionID: e.actionID, hour: e.hour}
		if _, ok := sum[k]; !ok {
			hours = append(hours, k)
		}
		sum[k] += e.n
	}
	slices.SortFunc(hours, func(a, b pastBucket) int {
		return cmp.Or(strings.Compare(a.actionID, b.actionID), a.hour.Compare(b.hour))
	})
	for start := 0; start < len(hours); start += chunkRows {
		chunk := hours[start:min(start+chunkRows, len(hours))]
		args := make([]any, 0, len(chunk)*3)
		for _, h := range chunk {
			args = append(args, h.actionID, h.hour, sum[h])
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO action_count_buckets (action_id, bucket, confirmed) VALUES `+
			store.Rows(tx.Dialect, len(chunk), 3)+
			` ON CONFLICT (action_id, bucket) DO UPDATE SET confirmed = action_count_buckets.confirmed + excluded.confirmed`,
			args...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

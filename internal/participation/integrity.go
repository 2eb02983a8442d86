package participation

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"repertoire/internal/store"
)

// What the core offers the integrity review (internal/integrity): the
// signals of participations (when, from which network, which email
// domain, which kind of browser), the shadow flag a flagged group's
// participations carry, and the review's rejection of them in bulk.

// FlagCoordinated is the flag reason of a participation the integrity
// review found acting with a group. Its person notices nothing (their
// confirmation mail is still sent, as UK Parliament petitions do); it
// stays in the counts until the group is invalidated.
const FlagCoordinated = "coordinated"

// UAFamily is the coarse family of a User-Agent header: what the integrity
// checks compare, and all that is kept of it.
func UAFamily(ua string) string {
	if ua == "" {
		return ""
	}
	l := strings.ToLower(ua)
	for _, f := range []struct{ needle, family string }{
		{"bot", "bot"}, {"spider", "bot"}, {"crawl", "bot"}, {"headless", "headless"},
		{"curl/", "curl"}, {"wget/", "curl"}, {"python", "python"}, {"go-http-client", "go"},
		{"node", "script"}, {"java/", "script"}, {"okhttp", "script"},
		{"edg/", "edge"}, {"opr/", "opera"}, {"firefox/", "firefox"}, {"chrome/", "chrome"}, {"chromium/", "chrome"},
		{"safari/", "safari"},
	} {
		if strings.Contains(l, f.needle) {
			return f.family
		}
	}
	return "other"
}

// Signal is what the integrity checks read of one participation: who, on
// what, when, and what the instance knows of the circumstances (IP and
// user agent family while kept, the email's domain).
type Signal struct {
	ID, ActionID, PersonID string
	Kind                   Kind
	Status, FlagReason     string
	CreatedAt              time.Time
	IP, Domain, UAFamily   string
}

// SignalQuery selects the participations a run reads: those made online
// since Since (with their IP still kept; zero: all of them), of the actions Actions selects when set (an SQL
// condition written by the actions' owners, binding its values with arg).
// Rejected and withdrawn participations count for nothing and are left out.
type SignalQuery struct {
	Since   time.Time
	Actions func(column string, arg func(any) string) string
}

// Signals reads the participations q selects, oldest first.
func (s *Service) Signals(ctx context.Context, q SignalQuery) ([]Signal, error) {
	return signals(ctx, s.db.Reader(), q)
}

// RecentSignals reads the online participations dated from since, oldest
// first, and next: where the following read starts so as to miss none
// committed after this one. A participation is dated when its writing
// transaction starts (a group commit's tx.Now), so one committed after a
// read may be dated before the latest that read saw; next is the earliest
// date such a late one can have:
//
//   - SQLite has one writer, and its transactions one after another
//     (BEGIN IMMEDIATE on a pool of one connection, dated once it holds
//     the lock): one still to commit is dated after every one already
//     committed, so next is the latest date read (or now, when the clock
//     went back).
//   - PostgreSQL writes in several transactions at once, of this instance
//     and of others: next is when the oldest transaction open before the
//     read began (pg_stat_activity, every session of the database), less
//     lateClock for clocks of the instances and the database that differ.
//     A transaction opened later is dated later. A transaction open for
//     long (a backup, a report) would make every look read far back: no
//     look starts more than lateCommit before the latest date read, the
//     bound the runs kept before this one, for a writing transaction
//     open that long.
func (s *Service) RecentSignals(ctx context.Context, since time.Time) ([]Signal, time.Time, error) {
	var open time.Time
	if s.db.Dialect == store.Postgres {
		var err error
		if open, err = oldestOpen(ctx, s.db.Reader()); err != nil {
			return nil, since, err
		}
	}
	sigs, err := signals(ctx, s.db.Reader(), SignalQuery{Since: since})
	if err != nil {
		return nil, since, err
	}
	next := open.Add(-lateClock)
	if n := len(sigs); n > 0 && next.Before(sigs[n-1].CreatedAt.Add(-lateCommit)) {
		next = sigs[n-1].CreatedAt.Add(-lateCommit)
	}
	if s.db.Dialect != store.Postgres {
		next = since
		if len(sigs) > 0 {
			next = sigs[len(sigs)-1].CreatedAt
		}
		if now := store.Now(); next.After(now) {
			next = now
		}
	}
	if next.Before(since) {
		next = since
	}
	return sigs, next, nil
}

// lateClock is how far an instance's clock, which dates participations,
// may be behind the database's, which dates transactions: hosts kept in
// time by NTP differ by milliseconds.
const lateClock = time.Second

// lateCommit is the longest a transaction writing participations is
// waited for on PostgreSQL: a group commit's lasts milliseconds.
const lateCommit = 30 * time.Second

// ShadowFlag gives ids, participations in a group found by the integrity
// review, the flag reason FlagCoordinated, in tx: a row each in
// participation_coordinated, the participation itself (status,
// modified_at) left as it was. Those already flagged keep their reason,
// settled ones (rejected, withdrawn) are left. It returns those not
// settled, with their flag.
func (s *Service) ShadowFlag(ctx context.Context, tx *store.Tx, ids []string) ([]Signal, error) {
	return shadowFlag(ctx, tx, ids)
}

// ClearFlag takes the coordinated flag off ids (a group dismissed on
// review): they are what they were before.
func (s *Service) ClearFlag(ctx context.Context, tx *store.Tx, ids []string) error {
	return clearCoordinated(ctx, tx, ids)
}

// Invalidate rejects in tx, as a review does, those of ids that carry a
// flag: pending, flagged or confirmed, they never count again, and each
// counted one appends an invalidate leaf to the transparency log. One
// accepted on review since (its flag cleared) is left. It returns how
// many it rejected per action.
func (s *Service) Invalidate(ctx context.Context, tx *store.Tx, ids []string) (map[string]int, error) {
	parts, err := withFlag(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	byAction := map[string][]*Participation{}
	for _, p := range parts {
		byAction[p.ActionID] = append(byAction[p.ActionID], p)
	}
	actions := make([]string, 0, len(byAction))
	for a := range byAction {
		actions = append(actions, a)
	}
	slices.Sort(actions) // counters in one lock order, as the batches take them
	out := map[string]int{}
	for _, a := range actions {
		order := byAction[a]
		slices.SortFunc(order, func(x, y *Participation) int { return cmp.Compare(x.ID, y.ID) })
		if err := s.invalidate(ctx, tx, order[0].Kind, a, order); err != nil {
			return nil, err
		}
		out[a] = len(order)
		s.forget(a)
	}
	return out, nil
}

// ActionPage gives the title and path of an action of kind in lang (its
// tactic's Action.Page).
func (s *Service) ActionPage(ctx context.Context, kind Kind, actionID, lang string) (title, path string, err error) {
	a := s.action(kind)
	if a == nil {
		return "", "", nil
	}
	return a.Page(ctx, actionID, lang)
}

// SignalsOf reads the signals of the participations ids (id → signal),
// for a group's evidence; unknown ids are left out.
func (s *Service) SignalsOf(ctx context.Context, ids []string) (map[string]Signal, error) {
	return signalsByID(ctx, s.db.Reader(), ids)
}

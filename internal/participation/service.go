package participation

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/translog"
)

// countsTTL is how long a page may show cached counts: the issue allows a
// second, and a viral petition's page then costs no query at all.
const countsTTL = time.Second

func errLink() error { return repertoire.Errorf(repertoire.ENOTFOUND, "participation.link_invalid") }

// ByToken reads the participation a mailed token belongs to.
func (s *Service) ByToken(ctx context.Context, token string) (*Participation, error) {
	p, _, err := byLink(ctx, s.db.Reader(), token)
	return p, err
}

// Get reads one participation.
func (s *Service) Get(ctx context.Context, id string) (*Participation, error) {
	return getParticipation(ctx, s.db.Reader(), id)
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

// Confirm confirms the participation of the mailed token with the choices
// that link was mailed for, and gives its person the name and place they
// gave: from then on it counts. Following the link again changes nothing.
// A withdrawn participation can be confirmed again from the same mail. A
// flagged one confirmed from a mail (only the reader of the inbox has it)
// counts like any other; an organizer may still reject it on review.
func (s *Service) Confirm(ctx context.Context, token string) (*Participation, error) {
	return s.transition(ctx, token, []string{StatusPending, StatusWithdrawn, StatusFlagged}, StatusConfirmed)
}

// Withdraw withdraws the participation of the mailed token; the count drops
// when it was counted.
func (s *Service) Withdraw(ctx context.Context, token string) (*Participation, error) {
	return s.transition(ctx, token, []string{StatusPending, StatusConfirmed}, StatusWithdrawn)
}

// Counts reads an action's counters, cached for at most a second.
func (s *Service) Counts(ctx context.Context, actionID string) (Counts, error) {
	c, _, err := s.CountsAt(ctx, actionID)
	return c, err
}

// CountsAt reads an action's counters with the transparency log's size
// they belong to, cached together for at most a second: the public pages
// say which log they are the count of. Every change of a count appends its
// leaf in its own transaction, so counters read between two equal sizes
// are that size's (as translog's /log/counts reads them). The size is -1
// without the log, or when the log grew under every reading.
func (s *Service) CountsAt(ctx context.Context, actionID string) (Counts, int64, error) {
	now := time.Now()
	s.cacheMu.Lock()
	if c, ok := s.counts[actionID]; ok && now.Sub(c.at) < countsTTL {
		s.cacheMu.Unlock()
		return c.c, c.size, nil
	}
	s.cacheMu.Unlock()
	c, size, err := s.countsAtLog(ctx, actionID)
	if err != nil {
		return c, -1, err
	}
	s.cacheMu.Lock()
	if len(s.counts) > 10_000 {
		clear(s.counts)
	}
	s.counts[actionID] = cachedCounts{c: c, size: size, at: now}
	s.cacheMu.Unlock()
	return c, size, nil
}

// countsAtLog reads the counters between two equal readings of the log's
// size (a few tries), or alone without the log.
func (s *Service) countsAtLog(ctx context.Context, actionID string) (Counts, int64, error) {
	q := s.db.Reader()
	if !s.logged {
		c, err := CountsOf(ctx, q, actionID)
		return c, -1, err
	}
	var c Counts
	for range 5 {
		before, err := translog.Size(ctx, q)
		if err != nil {
			return c, -1, err
		}
		if c, err = CountsOf(ctx, q, actionID); err != nil {
			return c, -1, err
		}
		after, err := translog.Size(ctx, q)
		if err != nil {
			return c, -1, err
		}
		if before == after {
			return c, after, nil
		}
	}
	return c, -1, nil
}

// forget drops the cached counts of an action after a change made here,
// so the person who just confirmed sees their signature counted.
func (s *Service) forget(actionID string) {
	s.cacheMu.Lock()
	delete(s.counts, actionID)
	s.cacheMu.Unlock()
}

// Growth returns the net counted participations per hour, oldest first.
func (s *Service) Growth(ctx context.Context, actionID string) ([]Bucket, error) {
	return buckets(ctx, s.db.Reader(), actionID)
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
	return recent(ctx, s.db.Reader(), actionID, n)
}

// eachPage is how many participants each reads at a time.
const eachPage = 500

// each runs fn over the participations of actionID in the given statuses,
// with each person's email, oldest first: a page at a time, each page's
// addresses read at once.
func (s *Service) each(ctx context.Context, actionID string, statuses []string, limit int, fn func(Participant) error) error {
	return s.eachOf(ctx, actionID, listOf{statuses: statuses}, limit, fn)
}

// eachOf is each over the participations that list picks.
func (s *Service) eachOf(ctx context.Context, actionID string, list listOf, limit int, fn func(Participant) error) error {
	q := s.db.Reader()
	var key *pageKey
	for left := limit; ; {
		n := eachPage
		if limit > 0 {
			n = min(n, left)
		}
		page, err := participationsAfter(ctx, q, actionID, list, key, n)
		if err != nil {
			return err
		}
		if err := withEmails(ctx, q, page); err != nil {
			return err
		}
		for _, pt := range page {
			if err := fn(pt); err != nil {
				return err
			}
		}
		if left -= len(page); len(page) < n || (limit > 0 && left <= 0) {
			return nil
		}
		last := page[len(page)-1]
		key = &pageKey{createdAt: last.CreatedAt, id: last.ID}
	}
}

// withEmails sets the email of each participant, in one lookup.
func withEmails(ctx context.Context, q store.Queryer, page []Participant) error {
	if len(page) == 0 {
		return nil
	}
	ids := make([]string, len(page))
	for i, pt := range page {
		ids[i] = pt.PersonID
	}
	people, err := account.Contacts(ctx, q, ids)
	if err != nil {
		return err
	}
	for i := range page {
		page[i].Email = people[page[i].PersonID].Email
	}
	return nil
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

// toReview picks what an organizer reviews: flagged participations, and
// those confirmed from their mail while flagged (counted until rejected).
var toReview = listOf{statuses: []string{StatusFlagged, StatusConfirmed}, flagged: true}

// ReviewQueue lists the participations of an action to review (flagged,
// or confirmed from their mail while flagged), oldest first.
func (s *Service) ReviewQueue(ctx context.Context, actionID string, limit int) ([]Participant, error) {
	var out []Participant
	err := s.eachOf(ctx, actionID, toReview, limit, func(p Participant) error { out = append(out, p); return nil })
	return out, err
}

// Review settles the participations to review of an action in bulk.
// Accepted flagged ones become pending and get their confirmation mail
// (they still have to confirm, like everyone); accepted confirmed ones stay
// counted and leave the queue. Rejected ones are kept as rejected and
// never count (a confirmed one stops counting). The caller checks that
// actorID organizes the action. Ids that are not participations of the
// action to review are ignored. It returns how many changed.
func (s *Service) Review(ctx context.Context, actorID, actionID string, ids []string, accept bool) (int, error) {
	changed := 0
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		changed = 0
		flagged, err := flaggedAmong(ctx, tx, actionID, ids)
		if err != nil || len(flagged) == 0 {
			return err
		}
		// In the order given, each once.
		var order []*Participation
		var personIDs []string
		for _, id := range ids {
			if p := flagged[id]; p != nil {
				delete(flagged, id)
				order = append(order, p)
				personIDs = append(personIDs, p.PersonID)
			}
		}
		kind := order[len(order)-1].Kind
		changed = len(order)
		if !accept {
			return s.invalidate(ctx, tx, kind, actionID, order)
		}
		delta := map[string]int{}
		people, err := account.Contacts(ctx, tx, personIDs)
		if err != nil {
			return err
		}
		for _, p := range order {
			if p.Status == StatusConfirmed {
				if err := clearFlag(ctx, tx, p.ID); err != nil {
					return err
				}
				continue
			}
			token, hash := newLink(p.ID)
			if err := repend(ctx, tx, p.ID, hash); err != nil {
				return err
			}
			if err := s.mailConfirmation(ctx, tx, p.Kind, actionID, people[p.PersonID].Email, p.choices(), token); err != nil {
				return err
			}
			delta[StatusFlagged]--
			delta[StatusPending]++
		}
		return s.recount(ctx, tx, kind, actionID, delta, 0)
	})
	s.forget(actionID)
	return changed, err
}

// invalidate rejects order, participations of one action to review, in
// tx: they never count again, the counted ones leave the counters with an
// invalidate leaf each. The one way a review's rejection is written
// (Review, and the integrity review's Invalidate).
func (s *Service) invalidate(ctx context.Context, tx *store.Tx, kind Kind, actionID string, order []*Participation) error {
	ids := make([]string, len(order))
	for i, p := range order {
		ids[i] = p.ID
	}
	if err := reject(ctx, tx, ids); err != nil {
		return err
	}
	delta, counted := map[string]int{}, 0
	var leaves []translog.Leaf
	for _, p := range order {
		delta[counterOf(p)]--
		if isCounted(counterOf(p)) {
			counted--
			leaves = append(leaves, *leaf(translog.Invalidate, p))
		}
	}
	staged, err := s.stageLog(ctx, tx, leaves)
	if err != nil {
		return err
	}
	if err := s.recount(ctx, tx, kind, actionID, delta, counted); err != nil {
		return err
	}
	return staged.Append(ctx, tx) // last, as in a batch
}

// NewLink mints a fresh token for a participation, inside tx, and returns
// its links (a pledge's check-in mail carries one). The previous token stops
// working: only one hash is kept in the participation.
func (s *Service) NewLink(ctx context.Context, tx *store.Tx, participationID string) (token string, links Links, err error) {
	token, hash := newLink(participationID)
	if err := setLink(ctx, tx, participationID, hash); err != nil {
		return "", Links{}, err
	}
	return token, s.links(token), nil
}

// URL is the absolute URL of a path on this Repertoire.
func (s *Service) URL(path string) string { return s.baseURL + path }

// PurgeIPs forgets the IP addresses of participations older than the
// configured period, and returns how many it forgot.
func (s *Service) PurgeIPs(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = purgeIPs(ctx, tx, now.Add(-s.limits.KeepIPs))
		return err
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

// ActionRef is an action people took part in, named.
type ActionRef struct {
	Kind  Kind
	ID    string
	Title string
}

// TakenActions lists, with their titles, the actions of the subquery
// actions (bound to args) that someone took part in, confirmed: the
// actions whose participants a message may be written to. They come by
// kind, then title.
func (s *Service) TakenActions(ctx context.Context, actions string, args ...any) ([]ActionRef, error) {
	q := s.db.Reader()
	refs, err := takenActions(ctx, q, actions, args...)
	if err != nil {
		return nil, err
	}
	byKind := map[Kind][]string{}
	for _, a := range refs {
		byKind[a.Kind] = append(byKind[a.Kind], a.ID)
	}
	titles := map[string]string{}
	for kind, ids := range byKind {
		a := s.action(kind)
		if a == nil {
			continue
		}
		t, err := a.Titles(ctx, q, ids)
		if err != nil {
			return nil, err
		}
		maps.Copy(titles, t)
	}
	out := refs[:0]
	for _, a := range refs {
		if t, ok := titles[a.ID]; ok {
			a.Title = t
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b ActionRef) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Title, b.Title)
	})
	return out, nil
}

package participation

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
)

// maxBatch bounds one group-commit transaction: large enough to absorb a
// spike, small enough that the first caller of a batch is not kept waiting.
const maxBatch = 1000

// lingerFor and lingerBelow: how long a busy writer waits for a small batch
// to grow, and the size that ends the wait.
var (
	lingerFor   = time.Millisecond
	lingerBelow = 128
)

// pending is one submission waiting for the writer, with the channel that
// carries its answer after the commit.
type pending struct {
	ctx  context.Context
	sub  Submission
	res  Result
	err  error
	done chan struct{}
	// A followed link (confirm, withdraw) instead of a submission: it
	// shares the batch's transaction too.
	move *move
	// What the rate limiter counted for this submission: checked once,
	// however often the writer tries it.
	rate *receipt
}

// move is a mailed link followed: the participation named by link goes
// from one of the from statuses to to. part is what the page shows.
type move struct {
	link string
	from []string
	to   string
	part *Participation
}

// Validate checks a submission as Submit does, without writing anything.
func Validate(sub *Submission) error {
	errs := repertoire.FieldErrors(sub.Person.Validate())
	sub.Comment, sub.OriginSystem = strings.TrimSpace(sub.Comment), strings.TrimSpace(sub.OriginSystem)
	for _, e := range []*repertoire.Error{account.TooLong("comment", sub.Comment, 2000),
		account.TooLong("origin_system", sub.OriginSystem, account.MaxOriginSystem)} {
		if e != nil {
			errs = append(errs, e)
		}
	}
	if sub.Lang != "fr" {
		sub.Lang = "en"
	}
	if sub.Person.Language == "" {
		sub.Person.Language = sub.Lang
	}
	return errs.Err()
}

// Submit records one participation. It validates first (field errors name
// the form fields, see Submission), then waits for the group commit: it
// returns only after the transaction holding the submission committed, so
// an accepted submission survives a crash.
func (s *Service) Submit(ctx context.Context, sub Submission) (Result, error) {
	if err := Validate(&sub); err != nil {
		return Result{}, err
	}
	if s.action(sub.Kind) == nil || sub.ActionID == "" {
		return Result{}, repertoire.Internal(errors.New("participation: unknown kind or action"))
	}
	p := &pending{ctx: ctx, sub: sub}
	err := s.await(ctx, p)
	return p.res, err
}

// await hands p to the writer and waits for the commit that holds it.
func (s *Service) await(ctx context.Context, p *pending) error {
	s.startWriters()
	p.done = make(chan struct{})
	select {
	case s.queue <- p:
	case <-ctx.Done():
		return repertoire.Internal(ctx.Err())
	}
	// Once queued, the writer answers; waiting for it even if the caller
	// gives up keeps "answered" equal to "committed".
	<-p.done
	return p.err
}

// startWriters starts the group-commit writers once. SQLite has one
// writer. PostgreSQL takes writes side by side, and one writer would leave
// it idle while the writer builds its next batch: two take turns there.
// Batches then meet in the database (as they do between two instances of
// Repertoire): they take their row locks in one order, people by email and
// counters by action, so two never wait on each other in a cycle.
func (s *Service) startWriters() {
	s.startOnce.Do(func() {
		n := 1
		if s.db.Dialect == store.Postgres {
			n = 2
		}
		for range n {
			go s.writer()
		}
	})
}

// writer is a goroutine that commits submissions in batches. The batch is
// whatever queued up while the previous transaction ran, so a quiet server
// commits each submission at once and a busy one shares each commit among
// many.
func (s *Service) writer() {
	batch := make([]*pending, 0, maxBatch)
	linger := time.NewTimer(0)
	<-linger.C
	prev := 0
	for first := range s.queue {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case p := <-s.queue:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		// Busy (the last batch was shared) but a small batch so far: wait
		// a moment for more. Each commit rewrites the last page of every
		// table and index it appends to, whatever its size, so a spike
		// committed in many small batches spends its time there.
		if prev > 1 && len(batch) < lingerBelow {
			linger.Reset(lingerFor)
		wait:
			for len(batch) < lingerBelow {
				select {
				case p := <-s.queue:
					batch = append(batch, p)
				case <-linger.C:
					break wait
				}
			}
			linger.Stop()
		}
		prev = len(batch)
		s.commit(batch)
	}
}

// commit writes a batch in one transaction. Should the transaction fail
// (a bug, a constraint we did not foresee), each submission is retried in
// its own transaction so one bad apple does not fail the others.
func (s *Service) commit(batch []*pending) {
	start := time.Now()
	err := s.db.Write(context.Background(), func(tx *store.Tx) error { return s.writeBatch(tx, batch) })
	// A database unreachable or full fails every submission alike: no
	// retrying one by one, and no log line per batch (the server logs the
	// outage once).
	if err != nil && len(batch) > 1 && repertoire.ErrorCode(err) != repertoire.EUNAVAILABLE {
		s.log.Warn("participation batch failed; retrying one by one", "size", len(batch), "err", err)
		for _, p := range batch {
			one := []*pending{p}
			// writeBatch leaves a caller's own refusal in p.err and
			// returns nil; only a failed transaction replaces it.
			if err := s.db.Write(context.Background(), func(tx *store.Tx) error { return s.writeBatch(tx, one) }); err != nil {
				p.err = err
				s.rate.refund(p.rate)
			}
			close(p.done)
		}
		return
	}
	for _, p := range batch {
		switch {
		case err != nil:
			p.err = err
			s.rate.refund(p.rate)
		case p.err != nil:
		case p.move != nil && p.move.part != nil:
			s.forget(p.move.part.ActionID) // the person sees their own click at once
		case p.res.Status == StatusConfirmed:
			s.forget(p.sub.ActionID) // an import counts at once: show it at once
		}
		close(p.done)
	}
	submitted := 0
	for _, p := range batch {
		if p.move == nil {
			submitted++
		}
	}
	observeBatch(len(batch), submitted, time.Since(start))
}

// lockOrder is the order every batch takes its row locks in (see
// startWriters): by email, then by action.
func lockOrder(a, b *Submission) int {
	return cmp.Or(strings.Compare(a.Person.Email, b.Person.Email), strings.Compare(a.ActionID, b.ActionID))
}

// limit checks p against the rate limits once and says why it is over
// one ("" when it is not).
func (s *Service) limit(p *pending, domain string, now time.Time) string {
	if p.rate == nil {
		p.rate = s.rate.check(p.sub.IP, domain, now)
	}
	return p.rate.reason
}

// counterDelta accumulates the counter changes of a batch per action.
type counterDelta struct {
	kind                                                     Kind
	confirmed, imported, pending, flagged, withdrawn, bucket int
}

// add moves one participation from counter prev to counter next (see
// counterOf); the chart's bucket follows the counted total.
func (d *counterDelta) add(prev, next string) {
	for _, c := range []struct {
		name string
		n    int
	}{{prev, -1}, {next, +1}} {
		switch c.name {
		case StatusConfirmed:
			d.confirmed += c.n
		case "imported":
			d.imported += c.n
		case StatusPending:
			d.pending += c.n
		case StatusFlagged:
			d.flagged += c.n
		case StatusWithdrawn:
			d.withdrawn += c.n
		}
		if isCounted(c.name) {
			d.bucket += c.n
		}
	}
}

// personOf is what a submission says about its person: a new person
// gets the submission's language, and an import's origin.
func personOf(sub *Submission) account.PersonInput {
	in := sub.Person
	in.Language, in.Origin = sub.Lang, sub.OriginSystem
	return in
}

func emailDomain(email string) string {
	return email[strings.LastIndexByte(email, '@')+1:]
}

// writeOne records one submission: the person (account.UpsertPeople:
// what they told us last wins), the participation
// (one insert, nothing when they already took part), the mail.
func (s *Service) writeOne(ctx context.Context, tx *store.Tx, p *pending, d *counterDelta) error {
	sub := &p.sub
	in := sub.Person
	ids, err := account.UpsertPeople(ctx, tx, []account.PersonInput{personOf(sub)})
	if err != nil {
		return err
	}
	personID := ids[0]
	domain := emailDomain(in.Email)
	status, reason := StatusPending, ""
	var confirmedAt any
	id := store.NewID()
	token := ""
	var tokenHash any
	switch {
	case sub.OriginSystem != "":
		status, confirmedAt = StatusConfirmed, tx.Now
	default:
		if reason = s.limit(p, domain, tx.Now); reason != "" {
			status = StatusFlagged
		} else {
			token, tokenHash = newLink(id)
		}
	}
	inserted, err := insertOne(ctx, tx, &newRow{id: id, personID: personID, status: status, reason: reason, tokenHash: tokenHash,
		confirmedAt: confirmedAt, sub: sub})
	if err != nil {
		return err
	}
	if !inserted {
		return s.again(ctx, tx, p, personID)
	}
	p.res = Result{ID: id, Status: status}
	switch status {
	case StatusConfirmed:
		d.imported++
		d.bucket++
	case StatusFlagged:
		d.flagged++
	case StatusPending:
		d.pending++
		return s.mailConfirmation(ctx, tx, sub.Kind, sub.ActionID, in.Email, sub.Lang, token)
	}
	return nil
}

// ResendAfter is how long a pending participation waits before taking part
// again mails a fresh link: anyone can type someone else's address, and
// must not be able to flood their mailbox with it.
const ResendAfter = 10 * time.Minute

// again handles a person taking part a second time: still pending, they
// get a fresh link after ResendAfter (the first mail may be lost; the old
// link then stops working); withdrawn or rejected,
// they start over as pending; confirmed or flagged, nothing changes. An
// import of someone already pending confirms them.
func (s *Service) again(ctx context.Context, tx *store.Tx, p *pending, personID string) error {
	sub := &p.sub
	id, status, modified, err := existing(ctx, tx, sub.ActionID, personID)
	if err != nil {
		return err
	}
	p.res = Result{ID: id, Status: status, Existing: true}
	if sub.OriginSystem != "" {
		if status == StatusConfirmed {
			return nil
		}
		prev := status
		if err := confirmImported(ctx, tx, id, sub.OriginSystem); err != nil {
			return err
		}
		p.res.Status = StatusConfirmed
		return s.recount(ctx, tx, sub.Kind, sub.ActionID, map[string]int{prev: -1, "imported": 1}, 1)
	}
	if status == StatusPending && tx.Now.Sub(modified) < ResendAfter {
		return nil // the link mailed a moment ago still works
	}
	switch status {
	case StatusPending, StatusWithdrawn, StatusRejected:
		token, hash := newLink(id)
		if err := startOver(ctx, tx, id, hash, sub); err != nil {
			return err
		}
		if status != StatusPending {
			if err := s.recount(ctx, tx, sub.Kind, sub.ActionID, map[string]int{status: -1, StatusPending: 1}, 0); err != nil {
				return err
			}
		}
		p.res.Status = StatusPending
		return s.mailConfirmation(ctx, tx, sub.Kind, sub.ActionID, sub.Person.Email, sub.Lang, token)
	}
	return nil
}

func (s *Service) links(token string) Links {
	return Links{Confirm: s.baseURL + "/p/confirm/" + token, Withdraw: s.baseURL + "/p/withdraw/" + token}
}

// mailConfirmation queues the confirmation mail. It goes without the
// person id: it is transactional (sent even to unsubscribed people) and
// needs no unsubscribe link, which spares two statements per signature.
func (s *Service) mailConfirmation(ctx context.Context, tx *store.Tx, kind Kind, actionID, email, lang, token string) error {
	subject, body, err := s.action(kind).ConfirmMail(ctx, tx, actionID, lang, s.links(token))
	if err != nil {
		return err
	}
	return outbox.Enqueue(ctx, tx, s.baseURL, outbox.Message{To: email, Subject: subject, Body: body, Lang: lang, Transactional: true})
}

// applyDeltas writes a batch's counter changes, once per action, and tells
// the action when its counted total moved.
func (s *Service) applyDeltas(ctx context.Context, tx *store.Tx, deltas map[string]*counterDelta, order []string) error {
	slices.Sort(order) // one lock order for every batch: see startWriters
	for _, actionID := range order {
		d := deltas[actionID]
		if d.confirmed == 0 && d.imported == 0 && d.pending == 0 && d.flagged == 0 && d.withdrawn == 0 {
			continue
		}
		c, err := bump(ctx, tx, d.kind, actionID, map[string]int{StatusConfirmed: d.confirmed, "imported": d.imported,
			StatusPending: d.pending, StatusFlagged: d.flagged, StatusWithdrawn: d.withdrawn})
		if err != nil {
			return err
		}
		if d.bucket != 0 {
			if err := addBucket(ctx, tx, actionID, d.bucket); err != nil {
				return err
			}
		}
		if d.confirmed != 0 || d.imported != 0 {
			if err := s.action(d.kind).Counted(ctx, tx, actionID, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// recount applies one participation's state change to the counters, the
// chart (net counted change) and tells the action when the total moved.
func (s *Service) recount(ctx context.Context, tx *store.Tx, kind Kind, actionID string, delta map[string]int, counted int) error {
	c, err := bump(ctx, tx, kind, actionID, delta)
	if err != nil {
		return err
	}
	if counted == 0 {
		return nil
	}
	if err := addBucket(ctx, tx, actionID, counted); err != nil {
		return err
	}
	if a := s.action(kind); a != nil {
		return a.Counted(ctx, tx, actionID, c)
	}
	return nil
}

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
	"repertoire/internal/translog"
)

// maxBatch bounds one group-commit transaction: large enough to absorb a
// spike, small enough that the first caller of a batch is not kept waiting.
const maxBatch = 1000

// lingerFor and lingerBelow: how long a busy writer waits for a small batch
// to grow, and the size that ends the wait.
const (
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
	// leaf is the transparency log's record of what this submission
	// changed in a count, appended with the batch.
	leaf *translog.Leaf
	// moved is the participation its tactic's Mover hears of: an import
	// confirmed it, or a followed link moved it (see Mover).
	moved *Participation
}

// move is a mailed link followed: the participation named by link goes
// from one of the from statuses to to. part is what the page shows.
type move struct {
	link string
	from []string
	to   string
	part *Participation
	// applied: confirmed with its choices, which its person takes now.
	applied bool
	leaf    *translog.Leaf // the log's record of the move, if it changed a count
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
	sub.canonical = account.CanonicalEmail(sub.Person.Email)
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
	store.GroupCommit(s.queue, maxBatch, lingerFor, lingerBelow, s.commit)
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

// personOf is what a submission may say about its person: a new person
// gets the submission's language, and an import's origin. Anyone can type
// anyone's address, so an online submission tells only the address: the
// name and place given wait with the participation (or its link) and reach
// the person when they confirm it (applyPeople). What is confirmed already
// (an organizer's import, the past) tells everything.
func personOf(sub *Submission, confirmed bool) account.PersonInput {
	in := sub.Person
	if sub.OriginSystem == "" && !confirmed {
		in = account.PersonInput{Email: in.Email}
	}
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
	ids, err := account.UpsertPeople(ctx, tx, []account.PersonInput{personOf(sub, false)})
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
	row := &newRow{id: id, personID: personID, status: status, reason: reason, tokenHash: tokenHash,
		confirmedAt: confirmedAt, sub: sub}
	from, err := s.logFrom(ctx, tx)
	if err != nil {
		return err
	}
	row.logRow(from)
	inserted, err := insertOne(ctx, tx, row)
	if err != nil {
		return err
	}
	if !inserted {
		return s.again(ctx, tx, p, personID)
	}
	p.res = Result{ID: id, Status: status}
	switch status {
	case StatusConfirmed:
		p.moved = sub.participation(id, personID, status)
		p.moved.logSalt = row.logSalt
		p.leaf = leaf(translog.Confirm, p.moved)
		p.leaf.New = true // just inserted: no receipt to read
		d.imported++
		d.bucket++
	case StatusFlagged:
		d.flagged++
	case StatusPending:
		d.pending++
		return s.mailConfirmation(ctx, tx, sub.Kind, sub.ActionID, in.Email, sub.choices(), token)
	}
	return nil
}

// MailsPerHour bounds the links a resubmission mails: one is mailed only
// while fewer than MailsPerHour of the person's links in
// participation_links were made in the past hour (a participation's first
// link is kept there, dated as the participation, once a second is
// mailed). Typing an address in a loop mails it three times an hour at
// most: anyone can type someone else's address, and must not flood their
// mailbox with it; the reader of that mailbox gets a working link of their
// own within the bound.
const MailsPerHour = 3

// again handles a person taking part a second time (the same address, or
// another spelling of the same inbox: canonical). Online, a participation
// not confirmed yet (pending, flagged, withdrawn, rejected) gets a new
// link for what was submitted this time, mailed to the address as typed,
// within MailsPerHour: nothing else changes, and every link mailed before
// still confirms what it was mailed for (the submitter may not be the
// person). A rejected one waits for its link again (pending), its flag
// kept: confirmed, it is back in the organizers' review queue. Confirmed,
// nothing changes, unless its tactic reopens it (Reopener): then it gets a
// new link as a pending one does. An organizer's import confirms what
// waits, but never brings back a withdrawal: only the person does, from
// their link.
func (s *Service) again(ctx context.Context, tx *store.Tx, p *pending, personID string) error {
	sub := &p.sub
	ex, err := existing(ctx, tx, sub.ActionID, personID, sub.canonical)
	if err != nil {
		return err
	}
	p.res = Result{ID: ex.ID, Status: ex.Status, Existing: true}
	if sub.OriginSystem != "" {
		if ex.Status == StatusConfirmed || ex.Status == StatusWithdrawn {
			return nil
		}
		prev := ex.Status
		if err := confirmImported(ctx, tx, ex.ID, sub.OriginSystem, sub.Payload); err != nil {
			return err
		}
		p.res.Status = StatusConfirmed
		ex.Status, ex.OriginSystem, ex.Payload = StatusConfirmed, sub.OriginSystem, sub.Payload
		p.moved = ex
		p.leaf = leaf(translog.Confirm, ex)
		return s.recount(ctx, tx, sub.Kind, sub.ActionID, map[string]int{prev: -1, "imported": 1}, 1)
	}
	if ex.Status == StatusConfirmed {
		r, ok := s.action(sub.Kind).(Reopener)
		if !ok {
			return nil
		}
		if open, err := r.Reopens(ctx, tx, ex); err != nil || !open {
			return err
		}
	}
	sent, err := linksSince(ctx, tx, ex.PersonID, tx.Now.Add(-time.Hour))
	if err != nil || sent >= MailsPerHour {
		return err
	}
	if err := keepFirstLink(ctx, tx, ex.ID); err != nil {
		return err
	}
	token, hash := newLink(ex.ID)
	if err := addLink(ctx, tx, ex.ID, ex.PersonID, hash, sub.choices()); err != nil {
		return err
	}
	if ex.Status == StatusRejected {
		if _, err := moveStatus(ctx, tx, ex.ID, StatusRejected, StatusPending); err != nil {
			return err
		}
		if err := s.recount(ctx, tx, sub.Kind, sub.ActionID, map[string]int{StatusPending: 1}, 0); err != nil {
			return err
		}
		p.res.Status = StatusPending
	}
	return s.mailConfirmation(ctx, tx, sub.Kind, sub.ActionID, sub.Person.Email, sub.choices(), token)
}

func (s *Service) links(token string) Links {
	return Links{Confirm: s.baseURL + "/p/confirm/" + token, Withdraw: s.baseURL + "/p/withdraw/" + token, Token: token}
}

// mailConfirmation queues the confirmation mail of a link confirming c. It
// goes without the person id: it is transactional (sent even to
// unsubscribed people) and needs no unsubscribe link, which spares two
// statements per signature.
func (s *Service) mailConfirmation(ctx context.Context, tx *store.Tx, kind Kind, actionID, email string, c Choices, token string) error {
	links := s.links(token)
	links.Choices = s.choicesText(kind, c)
	subject, body, err := s.action(kind).ConfirmMail(ctx, tx, actionID, c.Lang, links)
	if err != nil {
		return err
	}
	return outbox.Enqueue(ctx, tx, s.baseURL, outbox.Message{To: email, Subject: subject, Body: body, Lang: c.Lang, Transactional: true})
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

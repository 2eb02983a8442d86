// Package schedule runs work at a given time — a pledge's deadline, the
// opening and closing of its strike window — and survives restarts: a job
// is a row of the jobs table, written in the transaction of the action that
// schedules it, so a job due while the server was down runs when it starts.
//
// A runner claims due jobs with a lease. On PostgreSQL the claim uses
// FOR UPDATE SKIP LOCKED, so several instances share the table without
// taking the same job; SQLite has a single writer, so its claim is already
// exclusive. The handler runs in a transaction that also marks the job
// done, and only while the claim is still the runner's: a runner that
// outlived its lease rolls back rather than running a job twice.
package schedule

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// Job statuses.
const (
	StatusPending = "pending"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// Job is one due job handed to its handler.
type Job struct {
	ID        string
	Kind      string
	SubjectID string    // what the job is about, e.g. a pledge id
	RunAt     time.Time // when it was due
	Attempts  int       // including this one
}

// Handler does a job inside tx; the job is marked done in that same
// transaction, so its effects and its completion commit together. An error
// rolls both back and the job is retried later with backoff.
type Handler func(ctx context.Context, tx *store.Tx, job Job) error

// Schedule adds a job inside the caller's transaction: it exists if and
// only if tx commits. Scheduling the same kind, subject and time again is
// a no-op, so callers need not check first.
func Schedule(ctx context.Context, tx *store.Tx, kind, subjectID string, at time.Time) error {
	return insertJob(ctx, tx, kind, subjectID, at.UTC().Truncate(time.Microsecond))
}

// Cancel removes the jobs of a subject that have not run yet (of the given
// kinds, or all kinds when none is given): the subject was deleted, or its
// dates changed and it is being rescheduled.
func Cancel(ctx context.Context, tx *store.Tx, subjectID string, kinds ...string) error {
	return deletePending(ctx, tx, subjectID, kinds)
}

// Forget removes every job of a subject, run or not: the subject is being
// erased, and no row may name it after (a person's legal clock).
func Forget(ctx context.Context, tx *store.Tx, subjectID string) error {
	return deleteAll(ctx, tx, subjectID)
}

// Runner runs due jobs with the handlers registered for their kinds. Its
// settings may be changed before Run.
type Runner struct {
	Poll        time.Duration // how often to look for due jobs when idle
	Lease       time.Duration // how long a claimed job is hidden from other runners
	Backoff     time.Duration // wait after the first failure; doubles each time
	MaxBackoff  time.Duration
	MaxAttempts int // then the job is marked failed
	Batch       int // jobs claimed at once

	db       *store.DB
	log      *slog.Logger
	handlers map[string]Handler
	kick     chan struct{}
}

// NewRunner builds a runner with no handlers.
func NewRunner(db *store.DB, log *slog.Logger) *Runner {
	return &Runner{
		Poll:        time.Second,
		Lease:       5 * time.Minute,
		Backoff:     10 * time.Second,
		MaxBackoff:  time.Hour,
		MaxAttempts: 20,
		Batch:       8,
		db:          db,
		log:         log,
		handlers:    map[string]Handler{},
		kick:        make(chan struct{}, 1),
	}
}

// Handle registers the handler of a kind. Register everything before Run:
// a runner claims only the kinds it knows.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Kick wakes the runner now rather than at its next poll (after scheduling
// a job due at once). It never blocks.
func (r *Runner) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run runs due jobs until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		n, err := r.RunDue(ctx)
		// An unavailable database is logged once, by the server.
		if err != nil && ctx.Err() == nil && repertoire.ErrorCode(err) != repertoire.EUNAVAILABLE {
			r.log.Error("schedule", "err", err)
		}
		if ctx.Err() != nil {
			return
		}
		if n > 0 && err == nil {
			continue // there may be more
		}
		timer.Reset(r.Poll)
		select {
		case <-ctx.Done():
			return
		case <-r.kick:
		case <-timer.C:
		}
	}
}

// RunDue claims one batch of due jobs and runs them. It returns how many
// it claimed.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	if len(r.handlers) == 0 {
		return 0, nil
	}
	claimID := newClaimID()
	jobs, err := r.claim(ctx, claimID)
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break // the lease runs out and another start runs it
		}
		r.run(ctx, claimID, j)
	}
	return len(jobs), nil
}

// errLeaseLost rolls back a job whose claim another runner has taken over.
var errLeaseLost = errors.New("schedule: lease lost")

func (r *Runner) run(ctx context.Context, claimID string, j Job) {
	err := r.db.Write(ctx, func(tx *store.Tx) error {
		if err := r.handlers[j.Kind](ctx, tx, j); err != nil {
			return err
		}
		return markDone(ctx, tx, j.ID, claimID)
	})
	if err == nil {
		return
	}
	if errors.Is(err, errLeaseLost) {
		r.log.Warn("schedule: job lease lost", "kind", j.Kind, "job", j.ID)
		return
	}
	status, wait := StatusPending, Backoff(r.Backoff, r.MaxBackoff, j.Attempts)
	if j.Attempts >= r.MaxAttempts {
		status = StatusFailed
	}
	r.log.Error("schedule: job failed", "kind", j.Kind, "job", j.ID, "attempts", j.Attempts, "err", ShortError(err))
	// A fresh context: a job cut short by shutdown still records its attempt.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	werr := r.db.Write(wctx, func(tx *store.Tx) error {
		return markFailed(wctx, tx, j.ID, claimID, status, tx.Now.Add(wait), ShortError(err))
	})
	if werr != nil {
		r.log.Error("schedule: recording a failed job", "job", j.ID, "err", werr)
	}
}

// claim leases up to Batch due jobs of the kinds this runner handles: a
// pending job past its time (and past any retry backoff), or a running
// one whose runner let its lease expire.
func (r *Runner) claim(ctx context.Context, claimID string) ([]Job, error) {
	var jobs []Job
	kinds := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		kinds = append(kinds, k)
	}
	err := r.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		jobs, err = claimDue(ctx, tx, kinds, max(1, r.Batch), r.Lease, claimID)
		return err
	})
	return jobs, err
}

// Backoff is how long to wait before another try of work that failed
// attempts times: base·2^(attempts-1), at most max, less up to a fifth at
// random so that failing work does not retry in step. Jobs and the
// outbox's mails retry by it.
func Backoff(base, max time.Duration, attempts int) time.Duration {
	d := base
	for i := 1; i < attempts && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	if j := int64(d / 5); j > 0 {
		d -= time.Duration(rand.Int64N(j))
	}
	return d
}

func newClaimID() string {
	b := make([]byte, 12)
	crand.Read(b)
	return hex.EncodeToString(b)
}

var addressRE = regexp.MustCompile(`[^\s<>"(),;:]+@[^\s<>"(),;:]+`)

// ShortError keeps an error fit for a table and the log: one line, no
// email address, bounded. Jobs and the outbox's mails record their
// failures by it.
func ShortError(err error) string {
	s := addressRE.ReplaceAllString(strings.Join(strings.Fields(err.Error()), " "), "<address>")
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}

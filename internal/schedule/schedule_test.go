package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// runs is a table the test handlers write to, in the job's transaction, so
// a rolled-back run leaves no row and a double run leaves two.
func makeRuns(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := db.Writer().ExecContext(context.Background(), `CREATE TABLE job_runs (subject_id TEXT NOT NULL, runner TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
}

func record(runner string) schedule.Handler {
	return func(ctx context.Context, tx *store.Tx, j schedule.Job) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO job_runs (subject_id, runner) VALUES ($1, $2)`, j.SubjectID, runner)
		return err
	}
}

func runsOf(t *testing.T, db *store.DB, subject string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM job_runs WHERE subject_id = $1`, subject).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func schedule1(t *testing.T, db *store.DB, kind, subject string, at time.Time) {
	t.Helper()
	if err := db.Write(context.Background(), func(tx *store.Tx) error { return schedule.Schedule(context.Background(), tx, kind, subject, at) }); err != nil {
		t.Fatal(err)
	}
}

func jobState(t *testing.T, db *store.DB, subject string) (status string, attempts int, lastError string) {
	t.Helper()
	err := db.Reader().QueryRowContext(context.Background(), `SELECT status, attempts, last_error FROM jobs WHERE subject_id = $1`, subject).Scan(&status, &attempts, &lastError)
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestDueJobsRunOnceAndFutureOnesWait(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		makeRuns(t, db)
		past := store.Now().Add(-time.Minute)
		schedule1(t, db, "deadline", "due", past)
		schedule1(t, db, "deadline", "due", past) // the same job again: a no-op
		schedule1(t, db, "deadline", "later", store.Now().Add(time.Hour))
		schedule1(t, db, "other", "unhandled", past)
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("scheduling twice: %d jobs, want 3", n)
		}
		r := schedule.NewRunner(db, quiet)
		r.Handle("deadline", record("r"))
		for range 3 {
			if _, err := r.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			subject, status string
			runs            int
		}{
			{"due", schedule.StatusDone, 1},
			{"later", schedule.StatusPending, 0},
			{"unhandled", schedule.StatusPending, 0}, // no handler: left for a runner that knows it
		} {
			if got := runsOf(t, db, c.subject); got != c.runs {
				t.Errorf("%s: ran %d times, want %d", c.subject, got, c.runs)
			}
			if st, _, _ := jobState(t, db, c.subject); st != c.status {
				t.Errorf("%s: status %s, want %s", c.subject, st, c.status)
			}
		}
	})
}

func TestFailingJobIsRolledBackAndRetried(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		makeRuns(t, db)
		schedule1(t, db, "flaky", "f", store.Now().Add(-time.Second))
		schedule1(t, db, "broken", "b", store.Now().Add(-time.Second))
		fails := 1
		r := schedule.NewRunner(db, quiet)
		r.Backoff = 0 // retry at once, so the test needs no clock
		r.MaxAttempts = 3
		r.Handle("flaky", func(ctx context.Context, tx *store.Tx, j schedule.Job) error {
			if err := record("r")(ctx, tx, j); err != nil {
				return err
			}
			if fails > 0 {
				fails--
				return errors.New("smtp to someone@example.org refused")
			}
			return nil
		})
		r.Handle("broken", func(ctx context.Context, tx *store.Tx, j schedule.Job) error {
			if err := record("r")(ctx, tx, j); err != nil {
				return err
			}
			return errors.New("always")
		})

		if _, err := r.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		st, attempts, lastErr := jobState(t, db, "f")
		if st != schedule.StatusPending || attempts != 1 || runsOf(t, db, "f") != 0 {
			t.Fatalf("after a failure: status %s, attempts %d, %d runs kept; want pending, 1, 0 (rolled back)", st, attempts, runsOf(t, db, "f"))
		}
		if lastErr != "smtp to <address> refused" {
			t.Fatalf("last error %q keeps an address or lost the cause", lastErr)
		}
		for range 4 {
			if _, err := r.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if st, attempts, lastErr := jobState(t, db, "f"); st != schedule.StatusDone || attempts != 2 || lastErr != "" || runsOf(t, db, "f") != 1 {
			t.Fatalf("after the retry: status %s, attempts %d, error %q, runs %d; want done, 2, none, 1", st, attempts, lastErr, runsOf(t, db, "f"))
		}
		if st, attempts, _ := jobState(t, db, "b"); st != schedule.StatusFailed || attempts != 3 || runsOf(t, db, "b") != 0 {
			t.Fatalf("always failing: status %s after %d attempts; want failed after 3", st, attempts)
		}
	})
}

// A job due while the server was down runs when it starts again, and so
// does a job whose runner died in the middle (its lease has expired).
func TestJobsSurviveARestart(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.MustOpen(t, dsn)
			makeRuns(t, db)
			schedule1(t, db, "deadline", "while-down", store.Now().Add(time.Second))
			schedule1(t, db, "deadline", "crashed", store.Now().Add(-time.Hour))
			// A runner claimed "crashed" and died: running, lease long gone.
			if _, err := db.Writer().ExecContext(ctx, `UPDATE jobs SET status = 'running', attempts = 1, claimed_by = 'dead', locked_until = $1 WHERE subject_id = 'crashed'`, store.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			db.Close()

			// The server comes back after "while-down" was due.
			if _, err := db.Writer().ExecContext(ctx, `SELECT 1`); err == nil {
				t.Fatal("the first process's database is still open")
			}
			db = storetest.MustOpen(t, dsn)
			if _, err := db.Writer().ExecContext(ctx, `UPDATE jobs SET run_at = $1 WHERE subject_id = 'while-down'`, store.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			r := schedule.NewRunner(db, quiet)
			r.Handle("deadline", record("after-restart"))
			n, err := r.RunDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != 2 || runsOf(t, db, "while-down") != 1 || runsOf(t, db, "crashed") != 1 {
				t.Fatalf("after restart: claimed %d, runs %d and %d; want 2, 1, 1", n, runsOf(t, db, "while-down"), runsOf(t, db, "crashed"))
			}
			if st, attempts, _ := jobState(t, db, "crashed"); st != schedule.StatusDone || attempts != 2 {
				t.Fatalf("crashed job: %s after %d attempts, want done after 2", st, attempts)
			}
		})
	}
}

// Several app instances on one database: each job runs exactly once.
func TestTwoRunnersRunEachJobOnce(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			a := storetest.MustOpen(t, dsn)
			b := storetest.MustOpen(t, dsn) // a second instance: its own pool
			makeRuns(t, a)
			const jobs = 200
			if err := a.Write(ctx, func(tx *store.Tx) error {
				for i := range jobs {
					if err := schedule.Schedule(ctx, tx, "deadline", fmt.Sprintf("s%03d", i), tx.Now.Add(-time.Minute)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for name, db := range map[string]*store.DB{"a": a, "b": b} {
				r := schedule.NewRunner(db, quiet)
				r.Batch = 4
				r.Handle("deadline", record(name))
				wg.Go(func() {
					for {
						n, err := r.RunDue(ctx)
						if err != nil {
							errs <- err
							return
						}
						if n == 0 {
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			var total, distinct, done int
			if err := a.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT subject_id) FROM job_runs`).Scan(&total, &distinct); err != nil {
				t.Fatal(err)
			}
			if err := a.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE status = 'done'`).Scan(&done); err != nil {
				t.Fatal(err)
			}
			if total != jobs || distinct != jobs || done != jobs {
				t.Fatalf("%d runs of %d distinct jobs, %d done; want each of %d exactly once", total, distinct, done, jobs)
			}
		})
	}
}

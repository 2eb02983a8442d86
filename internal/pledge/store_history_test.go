package pledge_test

import (
	"context"
	"testing"
	"time"

	"repertoire"
	"repertoire/internal/pledge"
	"repertoire/internal/testkit"
)

// A pledge of 2018 is recorded as lapsed at its deadline, from the date it
// opened, with no job left and nobody mailed; a pledge whose deadline is
// ahead cannot have lapsed, nor can one twice.
func TestRecordLapse(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		f := setup(t, app, 2)
		s := pledge.NewStore(app.DB, nil, "", nil)
		if err := s.RecordLapse(ctx, f.pledge.ID, time.Now().Add(-time.Hour)); err == nil {
			t.Fatal("a pledge whose deadline is ahead was recorded as lapsed")
		}
		if p := f.get(t); p.Status != pledge.StatusCollecting {
			t.Fatalf("status %s after a refused lapse", p.Status)
		}

		deadline := time.Date(2018, 5, 20, 22, 0, 0, 0, time.UTC)
		old, err := s.Create(ctx, "", f.campaign, pledge.Input{Title: "Log out in 2018", Action: "log out", Threshold: 100,
			Deadline: deadline, WindowStart: deadline.Add(4 * 24 * time.Hour), WindowEnd: deadline.Add(12 * 24 * time.Hour)}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		opened := time.Date(2018, 4, 24, 9, 0, 0, 0, time.UTC)
		if err := s.RecordLapse(ctx, old.ID, opened); err != nil {
			t.Fatal(err)
		}
		p, err := s.Get(ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != pledge.StatusLapsed || !p.CreatedAt.Equal(opened) || !p.ModifiedAt.Equal(deadline) {
			t.Fatalf("recorded lapse: %s, created %s, modified %s", p.Status, p.CreatedAt, p.ModifiedAt)
		}
		var jobs, mails int
		app.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE subject_id = $1 AND status = 'pending'`, old.ID).Scan(&jobs)
		app.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&mails)
		if jobs != 0 || mails != 0 {
			t.Fatalf("%d pending jobs, %d mails; want none", jobs, mails)
		}
		if err := s.RecordLapse(ctx, old.ID, opened); repertoire.ErrorCode(err) != repertoire.ECONFLICT {
			t.Fatalf("lapsing twice: %v", err)
		}
	})
}

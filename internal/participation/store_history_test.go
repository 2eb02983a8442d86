package participation

import (
	"context"
	"fmt"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// TestRecordPast: participations of 2018 on two actions, more than a
// statement's fifty rows, some withdrawn, one imported, one person already
// taking part and one listed twice, are recorded with their dates and
// counted in the counters and the hours they happened, mailing nobody.
func TestRecordPast(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, a := newTestService(t, db, Limits{})
		already := submit(t, s, signature("action-a", "already@example.org"))
		start := time.Date(2018, 4, 9, 7, 0, 0, 0, time.UTC)
		var past []Past
		for i := range 120 {
			action := []string{"action-a", "action-b"}[i%2]
			at := start.Add(time.Duration(i) * 17 * time.Minute)
			p := Past{Submission: signature(action, fmt.Sprintf("Person-%03d@Example.org", i)), SubmittedAt: at.Add(-20 * time.Minute), ConfirmedAt: at}
			if i%10 == 4 { // action-a's
				p.WithdrawnAt = at.Add(72 * time.Hour)
			}
			past = append(past, p)
		}
		imported := signature("action-b", "imported@example.org")
		imported.OriginSystem = "paper"
		past = append(past, Past{Submission: imported, SubmittedAt: start, ConfirmedAt: start},
			Past{Submission: signature("action-a", "already@example.org"), SubmittedAt: start, ConfirmedAt: start},
			Past{Submission: signature("action-a", "person-000@example.org"), SubmittedAt: start, ConfirmedAt: start})
		res, err := s.RecordPast(ctx, past)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != len(past) || res[0].Status != StatusConfirmed || res[4].Status != StatusWithdrawn || res[120].Status != StatusConfirmed {
			t.Fatalf("results: %+v", res)
		}
		if r := res[121]; !r.Existing || r.ID != already.ID || r.Status != StatusPending {
			t.Fatalf("already taking part: %+v, want %+v existing", r, already)
		}
		if r := res[122]; !r.Existing || r.ID != res[0].ID {
			t.Fatalf("listed twice: %+v, first %+v", r, res[0])
		}
		checkCounters(t, db, "action-a", Counts{Confirmed: 48, Pending: 1, Withdrawn: 12})
		checkCounters(t, db, "action-b", Counts{Confirmed: 60, Imported: 1})
		if g := growth(t, db, "action-a"); g != 48 {
			t.Errorf("action-a's chart sums to %d, want 48", g)
		}
		if g := growth(t, db, "action-b"); g != 61 {
			t.Errorf("action-b's chart sums to %d, want 61", g)
		}
		if calls := a.calls("action-b"); len(calls) != 1 || calls[0].Total() != 61 {
			t.Errorf("action-b told of %+v, want its 61 once", calls)
		}
		// Person 4 confirmed at 08:08 and withdrew three days later.
		p, err := s.Get(ctx, res[4].ID)
		if err != nil {
			t.Fatal(err)
		}
		confirmed := start.Add(4 * 17 * time.Minute)
		if !p.CreatedAt.Equal(confirmed.Add(-20*time.Minute)) || p.ConfirmedAt == nil || !p.ConfirmedAt.Equal(confirmed) ||
			p.WithdrawnAt == nil || !p.WithdrawnAt.Equal(confirmed.Add(72*time.Hour)) || !p.ModifiedAt.Equal(*p.WithdrawnAt) {
			t.Errorf("person 4: %+v", p)
		}
		buckets, err := s.Growth(ctx, "action-a")
		if err != nil {
			t.Fatal(err)
		}
		hours := map[time.Time]int{}
		for _, b := range buckets {
			hours[b.Start] = b.Confirmed
		}
		if hours[confirmed.Truncate(time.Hour)] < 1 || hours[confirmed.Add(72*time.Hour).Truncate(time.Hour)] != -1 {
			t.Errorf("action-a's hours: %v", hours)
		}
		if n := len(outboxMails(t, db)); n != 1 { // the pending signature's own
			t.Errorf("%d mails, want only the live submission's", n)
		}

		later := Past{Submission: signature("action-a", "later@example.org"), SubmittedAt: store.Now(), ConfirmedAt: store.Now().Add(time.Hour)}
		if _, err := s.RecordPast(ctx, []Past{later}); err == nil {
			t.Error("a participation of the future was recorded as past")
		}
		backwards := Past{Submission: signature("action-a", "later@example.org"), SubmittedAt: start, ConfirmedAt: start.Add(-time.Hour)}
		if _, err := s.RecordPast(ctx, []Past{backwards}); err == nil {
			t.Error("a participation confirmed before it was submitted was recorded")
		}
		checkCounters(t, db, "action-a", Counts{Confirmed: 48, Pending: 1, Withdrawn: 12})
	})
}

package participation

import (
	"context"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// TestRecentSignalsMissNoLateCommit: a transaction begun before a look and
// committed after it dates its participation before what the look read
// (on PostgreSQL others commit meanwhile, dated later); the next look,
// from where the first said to start, reads it.
func TestRecentSignalsMissNoLateCommit(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{})
		ctx := context.Background()
		online := func(email string) Submission {
			sub := signature("action-1", email)
			sub.IP = "203.0.113.7"
			return sub
		}
		submit(t, s, online("early@example.org"))
		since := store.Now().Add(-time.Hour)

		begun, release, done := make(chan time.Time), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO participations (id, kind, action_id, person_id, status, origin_system,
					comment, public_name, contact_ok, share_with_target, given_name, family_name, locality, country, lang, ip,
					email_domain, flag_reason, token_hash, confirmed_at, created_at, modified_at, email_canonical, ua_family, payload)
					SELECT $1, kind, 'action-late', person_id, status, origin_system, comment, public_name, contact_ok,
					share_with_target, given_name, family_name, locality, country, lang, ip, email_domain, flag_reason, NULL,
					confirmed_at, $2, $2, email_canonical, ua_family, payload FROM participations WHERE action_id = 'action-1'`,
					store.NewID(), tx.Now)
				begun <- tx.Now
				<-release
				return err
			})
		}()
		late := <-begun
		if db.Dialect == store.Postgres {
			// SQLite's single writer is held: nothing else commits.
			time.Sleep(2 * time.Millisecond)
			submit(t, s, online("later@example.org"))
		}
		sigs, next, err := s.RecentSignals(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if db.Dialect == store.Postgres {
			want = 2
		}
		if len(sigs) != want {
			t.Fatalf("the first look read %d participations, want %d", len(sigs), want)
		}
		if latest := sigs[len(sigs)-1].CreatedAt; db.Dialect == store.Postgres && !latest.After(late) {
			t.Fatalf("the later participation is dated %s, not after the open transaction's %s", latest, late)
		}
		if next.After(late) {
			t.Errorf("the next look starts at %s, after the open transaction's date %s", next, late)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		sigs, _, err = s.RecentSignals(ctx, next)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, sg := range sigs {
			found = found || sg.ActionID == "action-late"
		}
		if !found {
			t.Errorf("the next look, from %s, misses the participation committed late (dated %s)", next, late)
		}
	})
}

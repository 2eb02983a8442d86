package participation

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

func signature(actionID, email string) Submission {
	return Submission{Kind: Signature, ActionID: actionID, Person: account.PersonInput{Email: email}, Lang: "en"}
}

func submit(t testing.TB, s *Service, sub Submission) Result {
	t.Helper()
	r, err := s.Submit(context.Background(), sub)
	if err != nil {
		t.Fatalf("submit %s to %s: %v", sub.Person.Email, sub.ActionID, err)
	}
	return r
}

// commitTogether writes the submissions in one group-commit transaction,
// as the writer does with what queued up meanwhile.
func commitTogether(t *testing.T, s *Service, subs ...Submission) []Result {
	t.Helper()
	batch := make([]*pending, len(subs))
	for i, sub := range subs {
		if err := Validate(&sub); err != nil {
			t.Fatal(err)
		}
		batch[i] = &pending{ctx: context.Background(), sub: sub, done: make(chan struct{})}
	}
	s.commit(batch)
	out := make([]Result, len(batch))
	for i, p := range batch {
		<-p.done
		if p.err != nil {
			t.Fatalf("submission %d: %v", i, p.err)
		}
		out[i] = p.res
	}
	return out
}

// TestConcurrentSubmits: 300 people at once, a third of them signing twice
// with their address typed differently, on two actions.
func TestConcurrentSubmits(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, a := newTestService(t, db, Limits{})
		const n = 300
		// i in 0..99 and 200..299 sign A (each address twice), 100..199 sign B.
		action := func(i int) string { return []string{"action-a", "action-b"}[(i/100)%2] }
		email := func(i int) string { return fmt.Sprintf("person%03d@example.org", i%100) }
		typed := func(i int) string {
			if i >= 200 {
				return "  " + strings.ToUpper(email(i)) + " "
			}
			return email(i)
		}
		results := make([]Result, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				sub := signature(action(i), typed(i))
				sub.Person.GivenName = fmt.Sprintf("Given%d", i)
				sub.Person.Locality = "Lyon"
				sub.IP = "192.0.2.1"
				results[i], errs[i] = s.Submit(context.Background(), sub)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("submission %d: %v", i, err)
			}
		}

		if got := count(t, db, `SELECT COUNT(*) FROM participations`); got != 200 {
			t.Errorf("%d participations, want 200 (one per action and address)", got)
		}
		for i, r := range results {
			p := participationOf(t, db, action(i), email(i))
			if r.ID != p.ID || r.Status != StatusPending {
				t.Errorf("submission %d answered %+v, stored %s %s", i, r, p.ID, p.Status)
			}
		}
		// Both submissions of an address to A answer the same participation,
		// and exactly one of them created it.
		for k := range 100 {
			if results[k].Existing == results[k+200].Existing {
				t.Errorf("%s signed A twice: Existing %v and %v, want exactly one", email(k), results[k].Existing, results[k+200].Existing)
			}
		}
		checkCounters(t, db, "action-a", Counts{Pending: 100})
		checkCounters(t, db, "action-b", Counts{Pending: 100})
		if calls := a.calls("action-a"); len(calls) != 0 {
			t.Errorf("Counted called %d times while nothing was counted", len(calls))
		}

		// One mail per submission (the second of an address to A mails a
		// link of its own), to its signer, whose link opens that signer's
		// participation.
		mails := outboxMails(t, db)
		if len(mails) != 300 {
			t.Fatalf("%d mails in the outbox, want 300", len(mails))
		}
		tokens := map[string]bool{}
		for _, m := range mails {
			token := tokenOf(t, m)
			tokens[token] = true
			var action, email string
			p, err := s.ByToken(context.Background(), token)
			if err != nil {
				t.Fatalf("the link mailed to %s matches no participation: %v", m.To, err)
			}
			if err := db.Reader().QueryRowContext(context.Background(), `SELECT p.action_id, pe.email FROM participations p
				JOIN people pe ON pe.id = p.person_id WHERE p.id = $1`, p.ID).Scan(&action, &email); err != nil {
				t.Fatal(err)
			}
			if email != m.To {
				t.Errorf("mail to %s carries the link of %s", m.To, email)
			}
			if m.Subject != "Confirm "+action+" (en)" {
				t.Errorf("mail to %s for %s has subject %q", m.To, action, m.Subject)
			}
		}
		if len(tokens) != 300 {
			t.Errorf("%d distinct links in 300 mails", len(tokens))
		}

		// Everyone confirms: the counters, the chart and the action follow.
		for _, m := range mails {
			if _, err := s.Confirm(context.Background(), tokenOf(t, m)); err != nil {
				t.Fatal(err)
			}
		}
		checkCounters(t, db, "action-a", Counts{Confirmed: 100})
		checkCounters(t, db, "action-b", Counts{Confirmed: 100})
		// Confirmed, each person has one of the names they gave.
		if got := count(t, db, `SELECT COUNT(*) FROM people`); got != 100 {
			t.Errorf("%d people, want 100 (one per address)", got)
		}
		for k := range 100 {
			var given, locality string
			if err := db.Reader().QueryRowContext(context.Background(), `SELECT given_name, locality FROM people WHERE email = $1`,
				email(k)).Scan(&given, &locality); err != nil {
				t.Fatal(err)
			}
			if given != fmt.Sprintf("Given%d", k) && given != fmt.Sprintf("Given%d", k+100) && given != fmt.Sprintf("Given%d", k+200) {
				t.Errorf("%s is named %q, not one of the names they gave", email(k), given)
			}
			if locality != "Lyon" {
				t.Errorf("%s lives in %q, want Lyon", email(k), locality)
			}
		}
		if g := growth(t, db, "action-a"); g != 100 {
			t.Errorf("growth of A sums to %d, want 100", g)
		}
		calls := a.calls("action-a")
		if len(calls) != 100 || calls[99] != (Counts{Confirmed: 100}) {
			t.Errorf("Counted on A: %d calls, last %+v; want 100, the last with 100 confirmed", len(calls), calls[len(calls)-1])
		}
	})
}

// TestPersonLatestFieldsWin: what a person confirmed last wins, and an
// empty field keeps what we had; each participation keeps what was given
// with it.
func TestPersonLatestFieldsWin(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{})
		first := signature("petition-1", "ana@example.org")
		first.Person.GivenName, first.Person.FamilyName, first.Person.Locality = "Ana", "Silva", "Lyon"
		submit(t, s, first)
		second := signature("pledge-1", " ANA@example.org")
		second.Kind = Commitment
		second.Person.GivenName, second.Person.Locality = "Ana Maria", "Paris"
		submit(t, s, second)
		for _, m := range mailsTo(t, db, "ana@example.org") { // confirmed in the order given
			if _, err := s.Confirm(context.Background(), tokenOf(t, m)); err != nil {
				t.Fatal(err)
			}
		}

		var given, family, locality string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT given_name, family_name, locality FROM people WHERE email = $1`,
			"ana@example.org").Scan(&given, &family, &locality); err != nil {
			t.Fatal(err)
		}
		if given != "Ana Maria" || family != "Silva" || locality != "Paris" {
			t.Errorf("person is %q %q of %q; want Ana Maria Silva of Paris", given, family, locality)
		}
		if p := participationOf(t, db, "petition-1", "ana@example.org"); p.GivenName != "Ana" {
			t.Errorf("the signature keeps given name %q, want Ana as given then", p.GivenName)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM people`); n != 1 {
			t.Errorf("%d people, want 1", n)
		}
	})
}

// TestSameEmailTwiceInOneBatch: two submissions of one address in one
// transaction are one participation, each with its link; the person ends
// with what the link they followed confirms.
func TestSameEmailTwiceInOneBatch(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{})
		a := signature("petition-1", "Bo@Example.org")
		a.Person.GivenName = "Bo"
		b := signature("petition-1", "bo@example.org ")
		b.Person.GivenName = "Bob"
		other := signature("petition-1", "cy@example.org")
		res := commitTogether(t, s, a, b, other)

		if res[0].ID != res[1].ID || res[0].Existing || !res[1].Existing {
			t.Errorf("results %+v and %+v: want the same participation, the second existing", res[0], res[1])
		}
		if res[1].Status != StatusPending {
			t.Errorf("the second submission answers %q, want pending", res[1].Status)
		}
		mails := mailsTo(t, db, "bo@example.org")
		if len(mails) != 2 {
			t.Fatalf("%d mails to bo, want 2 (a link for each submission)", len(mails))
		}
		checkCounters(t, db, "petition-1", Counts{Pending: 2})
		if _, err := s.Confirm(context.Background(), tokenOf(t, mails[1])); err != nil {
			t.Fatal(err)
		}
		checkCounters(t, db, "petition-1", Counts{Pending: 1, Confirmed: 1})
		var given string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT given_name FROM people WHERE email = 'bo@example.org'`).Scan(&given); err != nil {
			t.Fatal(err)
		}
		if given != "Bob" {
			t.Errorf("person named %q, want Bob (confirmed)", given)
		}
	})
}

// TestAgain: taking part again, in a later batch, from each state: a
// participation not confirmed yet gets a new link for what was submitted,
// and the links mailed before still work; nothing else changes.
func TestAgain(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, s *Service, db *store.DB, token string)
		status  string // after the second submission
		mails   int    // to the person, in all
		counts  Counts
		counted int // net change of the chart
	}{
		{name: "pending", status: StatusPending, mails: 2, counts: Counts{Pending: 1}},
		{name: "withdrawn", status: StatusWithdrawn, mails: 2, counts: Counts{Withdrawn: 1},
			prepare: func(t *testing.T, s *Service, db *store.DB, token string) {
				if _, err := s.Withdraw(context.Background(), token); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "confirmed", status: StatusConfirmed, mails: 1, counts: Counts{Confirmed: 1}, counted: 1,
			prepare: func(t *testing.T, s *Service, db *store.DB, token string) {
				if _, err := s.Confirm(context.Background(), token); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "confirmed then withdrawn", status: StatusWithdrawn, mails: 2, counts: Counts{Withdrawn: 1}, counted: 0,
			prepare: func(t *testing.T, s *Service, db *store.DB, token string) {
				if _, err := s.Confirm(context.Background(), token); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Withdraw(context.Background(), token); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, db *store.DB) {
				s, _ := newTestService(t, db, Limits{})
				const email = "dee@example.org"
				first := submit(t, s, signature("petition-1", email))
				token := tokenOf(t, mailsTo(t, db, email)[0])
				if tc.prepare != nil {
					tc.prepare(t, s, db, token)
				}
				again := submit(t, s, signature("petition-1", " DEE@example.org"))
				if again.ID != first.ID || !again.Existing || again.Status != tc.status {
					t.Errorf("again answered %+v; want %s existing with status %s", again, first.ID, tc.status)
				}
				mails := mailsTo(t, db, email)
				if len(mails) != tc.mails {
					t.Fatalf("%d mails to the person, want %d", len(mails), tc.mails)
				}
				checkCounters(t, db, "petition-1", tc.counts)
				if g := growth(t, db, "petition-1"); g != tc.counted {
					t.Errorf("growth sums to %d, want %d", g, tc.counted)
				}
				if tc.mails == 2 {
					// Both links open; the new one confirms.
					newToken := tokenOf(t, mails[1])
					if newToken == token {
						t.Fatal("the new mail carries the old link")
					}
					if _, err := s.ByToken(context.Background(), token); err != nil {
						t.Errorf("the first link no longer opens: %v", err)
					}
					if p, err := s.Confirm(context.Background(), newToken); err != nil || p.Status != StatusConfirmed {
						t.Errorf("the new link: %+v, %v", p, err)
					}
				}
			})
		})
	}
}

// TestFlagged: over a rate limit, submissions are kept and flagged, get no
// mail and are not counted; the review settles them.
func TestFlagged(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{IPBurst: Limit{N: 2, Window: time.Hour}, DomainBurst: Limit{N: 3, Window: time.Hour}})
		var flagged []Result
		for i, tc := range []struct {
			ip, email, status, reason string
		}{
			{"192.0.2.1", "a1@one.example", StatusPending, ""},
			{"192.0.2.1", "a2@one.example", StatusPending, ""},
			{"192.0.2.1", "a3@two.example", StatusFlagged, "ip_burst"},
			{"192.0.2.2", "a4@one.example", StatusPending, ""},
			{"192.0.2.3", "a5@one.example", StatusFlagged, "domain_burst"},
			{"", "a6@three.example", StatusPending, ""},
		} {
			sub := signature("petition-1", tc.email)
			sub.IP = tc.ip
			r := submit(t, s, sub)
			if r.Status != tc.status {
				t.Errorf("submission %d (%s from %s): %s, want %s", i, tc.email, tc.ip, r.Status, tc.status)
			}
			p := participationOf(t, db, "petition-1", tc.email)
			if p.Status != tc.status || p.FlagReason != tc.reason {
				t.Errorf("%s stored %s (%q), want %s (%q)", tc.email, p.Status, p.FlagReason, tc.status, tc.reason)
			}
			mails := mailsTo(t, db, tc.email)
			if tc.status == StatusFlagged {
				flagged = append(flagged, r)
				if len(mails) != 0 || p.TokenHash != nil {
					t.Errorf("flagged %s got %d mails and a token %v", tc.email, len(mails), p.TokenHash != nil)
				}
			} else if len(mails) != 1 {
				t.Errorf("%s got %d mails, want 1", tc.email, len(mails))
			}
		}
		checkCounters(t, db, "petition-1", Counts{Pending: 4, Flagged: 2})

		// Taking part again while flagged mails a link (the reader of the
		// inbox may be the one asking) and leaves it flagged.
		sub := signature("petition-1", "a3@two.example")
		if r := submit(t, s, sub); r.Status != StatusFlagged || !r.Existing {
			t.Errorf("flagged again: %+v", r)
		}
		if n := len(mailsTo(t, db, "a3@two.example")); n != 1 {
			t.Errorf("flagged again: %d mails, want 1", n)
		}
		checkCounters(t, db, "petition-1", Counts{Pending: 4, Flagged: 2})

		queue, err := s.ReviewQueue(context.Background(), "petition-1", 0)
		if err != nil || len(queue) != 2 {
			t.Fatalf("review queue: %d, %v; want the 2 flagged", len(queue), err)
		}
		if n, err := s.Review(context.Background(), "organizer", "petition-1", []string{flagged[0].ID, "unknown"}, true); err != nil || n != 1 {
			t.Fatalf("accept: %d, %v", n, err)
		}
		if n, err := s.Review(context.Background(), "organizer", "petition-1", []string{flagged[1].ID}, false); err != nil || n != 1 {
			t.Fatalf("reject: %d, %v", n, err)
		}
		checkCounters(t, db, "petition-1", Counts{Pending: 5})
		if p := participationOf(t, db, "petition-1", "a5@one.example"); p.Status != StatusRejected {
			t.Errorf("rejected one is %s", p.Status)
		}
		mails := mailsTo(t, db, "a3@two.example")
		if len(mails) != 2 {
			t.Fatalf("accepted one got %d mails, want 2 (its own and the review's)", len(mails))
		}
		if p, err := s.Confirm(context.Background(), tokenOf(t, mails[1])); err != nil || p.Status != StatusConfirmed {
			t.Errorf("accepted one confirms: %+v, %v", p, err)
		}
		checkCounters(t, db, "petition-1", Counts{Pending: 4, Confirmed: 1})
	})
}

// TestImports: an organizer's import counts at once, apart from online
// confirmations, without a mail; Counted sees every new total.
func TestImports(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, a := newTestService(t, db, Limits{IPBurst: Limit{N: 1, Window: time.Hour}})
		for i := range 3 {
			sub := signature("petition-1", fmt.Sprintf("paper%d@example.org", i))
			sub.OriginSystem = " paper sheets "
			sub.IP = "192.0.2.9" // an import is never rate limited
			r := submit(t, s, sub)
			if r.Status != StatusConfirmed || r.Existing {
				t.Errorf("import %d: %+v, want confirmed", i, r)
			}
			if p := participationOf(t, db, "petition-1", sub.Person.Email); p.Origin != "paper sheets" || p.TokenHash != nil {
				t.Errorf("import %d stored from %q with a token %v", i, p.Origin, p.TokenHash != nil)
			}
		}
		if mails := outboxMails(t, db); len(mails) != 0 {
			t.Errorf("%d mails for imports, want none", len(mails))
		}
		checkCounters(t, db, "petition-1", Counts{Imported: 3})
		if g := growth(t, db, "petition-1"); g != 3 {
			t.Errorf("growth sums to %d, want 3", g)
		}
		want := []Counts{{Imported: 1}, {Imported: 2}, {Imported: 3}}
		if got := a.calls("petition-1"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Counted with %+v, want %+v", got, want)
		}

		// Several imports in one batch: one Counted call with the total.
		var subs []Submission
		for i := range 4 {
			sub := signature("petition-1", fmt.Sprintf("batch%d@example.org", i))
			sub.OriginSystem = "other-system"
			subs = append(subs, sub)
		}
		commitTogether(t, s, subs...)
		if got := a.calls("petition-1"); len(got) != 4 || got[3] != (Counts{Imported: 7}) {
			t.Errorf("Counted after the batch: %+v, want a fourth call with 7 imported", got)
		}

		// Importing someone pending confirms them, as an import.
		submit(t, s, signature("petition-1", "online@example.org"))
		imp := signature("petition-1", "online@example.org")
		imp.OriginSystem = "paper sheets"
		if r := submit(t, s, imp); r.Status != StatusConfirmed || !r.Existing {
			t.Errorf("import of a pending signer: %+v", r)
		}
		checkCounters(t, db, "petition-1", Counts{Imported: 8})
		if got := a.calls("petition-1"); got[len(got)-1] != (Counts{Imported: 8}) {
			t.Errorf("last Counted %+v, want 8 imported", got[len(got)-1])
		}
		// Importing someone already confirmed changes nothing.
		if r := submit(t, s, imp); r.Status != StatusConfirmed || !r.Existing {
			t.Errorf("import again: %+v", r)
		}
		checkCounters(t, db, "petition-1", Counts{Imported: 8})
	})
}

// TestConfirmWithdraw: each step moves the counters, the hourly bucket and
// the action's view of its counts by one; repeating a step changes nothing.
func TestConfirmWithdraw(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, a := newTestService(t, db, Limits{})
		ctx := context.Background()
		submit(t, s, signature("petition-1", "eve@example.org"))
		token := tokenOf(t, mailsTo(t, db, "eve@example.org")[0])
		hour := store.Now().Truncate(time.Hour)
		bucket := func() int {
			b, err := s.Growth(ctx, "petition-1")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, x := range b {
				if x.Start.After(hour.Add(-time.Minute)) {
					n += x.Confirmed
				}
			}
			return n
		}
		for _, step := range []struct {
			name   string
			do     func(context.Context, string) (*Participation, error)
			status string
			counts Counts
			bucket int
			calls  int
		}{
			{"confirm", s.Confirm, StatusConfirmed, Counts{Confirmed: 1}, 1, 1},
			{"confirm again", s.Confirm, StatusConfirmed, Counts{Confirmed: 1}, 1, 1},
			{"withdraw", s.Withdraw, StatusWithdrawn, Counts{Withdrawn: 1}, 0, 2},
			{"withdraw again", s.Withdraw, StatusWithdrawn, Counts{Withdrawn: 1}, 0, 2},
			{"confirm after withdrawing", s.Confirm, StatusConfirmed, Counts{Confirmed: 1}, 1, 3},
		} {
			p, err := step.do(ctx, token)
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if p.Status != step.status {
				t.Errorf("%s: status %s, want %s", step.name, p.Status, step.status)
			}
			checkCounters(t, db, "petition-1", step.counts)
			if got := bucket(); got != step.bucket {
				t.Errorf("%s: this hour's bucket %d, want %d", step.name, got, step.bucket)
			}
			calls := a.calls("petition-1")
			if len(calls) != step.calls || calls[len(calls)-1] != step.counts {
				t.Errorf("%s: Counted %+v, want %d calls ending with %+v", step.name, calls, step.calls, step.counts)
			}
			if c, err := s.Counts(ctx, "petition-1"); err != nil || c != step.counts {
				t.Errorf("%s: Counts %+v, %v (the cache must forget a change made here)", step.name, c, err)
			}
		}
		p := participationOf(t, db, "petition-1", "eve@example.org")
		got, err := s.Get(ctx, p.ID)
		if err != nil || got.ConfirmedAt == nil || got.WithdrawnAt != nil {
			t.Errorf("after confirming again: %+v, %v; want confirmed_at and no withdrawn_at", got, err)
		}
	})
}

// TestLinksRefused: a link that is unknown, empty or superseded is refused
// as not found, changing nothing.
func TestLinksRefused(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{})
		ctx := context.Background()
		submit(t, s, signature("petition-1", "fay@example.org"))
		old := tokenOf(t, mailsTo(t, db, "fay@example.org")[0])
		var p *Participation
		err := db.Write(ctx, func(tx *store.Tx) error {
			id := participationOf(t, db, "petition-1", "fay@example.org").ID
			_, _, err := s.NewLink(ctx, tx, id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		submit(t, s, signature("petition-1", "gus@example.org"))
		other := tokenOf(t, mailsTo(t, db, "gus@example.org")[0])
		id, _, _ := strings.Cut(old, ".")
		_, otherSecret, _ := strings.Cut(other, ".")
		for _, tc := range []struct{ name, token string }{
			{"unknown", store.NewID() + "." + store.NewToken()},
			{"empty", ""},
			{"superseded", old},
			{"its hash", store.HashToken(old)},
			{"id alone", id},
			{"id without secret", id + "."},
			{"another's secret", id + "." + otherSecret},
		} {
			for name, do := range map[string]func(context.Context, string) (*Participation, error){
				"confirm": s.Confirm, "withdraw": s.Withdraw, "read": s.ByToken} {
				p, err = do(ctx, tc.token)
				if repertoire.ErrorCode(err) != repertoire.ENOTFOUND || p != nil {
					t.Errorf("%s of a %s link: %+v, %v; want not found", name, tc.name, p, err)
				}
			}
		}
		checkCounters(t, db, "petition-1", Counts{Pending: 2})
	})
}

// TestPurgeIPs: addresses are forgotten once older than KeepIPs, and only
// those.
func TestPurgeIPs(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{KeepIPs: 48 * time.Hour})
		ctx := context.Background()
		for _, e := range []string{"old@example.org", "new@example.org"} {
			sub := signature("petition-1", e)
			sub.IP = "198.51.100.7"
			submit(t, s, sub)
		}
		if _, err := db.Writer().ExecContext(ctx, `UPDATE participations SET created_at = $1 WHERE id = $2`,
			store.Now().Add(-49*time.Hour), participationOf(t, db, "petition-1", "old@example.org").ID); err != nil {
			t.Fatal(err)
		}
		n, err := s.PurgeIPs(ctx, store.Now())
		if err != nil || n != 1 {
			t.Fatalf("purge: %d, %v; want 1", n, err)
		}
		if p := participationOf(t, db, "petition-1", "old@example.org"); p.IP != nil {
			t.Errorf("old participation keeps ip %q", *p.IP)
		}
		if p := participationOf(t, db, "petition-1", "new@example.org"); p.IP == nil || *p.IP != "198.51.100.7" {
			t.Errorf("recent participation lost its ip")
		}
		if n, err := s.PurgeIPs(ctx, store.Now()); err != nil || n != 0 {
			t.Errorf("second purge: %d, %v; want nothing left", n, err)
		}
		// New fills in the default period.
		if s2 := New(db, nil, nil, testBaseURL, s.log, Limits{}); s2.limits.KeepIPs != 30*24*time.Hour {
			t.Errorf("default KeepIPs %v, want 30 days", s2.limits.KeepIPs)
		}
	})
}

// TestBadAppleInBatch: when one submission of a batch fails (its action
// vanished), the others are committed all the same and the failing one
// leaves nothing behind.
func TestBadAppleInBatch(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{})
		subs := []Submission{signature("petition-1", "gil@example.org"), signature("gone-1", "hal@example.org"),
			signature("petition-1", "ida@example.org")}
		batch := make([]*pending, len(subs))
		for i, sub := range subs {
			if err := Validate(&sub); err != nil {
				t.Fatal(err)
			}
			batch[i] = &pending{ctx: context.Background(), sub: sub, done: make(chan struct{})}
		}
		s.commit(batch)
		for i, p := range batch {
			<-p.done
			if i == 1 {
				if repertoire.ErrorCode(p.err) != repertoire.ENOTFOUND {
					t.Errorf("the submission to a vanished action: %v, want not found", p.err)
				}
				continue
			}
			if p.err != nil || p.res.Status != StatusPending {
				t.Errorf("submission %d: %+v, %v; want pending", i, p.res, p.err)
			}
		}
		checkCounters(t, db, "petition-1", Counts{Pending: 2})
		checkCounters(t, db, "gone-1", Counts{})
		if n := count(t, db, `SELECT COUNT(*) FROM participations WHERE action_id = 'gone-1'`); n != 0 {
			t.Errorf("%d participations in the vanished action", n)
		}
		if n := len(outboxMails(t, db)); n != 2 {
			t.Errorf("%d mails, want 2", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM people`); n != 2 {
			t.Errorf("%d people, want the 2 whose submission went through", n)
		}
	})
}

// TestLinksInTheGroupCommit: links followed while people sign share the
// writer's transactions; every click counts once, even two at once of the
// same link, and the counters and the chart equal a recount.
func TestLinksInTheGroupCommit(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{})
		ctx := context.Background()
		const n = 60
		for i := range n {
			submit(t, s, signature("petition-1", fmt.Sprintf("early%d@example.org", i)))
		}
		var wg sync.WaitGroup
		errs := make(chan error, 4*n)
		for i := range n {
			token := tokenOf(t, mailsTo(t, db, fmt.Sprintf("early%d@example.org", i))[0])
			wg.Add(3)
			go func() { // a signer arriving
				defer wg.Done()
				_, err := s.Submit(ctx, signature("petition-1", fmt.Sprintf("late%d@example.org", i)))
				errs <- err
			}()
			for range 2 { // a double click on the confirmation link
				go func() {
					defer wg.Done()
					p, err := s.Confirm(ctx, token)
					if err == nil && p.Status != StatusConfirmed {
						err = fmt.Errorf("confirmed link shows %s", p.Status)
					}
					errs <- err
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		checkCounters(t, db, "petition-1", Counts{Confirmed: n, Pending: n})
		// A third withdraw while the rest confirm again: nothing moves
		// for the confirmed ones.
		for i := range n {
			token := tokenOf(t, mailsTo(t, db, fmt.Sprintf("early%d@example.org", i))[0])
			do := s.Confirm
			if i%3 == 0 {
				do = s.Withdraw
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := do(ctx, token); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		checkCounters(t, db, "petition-1", Counts{Confirmed: n - n/3, Withdrawn: n / 3, Pending: n})
		growth, err := s.Growth(ctx, "petition-1")
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, b := range growth {
			sum += b.Confirmed
		}
		if sum != n-n/3 {
			t.Errorf("the chart sums to %d, want %d", sum, n-n/3)
		}
	})
}

// TestSigningAgainCountsOnceInTheLimits: a second signature of the same
// person meets the first in the database and is written again one by one;
// the rate limits count it once, not twice.
func TestSigningAgainCountsOnceInTheLimits(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{IPBurst: Limit{N: 3, Window: time.Hour}})
		for i, tc := range []struct{ email, status string }{
			{"ada@example.org", StatusPending},
			{"ada@example.org", StatusPending}, // again: the second count
			{"bob@example.org", StatusPending}, // the third: still within 3
			{"cy@example.org", StatusFlagged},  // the fourth is over
		} {
			sub := signature("petition-1", tc.email)
			sub.IP = "192.0.2.7"
			if r := submit(t, s, sub); r.Status != tc.status {
				t.Fatalf("submission %d (%s): %s, want %s", i, tc.email, r.Status, tc.status)
			}
		}
	})
}

// TestBatchesTakeLocksInOneOrder: two batches holding the same people and
// actions in opposite orders commit side by side (PostgreSQL's two
// writers, or two instances) without waiting on each other in a cycle:
// each takes its row locks by email, then by action.
func TestBatchesTakeLocksInOneOrder(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{})
		var forward, backward []*pending
		for i := range 200 {
			for _, action := range []string{"petition-1", "petition-2"} {
				sub := signature(action, fmt.Sprintf("p%03d@example.org", i))
				if err := Validate(&sub); err != nil {
					t.Fatal(err)
				}
				forward = append(forward, &pending{sub: sub})
				again := sub
				backward = append([]*pending{{sub: again}}, backward...)
			}
		}
		errs := make(chan error, 2)
		for _, batch := range [][]*pending{forward, backward} {
			go func() {
				errs <- db.Write(context.Background(), func(tx *store.Tx) error { return s.writeBatch(tx, batch) })
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("a batch failed: %v", err)
			}
		}
		for _, batch := range [][]*pending{forward, backward} {
			for _, p := range batch {
				if p.err != nil {
					t.Fatalf("%s to %s: %v", p.sub.Person.Email, p.sub.ActionID, p.err)
				}
			}
		}
		checkCounters(t, db, "petition-1", Counts{Pending: 200})
		checkCounters(t, db, "petition-2", Counts{Pending: 200})
	})
}

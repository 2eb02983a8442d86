package participation

import (
	"context"
	"strings"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// Both tactics share one code path: each test below runs for a petition's
// signatures and a pledge's commitments.
var kinds = []Kind{Signature, Commitment}

func taking(kind Kind, actionID, email string) Submission {
	sub := signature(actionID, email)
	sub.Kind = kind
	return sub
}

// personRow is what is stored about a person.
func personRow(t *testing.T, db *store.DB, email string) (given, family, locality, country string) {
	t.Helper()
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT given_name, family_name, locality, country FROM people
		WHERE email = $1`, email).Scan(&given, &family, &locality, &country); err != nil {
		t.Fatalf("person %s: %v", email, err)
	}
	return
}

// participationRow is a participation's choices, by id.
func participationRow(t *testing.T, db *store.DB, id string) Participation {
	t.Helper()
	p, err := ByID(context.Background(), db.Reader(), id)
	if err != nil {
		t.Fatal(err)
	}
	return *p
}

// TestUnconfirmedChangesNoPerson: typing someone's address with another
// name and town changes nothing stored about them; the submission keeps
// what it said, and the person takes it only by confirming it.
func TestUnconfirmedChangesNoPerson(t *testing.T) {
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, db *store.DB) {
				s, _ := newTestService(t, db, Limits{})
				ctx := context.Background()
				const email = "ana@example.org"
				if err := db.Write(ctx, func(tx *store.Tx) error {
					_, err := account.UpsertPeople(ctx, tx, []account.PersonInput{{Email: email, GivenName: "Ana", FamilyName: "Silva",
						Locality: "Lyon", Country: "FR"}})
					return err
				}); err != nil {
					t.Fatal(err)
				}
				forged := taking(kind, "action-1", " ANA@example.org")
				forged.Person.GivenName, forged.Person.FamilyName = "Mallory", "Forger"
				forged.Person.Locality, forged.Person.Country = "Nowhere", "ZZ"
				r := submit(t, s, forged)
				if g, f, l, c := personRow(t, db, email); g != "Ana" || f != "Silva" || l != "Lyon" || c != "FR" {
					t.Errorf("an unconfirmed submission rewrote the person: %q %q of %q, %q", g, f, l, c)
				}
				if p := participationRow(t, db, r.ID); p.GivenName != "Mallory" || p.Locality != "Nowhere" {
					t.Errorf("the participation keeps %q of %q, want what was submitted", p.GivenName, p.Locality)
				}
				// A new address: the person is known by the address only.
				submit(t, s, func() Submission {
					sub := taking(kind, "action-1", "new@example.org")
					sub.Person.GivenName, sub.Person.Locality = "Newt", "Paris"
					return sub
				}())
				if g, _, l, _ := personRow(t, db, "new@example.org"); g != "" || l != "" {
					t.Errorf("an unconfirmed new person is named %q of %q, want nothing yet", g, l)
				}
				// Confirming is the act: the person takes what they confirmed.
				if _, err := s.Confirm(ctx, tokenOf(t, mailsTo(t, db, "new@example.org")[0])); err != nil {
					t.Fatal(err)
				}
				if g, _, l, _ := personRow(t, db, "new@example.org"); g != "Newt" || l != "Paris" {
					t.Errorf("confirmed, the person is %q of %q, want Newt of Paris", g, l)
				}
				if _, err := s.Confirm(ctx, tokenOf(t, mailsTo(t, db, email)[0])); err != nil {
					t.Fatal(err)
				}
				if g, f, l, c := personRow(t, db, email); g != "Mallory" || f != "Forger" || l != "Nowhere" || c != "ZZ" {
					t.Errorf("confirmed by the reader of the inbox, the person is %q %q of %q, %q", g, f, l, c)
				}
			})
		})
	}
}

// TestResubmissionKeepsFirstLink: submitting a pending address again does
// not change what its first link confirms; the new link confirms the new
// choices, and each mail states the choices it confirms.
func TestResubmissionKeepsFirstLink(t *testing.T) {
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, db *store.DB) {
				s, _ := newTestService(t, db, Limits{})
				ctx := context.Background()
				const email = "vic@example.org"
				own := taking(kind, "action-1", email)
				own.Person.GivenName, own.Comment, own.PublicName, own.ContactOK = "Vic", "my own words", true, false
				first := submit(t, s, own)
				forged := taking(kind, "action-1", email)
				forged.Person.GivenName, forged.Comment, forged.PublicName, forged.ContactOK = "Eve", "spam spam", false, true
				submit(t, s, forged)

				if p := participationRow(t, db, first.ID); p.Comment != "my own words" || !p.PublicName || p.ContactOK || p.GivenName != "Vic" {
					t.Errorf("the resubmission rewrote the pending participation: %+v", p)
				}
				mails := mailsTo(t, db, email)
				if len(mails) != 2 {
					t.Fatalf("%d mails, want 2: one per submission", len(mails))
				}
				for i, want := range []Choices{own.choices(), forged.choices()} {
					text := s.choicesText(kind, want)
					if text == "" || !strings.Contains(mails[i].Body, text) {
						t.Errorf("mail %d does not state its choices %q:\n%s", i, text, mails[i].Body)
					}
				}
				if !strings.Contains(mails[0].Body, "my own words") || strings.Contains(mails[0].Body, "spam") {
					t.Errorf("the first mail states another comment:\n%s", mails[0].Body)
				}
				// The first link confirms what it was mailed for.
				p, err := s.Confirm(ctx, tokenOf(t, mails[0]))
				if err != nil || p.Status != StatusConfirmed {
					t.Fatalf("the first link: %+v, %v", p, err)
				}
				if p := participationRow(t, db, first.ID); p.Comment != "my own words" || !p.PublicName || p.ContactOK || p.GivenName != "Vic" {
					t.Errorf("the first link confirmed %+v, not what it was mailed for", p)
				}
				if g, _, _, _ := personRow(t, db, email); g != "Vic" {
					t.Errorf("the person is named %q, want Vic", g)
				}
				// The second, followed later by the reader of the inbox,
				// confirms its own choices; counted once.
				if _, err := s.Confirm(ctx, tokenOf(t, mails[1])); err != nil {
					t.Fatal(err)
				}
				if p := participationRow(t, db, first.ID); p.Comment != "spam spam" || p.PublicName || !p.ContactOK {
					t.Errorf("the second link confirmed %+v, not what it was mailed for", p)
				}
				checkCounters(t, db, "action-1", Counts{Confirmed: 1})

				// The person's export shows both links and what each confirms.
				var links account.ExportSection
				for _, sec := range s.PersonData().Export {
					if sec.Name == "participation_links" {
						links = sec
					}
				}
				rows, err := links.Read(ctx, db.Reader(), participationRow(t, db, first.ID).PersonID)
				if err != nil || len(rows) != 2 {
					t.Fatalf("export of the links: %d rows, %v; want 2", len(rows), err)
				}
				if rows[0]["comment"] != "my own words" || rows[1]["comment"] != "spam spam" || rows[1]["contact_ok"] != "yes" ||
					rows[0]["action_title"] != "Action action-1" {
					t.Errorf("export of the links: %v", rows)
				}
				for _, r := range rows {
					if _, ok := r["token_hash"]; ok {
						t.Errorf("the export holds a token hash: %v", r)
					}
				}
			})
		})
	}
}

// TestResubmissionMailsAreBounded: an address gets at most MailsPerHour
// links an hour after its first, however often it is typed.
func TestResubmissionMailsAreBounded(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{})
		const email = "flood@example.org"
		for range MailsPerHour + 5 {
			submit(t, s, taking(Signature, "action-1", email))
		}
		submit(t, s, taking(Commitment, "action-2", email)) // a first mail of its own
		submit(t, s, taking(Commitment, "action-2", email)) // over the bound: the person's
		if n := len(mailsTo(t, db, email)); n != MailsPerHour+1 {
			t.Errorf("%d mails, want %d", n, MailsPerHour+1)
		}
		// An hour later, links are mailed again.
		if _, err := db.Writer().ExecContext(context.Background(), `UPDATE participation_links SET created_at = $1`,
			store.Now().Add(-time.Hour-time.Minute)); err != nil {
			t.Fatal(err)
		}
		submit(t, s, taking(Signature, "action-1", email))
		if n := len(mailsTo(t, db, email)); n != MailsPerHour+2 {
			t.Errorf("an hour later: %d mails, want %d", n, MailsPerHour+2)
		}
	})
}

// TestFlaggedOwnerGetsALink: a flood that flags someone's address first
// does not silence them: their own submission mails them a link, and
// confirming it counts, unless an organizer rejects it on review.
func TestFlaggedOwnerGetsALink(t *testing.T) {
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, db *store.DB) {
				s, a := newTestService(t, db, Limits{IPBurst: Limit{N: 1, Window: time.Hour}})
				ctx := context.Background()
				flood := func(email string) Result {
					sub := taking(kind, "action-1", email)
					sub.IP = "198.51.100.7"
					return submit(t, s, sub)
				}
				flood("someone@example.org")
				const victim = "real@example.org"
				if r := flood(victim); r.Status != StatusFlagged {
					t.Fatalf("the flood's submission is %s, want flagged", r.Status)
				}
				if n := len(mailsTo(t, db, victim)); n != 0 {
					t.Fatalf("a flagged submission mailed %d times", n)
				}
				own := taking(kind, "action-1", victim)
				own.IP = "203.0.113.5"
				own.Person.GivenName = "Real"
				submit(t, s, own)
				mails := mailsTo(t, db, victim)
				if len(mails) != 1 {
					t.Fatalf("the person's own submission mailed %d times, want 1", len(mails))
				}
				p, err := s.Confirm(ctx, tokenOf(t, mails[0]))
				if err != nil || p.Status != StatusConfirmed || p.GivenName != "Real" {
					t.Fatalf("confirming from the mail: %+v, %v", p, err)
				}
				checkCounters(t, db, "action-1", Counts{Pending: 1, Confirmed: 1})
				if calls := a.calls("action-1"); len(calls) == 0 || calls[len(calls)-1].Total() != 1 {
					t.Errorf("the action was told %+v, want a total of 1", calls)
				}

				// Counted unless an organizer rejects it on review: it waits
				// in the queue, and accepting it keeps it counted.
				const other = "real2@example.org"
				flood(other)
				own.Person.Email = other
				submit(t, s, own)
				if _, err := s.Confirm(ctx, tokenOf(t, mailsTo(t, db, other)[0])); err != nil {
					t.Fatal(err)
				}
				checkCounters(t, db, "action-1", Counts{Pending: 1, Confirmed: 2})
				queue, err := s.ReviewQueue(ctx, "action-1", 0)
				if err != nil || len(queue) != 2 || queue[0].ID != p.ID {
					t.Fatalf("review queue: %d, %v; want the two confirmed while flagged", len(queue), err)
				}
				if n, err := s.Review(ctx, "organizer", "action-1", []string{p.ID}, false); err != nil || n != 1 {
					t.Fatalf("reject: %d, %v", n, err)
				}
				if n, err := s.Review(ctx, "organizer", "action-1", []string{queue[1].ID}, true); err != nil || n != 1 {
					t.Fatalf("accept: %d, %v", n, err)
				}
				checkCounters(t, db, "action-1", Counts{Pending: 1, Confirmed: 1})
				if g := growth(t, db, "action-1"); g != 1 {
					t.Errorf("growth sums to %d, want 1", g)
				}
				if calls := a.calls("action-1"); calls[len(calls)-1].Total() != 1 {
					t.Errorf("after the review the action was told %+v, want a total of 1", calls[len(calls)-1])
				}
				if queue, err := s.ReviewQueue(ctx, "action-1", 0); err != nil || len(queue) != 0 {
					t.Errorf("review queue after the review: %d, %v; want empty", len(queue), err)
				}
				if st := participationRow(t, db, p.ID).Status; st != StatusRejected {
					t.Errorf("the rejected one is %s", st)
				}
				// Signed again and confirmed, a rejected one is back for review.
				own.Person.Email = victim
				submit(t, s, own)
				mails = mailsTo(t, db, victim)
				if _, err := s.Confirm(ctx, tokenOf(t, mails[len(mails)-1])); err != nil {
					t.Fatal(err)
				}
				if queue, err := s.ReviewQueue(ctx, "action-1", 0); err != nil || len(queue) != 1 || queue[0].ID != p.ID {
					t.Errorf("review queue after signing again: %d, %v; want the rejected one back", len(queue), err)
				}
			})
		})
	}
}

// TestOneInboxOneParticipation: spellings of one inbox take part once per
// action (case, Unicode, Gmail's dots and +tags, googlemail.com), in one
// batch or in several; mail goes to the address as typed. Elsewhere a
// +tag is another inbox.
func TestOneInboxOneParticipation(t *testing.T) {
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, db *store.DB) {
				s, _ := newTestService(t, db, Limits{})
				first := submit(t, s, taking(kind, "action-1", "jdoe@gmail.com"))
				for _, typed := range []string{"J.Doe@gmail.com", "j.doe+petition@googlemail.com", "JDOE@GMAIL.COM"} {
					r := submit(t, s, taking(kind, "action-1", typed))
					if r.ID != first.ID || !r.Existing {
						t.Errorf("%s: %+v, want the participation of jdoe@gmail.com", typed, r)
					}
				}
				res := commitTogether(t, s, taking(kind, "action-2", "a.b@gmail.com"), taking(kind, "action-2", "ab+x@googlemail.com"))
				if res[0].ID != res[1].ID {
					t.Errorf("one batch: %+v and %+v, want one participation", res[0], res[1])
				}
				if n := count(t, db, `SELECT COUNT(*) FROM participations`); n != 2 {
					t.Errorf("%d participations, want 2: one per inbox and action", n)
				}
				if n := len(mailsTo(t, db, "j.doe+petition@googlemail.com")); n != 1 {
					t.Errorf("%d mails to the address as typed, want 1", n)
				}
				// Its link confirms the one participation.
				p, err := s.Confirm(context.Background(), tokenOf(t, mailsTo(t, db, "j.doe+petition@googlemail.com")[0]))
				if err != nil || p.ID != first.ID {
					t.Errorf("the link mailed to another spelling: %+v, %v", p, err)
				}
				checkCounters(t, db, "action-1", Counts{Confirmed: 1})

				a := submit(t, s, taking(kind, "action-3", "a+x@example.org"))
				b := submit(t, s, taking(kind, "action-3", "a@example.org"))
				if a.ID == b.ID || b.Existing {
					t.Errorf("a +tag of an unknown provider is another inbox: %+v, %+v", a, b)
				}
			})
		})
	}
}

// TestImportLeavesWithdrawn: an organizer's import does not bring back a
// withdrawn participation; the person signing again does.
func TestImportLeavesWithdrawn(t *testing.T) {
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, db *store.DB) {
				s, _ := newTestService(t, db, Limits{})
				ctx := context.Background()
				const email = "gone@example.org"
				submit(t, s, taking(kind, "action-1", email))
				token := tokenOf(t, mailsTo(t, db, email)[0])
				if _, err := s.Confirm(ctx, token); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Withdraw(ctx, token); err != nil {
					t.Fatal(err)
				}
				imp := taking(kind, "action-1", email)
				imp.OriginSystem = "paper sheets"
				if r := submit(t, s, imp); r.Status != StatusWithdrawn || !r.Existing {
					t.Errorf("the import answered %+v, want withdrawn", r)
				}
				checkCounters(t, db, "action-1", Counts{Withdrawn: 1})
				if p := participationOf(t, db, "action-1", email); p.Status != StatusWithdrawn || p.Origin != "" {
					t.Errorf("after the import: %s from %q, want withdrawn, online", p.Status, p.Origin)
				}
				// The past cannot bring it back either.
				past := Past{Submission: imp, SubmittedAt: time.Now().Add(-time.Hour), ConfirmedAt: time.Now().Add(-time.Hour)}
				if rs, err := s.RecordPast(ctx, []Past{past}); err != nil || rs[0].Status != StatusWithdrawn {
					t.Errorf("recorded past: %+v, %v; want withdrawn", rs, err)
				}
				// Signing again and confirming does.
				submit(t, s, taking(kind, "action-1", email))
				mails := mailsTo(t, db, email)
				if p, err := s.Confirm(ctx, tokenOf(t, mails[len(mails)-1])); err != nil || p.Status != StatusConfirmed {
					t.Errorf("signing again: %+v, %v", p, err)
				}
				checkCounters(t, db, "action-1", Counts{Confirmed: 1})
			})
		})
	}
}

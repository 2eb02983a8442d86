package petition_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/testkit"
)

// tactic is one tactic's record helper, as the participation hardening
// tests below drive it: petitions and pledges share one code path, and
// each test runs over both.
type tactic struct {
	name, actionID, path, subject string
}

// bothTactics sets up a petition and a pledge of one campaign and returns
// the organizer's token and the two tactics.
func bothTactics(t *testing.T, app *testkit.App) (string, []tactic) {
	t.Helper()
	token, p, _ := setup(t, app)
	var campaignID string
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT campaign_id FROM petitions WHERE id = $1`, p.id()).Scan(&campaignID); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var pledge struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out",
		"campaign": campaignID, "threshold": 100000, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339),
		"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, &pledge); st != http.StatusCreated {
		t.Fatalf("create pledge: %d", st)
	}
	return token, []tactic{
		{"petition", p.id(), "/api/v1/petitions/" + p.id() + "/signatures", "Confirm your signature"},
		{"pledge", pledge.ID, "/api/v1/pledges/" + pledge.ID + "/commitments", "Confirm your commitment"},
	}
}

// record posts to a tactic's record helper with token ("" for anyone).
func (tc tactic) record(t *testing.T, app *testkit.App, token, email string, extra map[string]any) int {
	t.Helper()
	person := map[string]any{"email_addresses": []map[string]any{{"address": email}}}
	body := map[string]any{"person": person}
	for k, v := range extra {
		switch k {
		case "given_name", "family_name":
			person[k] = v
		case "locality":
			person["postal_addresses"] = []map[string]any{{"locality": v}}
		default:
			body[k] = v
		}
	}
	return app.API(t, "POST", tc.path, token, body, nil)
}

// mailsTo waits for n mails to an address with the tactic's subject and
// returns them in the order received.
func (tc tactic) mailsTo(t *testing.T, app *testkit.App, to string, n int) []*testkit.Mail {
	t.Helper()
	app.Mail.Wait(t, to, tc.subject)
	deadline := time.Now().Add(15 * time.Second)
	for {
		var out []*testkit.Mail
		for _, m := range app.Mail.All() {
			if strings.Contains(m.Subject, tc.subject) && len(m.To) == 1 && strings.EqualFold(m.To[0], to) {
				out = append(out, m)
			}
		}
		if len(out) >= n || time.Now().After(deadline) {
			if len(out) != n {
				t.Fatalf("%d mails to %s, want %d", len(out), to, n)
			}
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// follow presses the button of a mailed link.
func follow(t *testing.T, app *testkit.App, m *testkit.Mail, link string) {
	t.Helper()
	if st, _ := app.Browser().Post(t, strings.TrimPrefix(m.Link(t, link), app.URL), nil); st != http.StatusOK {
		t.Fatalf("%s: %d", link, st)
	}
}

// stored reads a participation of an action by its person's address.
func stored(t *testing.T, app *testkit.App, actionID, email string) (status, comment string, contactOK bool) {
	t.Helper()
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT p.status, p.comment, p.contact_ok FROM participations p
		JOIN people pe ON pe.id = p.person_id WHERE p.action_id = $1 AND pe.email = $2`, actionID, email).Scan(&status, &comment, &contactOK); err != nil {
		t.Fatalf("participation of %s: %v", email, err)
	}
	return
}

// TestParticipationHardening: items 6, 7, 9, 10 and the default of
// contact_ok, through each tactic's API, mails over SMTP included.
func TestParticipationHardening(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		token, tactics := bothTactics(t, app)
		for _, tc := range tactics {
			t.Run(tc.name, func(t *testing.T) {
				at := func(who string) string { return tc.name + "-" + who + "@example.org" }

				// 6. Someone types a known address with another name and
				// town: nothing stored about that person changes.
				known := at("known")
				if err := app.DB.Write(ctx, func(tx *store.Tx) error {
					_, err := account.UpsertPeople(ctx, tx, []account.PersonInput{{Email: known, GivenName: "Ana", Locality: "Lyon"}})
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if st := tc.record(t, app, "", known, map[string]any{"given_name": "Mallory", "locality": "Nowhere"}); st != http.StatusAccepted {
					t.Fatalf("record: %d", st)
				}
				tc.mailsTo(t, app, known, 1)
				var given, locality string
				if err := app.DB.Reader().QueryRowContext(ctx, `SELECT given_name, locality FROM people WHERE email = $1`, known).Scan(&given, &locality); err != nil {
					t.Fatal(err)
				}
				if given != "Ana" || locality != "Lyon" {
					t.Errorf("an unconfirmed participation renamed the person %q of %q", given, locality)
				}

				// 7. A resubmission does not change what the first link
				// confirms; each mail states its choices.
				victim := at("victim")
				tc.record(t, app, "", victim, map[string]any{"comments": "my own words"})
				tc.record(t, app, "", victim, map[string]any{"comments": "spam spam", "contact_ok": true})
				mails := tc.mailsTo(t, app, victim, 2) // delivered in any order
				if strings.Contains(mails[0].Body, "spam") {
					mails[0], mails[1] = mails[1], mails[0]
				}
				if !strings.Contains(mails[0].Body, "my own words") || strings.Contains(mails[0].Body, "spam") ||
					!strings.Contains(mails[0].Body, "the organizers may contact you: no") {
					t.Errorf("the first mail does not state its own choices:\n%s", mails[0].Body)
				}
				if !strings.Contains(mails[1].Body, "spam spam") || !strings.Contains(mails[1].Body, "the organizers may contact you: yes") {
					t.Errorf("the second mail does not state its choices:\n%s", mails[1].Body)
				}
				follow(t, app, mails[0], "/p/confirm/")
				if status, comment, contact := stored(t, app, tc.actionID, victim); status != "confirmed" || comment != "my own words" || contact {
					t.Errorf("the first link confirmed %s %q contact %v, not what it was mailed for", status, comment, contact)
				}

				// Consent is an act: a body without contact_ok gave none.
				silent := at("silent")
				tc.record(t, app, "", silent, nil)
				follow(t, app, tc.mailsTo(t, app, silent, 1)[0], "/p/confirm/")
				if _, _, contact := stored(t, app, tc.actionID, silent); contact {
					t.Error("contact_ok absent from the body counted as given")
				}

				// 9. Two spellings of one Gmail inbox: one participation,
				// each mail to the address as typed.
				inbox := tc.name + ".jdoe@gmail.com"
				other := strings.ToUpper(tc.name) + "jdoe+x@googlemail.com"
				tc.record(t, app, "", inbox, nil)
				tc.record(t, app, "", other, nil)
				tc.mailsTo(t, app, inbox, 1)
				follow(t, app, tc.mailsTo(t, app, strings.ToLower(other), 1)[0], "/p/confirm/")
				var n int
				if err := app.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM participations WHERE action_id = $1 AND email_canonical = $2`,
					tc.actionID, tc.name+"jdoe@gmail.com").Scan(&n); err != nil || n != 1 {
					t.Errorf("%d participations of one inbox (%v), want 1", n, err)
				}
				if status, _, _ := stored(t, app, tc.actionID, inbox); status != "confirmed" {
					t.Errorf("the other spelling's link left the participation %s", status)
				}

				// 10. An organizer's import does not bring back a withdrawal.
				gone := at("gone")
				tc.record(t, app, "", gone, nil)
				m := tc.mailsTo(t, app, gone, 1)[0]
				follow(t, app, m, "/p/confirm/")
				follow(t, app, m, "/p/withdraw/")
				if st := tc.record(t, app, token, gone, map[string]any{"origin_system": "paper sheets"}); st != http.StatusCreated {
					t.Fatalf("import: %d", st)
				}
				if status, _, _ := stored(t, app, tc.actionID, gone); status != "withdrawn" {
					t.Errorf("the import made a withdrawn participation %s", status)
				}
			})
		}
	})
}

// TestSignaturesAPIHonoursConsent: GET …/signatures shows what the CSV
// export shows: no address of who refused contact, no name of who
// refused to show it or give it to the target.
func TestSignaturesAPIHonoursConsent(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, tactics := bothTactics(t, app)
		pt := tactics[0]
		for _, s := range []struct {
			email   string
			consent map[string]any
		}{
			{"private@example.org", map[string]any{}},
			{"contact@example.org", map[string]any{"contact_ok": true}},
			{"public@example.org", map[string]any{"public_name": true}},
		} {
			body := map[string]any{"given_name": "Name of " + s.email, "comments": "c"}
			for k, v := range s.consent {
				body[k] = v
			}
			pt.record(t, app, "", s.email, body)
			follow(t, app, pt.mailsTo(t, app, s.email, 1)[0], "/p/confirm/")
		}
		var list struct {
			Embedded struct {
				Signatures []struct {
					Person struct {
						GivenName      string `json:"given_name"`
						EmailAddresses []struct {
							Address string `json:"address"`
						} `json:"email_addresses"`
					} `json:"person"`
				} `json:"osdi:signatures"`
			} `json:"_embedded"`
		}
		if st := app.API(t, "GET", pt.path, token, nil, &list); st != http.StatusOK {
			t.Fatalf("list: %d", st)
		}
		got := map[string][2]bool{} // name → shown name, shown address
		for _, s := range list.Embedded.Signatures {
			email := ""
			if len(s.Person.EmailAddresses) > 0 {
				email = s.Person.EmailAddresses[0].Address
			}
			key := email
			if key == "" {
				key = s.Person.GivenName
			}
			got[key] = [2]bool{s.Person.GivenName != "", email != ""}
		}
		if len(list.Embedded.Signatures) != 3 {
			t.Fatalf("%d signatures listed, want 3", len(list.Embedded.Signatures))
		}
		for _, s := range list.Embedded.Signatures {
			email := ""
			if len(s.Person.EmailAddresses) > 0 {
				email = s.Person.EmailAddresses[0].Address
			}
			switch {
			case email != "" && email != "contact@example.org":
				t.Errorf("the address %s is listed without consent to contact", email)
			case s.Person.GivenName != "" && s.Person.GivenName != "Name of public@example.org":
				t.Errorf("the name %q is listed without consent to show it", s.Person.GivenName)
			}
		}
		if _, ok := got["contact@example.org"]; !ok {
			t.Error("the address of who agreed to contact is missing")
		}
		if _, ok := got["Name of public@example.org"]; !ok {
			t.Error("the name of who agreed to show it is missing")
		}
	})
}

// TestFloodDoesNotSilenceTheOwner: a flood from one network address flags
// someone's address without mail; their own submission then mails them a
// link, and confirming it counts, for each tactic.
func TestFloodDoesNotSilenceTheOwner(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, tactics := bothTactics(t, app)
		for _, tc := range tactics {
			t.Run(tc.name, func(t *testing.T) {
				// Past DefaultLimits' burst of 20 a minute from one address
				// (the tests' 127.0.0.1), whatever ran before.
				for i := range 21 {
					tc.record(t, app, "", tc.name+"-flood"+strconv.Itoa(i)+"@example.org", nil)
				}
				victim := tc.name + "-victim@example.org"
				tc.record(t, app, "", victim, map[string]any{"comments": "flood"})
				var status string
				if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT p.status FROM participations p
					JOIN people pe ON pe.id = p.person_id WHERE p.action_id = $1 AND pe.email = $2`, tc.actionID, victim).Scan(&status); err != nil || status != "flagged" {
					t.Fatalf("the flood's submission is %q (%v), want flagged", status, err)
				}
				tc.record(t, app, "", victim, map[string]any{"comments": "my own"})
				m := tc.mailsTo(t, app, victim, 1)[0]
				if !strings.Contains(m.Body, "my own") {
					t.Errorf("the mail does not state the owner's choices:\n%s", m.Body)
				}
				follow(t, app, m, "/p/confirm/")
				if status, comment, _ := stored(t, app, tc.actionID, victim); status != "confirmed" || comment != "my own" {
					t.Errorf("confirmed from the mail: %s %q, want confirmed with the owner's comment", status, comment)
				}
				var n int
				if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT confirmed FROM action_counters WHERE action_id = $1`,
					tc.actionID).Scan(&n); err != nil || n != 1 {
					t.Errorf("%d counted (%v), want the owner's", n, err)
				}
			})
		}
	})
}

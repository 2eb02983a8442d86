package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// someone is a person the test erases, and what must be gone of them.
type someone struct {
	email, given, family string
	id, token            string
}

// traces are the strings no row may hold once they are erased: their
// address (any case: Find ignores it), each of their names, the SHA-256 of
// their address, and each as it reads inside base64 (a mail's attachment
// is stored so), at each of the three alignments.
func (p someone) traces() []string {
	sum := sha256.Sum256([]byte(strings.ToLower(p.email)))
	out := []string{p.email, p.given, p.family, hex.EncodeToString(sum[:])}
	for _, s := range []string{strings.ToLower(p.email), p.given, p.family, p.given + " " + p.family} {
		for pad := 0; pad < 3; pad++ {
			n := pad + len(s)
			enc := base64.StdEncoding.EncodeToString(append(make([]byte, pad), s...))
			if start, end := (4*pad+2)/3, n/3*4; end-start >= 8 {
				out = append(out, enc[start:end])
			}
		}
	}
	return out
}

// A person who signed, committed, checked in, joined a community and was
// mailed all along erases their account from its page; another erases
// theirs through the API. Afterwards no column of any table (read from the
// schema: a table added later is searched too) holds their address, their
// names or their address's hash, and every maintained counter equals a
// recount of what remains.
func TestErasureLeavesNothingBehind(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		db := app.DB
		org := app.Token(t, "olga@example.org", "Olga Organizer", false)
		organizer := app.Browser()
		organizer.SignIn(t, "olga@example.org", "correct horse battery")

		// A community that approves its members, a campaign, a petition
		// mailed to its target on delivery, a pledge on at one commitment.
		if st := app.API(t, "POST", "/api/v1/communities", org, map[string]string{"name": "Riders", "slug": "riders", "join_policy": "approval"}, nil); st != 201 {
			t.Fatalf("community: %d", st)
		}
		var campaign struct{ ID string }
		if st := app.API(t, "POST", "/api/v1/campaigns", org, map[string]any{"title": "Fair pay", "slug": "fair-pay", "community": "riders"}, &campaign); st != 201 {
			t.Fatalf("campaign: %d", st)
		}
		var petition struct {
			Identifiers []string `json:"identifiers"`
			BrowserURL  string   `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", org, map[string]any{"title": "Pay the waiting time", "petition_text": "Pay it.",
			"campaign": campaign.ID, "target": []map[string]string{{"name": "Platform Inc.", "email": "ceo@platform.example"}}}, &petition); st != 201 {
			t.Fatalf("petition: %d", st)
		}
		petitionID := strings.TrimPrefix(petition.Identifiers[0], "repertoire:")
		petitionPath := strings.TrimPrefix(petition.BrowserURL, app.URL)
		var pledge struct {
			ID         string `json:"id"`
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", org, map[string]any{"title": "Log off together", "action": "log off", "campaign": campaign.ID,
			"threshold": 1, "deadline": "2099-01-01T00:00:00Z", "window_start": "2099-01-02T00:00:00Z", "window_end": "2099-01-09T00:00:00Z"}, &pledge); st != 201 {
			t.Fatalf("pledge: %d", st)
		}
		pledgePath := strings.TrimPrefix(pledge.BrowserURL, app.URL)
		confirm := func(to, subject string) {
			t.Helper()
			link := app.Mail.Wait(t, to, subject).Link(t, "/p/confirm/")
			if st, _ := app.Browser().Post(t, link, nil); st != 200 {
				t.Fatalf("confirm %q: %d", subject, st)
			}
		}
		personID := func(email string) string {
			t.Helper()
			var id string
			if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, strings.ToLower(email)).Scan(&id); err != nil {
				t.Fatalf("person %s: %v", email, err)
			}
			return id
		}

		// Zephyrine has an account, a session, a token and a reset link.
		zoe := someone{email: "Zephyrine.Quist@Example.org", given: "Zephyrine", family: "Quistgaard"}
		zoe.token = app.Token(t, zoe.email, zoe.given+" "+zoe.family, false)
		zoe.id = personID(zoe.email)
		b := app.Browser()
		b.SignIn(t, zoe.email, "correct horse battery")
		if st, _ := b.Post(t, "/password/forgot", url.Values{"email": {zoe.email}}); st != 200 {
			t.Fatalf("forgot: %d", st)
		}
		app.Mail.Wait(t, strings.ToLower(zoe.email), "Reset your Repertoire password")

		// She signs and shares her name with the target, commits (which
		// turns the pledge on and mails her), asks to join and is let in,
		// and answers the check-in.
		person := url.Values{"given_name": {zoe.given}, "family_name": {zoe.family}, "email": {zoe.email}, "locality": {"Lyon"}}
		sign := url.Values{"public_name": {"on"}, "share_with_target": {"on"}, "comment": {"Signed by " + zoe.given}}
		for k, v := range person {
			sign[k] = v
		}
		if st, body := app.Browser().Post(t, petitionPath+"/sign", sign); st != 200 {
			t.Fatalf("sign: %d\n%s", st, body)
		}
		confirm(zoe.email, "Confirm your signature")
		if st, body := app.Browser().Post(t, pledgePath+"/commit", person); st != 200 {
			t.Fatalf("commit: %d\n%s", st, body)
		}
		confirm(zoe.email, "Confirm your commitment")
		app.Mail.Wait(t, zoe.email, "It’s on")
		if st, _ := b.Post(t, "/c/riders/join", nil); st != 200 {
			t.Fatalf("join: %d", st)
		}
		app.Mail.Wait(t, "olga@example.org", zoe.given+" asks to join")
		if st, _ := organizer.Post(t, "/c/riders/requests/"+zoe.id+"/approve", nil); st != 200 {
			t.Fatalf("approve: %d", st)
		}
		app.Mail.Wait(t, zoe.email, "Welcome to Riders")
		var commitment string
		db.Reader().QueryRowContext(ctx, `SELECT id FROM participations WHERE person_id = $1 AND kind = 'commitment'`, zoe.id).Scan(&commitment)
		checkin := store.NewToken() // as the window's end mails it
		if _, err := db.Writer().ExecContext(ctx, `INSERT INTO pledge_checkins (token_hash, pledge_id, participation_id, created_at) VALUES ($1, $2, $3, $4)`,
			store.HashToken(checkin), pledge.ID, commitment, store.Now()); err != nil {
			t.Fatal(err)
		}
		if st, _ := app.Browser().Post(t, "/pledges/checkin/"+checkin, url.Values{"answer": {"held"}}); st != 200 {
			t.Fatalf("checkin: %d", st)
		}

		// Yannick signs through the API, never confirms, and is imported
		// as committed.
		yan := someone{email: "yannick.brock@example.net", given: "Yannick", family: "Brocklehurst"}
		yan.token = app.Token(t, yan.email, yan.given, false)
		yan.id = personID(yan.email)
		record := map[string]any{"person": map[string]any{"given_name": yan.given, "family_name": yan.family,
			"email_addresses": []map[string]string{{"address": yan.email}}}}
		if st := app.API(t, "POST", "/api/v1/petitions/"+petitionID+"/signatures", "", record, nil); st != 202 {
			t.Fatalf("record signature: %d", st)
		}
		app.Mail.Wait(t, yan.email, "Confirm your signature")
		record["origin_system"] = "paper"
		record["contact_ok"] = true
		if st := app.API(t, "POST", "/api/v1/pledges/"+pledge.ID+"/commitments", org, record, nil); st != 201 {
			t.Fatalf("import commitment: %d", st)
		}
		app.Mail.Wait(t, yan.email, "It’s on")
		// The organizers write to the committed who agreed to hear from
		// them: Yannick is among the message's recipients.
		var msg struct {
			ID string `json:"id"`
		}
		if st := app.API(t, "POST", "/api/v1/messages", org, map[string]any{"community": "riders", "subject": "Strike news", "body": "Hold on.",
			"targets": []map[string]string{{"kind": "participants", "action": pledge.ID}}}, &msg); st != 201 {
			t.Fatalf("message: %d", st)
		}
		if st := app.API(t, "POST", "/api/v1/messages/"+msg.ID+"/send", org, nil, nil); st != 202 {
			t.Fatalf("send: %d", st)
		}
		app.Mail.Wait(t, yan.email, "Strike news")

		// Ana stays: her signature and commitment are what remains counted.
		ana := url.Values{"given_name": {"Ana"}, "email": {"ana@example.org"}}
		app.Browser().Post(t, petitionPath+"/sign", ana)
		confirm("ana@example.org", "Confirm your signature")
		app.Browser().Post(t, pledgePath+"/commit", ana)
		confirm("ana@example.org", "Confirm your commitment")

		// The delivery lists Zephyrine's name to the target.
		if st, _ := organizer.Post(t, petitionPath+"/deliver", url.Values{"note": {"By hand."}, "confirm": {"yes"}}); st != 200 {
			t.Fatalf("deliver: %d", st)
		}
		if m := app.Mail.Wait(t, "ceo@platform.example", "Petition:"); !strings.Contains(m.Body, zoe.given+" "+zoe.family) {
			t.Fatalf("the delivery does not name her:\n%s", m.Body)
		}

		// The search finds what it must find before the erasure. Besides
		// their address and names, no row may name them by id, nor name
		// their participations (check-in links, activation mails).
		ids := []string{zoe.id, yan.id}
		for _, p := range []someone{zoe, yan} {
			if len(storetest.Find(t, db, p.email)) == 0 || len(storetest.Find(t, db, p.family)) == 0 {
				t.Fatalf("the search finds nothing of %s before the erasure", p.given)
			}
			rows, _ := db.Reader().QueryContext(ctx, `SELECT id FROM participations WHERE person_id = $1`, p.id)
			for rows.Next() {
				var id string
				rows.Scan(&id)
				ids = append(ids, id)
			}
			rows.Close()
		}
		if len(ids) != 6 || len(storetest.Find(t, db, commitment)) < 3 {
			t.Fatalf("ids %v; the commitment's id in %v", ids, storetest.Find(t, db, commitment))
		}
		recount(t, db)

		// Zephyrine erases hers from the account page, Yannick through the API.
		if st, _ := b.Post(t, "/account/delete", url.Values{"delete_confirm": {zoe.email}}); st != 200 {
			t.Fatalf("delete form: %d", st)
		}
		if st := app.API(t, "DELETE", "/api/v1/people/"+yan.id, yan.token, nil, nil); st != 204 {
			t.Fatalf("DELETE person: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/people/"+zoe.id, zoe.token, nil, nil); st != 401 {
			t.Fatalf("her token outlived her: %d", st)
		}

		for _, p := range []someone{zoe, yan} {
			for _, s := range p.traces() {
				if found := storetest.Find(t, db, s); len(found) > 0 {
					t.Errorf("%s's %q is still in %v", p.given, s, found)
				}
			}
		}
		for _, id := range ids {
			if found := storetest.Find(t, db, id); len(found) > 0 {
				t.Errorf("id %s is still in %v", id, found)
			}
		}
		recount(t, db)
		var signed, pending, committed, held, members int
		db.Reader().QueryRowContext(ctx, `SELECT confirmed, pending FROM action_counters WHERE action_id = $1`, petitionID).Scan(&signed, &pending)
		db.Reader().QueryRowContext(ctx, `SELECT confirmed + imported FROM action_counters WHERE action_id = $1`, pledge.ID).Scan(&committed)
		db.Reader().QueryRowContext(ctx, `SELECT checkins_held FROM pledges WHERE id = $1`, pledge.ID).Scan(&held)
		db.Reader().QueryRowContext(ctx, `SELECT member_count FROM communities WHERE slug = 'riders'`).Scan(&members)
		if signed != 1 || pending != 0 || committed != 1 || held != 0 || members != 1 {
			t.Errorf("after the erasures: %d signed, %d pending, %d committed, %d held, %d members; want Ana's 1, 0, 1, 0 and Olga alone",
				signed, pending, committed, held, members)
		}
	})
}

// recount checks every maintained counter against a count of the rows it
// counts: the participation counters and the chart's buckets, the pledges'
// check-in answers, the communities' members.
func recount(t *testing.T, db *store.DB) {
	t.Helper()
	for _, c := range []struct{ name, query string }{
		{"action_counters", `SELECT c.action_id, c.confirmed, c.imported, c.pending, c.flagged, c.withdrawn,
			(SELECT COUNT(*) FROM participations p WHERE p.action_id = c.action_id AND p.status = 'confirmed' AND p.origin_system = ''),
			(SELECT COUNT(*) FROM participations p WHERE p.action_id = c.action_id AND p.status = 'confirmed' AND p.origin_system <> ''),
			(SELECT COUNT(*) FROM participations p WHERE p.action_id = c.action_id AND p.status = 'pending'),
			(SELECT COUNT(*) FROM participations p WHERE p.action_id = c.action_id AND p.status = 'flagged'),
			(SELECT COUNT(*) FROM participations p WHERE p.action_id = c.action_id AND p.status = 'withdrawn')
			FROM action_counters c`},
		{"action_count_buckets", `SELECT c.action_id, COALESCE((SELECT SUM(b.confirmed) FROM action_count_buckets b WHERE b.action_id = c.action_id), 0),
			(SELECT COUNT(*) FROM participations p WHERE p.action_id = c.action_id AND p.status = 'confirmed')
			FROM action_counters c`},
		{"pledges", `SELECT p.id, p.checkins_held, p.checkins_broke,
			(SELECT COUNT(*) FROM participations c WHERE c.action_id = p.id AND c.checkin = 'held'),
			(SELECT COUNT(*) FROM participations c WHERE c.action_id = p.id AND c.checkin = 'broke')
			FROM pledges p`},
		{"communities", `SELECT c.id, c.member_count,
			(SELECT COUNT(*) FROM memberships m WHERE m.community_id = c.id AND m.status = 'active')
			FROM communities c`},
	} {
		rows, err := db.Reader().QueryContext(context.Background(), c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		cols, _ := rows.Columns()
		n := 0
		for rows.Next() {
			n++
			var id string
			vals := make([]int64, len(cols)-1)
			dest := []any{&id}
			for i := range vals {
				dest = append(dest, &vals[i])
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			kept, counted := vals[:len(vals)/2], vals[len(vals)/2:]
			for i := range kept {
				if kept[i] != counted[i] {
					t.Errorf("%s of %s: %v kept, %v counted", c.name, id, kept, counted)
					break
				}
			}
		}
		rows.Close()
		if n == 0 {
			t.Errorf("%s: no row to check", c.name)
		}
	}
}

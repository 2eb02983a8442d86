package message_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/message"
	"repertoire/internal/petition"
	"repertoire/internal/store"
	"repertoire/internal/testkit"
)

func emailStatus(t *testing.T, app *testkit.App, email string) string {
	t.Helper()
	var st string
	err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT COALESCE((SELECT s.status FROM email_statuses s
		JOIN people p ON p.id = s.person_id WHERE p.email = $1), 'subscribed')`, email).Scan(&st)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

const body = "Hello **riders**,\n\n<script>alert(1)</script>\n\nRead [our site](https://riders.example/news), not [this](javascript:alert(1)).\n\n![pixel](https://tracker.example/p.gif)"

func TestAMessageReachesTheConsentingSignersOnceInTheirLanguage(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		f.sign(t, "ana@example.org", "Ana", "en", true)
		f.sign(t, "bea@example.org", "Béa", "fr", true)
		f.sign(t, "carl@example.org", "Carl", "en", false) // did not agree to be contacted
		f.sign(t, "dora@example.org", "Dora", "en", true)
		app.Mail.Refuse("dora@example.org") // her mailbox is gone

		m := f.create(t, map[string]any{"from": "Riders union", "reply_to": "olga@example.org",
			"versions": []map[string]string{{"language": "en", "subject": "Pay news", "body": body},
				{"language": "fr", "subject": "Nouvelles de la paie", "body": "Bonjour **tout le monde**."}},
			"targets": parts("participants", f.petition)})
		if m.Status != "draft" || m.Subject != "Pay news" {
			t.Fatalf("created: %+v", m)
		}
		var sent messageDoc
		if st := app.API(t, "POST", "/api/v1/messages/"+m.ID+"/send", f.org, nil, &sent); st != http.StatusAccepted {
			t.Fatalf("send: %d", st)
		}
		done := f.waitFor(t, m.ID, "sent and delivered", func(d messageDoc) bool {
			return d.Status == "sent" && d.Statistics.Sent+d.Statistics.Failed == 3
		})
		if done.TotalTargeted != 3 || done.Statistics.Sent != 2 || done.Statistics.Failed != 1 {
			t.Errorf("counts: %+v", done)
		}

		ana := app.Mail.Wait(t, "ana@example.org", "Pay news")
		for _, h := range []string{"List-Unsubscribe", "List-Unsubscribe-Post", "Reply-To", "From"} {
			if ana.Header.Get(h) == "" {
				t.Errorf("no %s header", h)
			}
		}
		if got := ana.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post %q", got)
		}
		if !strings.Contains(ana.Header.Get("From"), "Riders union") || !strings.Contains(ana.Header.Get("Reply-To"), "olga@example.org") {
			t.Errorf("From %q, Reply-To %q", ana.Header.Get("From"), ana.Header.Get("Reply-To"))
		}
		for _, want := range []string{"<strong>riders</strong>", "&lt;script&gt;", `href="https://riders.example/news"`, "/unsubscribe/"} {
			if !strings.Contains(ana.HTML, want) {
				t.Errorf("HTML lacks %q:\n%s", want, ana.HTML)
			}
		}
		for _, never := range []string{"<script", "javascript:", "<img", "tracker.example"} {
			if strings.Contains(ana.HTML, never) {
				t.Errorf("HTML has %q:\n%s", never, ana.HTML)
			}
		}
		if !strings.Contains(ana.Body, "our site <https://riders.example/news>") || !strings.Contains(ana.Body, "/unsubscribe/") {
			t.Errorf("plain text:\n%s", ana.Body)
		}
		app.Mail.Wait(t, "bea@example.org", "Nouvelles de la paie")

		mails := mailsOf(t, app, m.ID)
		if mails["ana@example.org"] != 1 || mails["bea@example.org"] != 1 || mails["carl@example.org"] != 0 {
			t.Errorf("mails per address: %v", mails)
		}
		if st := emailStatus(t, app, "dora@example.org"); st != "bouncing" {
			t.Errorf("refused address: %q, want bouncing", st)
		}
		if st := app.API(t, "POST", "/api/v1/messages/"+m.ID+"/send", f.org, nil, nil); st != http.StatusConflict {
			t.Errorf("second send: %d, want 409", st)
		}

		// One click from the mail provider, which may name its origin.
		req, _ := http.NewRequest("POST", ana.Link(t, "/unsubscribe/"), strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("one-click unsubscribe: %d", resp.StatusCode)
		}
		if got := f.get(t, m.ID).Statistics.Unsubscribed; got != 1 {
			t.Errorf("unsubscribed: %d, want 1", got)
		}

		// The next message leaves out who unsubscribed and who bounced.
		next := f.create(t, map[string]any{"subject": "More news", "body": "Again.", "targets": parts("participants", f.petition)})
		app.API(t, "POST", "/api/v1/messages/"+next.ID+"/send", f.org, nil, nil)
		if d := f.waitFor(t, next.ID, "sent", func(d messageDoc) bool { return d.Status == "sent" }); d.TotalTargeted != 1 {
			t.Errorf("next message targeted %d, want 1 (Béa)", d.TotalTargeted)
		}
	})
}

func TestTheAudienceIsAUnionLessExclusions(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		f.sign(t, "ana@example.org", "Ana", "en", true)
		f.sign(t, "bea@example.org", "Bea", "en", true)
		f.commit(t, "bea@example.org", "Bea", "en", true)
		f.commit(t, "carl@example.org", "Carl", "en", true)
		f.commit(t, "dan@example.org", "Dan", "en", false)
		// Registrants of an event of the campaign, recorded by the organizer.
		start := time.Now().Add(240 * time.Hour).UTC().Truncate(time.Hour)
		var ev struct {
			Identifiers []string `json:"identifiers"`
		}
		if st := app.API(t, "POST", "/api/v1/events", f.org, map[string]any{"title": "Riders' assembly", "campaign": f.camp,
			"start_date": start.Format(time.RFC3339), "end_date": start.Add(2 * time.Hour).Format(time.RFC3339), "timezone_identifier": "Europe/Paris",
			"location": map[string]any{"venue": "Bourse du travail, Paris"}}, &ev); st != http.StatusCreated {
			t.Fatalf("create event: %d", st)
		}
		event := strings.TrimPrefix(ev.Identifiers[0], "repertoire:")
		for _, r := range []struct {
			email   string
			contact bool
		}{{"eva@example.org", true}, {"ana@example.org", true}, {"finn@example.org", false}} {
			if st := app.API(t, "POST", "/api/v1/events/"+event+"/attendances", f.org, map[string]any{"person": map[string]any{"given_name": "R",
				"email_addresses": []map[string]any{{"address": r.email}}}, "origin_system": "paper", "contact_ok": r.contact}, nil); st != http.StatusCreated {
				t.Fatalf("record %s: %d", r.email, st)
			}
		}
		// A member who joined from the community page.
		app.Token(t, "mia@example.org", "Mia", false)
		b := app.Browser()
		b.SignIn(t, "mia@example.org", password)
		if st, _ := b.Post(t, "/c/riders/join", url.Values{}); st != 200 {
			t.Fatalf("join: %d", st)
		}
		cases := []struct {
			name             string
			include, exclude []map[string]string
			want             []string
		}{
			{"signers", parts("participants", f.petition), nil, []string{"ana", "bea"}},
			{"signers or committed", parts("participants", f.petition, "participants", f.pledge), nil, []string{"ana", "bea", "carl"}},
			{"signers not committed", parts("participants", f.petition), parts("participants", f.pledge), []string{"ana"}},
			{"members", parts("members", ""), nil, []string{"mia", "olga"}},
			{"members and committed, not signers", parts("members", "", "participants", f.pledge), parts("participants", f.petition), []string{"carl", "mia", "olga"}},
			{"registrants", parts("participants", event), nil, []string{"ana", "eva"}},
			{"registrants not signers", parts("participants", event), parts("participants", f.petition), []string{"eva"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				body := map[string]any{"subject": "To " + c.name, "body": "Hi.", "targets": c.include}
				if c.exclude != nil {
					body["exclusions"] = c.exclude
				}
				m := f.create(t, body)
				app.API(t, "POST", "/api/v1/messages/"+m.ID+"/send", f.org, nil, nil)
				f.waitFor(t, m.ID, "sent", func(d messageDoc) bool { return d.Status == "sent" })
				var got []string
				for addr := range mailsOf(t, app, m.ID) {
					got = append(got, strings.TrimSuffix(addr, "@example.org"))
				}
				if strings.Join(sorted(got), ",") != strings.Join(c.want, ",") {
					t.Errorf("written to %v, want %v", sorted(got), c.want)
				}
			})
		}
	})
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestASendCutShortResumesWithoutWritingTwice(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		for _, n := range []string{"ana", "bea", "carl", "dora"} {
			f.sign(t, n+"@example.org", n, "en", true)
		}
		m := f.create(t, map[string]any{"subject": "Once", "body": "Only once.", "targets": parts("participants", f.petition)})
		// Scheduled for later: the server's runner leaves it alone while
		// the test runs its chunks by hand.
		at := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		if st := app.API(t, "POST", "/api/v1/messages/"+m.ID+"/schedule", f.org, map[string]any{"scheduled_start_date": at}, nil); st != 200 {
			t.Fatalf("schedule: %d", st)
		}
		s := message.NewStore(app.DB, app.Server.Catalog, app.URL, nil, petition.ActionsOf, nil)
		s.Chunk = 1
		ctx := context.Background()
		crash := errors.New("the process died")
		err := app.DB.Write(ctx, func(tx *store.Tx) error {
			if err := s.RunSend(ctx, tx, m.ID); err != nil {
				return err
			}
			return crash
		})
		if !errors.Is(err, crash) {
			t.Fatalf("crashed run: %v", err)
		}
		if got := mailsOf(t, app, m.ID); len(got) != 0 {
			t.Fatalf("a rolled back chunk left mails: %v", got)
		}
		// One chunk commits; the job it schedules runs the rest.
		if err := app.DB.Write(ctx, func(tx *store.Tx) error { return s.RunSend(ctx, tx, m.ID) }); err != nil {
			t.Fatal(err)
		}
		first := mailsOf(t, app, m.ID)
		if len(first) != 1 {
			t.Fatalf("after one chunk of one: %v", first)
		}
		// The person the send stopped at erases themselves meanwhile: the
		// send goes on after them without naming them.
		var erased, erasedID string
		for addr := range first {
			erased = addr
		}
		if err := app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, erased).Scan(&erasedID); err != nil {
			t.Fatal(err)
		}
		admin := app.Token(t, "root@example.org", "Root", true)
		if st := app.API(t, "DELETE", "/api/v1/people/"+erasedID, admin, nil, nil); st != http.StatusNoContent {
			t.Fatalf("erase: %d", st)
		}
		var through string
		app.DB.Reader().QueryRowContext(ctx, `SELECT sent_through FROM messages WHERE id = $1`, m.ID).Scan(&through)
		if through == erasedID {
			t.Fatal("the send's place still names the erased person")
		}
		app.Server.Scheduler.Kick()
		d := f.waitFor(t, m.ID, "sent", func(d messageDoc) bool { return d.Status == "sent" })
		got := mailsOf(t, app, m.ID)
		if d.TotalTargeted != 4 || len(got) != 3 || got[erased] != 0 {
			t.Fatalf("targeted %d, mails %v (%s erased)", d.TotalTargeted, got, erased)
		}
		for addr, n := range got {
			if n != 1 {
				t.Errorf("%s got %d mails", addr, n)
			}
		}
		// The hour's job, when it comes, finds the message sent.
		if err := app.DB.Write(ctx, func(tx *store.Tx) error { return s.RunSend(ctx, tx, m.ID) }); err != nil {
			t.Fatal(err)
		}
		if got := mailsOf(t, app, m.ID); len(got) != 3 {
			t.Errorf("a late job wrote again: %v", got)
		}
	})
}

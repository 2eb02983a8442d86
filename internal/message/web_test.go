package message_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

func TestTheEditorKeepsWhatWasTypedAndSpeaksBothLanguages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		setup(t, app)
		b := app.Browser()
		b.SignIn(t, "olga@example.org", password)
		for _, c := range []struct {
			lang, wantError string
		}{{"en", "Choose at least one group of people to write to."}, {"fr", "Choisissez au moins un groupe de personnes à qui écrire."}} {
			b.Lang = c.lang
			st, page := b.Post(t, "/c/riders/messages", url.Values{"subject_en": {"Typed <subject>"}, "body_en": {"Kept."}, "do": {"save"}})
			if st != 422 || !strings.Contains(page, c.wantError) || !strings.Contains(page, `value="Typed &lt;subject&gt;"`) {
				t.Errorf("%s: refused editor %d:\n%s", c.lang, st, page)
			}
		}
		b.Lang = "en"
		if st, page := b.Post(t, "/c/riders/messages", url.Values{"include": {"members"}, "reply_to": {"not an address"}, "subject_en": {"S"},
			"body_en": {"B"}, "do": {"save"}}); st != 422 || !strings.Contains(page, "Give an email address") {
			t.Errorf("bad Reply-To: %d", st)
		}
		// Preview renders without saving.
		st, page := b.Post(t, "/c/riders/messages", url.Values{"include": {"members"}, "subject_en": {"Look"}, "body_en": {"*Hi* <b>there</b>"}, "do": {"preview"}})
		if st != 200 || !strings.Contains(page, "<em>Hi</em> &lt;b&gt;there&lt;/b&gt;") {
			t.Errorf("preview %d:\n%s", st, page)
		}
		if _, list := b.Get(t, "/c/riders/messages"); strings.Contains(list, "Look") {
			t.Error("a preview saved the message")
		}
	})
}

func TestAPreparedDraftTellsTheSignersOfTheDelivery(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		f.sign(t, "ana@example.org", "Ana", "en", true)
		b := app.Browser()
		b.SignIn(t, "olga@example.org", password)
		st, page := b.Get(t, "/c/riders/messages/new?action="+f.petition+"&about=delivered")
		if st != 200 || !strings.Contains(page, "Our petition “Pay us per hour” was delivered") ||
			!strings.Contains(page, "Notre pétition « Pay us per hour » a été remise") ||
			!strings.Contains(page, `value="participants:`+f.petition+`" id="inc-1" checked`) {
			t.Fatalf("prepared draft %d:\n%s", st, page)
		}
		// Offered, never sent by itself.
		if ms := mailsOf(t, app, ""); len(ms) != 0 {
			t.Errorf("mails of an empty list: %v", ms)
		}
		var list struct {
			Total int `json:"total_records"`
		}
		app.API(t, "GET", "/api/v1/messages", f.org, nil, &list)
		if list.Total != 0 {
			t.Errorf("%d messages exist before the organizer saves one", list.Total)
		}
	})
}

func TestOnlyOrganizersReachMessages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		m := f.create(t, map[string]any{"subject": "Private", "body": "For members.", "targets": parts("members", "")})
		// A member who does not organize, and the organizer of another community.
		memberTok := app.Token(t, "mia@example.org", "Mia", false)
		mia := app.Browser()
		mia.SignIn(t, "mia@example.org", password)
		mia.Post(t, "/c/riders/join", url.Values{})
		other := app.Token(t, "otto@example.org", "Otto", false)
		app.API(t, "POST", "/api/v1/communities", other, map[string]string{"name": "Other union", "slug": "other"}, nil)

		for _, c := range []struct {
			name, method, path, token string
			body                      any
			want                      int
		}{
			{"no token", "GET", "/api/v1/messages/" + m.ID, "", nil, 401},
			{"a member", "GET", "/api/v1/messages/" + m.ID, memberTok, nil, 403},
			{"another community's organizer", "GET", "/api/v1/messages/" + m.ID, other, nil, 403},
			{"another community's organizer sends", "POST", "/api/v1/messages/" + m.ID + "/send", other, nil, 403},
			{"a member writes", "POST", "/api/v1/messages", memberTok, map[string]any{"community": f.community, "subject": "x", "body": "y",
				"targets": parts("members", "")}, 403},
			{"an unknown field", "POST", "/api/v1/messages", f.org, map[string]any{"community": f.community, "subjekt": "x"}, 422},
			{"an action of another community", "POST", "/api/v1/messages", f.org, map[string]any{"community": f.community, "subject": "x",
				"body": "y", "targets": parts("participants", "0190aaaa-0000-7000-8000-000000000000")}, 422},
			{"a schedule in the past", "POST", "/api/v1/messages/" + m.ID + "/schedule", f.org, map[string]any{"scheduled_start_date": "2020-01-01T00:00:00Z"}, 422},
			{"a status by PUT", "PUT", "/api/v1/messages/" + m.ID, f.org, map[string]any{"status": "sent"}, 422},
		} {
			if st := app.API(t, c.method, c.path, c.token, c.body, nil); st != c.want {
				t.Errorf("%s: %d, want %d", c.name, st, c.want)
			}
		}
		var list struct {
			Total int `json:"total_records"`
		}
		if app.API(t, "GET", "/api/v1/messages", other, nil, &list); list.Total != 0 {
			t.Errorf("another community's organizer lists %d messages", list.Total)
		}
		if app.API(t, "GET", "/api/v1/messages", f.org, nil, &list); list.Total != 1 {
			t.Errorf("the organizer lists %d messages", list.Total)
		}
		if st, _ := mia.Get(t, "/messages/"+m.ID); st != 403 {
			t.Errorf("a member's browser on the message page: %d", st)
		}
		// The organizer edits it, by PUT, sent back as read.
		var doc map[string]any
		app.API(t, "GET", "/api/v1/messages/"+m.ID, f.org, nil, &doc)
		doc["subject"] = "Private, edited"
		var got messageDoc
		if st := app.API(t, "PUT", "/api/v1/messages/"+m.ID, f.org, doc, &got); st != 200 || got.Subject != "Private, edited" {
			t.Errorf("PUT as read: %d %+v", st, got)
		}
	})
}

func TestAMessageScheduledGoesOutAtItsTimeAndCanBeTakenBack(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		f.sign(t, "ana@example.org", "Ana", "en", true)
		m := f.create(t, map[string]any{"subject": "Tomorrow", "body": "See you.", "targets": parts("participants", f.petition)})
		b := app.Browser()
		b.SignIn(t, "olga@example.org", password)
		if st, page := b.Get(t, "/messages/"+m.ID+"/send"); st != 200 || !strings.Contains(page, "will be sent to 1 people") {
			t.Fatalf("confirmation %d:\n%s", st, page)
		}
		for _, at := range []string{"tomorrow", "2020-01-01T09:00"} {
			if st, page := b.Post(t, "/messages/"+m.ID+"/send", url.Values{"when": {"later"}, "at": {at}}); st != 422 ||
				!strings.Contains(page, `value="`+at+`"`) {
				t.Errorf("at %q: %d", at, st)
			}
		}
		later := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")
		if st, _ := b.Post(t, "/messages/"+m.ID+"/send", url.Values{"when": {"later"}, "at": {later}}); st != 200 {
			t.Fatalf("schedule: %d", st)
		}
		if d := f.get(t, m.ID); d.Status != "scheduled" {
			t.Fatalf("after scheduling: %+v", d)
		}
		if st, _ := b.Post(t, "/messages/"+m.ID+"/unschedule", url.Values{}); st != 200 {
			t.Fatalf("unschedule: %d", st)
		}
		if d := f.get(t, m.ID); d.Status != "draft" || d.ScheduledStartDate != "" {
			t.Fatalf("after taking it back: %+v", d)
		}
		// Scheduled two seconds ahead by the API: the scheduler sends it then.
		soon := time.Now().UTC().Add(2 * time.Second).Format(time.RFC3339)
		if st := app.API(t, "POST", "/api/v1/messages/"+m.ID+"/schedule", f.org, map[string]any{"scheduled_start_date": soon}, nil); st != 200 {
			t.Fatalf("schedule by API: %d", st)
		}
		f.waitFor(t, m.ID, "sent at its time", func(d messageDoc) bool { return d.Status == "sent" })
		app.Mail.Wait(t, "ana@example.org", "Tomorrow")
	})
}

// The organizer's dashboard shows what is scheduled to go out and when,
// in their language on the instance's clock (--time-zone), the instant
// in <time datetime>, and leaves it once it is taken back.
func TestTheDashboardShowsScheduledMessages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		app := testkit.StartWith(t, db, func(c *server.Config) { c.TimeZone = "Europe/Paris" })
		f := setup(t, app)
		m := f.create(t, map[string]any{"subject": "Strike day", "body": "Be there.", "targets": parts("members", "")})
		at := time.Date(time.Now().Year()+1, time.December, 1, 9, 30, 0, 0, time.UTC)
		if st := app.API(t, "POST", "/api/v1/messages/"+m.ID+"/schedule", f.org, map[string]any{"scheduled_start_date": at.Format(time.RFC3339)}, nil); st != 200 {
			t.Fatalf("schedule: %d", st)
		}
		b := app.Browser()
		b.SignIn(t, "olga@example.org", password)
		_, page := b.Get(t, "/dashboard")
		// 9:30 UTC is 10:30 in Paris in December.
		when := fmt.Sprintf(`<time datetime="%d-12-01T09:30:00Z">1 December %d, 10:30 (Europe/Paris)</time>`, at.Year(), at.Year())
		for _, want := range []string{"Message “Strike day” to be sent", `href="/messages/` + m.ID + `"`, when} {
			if !strings.Contains(page, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		b.Lang = "fr"
		quand := fmt.Sprintf("1er décembre %d, 10:30 (Europe/Paris)", at.Year())
		if _, page = b.Get(t, "/dashboard"); !strings.Contains(page, "Message « Strike day » à envoyer") || !strings.Contains(page, quand) {
			t.Errorf("the French dashboard lacks the scheduled message at %q", quand)
		}
		if st := app.API(t, "POST", "/api/v1/messages/"+m.ID+"/schedule", f.org, map[string]any{"scheduled_start_date": "2001-01-01T00:00:00Z"}, nil); st != 422 {
			t.Errorf("scheduling in the past: %d", st)
		}
		other := app.Browser()
		app.Token(t, "omar@example.org", "Omar", false)
		other.SignIn(t, "omar@example.org", password)
		if _, page = other.Get(t, "/dashboard"); strings.Contains(page, "Strike day") {
			t.Error("another organizer's dashboard shows the riders' message")
		}
		if st, _ := b.Post(t, "/messages/"+m.ID+"/unschedule", url.Values{}); st != 200 {
			t.Fatalf("unschedule: %d", st)
		}
		if _, page = b.Get(t, "/dashboard"); strings.Contains(page, "Strike day") {
			t.Error("a message taken back to its draft is still on the dashboard")
		}
	})
}

// "Send me a test" mails each version to the organizer alone, its
// subject marked, and leaves the message a draft: no signer receives it
// and its counts stay at nothing.
func TestATestGoesToTheOrganizerAloneInEachVersion(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		f.sign(t, "ana@example.org", "Ana", "en", true)
		m := f.create(t, map[string]any{"from": "Riders union", "reply_to": "olga@example.org",
			"versions": []map[string]string{{"language": "en", "subject": "Pay news", "body": "Hello **riders**."},
				{"language": "fr", "subject": "Nouvelles de la paie", "body": "Bonjour **tout le monde**."}},
			"targets": parts("participants", f.petition)})
		b := app.Browser()
		b.SignIn(t, "olga@example.org", password)
		path := "/messages/" + m.ID
		_, page := b.Get(t, path)
		if !strings.Contains(page, `action="`+path+`/test"`) {
			t.Fatalf("no test button on the message's page:\n%s", page)
		}
		st, page := b.Post(t, path+"/test", nil)
		if st != 200 || !strings.Contains(page, "A test is on its way to your address.") {
			t.Fatalf("test: %d\n%s", st, page)
		}
		en := app.Mail.Wait(t, "olga@example.org", "[Test] Pay news")
		app.Mail.Wait(t, "olga@example.org", "[Test] Nouvelles de la paie")
		if !strings.Contains(en.HTML, "<strong>riders</strong>") || !strings.Contains(en.Header.Get("From"), "Riders union") {
			t.Errorf("the test is not the message as it will be mailed: From %q\n%s", en.Header.Get("From"), en.HTML)
		}
		for _, mail := range app.Mail.All() {
			for _, to := range mail.To {
				if to != "olga@example.org" {
					t.Errorf("a test went to %s: %q", to, mail.Subject)
				}
			}
		}
		if d := f.get(t, m.ID); d.Status != "draft" || d.Statistics.Sent != 0 || d.Statistics.Queued != 0 {
			t.Errorf("after a test the message is %+v", d)
		}
	})
}

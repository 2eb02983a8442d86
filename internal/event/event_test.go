package event_test

import (
	"context"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

type eventDoc struct {
	ID              string `json:"-"`
	Identifiers     []string
	Title           string `json:"title"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	Capacity        int    `json:"capacity"`
	StartDate       string `json:"start_date"`
	Sequence        int    `json:"sequence"`
	TotalAccepted   int    `json:"total_accepted"`
	TotalWaitlisted int    `json:"total_waitlisted"`
	OnlineURL       string `json:"online_url"`
	Languages       string `json:"languages"`
	BrowserURL      string `json:"browser_url"`
	Location        struct {
		Venue string `json:"venue"`
		Room  string `json:"room"`
	} `json:"location"`
}

type problem struct {
	Errors []struct {
		Field  string `json:"field"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

func (p problem) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

type fixture struct {
	app   *testkit.App
	org   string
	camp  string
	ev    eventDoc
	id    string
	path  string
	links map[string]string // email → withdraw link
}

const onlineURL = "https://meet.example.org/seminaire-secret"

// setup makes a community, a campaign and an event of the given capacity,
// on Paris time, in the Salle Lombard, with a required choice question.
func setup(t *testing.T, app *testkit.App, capacity int) *fixture {
	t.Helper()
	f := &fixture{app: app, org: app.Token(t, "org@example.org", "Olga Organizer", false), links: map[string]string{}}
	if st := app.API(t, "POST", "/api/v1/communities", f.org, map[string]string{"name": "EHESS", "slug": "ehess"}, nil); st != 201 {
		t.Fatalf("create community: %d", st)
	}
	var c struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/campaigns", f.org, map[string]any{"title": "Étudier les cultures du numérique", "slug": "ecn", "community": "ehess"}, &c); st != 201 {
		t.Fatalf("create campaign: %d", st)
	}
	f.camp = c.ID
	start := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Hour)
	body := map[string]any{"title": "Big data et formation du couple", "campaign": c.ID, "capacity": capacity,
		"start_date": start.Format(time.RFC3339), "end_date": start.Add(3 * time.Hour).Format(time.RFC3339),
		"timezone_identifier": "Europe/Paris", "location": map[string]any{"venue": "EHESS, 96 bd Raspail, Paris", "room": "Salle Lombard"},
		"online_url": onlineURL,
		"questions":  []map[string]any{{"kind": "choice", "label": "Statut", "required": true, "options": []string{"Étudiant·e", "Auditeur libre"}}}}
	var raw map[string]any
	if st := app.API(t, "POST", "/api/v1/events", f.org, body, &raw); st != 201 {
		t.Fatalf("create event: %d %v", st, raw)
	}
	f.id = strings.TrimPrefix(raw["identifiers"].([]any)[0].(string), "repertoire:")
	f.path = "/c/ehess/ecn/events/" + raw["name"].(string)
	return f
}

func (f *fixture) get(t *testing.T) eventDoc {
	t.Helper()
	var d eventDoc
	if st := f.app.API(t, "GET", "/api/v1/events/"+f.id, f.org, nil, &d); st != 200 {
		t.Fatalf("get event: %d", st)
	}
	return d
}

// register registers from the public page and confirms from the mail; it
// returns the mail that follows the confirmation (place or waitlist).
func (f *fixture) register(t *testing.T, email, name, lang, then string) *testkit.Mail {
	t.Helper()
	b := f.app.Browser()
	b.Lang = lang
	st, body := b.Post(t, f.path+"/register", url.Values{"given_name": {name}, "email": {email}, "q0": {"Auditeur libre"}})
	if st != 200 {
		t.Fatalf("register %s: %d\n%s", email, st, body)
	}
	subject := "Confirm your registration"
	if lang == "fr" {
		subject = "Confirmez votre inscription"
	}
	m := f.app.Mail.Wait(t, email, subject)
	f.links[email] = m.Link(t, "/p/withdraw/")
	if st, body := b.Post(t, m.Link(t, "/p/confirm/"), nil); st != 200 {
		t.Fatalf("confirm: %d\n%s", st, body)
	}
	return f.app.Mail.Wait(t, email, then)
}

func (f *fixture) withdraw(t *testing.T, email string) {
	t.Helper()
	if st, body := f.app.Browser().Post(t, f.links[email], nil); st != 200 {
		t.Fatalf("withdraw: %d\n%s", st, body)
	}
}

// runOffers makes the offer jobs due now and runs them.
func (f *fixture) runOffers(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.app.DB.Writer().ExecContext(ctx, `UPDATE jobs SET run_at = $1 WHERE kind = 'event.offer' AND status = 'pending'`,
		store.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := f.app.Server.Scheduler.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := f.app.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'event.offer' AND status <> 'done' AND run_at <= $1`,
			store.Now()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 || time.Now().After(deadline) {
			return
		}
	}
}

func count(app *testkit.App, to, subject string) int {
	n := 0
	for _, m := range app.Mail.All() {
		if strings.Contains(m.Subject, subject) && slices.ContainsFunc(m.To, func(r string) bool { return strings.EqualFold(r, to) }) {
			n++
		}
	}
	return n
}

// A full event takes a waitlist; a freed place is offered to the first
// waiting, who takes it by the mailed link (once); an offer left past its
// deadline passes on to the next.
func TestWaitlistAndPromotion(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		ann := f.register(t, "ann@example.org", "Ann", "en", "Your place is confirmed")
		if !strings.Contains(ann.Body, "/events/ticket/") {
			t.Fatalf("the place mail carries no ticket:\n%s", ann.Body)
		}
		f.register(t, "bea@example.org", "Béa", "fr", "Vous êtes en liste d’attente")
		f.register(t, "carl@example.org", "Carl", "en", "You are on the waitlist")
		f.register(t, "dan@example.org", "Dan", "en", "You are on the waitlist")
		if d := f.get(t); d.TotalAccepted != 1 || d.TotalWaitlisted != 3 {
			t.Fatalf("after four: %d accepted, %d waiting", d.TotalAccepted, d.TotalWaitlisted)
		}

		// The first on the waitlist is offered Ann's place, and takes it once.
		f.withdraw(t, "ann@example.org")
		offer := app.Mail.Wait(t, "bea@example.org", "Une place s’est libérée")
		if count(app, "carl@example.org", "A place has freed up") != 0 {
			t.Fatal("the second on the waitlist was offered the place too")
		}
		accept := offer.Link(t, "/events/offer/")
		b := app.Browser()
		if st, body := b.Post(t, accept, nil); st != 200 || !strings.Contains(body, `id="offer-taken"`) {
			t.Fatalf("take the offer: %d\n%s", st, body)
		}
		app.Mail.Wait(t, "bea@example.org", "Votre place est confirmée")
		if st, _ := b.Post(t, accept, nil); st == 200 {
			t.Fatal("an offer link worked twice")
		}
		if d := f.get(t); d.TotalAccepted != 1 || d.TotalWaitlisted != 2 {
			t.Fatalf("after the offer: %d accepted, %d waiting", d.TotalAccepted, d.TotalWaitlisted)
		}

		// Carl lets his offer pass: it goes to Dan.
		f.withdraw(t, "bea@example.org")
		late := app.Mail.Wait(t, "carl@example.org", "A place has freed up")
		f.runOffers(t)
		app.Mail.Wait(t, "dan@example.org", "A place has freed up")
		if st, _ := app.Browser().Post(t, late.Link(t, "/events/offer/"), nil); st == 200 {
			t.Fatal("an offer past its deadline still took the place")
		}
		if d := f.get(t); d.TotalAccepted != 1 || d.TotalWaitlisted != 0 {
			t.Fatalf("after the deadline: %d accepted (held for Dan), %d waiting", d.TotalAccepted, d.TotalWaitlisted)
		}

		// The attendances: filtered by status, with the answers.
		var list struct {
			Total    int `json:"total_records"`
			Embedded struct {
				Attendances []struct {
					Status  string            `json:"status"`
					Answers map[string]string `json:"answers"`
				} `json:"osdi:attendances"`
			} `json:"_embedded"`
		}
		if st := app.API(t, "GET", "/api/v1/events/"+f.id+"/attendances?filter="+url.QueryEscape("status eq 'offered'"), f.org, nil, &list); st != 200 {
			t.Fatalf("attendances: %d", st)
		}
		if as := list.Embedded.Attendances; len(as) != 1 || as[0].Answers["Statut"] != "Auditeur libre" {
			t.Fatalf("offered attendances: %+v", as)
		}
	})
}

// The page after registering is the same for everyone and shares the
// event, Mastodon included.
func TestRegisteredPageShares(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 0)
		st, body := app.Browser().Get(t, f.path+"/registered")
		if st != 200 || !strings.Contains(body, `value="`+app.URL+f.path+`"`) || !strings.Contains(body, `action="`+f.path+`/mastodon"`) {
			t.Fatalf("registered page: %d\n%s", st, body)
		}
		if st, body := app.Browser().Get(t, f.path+"/mastodon?instance=mastodon.social"); st != 200 || !strings.Contains(body, "https://mastodon.social/share") {
			t.Fatalf("mastodon step: %d\n%s", st, body)
		}
	})
}

// A required question unanswered keeps the form and names the field.
func TestRegistrationQuestions(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 0)
		b := app.Browser()
		b.Lang = "fr"
		st, body := b.Post(t, f.path+"/register", url.Values{"given_name": {"Zoé"}, "email": {"zoe@example.org"}})
		if st != 422 || !strings.Contains(body, "Zoé") || !strings.Contains(body, `id="f-q0"`) || !strings.Contains(body, "field-error") {
			t.Fatalf("missing answer: %d\n%s", st, body)
		}
		st, _ = b.Post(t, f.path+"/register", url.Values{"given_name": {"Zoé"}, "email": {"zoe@example.org"}, "q0": {"Autre"}})
		if st != 422 {
			t.Fatalf("an answer outside the options: %d", st)
		}
	})
}

// A room change mails every registrant before → after in their language,
// the new link only to those holding a place; cancelling mails everyone;
// the calendar's SEQUENCE follows, and only the ticket's calendar has the
// link.
func TestChangeNoticesAndCalendar(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		ann := f.register(t, "ann@example.org", "Ann", "en", "Your place is confirmed")
		f.register(t, "bea@example.org", "Béa", "fr", "Vous êtes en liste d’attente")

		_, ics := app.Browser().Get(t, f.path+"/event.ics")
		if !strings.Contains(ics, "SEQUENCE:0") || strings.Contains(ics, "meet.example.org") {
			t.Fatalf("public calendar before:\n%s", ics)
		}
		newLink := "https://meet.example.org/salle-1"
		if st := app.API(t, "PUT", "/api/v1/events/"+f.id, f.org, map[string]any{"location": map[string]any{"room": "Salle 1"}, "online_url": newLink}, nil); st != 200 {
			t.Fatalf("put: %d", st)
		}
		en := app.Mail.Wait(t, "ann@example.org", "Change:")
		if !strings.Contains(en.Body, "Room: Salle Lombard → Salle 1") || !strings.Contains(en.Body, newLink) {
			t.Fatalf("English change notice:\n%s", en.Body)
		}
		fr := app.Mail.Wait(t, "bea@example.org", "Changement :")
		if !strings.Contains(fr.Body, "Salle : Salle Lombard → Salle 1") || strings.Contains(fr.Body, "meet.example.org") {
			t.Fatalf("French change notice to the waitlist:\n%s", fr.Body)
		}
		_, ics = app.Browser().Get(t, f.path+"/event.ics")
		if !strings.Contains(ics, "SEQUENCE:1") || !strings.Contains(ics, "Salle 1") || strings.Contains(ics, "meet.example.org") {
			t.Fatalf("public calendar after:\n%s", ics)
		}
		ticket := ann.Link(t, "/events/ticket/")
		_, mine := app.Browser().Get(t, ticket+"/event.ics")
		if !strings.Contains(strings.ReplaceAll(mine, "\r\n ", ""), newLink) {
			t.Fatalf("the ticket's calendar lacks the link:\n%s", mine)
		}
		if st, _ := app.Browser().Get(t, ticket[:strings.LastIndex(ticket, ".")+1]+"x"+ticket[strings.LastIndex(ticket, ".")+1:]+"/event.ics"); st == 200 {
			t.Fatal("a forged ticket opened")
		}

		if st := app.API(t, "PUT", "/api/v1/events/"+f.id, f.org, map[string]any{"status": "cancelled"}, nil); st != 200 {
			t.Fatalf("cancel: %d", st)
		}
		app.Mail.Wait(t, "ann@example.org", "Cancelled:")
		app.Mail.Wait(t, "bea@example.org", "Annulé :")
		_, ics = app.Browser().Get(t, f.path+"/event.ics")
		if !strings.Contains(ics, "SEQUENCE:2") || !strings.Contains(ics, "STATUS:CANCELLED") {
			t.Fatalf("calendar after cancelling:\n%s", ics)
		}
	})
}

// Times are right on either side of a DST change: 17:00 in Paris is 16:00
// UTC the day before summer time (27 March 2027), 15:00 UTC the day after.
func TestCalendarAcrossDST(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 0)
		paris, _ := time.LoadLocation("Europe/Paris")
		for _, day := range []int{27, 29} {
			start := time.Date(2027, 3, day, 17, 0, 0, 0, paris)
			body := map[string]any{"title": "Séance du " + start.Format("2 Jan"), "campaign": f.camp, "timezone_identifier": "Europe/Paris",
				"start_date": start.Format(time.RFC3339), "end_date": start.Add(3 * time.Hour).Format(time.RFC3339),
				"location": map[string]any{"venue": "EHESS"}}
			if st := app.API(t, "POST", "/api/v1/events", f.org, body, nil); st != 201 {
				t.Fatalf("create: %d", st)
			}
		}
		st, feed := app.Browser().Get(t, "/c/ehess/events.ics")
		if st != 200 {
			t.Fatalf("feed: %d", st)
		}
		for _, want := range []string{"DTSTART:20270327T160000Z", "DTEND:20270327T190000Z", "DTSTART:20270329T150000Z", "BEGIN:VCALENDAR"} {
			if !strings.Contains(feed, want) {
				t.Fatalf("feed lacks %s:\n%s", want, feed)
			}
		}
		if n := strings.Count(feed, "BEGIN:VEVENT"); n != 3 {
			t.Fatalf("feed has %d events, want 3", n)
		}
	})
}

// At the door, an organizer checks in from the list or by the code on the
// registrant's ticket; attendance shows in the API.
func TestCheckIn(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 0)
		ann := f.register(t, "ann@example.org", "Ann", "en", "Your place is confirmed")
		f.register(t, "bob@example.org", "Bob", "en", "Your place is confirmed")
		_, ticket := app.Browser().Get(t, ann.Link(t, "/events/ticket/"))
		i := strings.Index(ticket, `id="checkin-code" class="code">`)
		if i < 0 || !strings.Contains(ticket, onlineURL) {
			t.Fatalf("ticket page:\n%s", ticket)
		}
		code := ticket[i+len(`id="checkin-code" class="code">`):][:8]
		if !strings.Contains(ann.Body, code) {
			t.Fatalf("the mailed code differs from the ticket's %q", code)
		}
		if _, page := app.Browser().Get(t, f.path); strings.Contains(page, onlineURL) {
			t.Fatal("the public page shows the online link")
		}

		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		if _, body := app.Browser().Get(t, f.path+"/door"); strings.Contains(body, f.path+"/checkin") {
			t.Fatal("a visitor saw the door list")
		}
		if st, body := org.Post(t, f.path+"/checkin", url.Values{"code": {"WRONGCOD"}}); st != 422 {
			t.Fatalf("wrong code: %d\n%s", st, body)
		}
		if st, body := org.Post(t, f.path+"/checkin", url.Values{"code": {strings.ToLower(code[:4]) + "-" + code[4:]}}); st != 200 || !strings.Contains(body, "1 of 2 arrived") {
			t.Fatalf("check in by code: %d\n%s", st, body)
		}
		_, door := org.Get(t, f.path+"/door")
		i = strings.Index(door, `name="participation" value="`)
		if i < 0 {
			t.Fatalf("no check-in button left:\n%s", door)
		}
		pid := door[i+len(`name="participation" value="`):]
		pid = pid[:strings.IndexByte(pid, '"')]
		if st, body := org.Post(t, f.path+"/checkin", url.Values{"participation": {pid}}); st != 200 || !strings.Contains(body, "2 of 2 arrived") {
			t.Fatalf("check in from the list: %d\n%s", st, body)
		}
		var list struct {
			Embedded struct {
				Attendances []struct {
					Attended bool `json:"attended"`
					Person   struct {
						GivenName string           `json:"given_name"`
						Emails    []map[string]any `json:"email_addresses"`
					} `json:"person"`
				} `json:"osdi:attendances"`
			} `json:"_embedded"`
		}
		app.API(t, "GET", "/api/v1/events/"+f.id+"/attendances", f.org, nil, &list)
		if as := list.Embedded.Attendances; len(as) != 2 || !as[0].Attended || !as[1].Attended {
			t.Fatalf("attendances: %+v", as)
		}
		// Their names are on the organizers' list; their addresses only
		// with their consent, not given here.
		if p := list.Embedded.Attendances[0].Person; p.GivenName != "Ann" || len(p.Emails) != 0 {
			t.Fatalf("the organizers see of Ann: %+v", p)
		}
	})
}

// The events API: OSDI fields, own fields validated, unknown fields and
// bad filters refused by name, total_accepted, the record helper.
func TestEventsAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 2)
		var p problem
		if st := app.API(t, "POST", "/api/v1/events", f.org, map[string]any{"title": "X", "campaign": f.camp, "colour": "red"}, &p); st != 422 || !slices.Contains(p.fields(), "colour") {
			t.Fatalf("unknown field: %d %v", st, p.fields())
		}
		p = problem{}
		bad := map[string]any{"title": "", "campaign": f.camp, "start_date": "tomorrow", "timezone_identifier": "Mars/Olympus", "capacity": -1}
		if st := app.API(t, "POST", "/api/v1/events", f.org, bad, &p); st != 422 {
			t.Fatalf("bad event: %d", st)
		}
		for _, want := range []string{"start_date"} {
			if !slices.Contains(p.fields(), want) {
				t.Fatalf("bad event names %v, not %s", p.fields(), want)
			}
		}
		p = problem{}
		bad["start_date"] = "2099-01-01T10:00:00Z"
		bad["end_date"] = "2099-01-01T09:00:00Z"
		if st := app.API(t, "POST", "/api/v1/events", f.org, bad, &p); st != 422 {
			t.Fatalf("bad event: %d", st)
		}
		for _, want := range []string{"title", "timezone_identifier", "capacity", "end_date", "location.venue"} {
			if !slices.Contains(p.fields(), want) {
				t.Fatalf("bad event names %v, not %s", p.fields(), want)
			}
		}
		if st := app.API(t, "PUT", "/api/v1/events/"+f.id, "", map[string]any{"title": "Y"}, nil); st != 401 {
			t.Fatalf("put without token: %d", st)
		}
		var d eventDoc
		if st := app.API(t, "PUT", "/api/v1/events/"+f.id, f.org, map[string]any{"title": "Big data", "capacity": 3}, &d); st != 200 || d.Title != "Big data" || d.Capacity != 3 || d.Sequence != 0 {
			t.Fatalf("put: %d %+v", st, d)
		}
		p = problem{}
		if st := app.API(t, "POST", "/api/v1/events/"+f.id+"/attendances", f.org, map[string]any{"status": "maybe", "persn": map[string]any{}}, &p); st != 422 ||
			!slices.Contains(p.fields(), "persn") {
			t.Fatalf("attendance with an unknown field: %d %v", st, p.fields())
		}
		p = problem{}
		if st := app.API(t, "POST", "/api/v1/events/"+f.id+"/attendances", f.org, map[string]any{"status": "maybe"}, &p); st != 422 ||
			!slices.Contains(p.fields(), "status") {
			t.Fatalf("attendance with a bad status: %d %v", st, p.fields())
		}
		// The record helper, as an organizer's import: accepted at once.
		helper := map[string]any{"person": map[string]any{"given_name": "Ida", "email_addresses": []map[string]any{{"address": "ida@example.org"}}},
			"origin_system": "paper", "status": "accepted"}
		if st := app.API(t, "POST", "/api/v1/events/"+f.id+"/attendances", f.org, helper, nil); st != 201 {
			t.Fatalf("record attendance: %d", st)
		}
		if d := f.get(t); d.TotalAccepted != 1 {
			t.Fatalf("total_accepted after an import: %d", d.TotalAccepted)
		}
		app.Mail.Wait(t, "ida@example.org", "Your place is confirmed")
		var list struct {
			Total int `json:"total_records"`
		}
		if st := app.API(t, "GET", "/api/v1/events?filter="+url.QueryEscape("created_date gt '2000-01-01'"), "", nil, &list); st != 200 || list.Total != 1 {
			t.Fatalf("list: %d, %d", st, list.Total)
		}
		if st := app.API(t, "GET", "/api/v1/events?filter="+url.QueryEscape("created_date gt '2999-01-01'"), "", nil, &list); st != 200 || list.Total != 0 {
			t.Fatalf("list in the future: %d, %d", st, list.Total)
		}
		if st := app.API(t, "GET", "/api/v1/events?filter="+url.QueryEscape("colour eq 'red'"), "", nil, nil); st != 422 {
			t.Fatalf("bad filter: %d", st)
		}
	})
}

// A registrant's answers are in their export and go with their erasure;
// the place they held is offered to the waitlist.
func TestExportAndErasure(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		if st := app.API(t, "PUT", "/api/v1/events/"+f.id, f.org, map[string]any{"questions": []map[string]any{
			{"kind": "text", "label": "Why?", "required": true}}}, nil); st != 200 {
			t.Fatalf("put questions: %d", st)
		}
		token := app.Token(t, "ann@example.org", "Ann", false)
		b := app.Browser()
		secret := "Parce-que-Zanzibar-42"
		if st, body := b.Post(t, f.path+"/register", url.Values{"given_name": {"Ann"}, "email": {"ann@example.org"}, "q0": {secret}}); st != 200 {
			t.Fatalf("register: %d\n%s", st, body)
		}
		b.Post(t, app.Mail.Wait(t, "ann@example.org", "Confirm your registration").Link(t, "/p/confirm/"), nil)
		app.Mail.Wait(t, "ann@example.org", "Your place is confirmed")
		f.register(t, "bea@example.org", "Béa", "fr", "Vous êtes en liste d’attente")

		b.SignIn(t, "ann@example.org", "correct horse battery")
		if _, export := b.Get(t, "/account/export"); !strings.Contains(export, secret) || !strings.Contains(export, "event_registrations") {
			t.Fatalf("the export lacks her answers:\n%s", export)
		}
		var id string
		if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM people WHERE email = $1`, "ann@example.org").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if st := app.API(t, "DELETE", "/api/v1/people/"+id, token, nil, nil); st != 204 {
			t.Fatalf("erase: %d", st)
		}
		if found := storetest.Find(t, app.DB, secret); len(found) > 0 {
			t.Fatalf("her answer is still in %v", found)
		}
		app.Mail.Wait(t, "bea@example.org", "Une place s’est libérée")
	})
}

// Upcoming events show on the community and campaign pages, in the
// page's language; a past one shows on the campaign's only with notes.
func TestListedOnCommunityAndCampaignPages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 5)
		past := time.Date(2018, 5, 14, 15, 0, 0, 0, time.UTC)
		for _, b := range []map[string]any{
			{"title": "Séance passée avec notes", "notes": "Enregistrement en ligne"},
			{"title": "Séance passée sans rien"},
		} {
			b["campaign"], b["timezone_identifier"], b["location"] = f.camp, "Europe/Paris", map[string]any{"venue": "EHESS"}
			b["start_date"], b["end_date"] = past.Format(time.RFC3339), past.Add(3*time.Hour).Format(time.RFC3339)
			if st := app.API(t, "POST", "/api/v1/events", f.org, b, nil); st != 201 {
				t.Fatalf("create: %d", st)
			}
		}
		b := app.Browser()
		b.Lang = "fr"
		_, com := b.Get(t, "/c/ehess")
		if !strings.Contains(com, "Événements à venir") || !strings.Contains(com, f.path) || strings.Contains(com, "Séance passée") {
			t.Fatalf("community page:\n%s", com)
		}
		_, camp := b.Get(t, "/c/ehess/ecn")
		if !strings.Contains(camp, f.path) || !strings.Contains(camp, "Séance passée avec notes") || strings.Contains(camp, "Séance passée sans rien") {
			t.Fatalf("campaign page:\n%s", camp)
		}
	})
}

// An organizer creates an event from the form (its questions one a line)
// and edits it there: the new time and room are mailed to the registrant
// before → after on Paris time; a refused form keeps what was typed.
func TestOrganizerForms(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 0)
		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		form := url.Values{"title": {"Séance de juin"}, "start": {"2099-06-11T17:00"}, "end": {"2099-06-11T20:00"}, "timezone": {"Mars/Olympus"},
			"venue": {"EHESS"}, "room": {"Salle Lombard"}, "capacity": {"30"},
			"questions": {"choice: Statut * = Étudiant·e / Auditeur libre\nyes_no: Première venue ?"}}
		st, body := org.Post(t, "/c/ehess/ecn/events", form)
		if st != 422 || !strings.Contains(body, "Séance de juin") || !strings.Contains(body, `id="e-timezone"`) {
			t.Fatalf("bad zone: %d\n%s", st, body)
		}
		form.Set("timezone", "Europe/Paris")
		if st, body := org.Post(t, "/c/ehess/ecn/events", form); st != 200 || !strings.Contains(body, "Séance de juin") || !strings.Contains(body, "Première venue ?") {
			t.Fatalf("create: %d\n%s", st, body)
		}
		form.Set("slug", "par-un-visiteur")
		app.Browser().Post(t, "/c/ehess/ecn/events", form)
		if st, _ := app.Browser().Get(t, "/c/ehess/ecn/events/par-un-visiteur"); st != 404 {
			t.Fatalf("a visitor created an event: %d", st)
		}
		form.Del("slug")
		path := "/c/ehess/ecn/events/seance-de-juin"
		b := app.Browser()
		b.Lang = "fr"
		if st, body := b.Post(t, path+"/register", url.Values{"given_name": {"Béa"}, "email": {"bea@example.org"}, "q0": {"Auditeur libre"}, "q1": {"yes"}}); st != 200 {
			t.Fatalf("register: %d\n%s", st, body)
		}
		b.Post(t, app.Mail.Wait(t, "bea@example.org", "Confirmez votre inscription").Link(t, "/p/confirm/"), nil)
		app.Mail.Wait(t, "bea@example.org", "Votre place est confirmée")

		_, edit := org.Get(t, path+"/edit")
		if !strings.Contains(edit, `value="2099-06-11T17:00"`) || !strings.Contains(edit, "choice: Statut * = Étudiant·e / Auditeur libre") {
			t.Fatalf("edit form:\n%s", edit)
		}
		form.Set("start", "2099-06-11T18:00")
		form.Set("end", "2099-06-11T21:00")
		form.Set("room", "Salle 1")
		if st, body := org.Post(t, path+"/edit", form); st != 200 {
			t.Fatalf("edit: %d\n%s", st, body)
		}
		m := app.Mail.Wait(t, "bea@example.org", "Changement")
		for _, want := range []string{"Salle : Salle Lombard → Salle 1", "Début : 11 juin 2099, 17:00 (Europe/Paris) → 11 juin 2099, 18:00 (Europe/Paris)"} {
			if !strings.Contains(m.Body, want) {
				t.Fatalf("change notice lacks %q:\n%s", want, m.Body)
			}
		}
		_ = f
	})
}

// With approval, a confirmed registration waits for the organizers: the
// approved one takes the place, the refused one is told.
func TestApprovedRegistration(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		if st := app.API(t, "PUT", "/api/v1/events/"+f.id, f.org, map[string]any{"registration": "approval"}, nil); st != 200 {
			t.Fatalf("put: %d", st)
		}
		if st := app.API(t, "PUT", "/api/v1/events/"+f.id, f.org, map[string]any{"registration": "whoever"}, nil); st != 422 {
			t.Fatalf("bad registration mode: %d", st)
		}
		f.register(t, "ann@example.org", "Ann", "en", "Registration received")
		f.register(t, "bob@example.org", "Bob", "fr", "Inscription reçue")
		if d := f.get(t); d.TotalAccepted != 0 {
			t.Fatalf("accepted before approval: %d", d.TotalAccepted)
		}
		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		_, door := org.Get(t, f.path+"/door")
		ids := []string{}
		for rest := door; ; {
			i := strings.Index(rest, `name="participation" value="`)
			if i < 0 {
				break
			}
			rest = rest[i+len(`name="participation" value="`):]
			if id := rest[:strings.IndexByte(rest, '"')]; !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) != 2 || !strings.Contains(door, "Registrations awaiting your approval") {
			t.Fatalf("requests on the door page %v:\n%s", ids, door)
		}
		if st, _ := org.Post(t, f.path+"/decide", url.Values{"participation": {ids[0]}, "approve": {"1"}}); st != 200 {
			t.Fatalf("approve: %d", st)
		}
		app.Mail.Wait(t, "ann@example.org", "Your place is confirmed")
		if st, _ := org.Post(t, f.path+"/decide", url.Values{"participation": {ids[1]}}); st != 200 {
			t.Fatalf("refuse: %d", st)
		}
		app.Mail.Wait(t, "bob@example.org", "Inscription non retenue")
		if d := f.get(t); d.TotalAccepted != 1 || d.TotalWaitlisted != 0 {
			t.Fatalf("after the decisions: %d accepted, %d waiting", d.TotalAccepted, d.TotalWaitlisted)
		}
	})
}

// answersOf reads the answers the organizers see of each registration, by
// participation id.
func (f *fixture) answersOf(t *testing.T) map[string]map[string]string {
	t.Helper()
	var list struct {
		Embedded struct {
			Attendances []struct {
				Identifiers []string          `json:"identifiers"`
				Answers     map[string]string `json:"answers"`
			} `json:"osdi:attendances"`
		} `json:"_embedded"`
	}
	if st := f.app.API(t, "GET", "/api/v1/events/"+f.id+"/attendances", f.org, nil, &list); st != 200 {
		t.Fatalf("attendances: %d", st)
	}
	out := map[string]map[string]string{}
	for _, a := range list.Embedded.Attendances {
		out[strings.TrimPrefix(a.Identifiers[0], "repertoire:")] = a.Answers
	}
	return out
}

// linkID is the participation id a mailed link names.
func linkID(link string) string {
	id, _, _ := strings.Cut(link[strings.LastIndex(link, "/")+1:], ".")
	return id
}

// Registering again with the same address before confirming mails a
// second link; each link states and keeps the answers it was mailed for:
// nothing is kept before a link is followed, then only its answers.
func TestEachLinkKeepsItsOwnAnswers(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 0)
		answers := [2]string{"Étudiant·e", "Auditeur libre"}
		for _, tc := range []struct {
			email   string
			confirm int
		}{{"ann@example.org", 0}, {"bob@example.org", 1}} {
			for _, a := range answers {
				if st, body := app.Browser().Post(t, f.path+"/register", url.Values{"given_name": {"Reg"}, "email": {tc.email}, "q0": {a}}); st != 200 {
					t.Fatalf("register: %d\n%s", st, body)
				}
			}
			var links [2]string
			for _, m := range app.Mail.WaitN(t, tc.email, "Confirm your registration", 2) {
				for i, a := range answers {
					if strings.Contains(m.Body, "Statut: "+a) && !strings.Contains(m.Body, "Statut: "+answers[1-i]) {
						links[i] = m.Link(t, "/p/confirm/")
					}
				}
			}
			if links[0] == "" || links[1] == "" || links[0] == links[1] {
				t.Fatalf("%s: each confirmation mail should state its own answers", tc.email)
			}
			id := linkID(links[0])
			if _, kept := f.answersOf(t)[id]; kept {
				t.Fatalf("%s: answers kept before any link was followed", tc.email)
			}
			if st, body := app.Browser().Post(t, links[tc.confirm], nil); st != 200 {
				t.Fatalf("confirm: %d\n%s", st, body)
			}
			app.Mail.Wait(t, tc.email, "Your place is confirmed")
			if got := f.answersOf(t)[id]["Statut"]; got != answers[tc.confirm] {
				t.Errorf("%s: kept %q, want the followed link's %q", tc.email, got, answers[tc.confirm])
			}
		}
	})
}

// Someone whose offered place expired, or who cancelled, registers again
// (from a new mailed link): a free place is theirs, else the end of the
// waitlist.
func TestRegisterAgainAfterExpiryOrCancelling(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		f.register(t, "ann@example.org", "Ann", "en", "Your place is confirmed")
		f.register(t, "bea@example.org", "Bea", "en", "You are on the waitlist")
		f.withdraw(t, "ann@example.org")
		app.Mail.Wait(t, "bea@example.org", "A place has freed up")
		f.runOffers(t)
		if d := f.get(t); d.TotalAccepted != 0 || d.TotalWaitlisted != 0 {
			t.Fatalf("after Bea's offer expired: %d accepted, %d waiting", d.TotalAccepted, d.TotalWaitlisted)
		}
		again := func(email, then string) {
			t.Helper()
			b := app.Browser()
			if st, body := b.Post(t, f.path+"/register", url.Values{"given_name": {"Again"}, "email": {email}, "q0": {"Étudiant·e"}}); st != 200 {
				t.Fatalf("register again: %d\n%s", st, body)
			}
			m := app.Mail.WaitN(t, email, "Confirm your registration", 2)[1]
			if st, body := b.Post(t, m.Link(t, "/p/confirm/"), nil); st != 200 {
				t.Fatalf("confirm again: %d\n%s", st, body)
			}
			app.Mail.Wait(t, email, then)
		}
		again("bea@example.org", "Your place is confirmed")
		again("ann@example.org", "You are on the waitlist")
		if d := f.get(t); d.TotalAccepted != 1 || d.TotalWaitlisted != 1 {
			t.Fatalf("after both registered again: %d accepted, %d waiting; want Bea's place and Ann waiting", d.TotalAccepted, d.TotalWaitlisted)
		}
		if got := f.answersOf(t); len(got) != 2 {
			t.Errorf("%d registrations, want each person's one", len(got))
		}
	})
}

// Lowering the capacity below the places held keeps everyone's place and
// offers none until enough are freed; raising it offers the new places
// to the waitlist in turn.
func TestCapacityLoweredThenRaised(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 2)
		f.register(t, "ann@example.org", "Ann", "en", "Your place is confirmed")
		f.register(t, "bea@example.org", "Bea", "en", "Your place is confirmed")
		f.register(t, "carl@example.org", "Carl", "en", "You are on the waitlist")
		f.register(t, "dan@example.org", "Dan", "en", "You are on the waitlist")
		capacity := func(n int) {
			t.Helper()
			if st := app.API(t, "PUT", "/api/v1/events/"+f.id, f.org, map[string]any{"capacity": n}, nil); st != 200 {
				t.Fatalf("capacity %d: %d", n, st)
			}
		}
		offered := func(email string) int { return count(app, email, "A place has freed up") }

		capacity(1)
		if d := f.get(t); d.Capacity != 1 || d.TotalAccepted != 2 || d.TotalWaitlisted != 2 {
			t.Fatalf("capacity lowered to 1: %d accepted, %d waiting; want both places kept", d.TotalAccepted, d.TotalWaitlisted)
		}
		f.withdraw(t, "ann@example.org")
		settleMail()
		if d := f.get(t); d.TotalAccepted != 1 || d.TotalWaitlisted != 2 || offered("carl@example.org") != 0 {
			t.Fatalf("one place freed over the capacity: %d accepted, %d waiting, Carl offered %d; want no offer",
				d.TotalAccepted, d.TotalWaitlisted, offered("carl@example.org"))
		}
		f.withdraw(t, "bea@example.org")
		app.Mail.Wait(t, "carl@example.org", "A place has freed up")
		if offered("dan@example.org") != 0 {
			t.Fatal("two offered for the one place the lowered capacity frees")
		}

		capacity(3)
		app.Mail.Wait(t, "dan@example.org", "A place has freed up")
		if d := f.get(t); d.TotalWaitlisted != 0 {
			t.Fatalf("capacity raised to 3: %d still waiting", d.TotalWaitlisted)
		}
	})
}

// settleMail gives the outbox worker time to deliver what was queued.
func settleMail() { time.Sleep(300 * time.Millisecond) }

// A ticket's page shows its check-in code as a QR code, served by
// Repertoire, holding the door page's address with that code: opened by
// an organizer (their phone scanning it), the page names the ticket's
// holder with their check-in button.
func TestTicketQRCodeOpensItsCheckIn(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 0)
		ann := f.register(t, "ann@example.org", "Ann", "en", "Your place is confirmed")
		f.register(t, "bob@example.org", "Bob", "en", "Your place is confirmed")
		ticket := ann.Link(t, "/events/ticket/")
		_, page := app.Browser().Get(t, ticket)
		i := strings.Index(page, `id="checkin-code" class="code">`)
		if i < 0 {
			t.Fatalf("ticket page:\n%s", page)
		}
		code := page[i+len(`id="checkin-code" class="code">`):][:8]
		src := strings.TrimPrefix(ticket, app.URL) + "/qr.png"
		if !strings.Contains(page, `id="checkin-qr" src="`+src+`"`) {
			t.Fatalf("the ticket page shows no QR code of its own:\n%s", page)
		}

		resp, err := http.Get(app.URL + src)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, err := png.Decode(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || err != nil {
			t.Fatalf("qr.png: %d %q %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
		door := app.URL + f.path + "/door?code=" + code
		// Read as a phone's camera app does (ZXing's decoder).
		bmp, err := gozxing.NewBinaryBitmapFromImage(got)
		if err != nil {
			t.Fatal(err)
		}
		read, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
		if err != nil || read.GetText() != door {
			t.Fatalf("the QR code reads %v (%v), want %s", read, err, door)
		}
		if st, _ := app.Browser().Get(t, "/events/ticket/"+linkID(ticket)+".forged/qr.png"); st != 404 {
			t.Errorf("a forged ticket's QR code: %d, want 404", st)
		}

		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		if _, body := app.Browser().Get(t, strings.TrimPrefix(door, app.URL)); strings.Contains(body, `id="scanned"`) {
			t.Fatal("a visitor opening the QR code's address saw whose ticket it is")
		}
		_, body := org.Get(t, strings.TrimPrefix(door, app.URL))
		i = strings.Index(body, `id="scanned"`)
		if i < 0 || !strings.Contains(body[i:], "Ticket of Ann") || !strings.Contains(body, `value="`+code+`"`) {
			t.Fatalf("the door page opened from the QR code does not name Ann:\n%s", body)
		}
		scanned := body[i:]
		j := strings.Index(scanned, `name="participation" value="`)
		pid := scanned[j+len(`name="participation" value="`):]
		pid = pid[:strings.IndexByte(pid, '"')]
		if pid != linkID(ticket) {
			t.Fatalf("the scanned ticket's button checks in %s, not Ann's %s", pid, linkID(ticket))
		}
		if st, body := org.Post(t, f.path+"/checkin", url.Values{"participation": {pid}}); st != 200 || !strings.Contains(body, "1 of 2 arrived") {
			t.Fatalf("check in the scanned ticket: %d\n%s", st, body)
		}
		if _, body := org.Get(t, f.path+"/door?code=WRONGCOD"); !strings.Contains(body, `id="scanned-unknown"`) {
			t.Errorf("an unknown code opened the door page without saying so")
		}
	})
}

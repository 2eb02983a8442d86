package pledge_test

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"repertoire/internal/pledge"
	"repertoire/internal/store"
	"repertoire/internal/testkit"
)

// fixture is a community with an organizer, a campaign, and its pledge.
type fixture struct {
	app      *testkit.App
	org      string // organizer's API token
	campaign string // campaign id
	pledge   pledgeDoc
}

type pledgeDoc struct {
	ID               string   `json:"id"`
	Slug             string   `json:"slug"`
	Title            string   `json:"title"`
	Status           string   `json:"status"`
	Threshold        int      `json:"threshold"`
	TotalCommitments int      `json:"total_commitments"`
	TotalImported    int      `json:"total_imported"`
	Deadline         string   `json:"deadline"`
	WindowStart      string   `json:"window_start"`
	WindowEnd        string   `json:"window_end"`
	BrowserURL       string   `json:"browser_url"`
	Identifiers      []string `json:"identifiers"`
	Compliance       struct {
		Held  int  `json:"held"`
		Broke int  `json:"broke"`
		Rate  *int `json:"rate"`
	} `json:"compliance"`
	Links map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

type problem struct {
	Status int `json:"status"`
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

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func pledgeBody(campaign string, threshold int) map[string]any {
	now := time.Now()
	return map[string]any{
		"title":        "Log out of Facebook",
		"action":       "log out of Facebook",
		"campaign":     campaign,
		"threshold":    threshold,
		"deadline":     rfc(now.Add(48 * time.Hour)),
		"window_start": rfc(now.Add(72 * time.Hour)),
		"window_end":   rfc(now.Add(10 * 24 * time.Hour)),
	}
}

func setup(t *testing.T, app *testkit.App, threshold int) *fixture {
	t.Helper()
	f := &fixture{app: app, org: app.Token(t, "org@example.org", "Olga Organizer", false)}
	if st := app.API(t, "POST", "/api/v1/communities", f.org, map[string]string{"name": "Facebook users", "slug": "fb-users"}, nil); st != 201 {
		t.Fatalf("create community: %d", st)
	}
	var c struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/campaigns", f.org, map[string]any{"title": "Users’ strike", "slug": "strike", "community": "fb-users"}, &c); st != 201 {
		t.Fatalf("create campaign: %d", st)
	}
	f.campaign = c.ID
	if st := app.API(t, "POST", "/api/v1/pledges", f.org, pledgeBody(c.ID, threshold), &f.pledge); st != 201 {
		t.Fatalf("create pledge: %d", st)
	}
	return f
}

func (f *fixture) get(t *testing.T) pledgeDoc {
	t.Helper()
	var p pledgeDoc
	if st := f.app.API(t, "GET", "/api/v1/pledges/"+f.pledge.ID, "", nil, &p); st != 200 {
		t.Fatalf("get pledge: %d", st)
	}
	return p
}

// commitOnline commits from the public page and confirms from the mail.
func (f *fixture) commitOnline(t *testing.T, email, name, lang, subject string) {
	t.Helper()
	b := f.app.Browser()
	b.Lang = lang
	path := "/c/fb-users/strike/pledges/" + f.pledge.Slug
	st, body := b.Post(t, path+"/commit", url.Values{"given_name": {name}, "email": {" " + strings.ToUpper(email) + " "}, "country": {"FR"}, "contact_ok": {"on"}})
	if st != 200 {
		t.Fatalf("commit: %d\n%s", st, body)
	}
	m := f.app.Mail.Wait(t, email, subject)
	if st, body := b.Post(t, m.Link(t, "/p/confirm/"), nil); st != 200 {
		t.Fatalf("confirm: %d\n%s", st, body)
	}
}

// runJob makes a pledge job due now and runs the due jobs.
func (f *fixture) runJob(t *testing.T, kind string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.app.DB.Writer().ExecContext(ctx, `UPDATE jobs SET run_at = $1 WHERE subject_id = $2 AND kind = $3`,
		store.Now().Add(-time.Second), f.pledge.ID, kind); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := f.app.Server.Scheduler.RunDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	// The server's own runner may have claimed the job first: wait for
	// whichever runner has it to finish.
	var status string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if err := f.app.DB.Reader().QueryRowContext(ctx, `SELECT status FROM jobs WHERE subject_id = $1 AND kind = $2`, f.pledge.ID, kind).Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status == "done" || time.Now().After(deadline) {
			break
		}
	}
	if status != "done" {
		t.Fatalf("job %s: %s", kind, status)
	}
}

// Commit, confirm from the mail, count; reaching the threshold activates
// the pledge at once and mails everyone who committed, in their language.
func TestThresholdActivatesAndMailsEveryone(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 2)
		f.commitOnline(t, "alice@example.org", "Alice", "en", "Confirm your commitment")
		if p := f.get(t); p.TotalCommitments != 1 || p.Status != "collecting" {
			t.Fatalf("after one confirmation: %d, %s", p.TotalCommitments, p.Status)
		}
		app.Mail.Wait(t, "org@example.org", "50% of the way")
		// The count's words agree with it, in French too (the page's first view: no cache).
		fr := app.Browser()
		fr.Lang = "fr"
		if _, body := fr.Get(t, "/c/fb-users/strike/pledges/"+f.pledge.Slug); !strings.Contains(body, "1 personne engagée sur 2") {
			t.Errorf("French count after one commitment:\n%s", body)
		}
		f.commitOnline(t, "bob@example.org", "Bob", "fr", "Confirmez votre engagement")
		p := f.get(t)
		if p.TotalCommitments != 2 || p.Status != "activated" {
			t.Fatalf("at the threshold: %d, %s; want 2, activated", p.TotalCommitments, p.Status)
		}
		on := app.Mail.Wait(t, "alice@example.org", "It’s on")
		if !strings.Contains(on.Body, "log out of Facebook") || !strings.Contains(on.Body, "/unsubscribe/") {
			t.Fatalf("activation mail lacks the plan or the unsubscribe link:\n%s", on.Body)
		}
		app.Mail.Wait(t, "bob@example.org", "C’est parti")
		st, body := app.Browser().Get(t, "/c/fb-users/strike/pledges/"+f.pledge.Slug)
		if st != 200 || !strings.Contains(body, "2 of 2 people committed") || !strings.Contains(body, "It’s on") || !strings.Contains(body, `width: 100%`) {
			t.Fatalf("page after activation: %d\n%s", st, body)
		}
	})
}

// The deadline passing first lapses the pledge and tells the committed.
func TestDeadlineLapsesThePledge(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 5)
		var res struct {
			Status string `json:"status"`
		}
		imp := map[string]any{"person": map[string]any{"given_name": "Carol", "email_addresses": []map[string]string{{"address": "carol@example.org"}}}, "origin_system": "paper"}
		if st := app.API(t, "POST", "/api/v1/pledges/"+f.pledge.ID+"/commitments", f.org, imp, &res); st != 201 || res.Status != "confirmed" {
			t.Fatalf("import: %d %s", st, res.Status)
		}
		f.runJob(t, "pledge.deadline")
		if p := f.get(t); p.Status != "lapsed" || p.TotalImported != 1 {
			t.Fatalf("after the deadline: %s, %d imported", p.Status, p.TotalImported)
		}
		app.Mail.Wait(t, "carol@example.org", "Not this time")
		// Lapsed: no more commitments.
		var pr problem
		if st := app.API(t, "POST", "/api/v1/pledges/"+f.pledge.ID+"/commitments", "", map[string]any{"person": map[string]any{"email_addresses": []map[string]string{{"address": "late@example.org"}}}}, &pr); st != 409 {
			t.Fatalf("commit to a lapsed pledge: %d", st)
		}
	})
}

// Activated, the window opens (under way), closes (ended) and everyone is
// asked whether they held the line; their answers give the compliance rate.
func TestWindowAndCheckinGiveCompliance(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 2)
		for _, who := range []string{"dan@example.org", "eve@example.org"} {
			imp := map[string]any{"person": map[string]any{"email_addresses": []map[string]string{{"address": who}}}, "origin_system": "paper"}
			if st := app.API(t, "POST", "/api/v1/pledges/"+f.pledge.ID+"/commitments", f.org, imp, nil); st != 201 {
				t.Fatalf("import %s: %d", who, st)
			}
		}
		if p := f.get(t); p.Status != "activated" {
			t.Fatalf("imports reaching the threshold: %s", p.Status)
		}
		var pr problem
		if st := app.API(t, "PUT", "/api/v1/pledges/"+f.pledge.ID, f.org, map[string]any{"threshold": 10}, &pr); st != 409 {
			t.Fatalf("PUT after activation: %d, want 409", st)
		}
		f.runJob(t, "pledge.reminder")
		app.Mail.Wait(t, "dan@example.org", "Tomorrow")
		f.runJob(t, "pledge.start")
		if p := f.get(t); p.Status != "under_way" {
			t.Fatalf("window start: %s", p.Status)
		}
		f.runJob(t, "pledge.end")
		if p := f.get(t); p.Status != "ended" || p.Compliance.Rate != nil {
			t.Fatalf("window end: %s, rate %v", p.Status, p.Compliance.Rate)
		}
		for i, c := range []struct{ who, answer string }{{"dan@example.org", "held"}, {"eve@example.org", "broke"}} {
			who, answer := c.who, c.answer
			m := app.Mail.Wait(t, who, "Did you hold the line?")
			b := app.Browser()
			link := m.Link(t, "answer="+answer)
			if st, body := b.Get(t, link); st != 200 || !strings.Contains(body, `value="`+answer+`" checked`) {
				t.Fatalf("check-in page: %d\n%s", st, body)
			}
			if p := f.get(t); p.Compliance.Held+p.Compliance.Broke != i {
				t.Fatalf("a GET of the link recorded an answer: %+v", p.Compliance)
			}
			u, _ := url.Parse(link)
			if st, body := b.Post(t, u.Path, url.Values{"answer": {answer}}); st != 200 || !strings.Contains(body, "your answer is recorded") {
				t.Fatalf("answer: %d\n%s", st, body)
			}
		}
		p := f.get(t)
		if p.Compliance.Held != 1 || p.Compliance.Broke != 1 || p.Compliance.Rate == nil || *p.Compliance.Rate != 50 {
			t.Fatalf("compliance: %+v", p.Compliance)
		}
		b := app.Browser()
		b.Lang = "fr"
		if st, body := b.Get(t, "/c/fb-users/strike/pledges/"+f.pledge.Slug); st != 200 || !strings.Contains(body, "50\u202f% ont tenu bon") {
			t.Fatalf("French page after the end: %d\n%s", st, body)
		}
	})
}

func TestPledgesAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 100000)
		p := f.pledge
		if p.Status != "collecting" || p.Threshold != 100000 || p.TotalCommitments != 0 || p.Identifiers[0] != "repertoire:"+p.ID ||
			!strings.HasSuffix(p.BrowserURL, "/c/fb-users/strike/pledges/log-out-of-facebook") || p.Links["repertoire:record_commitment_helper"].Href == "" {
			t.Fatalf("created pledge: %+v", p)
		}
		stranger := app.Token(t, "stranger@example.org", "Stranger", false)
		now := time.Now()
		bad := func(mod func(map[string]any)) map[string]any {
			b := pledgeBody(f.campaign, 10)
			mod(b)
			return b
		}
		cases := []struct {
			name   string
			token  string
			body   any
			status int
			fields []string
		}{
			{"no token", "", pledgeBody(f.campaign, 10), 401, nil},
			{"not an organizer", stranger, pledgeBody(f.campaign, 10), 403, nil},
			{"window ends before it starts", f.org, bad(func(b map[string]any) { b["window_end"] = rfc(now.Add(60 * time.Hour)) }), 422, []string{"window_end"}},
			{"deadline after the window starts", f.org, bad(func(b map[string]any) { b["deadline"] = rfc(now.Add(80 * time.Hour)) }), 422, []string{"deadline"}},
			{"threshold under 1", f.org, bad(func(b map[string]any) { b["threshold"] = 0 }), 422, []string{"threshold"}},
			{"missing title, bad time", f.org, bad(func(b map[string]any) { delete(b, "title"); b["deadline"] = "next week" }), 422, []string{"deadline", "title"}},
			{"too large", f.org, `{"title": "` + strings.Repeat("x", 2<<20) + `"}`, 413, nil},
		}
		for _, c := range cases {
			var pr problem
			st := app.API(t, "POST", "/api/v1/pledges", c.token, c.body, &pr)
			if st != c.status {
				t.Errorf("%s: %d, want %d", c.name, st, c.status)
				continue
			}
			got := strings.Join(pr.fields(), ",")
			for _, want := range c.fields {
				if !strings.Contains(got, want) {
					t.Errorf("%s: fields %q, want %q named", c.name, got, want)
				}
			}
		}
		var updated pledgeDoc
		if st := app.API(t, "PUT", "/api/v1/pledges/"+p.ID, f.org, map[string]any{"title": "Log off, together"}, &updated); st != 200 ||
			updated.Title != "Log off, together" || updated.Threshold != 100000 || updated.Deadline != p.Deadline {
			t.Fatalf("PUT merge: %d %+v", st, updated)
		}
		if st := app.API(t, "PUT", "/api/v1/pledges/"+p.ID, stranger, map[string]any{"title": "x"}, nil); st != 403 {
			t.Fatalf("PUT by a stranger: %d", st)
		}
		var list struct {
			Total    int `json:"total_records"`
			Embedded struct {
				Pledges []pledgeDoc `json:"repertoire:pledges"`
			} `json:"_embedded"`
		}
		if st := app.API(t, "GET", "/api/v1/pledges?campaign="+f.campaign, "", nil, &list); st != 200 || list.Total != 1 || list.Embedded.Pledges[0].ID != p.ID {
			t.Fatalf("list: %d %+v", st, list)
		}
		// The public helper: pending until confirmed, errors name the JSON path.
		var res struct {
			Status string `json:"status"`
		}
		commit := map[string]any{"person": map[string]any{"given_name": "Fay", "email_addresses": []map[string]string{{"address": "fay@example.org"}}}, "comments": "count me in"}
		if st := app.API(t, "POST", "/api/v1/pledges/"+p.ID+"/commitments", "", commit, &res); st != 202 || res.Status != "pending" {
			t.Fatalf("public commitment: %d %s", st, res.Status)
		}
		app.Mail.Wait(t, "fay@example.org", "Confirm your commitment")
		var pr problem
		if st := app.API(t, "POST", "/api/v1/pledges/"+p.ID+"/commitments", "", map[string]any{"person": map[string]any{"email_addresses": []map[string]string{{"address": "nope"}}}}, &pr); st != 422 ||
			strings.Join(pr.fields(), ",") != "person.email_addresses[0].address" {
			t.Fatalf("bad address: %d %v", st, pr.fields())
		}
		if st := app.API(t, "POST", "/api/v1/pledges/"+p.ID+"/commitments", "", map[string]any{"person": map[string]any{"email_addresses": []map[string]string{{"address": "g@example.org"}}}, "origin_system": "paper"}, nil); st != 401 {
			t.Fatalf("import without a token: %d", st)
		}
		if st := app.API(t, "POST", "/api/v1/pledges/"+p.ID+"/commitments", stranger, map[string]any{"person": map[string]any{"email_addresses": []map[string]string{{"address": "g@example.org"}}}, "origin_system": "paper"}, nil); st != 403 {
			t.Fatalf("import by a stranger: %d", st)
		}
		if st := app.API(t, "DELETE", "/api/v1/pledges/"+p.ID, f.org, nil, nil); st != 204 {
			t.Fatalf("delete: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/pledges/"+p.ID, "", nil, nil); st != 404 {
			t.Fatalf("deleted pledge: %d", st)
		}
	})
}

func TestPledgePages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 3)
		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		if st, _ := app.Browser().Get(t, "/c/fb-users/strike/pledges/new"); st != 200 {
			// a visitor is sent to sign in (the redirect is followed)
			t.Fatalf("new form for a visitor: %d", st)
		}
		form := url.Values{"title": {"Quit for a week"}, "action": {"quit Instagram"}, "threshold": {"0"},
			"deadline": {"2099-05-30"}, "window_start": {"2099-05-25"}, "window_end": {"2099-05-20"}}
		st, body := org.Post(t, "/c/fb-users/strike/pledges", form)
		if st != 422 || !strings.Contains(body, `value="quit Instagram"`) || !strings.Contains(body, "The strike must end after it starts.") ||
			!strings.Contains(body, "at least 1") || !strings.Contains(body, "before the strike starts") {
			t.Fatalf("refused form: %d\n%s", st, body)
		}
		form.Set("threshold", "1,000")
		form.Set("deadline", "2099-05-24")
		form.Set("window_end", "2099-06-01")
		st, body = org.Post(t, "/c/fb-users/strike/pledges", form)
		if st != 200 || !strings.Contains(body, "I will quit Instagram from 25 May 2099 to 1 June 2099, but only if 1,000 people commit by 24 May 2099.") {
			t.Fatalf("created: %d\n%s", st, body)
		}
		fr := app.Browser()
		fr.Lang = "fr"
		st, body = fr.Get(t, "/c/fb-users/strike/pledges/quit-for-a-week")
		if st != 200 || !strings.Contains(body, "Je vais quit Instagram du 25 mai 2099 au 1er juin 2099, mais seulement si 1\u202f000 personnes") || !strings.Contains(body, "Je m’engage") {
			t.Fatalf("French page: %d\n%s", st, body)
		}
		st, body = app.Browser().Post(t, "/c/fb-users/strike/pledges/"+f.pledge.Slug+"/commit", url.Values{"given_name": {"Gus"}, "email": {"not-an-address"}})
		if st != 422 || !strings.Contains(body, `value="Gus"`) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("bad commitment: %d\n%s", st, body)
		}
		if st, body := org.Get(t, "/c/fb-users/strike/pledges/"+f.pledge.Slug+"/edit"); st != 200 || !strings.Contains(body, `name="threshold" type="number" value="3"`) {
			t.Fatalf("edit form: %d\n%s", st, body)
		}
		stranger := app.Browser()
		app.Token(t, "s@example.org", "S", false)
		stranger.SignIn(t, "s@example.org", "correct horse battery")
		if st, _ := stranger.Get(t, "/c/fb-users/strike/pledges/"+f.pledge.Slug+"/edit"); st != 403 {
			t.Fatalf("edit by a non-organizer: %d", st)
		}
	})
}

// activationMails counts the "it's on" mails, in either wording, queued to
// each address.
func (f *fixture) activationMails(t *testing.T) map[string]int {
	t.Helper()
	rows, err := f.app.DB.Reader().QueryContext(context.Background(), `SELECT to_address FROM outbox WHERE subject LIKE $1 OR subject LIKE $2`,
		"It’s on%", "It’s under way%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var to string
		if err := rows.Scan(&to); err != nil {
			t.Fatal(err)
		}
		out[to]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Someone who commits after the pledge is on gets the plan when confirming,
// once, and those mailed at activation are not mailed again: while it is
// activated, under way, and after withdrawing and confirming again.
func TestLatecomersGetTheActivationMailOnce(t *testing.T) {
	cases := []struct {
		name     string
		underWay bool
		subject  string
	}{
		{"activated", false, "It’s on"},
		{"under way", true, "It’s under way"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testkit.Apps(t, func(t *testing.T, app *testkit.App) {
				f := setup(t, app, 2)
				f.commitOnline(t, "alice@example.org", "Alice", "en", "Confirm your commitment")
				f.commitOnline(t, "bob@example.org", "Bob", "en", "Confirm your commitment")
				app.Mail.Wait(t, "alice@example.org", "It’s on")
				app.Mail.Wait(t, "bob@example.org", "It’s on")
				b := app.Browser()
				path := "/c/fb-users/strike/pledges/" + f.pledge.Slug
				if st, body := b.Post(t, path+"/commit", url.Values{"given_name": {"Carol"}, "email": {"carol@example.org"}}); st != 200 {
					t.Fatalf("commit: %d\n%s", st, body)
				}
				confirm := app.Mail.Wait(t, "carol@example.org", "Confirm your commitment").Link(t, "/p/confirm/")
				if c.underWay {
					// Committing closes when the window opens; a commitment
					// made before is still confirmed from its mail.
					f.runJob(t, "pledge.start")
					if p := f.get(t); p.Status != "under_way" {
						t.Fatalf("window start: %s", p.Status)
					}
				}
				if st, body := b.Post(t, confirm, nil); st != 200 {
					t.Fatalf("confirm: %d\n%s", st, body)
				}
				on := app.Mail.Wait(t, "carol@example.org", c.subject)
				if !strings.Contains(on.Body, "log out of Facebook") {
					t.Fatalf("latecomer's activation mail lacks the plan:\n%s", on.Body)
				}
				want := map[string]int{"alice@example.org": 1, "bob@example.org": 1, "carol@example.org": 1}
				if got := f.activationMails(t); !maps.Equal(got, want) {
					t.Fatalf("activation mails after the latecomer: %v, want %v", got, want)
				}
				// Withdrawing and confirming again from the same mail: no second one.
				if st, body := b.Post(t, app.Mail.Wait(t, "carol@example.org", "Confirm your commitment").Link(t, "/p/withdraw/"), nil); st != 200 {
					t.Fatalf("withdraw: %d\n%s", st, body)
				}
				if st, body := b.Post(t, confirm, nil); st != 200 {
					t.Fatalf("confirm again: %d\n%s", st, body)
				}
				if p := f.get(t); p.TotalCommitments != 3 {
					t.Fatalf("commitments: %d, want 3", p.TotalCommitments)
				}
				if got := f.activationMails(t); !maps.Equal(got, want) {
					t.Fatalf("activation mails after confirming again: %v, want %v", got, want)
				}
				for _, who := range []string{"alice@example.org", "bob@example.org"} {
					n := 0
					for _, m := range app.Mail.All() {
						if slices.Contains(m.To, who) && strings.HasPrefix(m.Subject, "It’s on") {
							n++
						}
					}
					if n != 1 {
						t.Errorf("%s received %d activation mails, want 1", who, n)
					}
				}
			})
		})
	}
}

// A latecomer confirming before the window gets the activation mail (it's
// on, it starts then); one confirming once the window has started gets the
// under-way wording (we are already at it, until the last day), in their
// language.
func TestLatecomersMailSaysWhetherTheWindowHasStarted(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 2)
		times := map[string]any{"deadline": "2099-05-24T23:59:59Z", "window_start": "2099-05-25T00:00:00Z", "window_end": "2099-06-02T00:00:00Z"}
		if st := app.API(t, "PUT", "/api/v1/pledges/"+f.pledge.ID, f.org, times, nil); st != 200 {
			t.Fatalf("PUT times: %d", st)
		}
		f.commitOnline(t, "alice@example.org", "Alice", "en", "Confirm your commitment")
		f.commitOnline(t, "bob@example.org", "Bob", "en", "Confirm your commitment")
		app.Mail.Wait(t, "alice@example.org", "It’s on")

		// Four latecomers commit while the pledge is on, before its window.
		path := "/c/fb-users/strike/pledges/" + f.pledge.Slug
		type latecomer struct {
			email, lang string
			b           *testkit.Browser
			confirm     string
		}
		late := []*latecomer{{email: "carol@example.org", lang: "en"}, {email: "claire@example.org", lang: "fr"},
			{email: "dan@example.org", lang: "en"}, {email: "denise@example.org", lang: "fr"}}
		for _, l := range late {
			l.b = app.Browser()
			l.b.Lang = l.lang
			if st, body := l.b.Post(t, path+"/commit", url.Values{"given_name": {"Late"}, "email": {l.email}}); st != 200 {
				t.Fatalf("commit %s: %d\n%s", l.email, st, body)
			}
			subject := map[string]string{"en": "Confirm your commitment", "fr": "Confirmez votre engagement"}[l.lang]
			l.confirm = app.Mail.Wait(t, l.email, subject).Link(t, "/p/confirm/")
		}
		confirm := func(l *latecomer) {
			t.Helper()
			if st, body := l.b.Post(t, l.confirm, nil); st != 200 {
				t.Fatalf("confirm %s: %d\n%s", l.email, st, body)
			}
		}
		// Before the window: it's on, and it starts on the first day.
		confirm(late[0])
		confirm(late[1])
		for _, c := range []struct{ who, subject, body string }{
			{"carol@example.org", "It’s on: Log out of Facebook", "Here is the plan: log out of Facebook, from 25 May 2099 to 1 June 2099."},
			{"claire@example.org", "C’est parti : Log out of Facebook", "Le plan : log out of Facebook, du 25 mai 2099 au 1er juin 2099."},
		} {
			m := app.Mail.Wait(t, c.who, c.subject)
			if m.Subject != c.subject || !strings.Contains(m.Body, c.body) {
				t.Fatalf("activation mail before the window to %s: %q\n%s", c.who, m.Subject, m.Body)
			}
		}
		// The window opens: those confirming now are told it is under way.
		f.runJob(t, "pledge.start")
		if p := f.get(t); p.Status != "under_way" {
			t.Fatalf("window start: %s", p.Status)
		}
		confirm(late[2])
		confirm(late[3])
		for _, c := range []struct{ who, subject, body string }{
			{"dan@example.org", "It’s under way: Log out of Facebook", "It’s under way! 5 of us are already doing it: log out of Facebook, until 1 June 2099."},
			{"denise@example.org", "C’est en cours : Log out of Facebook", "C’est en cours ! Nous sommes déjà 6 à le faire : log out of Facebook, jusqu’au 1er juin 2099."},
		} {
			m := app.Mail.Wait(t, c.who, c.subject)
			if m.Subject != c.subject || !strings.Contains(m.Body, c.body) {
				t.Fatalf("mail during the window to %s: %q\n%s", c.who, m.Subject, m.Body)
			}
		}
		for _, m := range app.Mail.All() {
			if (slices.Contains(m.To, "dan@example.org") || slices.Contains(m.To, "denise@example.org")) &&
				(strings.HasPrefix(m.Subject, "It’s on") || strings.HasPrefix(m.Subject, "C’est parti")) {
				t.Errorf("a latecomer during the window got the activation wording: %v %q", m.To, m.Subject)
			}
		}
	})
}

// WindowEnd is an instant; its last day is the day of the instant just
// before it, in UTC.
func TestLastDay(t *testing.T) {
	cases := []struct {
		end, want string
	}{
		{"2099-06-02T00:00:00Z", "2099-06-01"},      // midnight ends the day before
		{"2099-06-01T23:59:59Z", "2099-06-01"},      // the end of a day is that day
		{"2099-06-02T00:00:01Z", "2099-06-02"},      // a second into a day is that day
		{"2099-06-02T01:00:00+02:00", "2099-06-01"}, // 23:00 UTC
	}
	for _, c := range cases {
		end, err := time.Parse(time.RFC3339, c.end)
		if err != nil {
			t.Fatal(err)
		}
		p := pledge.Pledge{WindowEnd: end}
		if got := p.LastDay().Format(time.DateOnly); got != c.want {
			t.Errorf("window ending %s: last day %s, want %s", c.end, got, c.want)
		}
	}
}

// A window ending at midnight reads the same everywhere: the page's
// sentence and dates, the mails, the edit form and the API's last day all
// say it ends on the day before that midnight.
func TestWindowEndingAtMidnightReadsTheSameEverywhere(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		var p pledgeDoc
		var raw map[string]any
		times := map[string]any{"deadline": "2099-05-24T23:59:59Z", "window_start": "2099-05-25T00:00:00Z", "window_end": "2099-06-02T00:00:00Z"}
		if st := app.API(t, "PUT", "/api/v1/pledges/"+f.pledge.ID, f.org, times, &p); st != 200 {
			t.Fatalf("PUT times: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/pledges/"+f.pledge.ID, "", nil, &raw); st != 200 || raw["window_end"] != "2099-06-02T00:00:00Z" || raw["window_last_day"] != "2099-06-01" {
			t.Fatalf("API: %d, window_end %v, window_last_day %v", st, raw["window_end"], raw["window_last_day"])
		}
		path := "/c/fb-users/strike/pledges/" + f.pledge.Slug
		for _, c := range []struct {
			lang, sentence, dates, confirm, on string
		}{
			{"en", "from 25 May 2099 to 1 June 2099, but only if", `<time datetime="2099-06-01">1 June 2099</time>`, "Confirm your commitment", "It’s on"},
			{"fr", "du 25 mai 2099 au 1er juin 2099, mais seulement si", `<time datetime="2099-06-01">1er juin 2099</time>`, "Confirmez votre engagement", "C’est parti"},
		} {
			b := app.Browser()
			b.Lang = c.lang
			st, body := b.Get(t, path)
			if st != 200 || !strings.Contains(body, c.sentence) || !strings.Contains(body, c.dates) {
				t.Fatalf("%s page: %d, want %q and %q\n%s", c.lang, st, c.sentence, c.dates, body)
			}
		}
		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		if st, body := org.Get(t, path+"/edit"); st != 200 || !strings.Contains(body, `value="2099-06-01"`) {
			t.Fatalf("edit form: %d\n%s", st, body)
		}
		f.commitOnline(t, "fr@example.org", "Françoise", "fr", "Confirmez votre engagement")
		if m := app.Mail.Wait(t, "fr@example.org", "Confirmez votre engagement"); !strings.Contains(m.Body, "au 1er juin 2099") {
			t.Fatalf("French confirmation mail:\n%s", m.Body)
		}
		if m := app.Mail.Wait(t, "fr@example.org", "C’est parti"); !strings.Contains(m.Body, "au 1er juin 2099") {
			t.Fatalf("French activation mail:\n%s", m.Body)
		}
		// An English latecomer: the confirmation and activation mails.
		f.commitOnline(t, "en@example.org", "Ed", "en", "Confirm your commitment")
		if m := app.Mail.Wait(t, "en@example.org", "Confirm your commitment"); !strings.Contains(m.Body, "to 1 June 2099") {
			t.Fatalf("English confirmation mail:\n%s", m.Body)
		}
		if m := app.Mail.Wait(t, "en@example.org", "It’s on"); !strings.Contains(m.Body, "to 1 June 2099") {
			t.Fatalf("English activation mail:\n%s", m.Body)
		}
		// A day typed in the form is stored as the midnight that ends it.
		form := url.Values{"title": {"Quit for a week"}, "action": {"quit Instagram"}, "threshold": {"5"},
			"deadline": {"2099-05-24"}, "window_start": {"2099-05-25"}, "window_end": {"2099-06-01"}}
		if st, body := org.Post(t, "/c/fb-users/strike/pledges", form); st != 200 || !strings.Contains(body, "from 25 May 2099 to 1 June 2099,") {
			t.Fatalf("created from the form: %d\n%s", st, body)
		}
		var end time.Time
		if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT window_end FROM pledges WHERE slug = $1`, "quit-for-a-week").Scan(&end); err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2099, 6, 2, 0, 0, 0, 0, time.UTC); !end.Equal(want) {
			t.Fatalf("form window end stored as %s, want %s", end, want)
		}
	})
}

// A pledge refuses the members it does not define, naming each: a
// misspelt threshold must not leave the pledge with another one.
func TestPledgeRefusesUnknownFields(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 50)
		b := pledgeBody(f.campaign, 10)
		b["slug"], b["treshold"], b["window_stat"] = "other", 5, b["window_start"]
		var pr problem
		if st := app.API(t, "POST", "/api/v1/pledges", f.org, b, &pr); st != 422 || strings.Join(pr.fields(), ",") != "treshold,window_stat" {
			t.Fatalf("create with typos: %d %v", st, pr.fields())
		}
		var list struct {
			Total int `json:"total_records"`
		}
		if st := app.API(t, "GET", "/api/v1/pledges?campaign="+f.campaign, "", nil, &list); st != 200 || list.Total != 1 {
			t.Fatalf("a refused body created a pledge: %d %+v", st, list)
		}
		if st := app.API(t, "PUT", "/api/v1/pledges/"+f.pledge.ID, f.org, map[string]any{"title": "Changed", "treshold": 5}, &pr); st != 422 ||
			strings.Join(pr.fields(), ",") != "treshold" {
			t.Fatalf("update with a typo: %d %v", st, pr.fields())
		}
		if p := f.get(t); p.Title != f.pledge.Title || p.Threshold != 50 {
			t.Fatalf("a refused update changed the pledge: %+v", p)
		}
		// The document read, sent back with a change: its read-only
		// members (status, total_commitments, …) are not unknown.
		var doc map[string]any
		if st := app.API(t, "GET", "/api/v1/pledges/"+f.pledge.ID, "", nil, &doc); st != 200 || doc["status"] == nil {
			t.Fatalf("get: %d %v", st, doc)
		}
		doc["threshold"] = 40
		if st := app.API(t, "PUT", "/api/v1/pledges/"+f.pledge.ID, f.org, doc, nil); st != 200 {
			t.Fatalf("the document sent back: %d", st)
		}
		if p := f.get(t); p.Threshold != 40 || p.Title != f.pledge.Title {
			t.Fatalf("the document sent back changed %+v", p)
		}
	})
}

package letter_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

type fixture struct {
	app      *testkit.App
	org      string // the organizer's token
	campaign string
	demand   string
}

type targetDoc struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	TotalOutreaches int    `json:"total_outreaches"`
}

type letterDoc struct {
	ID              string      `json:"id"`
	Title           string      `json:"title"`
	TotalOutreaches int         `json:"total_outreaches"`
	Targets         []targetDoc `json:"targets"`
	BrowserURL      string      `json:"browser_url"`
	Links           map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

// setup makes a community, a campaign with one demand, and its organizer.
func setup(t *testing.T, app *testkit.App) *fixture {
	t.Helper()
	f := &fixture{app: app, org: app.Token(t, "org@example.org", "Olga Organizer", false)}
	if st := app.API(t, "POST", "/api/v1/communities", f.org, map[string]string{"name": "Facebook users", "slug": "fb-users"}, nil); st != 201 {
		t.Fatalf("create community: %d", st)
	}
	var c struct {
		ID             string `json:"id"`
		DemandSections []struct {
			Demands []struct {
				ID string `json:"id"`
			} `json:"demands"`
		} `json:"demand_sections"`
	}
	body := map[string]any{"title": "No like button outside Facebook", "slug": "like", "community": "fb-users",
		"demand_sections": []map[string]any{{"title": "Privacy", "demands": []map[string]any{{"text": "No tracking through the like button"}}}}}
	if st := app.API(t, "POST", "/api/v1/campaigns", f.org, body, &c); st != 201 {
		t.Fatalf("create campaign: %d", st)
	}
	f.campaign = c.ID
	if len(c.DemandSections) > 0 && len(c.DemandSections[0].Demands) > 0 {
		f.demand = c.DemandSections[0].Demands[0].ID
	}
	return f
}

// letter creates a letter campaign through the API.
func (f *fixture) letter(t *testing.T, extra map[string]any, targets ...map[string]any) letterDoc {
	t.Helper()
	body := map[string]any{"title": "Write to the FTC", "campaign": f.campaign,
		"templates": []map[string]any{{"subject": "The like button tracks us", "message": "Dear Commissioner,\n\nThe like button reports our reading to Facebook."}},
		"targets":   targets}
	for k, v := range extra {
		body[k] = v
	}
	var l letterDoc
	if st := f.app.API(t, "POST", "/api/v1/advocacy_campaigns", f.org, body, &l); st != http.StatusCreated {
		t.Fatalf("create letter campaign: %d", st)
	}
	return l
}

func (l letterDoc) path(app *testkit.App) string { return strings.TrimPrefix(l.BrowserURL, app.URL) }

// write sends a letter from the page and returns the confirmation mail.
func (f *fixture) write(t *testing.T, l letterDoc, email, name string, extra url.Values) *testkit.Mail {
	t.Helper()
	form := url.Values{"given_name": {name}, "family_name": {"Writer"}, "email": {email}, "subject": {"The like button tracks us"},
		"message": {"Dear Commissioner,\n\nThe like button reports our reading to Facebook."}, "personal": {"I never agreed to this."}}
	for k, v := range extra {
		form[k] = v
	}
	st, body := f.app.Browser().Post(t, l.path(f.app)+"/write", form)
	if st != 200 || !strings.Contains(body, "Check your mailbox") {
		t.Fatalf("write: %d\n%s", st, body)
	}
	return f.app.Mail.Wait(t, email, "Confirm your letter")
}

func confirm(t *testing.T, app *testkit.App, m *testkit.Mail) {
	t.Helper()
	if st, body := app.Browser().Post(t, m.Link(t, "/p/confirm/"), nil); st != 200 {
		t.Fatalf("confirm: %d\n%s", st, body)
	}
}

// mailsTo lists the mails the sink got for an address.
func mailsTo(app *testkit.App, to string) []*testkit.Mail {
	var out []*testkit.Mail
	for _, m := range app.Mail.All() {
		for _, r := range m.To {
			if strings.EqualFold(r, to) {
				out = append(out, m)
			}
		}
	}
	return out
}

// settle gives the outbox worker time to deliver whatever was queued.
func settle() { time.Sleep(300 * time.Millisecond) }

func (f *fixture) get(t *testing.T, id string) letterDoc {
	t.Helper()
	var l letterDoc
	if st := f.app.API(t, "GET", "/api/v1/advocacy_campaigns/"+id, "", nil, &l); st != 200 {
		t.Fatalf("get letter campaign: %d", st)
	}
	return l
}

var ftc = map[string]any{"name": "Jon Leibowitz", "title": "Chairman, Federal Trade Commission", "email": "chairman@ftc.example", "country": "US"}

// A letter written on the page reaches nobody before its writer confirms
// it; then each target gets it from Repertoire's address under the
// writer's name, with Reply-To only when the writer ticked the box, and
// the page counts it per target.
func TestLetterReachesTargetsOnlyOnceConfirmed(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		senator := map[string]any{"name": "Chuck Schumer", "title": "Senator for New York", "email": "schumer@senate.example", "country": "US"}
		l := f.letter(t, nil, ftc, senator)

		st, page := app.Browser().Get(t, l.path(app))
		if st != 200 || !strings.Contains(page, `name="reply_ok" value="on">`) || strings.Contains(page, `name="reply_ok" value="on" checked`) ||
			!strings.Contains(page, "The like button reports our reading") {
			t.Fatalf("letter page: %d, want the letter prefilled and an unticked reply box\n%s", st, page)
		}

		m := f.write(t, l, "ann@example.org", "Ann", nil)
		settle()
		if got := mailsTo(app, "chairman@ftc.example"); len(got) != 0 {
			t.Fatalf("the target got %d mails before the writer confirmed", len(got))
		}
		confirm(t, app, m)
		for _, to := range []string{"chairman@ftc.example", "schumer@senate.example"} {
			got := app.Mail.Wait(t, to, "The like button tracks us")
			from, err := mail.ParseAddress(got.Header.Get("From"))
			if err != nil || from.Name != "Ann Writer" || !strings.HasPrefix(from.Address, "no-reply@") {
				t.Errorf("%s: From %q (%v), want Ann Writer at Repertoire's address", to, got.Header.Get("From"), err)
			}
			if rt := got.Header.Get("Reply-To"); rt != "" {
				t.Errorf("%s: Reply-To %q without the writer's consent", to, rt)
			}
			if !strings.Contains(got.Body, "I never agreed to this.") || !strings.Contains(got.Body, "Ann Writer") {
				t.Errorf("%s: the letter lacks the personal paragraph or the signature:\n%s", to, got.Body)
			}
		}

		m = f.write(t, l, "bob@example.org", "Bob", url.Values{"reply_ok": {"on"}})
		confirm(t, app, m)
		for deadline := time.Now().Add(10 * time.Second); len(mailsTo(app, "chairman@ftc.example")) < 2 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		var bobs *testkit.Mail
		for _, got := range mailsTo(app, "chairman@ftc.example") {
			if strings.Contains(got.Header.Get("From"), "Bob") {
				bobs = got
			}
		}
		if bobs == nil {
			t.Fatal("Bob's letter did not reach the FTC")
		}
		if rt, err := mail.ParseAddress(bobs.Header.Get("Reply-To")); err != nil || rt.Address != "bob@example.org" {
			t.Errorf("Reply-To %q, want Bob's address (he agreed)", bobs.Header.Get("Reply-To"))
		}

		doc := f.get(t, l.ID)
		if doc.TotalOutreaches != 2 || len(doc.Targets) != 2 || doc.Targets[0].TotalOutreaches != 2 || doc.Targets[1].TotalOutreaches != 2 {
			t.Errorf("counts: %+v, want 2 letters to each target", doc)
		}
		if _, page := app.Browser().Get(t, l.path(app)); !strings.Contains(page, "2 letters sent") || strings.Count(page, ">2 letters</span>") != 2 {
			t.Errorf("the page does not count 2 letters per target")
		}
		if _, page := app.Browser().Get(t, "/c/fb-users/like"); !strings.Contains(page, "Write to the FTC") || !strings.Contains(page, "2 letters sent") {
			t.Errorf("the campaign page does not list the letter with its count")
		}
		b := app.Browser()
		b.Lang = "fr"
		if _, page := b.Get(t, l.path(app)); !strings.Contains(page, "2 lettres envoyées") || !strings.Contains(page, "Écrivez votre lettre") {
			t.Errorf("the French page is not in French")
		}
	})
}

// A letter going by country reaches the targets of the country its writer
// chose, and none without a country.
func TestLetterByCountry(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		dpc := map[string]any{"name": "Helen Dixon", "title": "Data Protection Commissioner", "email": "dpc@dpc.example", "country": "IE"}
		l := f.letter(t, map[string]any{"by_country": true}, ftc, dpc)

		st, body := app.Browser().Post(t, l.path(app)+"/write", url.Values{"given_name": {"Max"}, "email": {"max@example.org"},
			"subject": {"Tracking"}, "message": {"Please act."}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose the country") || !strings.Contains(body, `value="max@example.org"`) {
			t.Fatalf("without a country: %d, want 422 naming the country and keeping the form", st)
		}
		m := f.write(t, l, "max@example.org", "Max", url.Values{"country": {"IE"}})
		confirm(t, app, m)
		app.Mail.Wait(t, "dpc@dpc.example", "The like button tracks us")
		settle()
		if got := mailsTo(app, "chairman@ftc.example"); len(got) != 0 {
			t.Errorf("the US target got a letter from a writer in Ireland")
		}
		doc := f.get(t, l.ID)
		if doc.Targets[0].TotalOutreaches != 0 || doc.Targets[1].TotalOutreaches != 1 {
			t.Errorf("per target: %+v", doc.Targets)
		}
	})
}

// With the daily digest, a target gets nothing per letter; the day's job
// mails each target one mail holding every confirmed letter.
func TestLetterDailyDigest(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		l := f.letter(t, map[string]any{"digest": true}, ftc)
		confirm(t, app, f.write(t, l, "ann@example.org", "Ann", nil))
		confirm(t, app, f.write(t, l, "bob@example.org", "Bob", url.Values{"personal": {"Bob's own words."}}))
		f.write(t, l, "carl@example.org", "Carl", url.Values{"personal": {"Carl never confirms."}})
		settle()
		if got := mailsTo(app, "chairman@ftc.example"); len(got) != 0 {
			t.Fatalf("the target got %d mails before the digest", len(got))
		}
		ctx := context.Background()
		if _, err := app.DB.Writer().ExecContext(ctx, `UPDATE jobs SET run_at = $1 WHERE subject_id = $2 AND kind = 'letter.digest'`,
			store.Now().Add(-time.Second), l.ID); err != nil {
			t.Fatal(err)
		}
		for {
			n, err := app.Server.Scheduler.RunDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		m := app.Mail.Wait(t, "chairman@ftc.example", "2 letters")
		if !strings.Contains(m.Body, "Ann Writer") || !strings.Contains(m.Body, "Bob's own words.") || strings.Contains(m.Body, "Carl") {
			t.Errorf("digest body:\n%s", m.Body)
		}
		settle()
		if got := mailsTo(app, "chairman@ftc.example"); len(got) != 1 {
			t.Errorf("%d mails to the target, want one digest", len(got))
		}
	})
}

// A letter by post or web form is mailed back to its writer once
// confirmed, with the printable page giving the addresses; "I sent it"
// marks it sent.
func TestLetterByPostMarkedSent(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		senator := map[string]any{"name": "Al Franken", "title": "Senator for Minnesota", "postal_address": "309 Hart Senate Office Building, Washington DC 20510",
			"web_form": "https://www.senate.example/contact"}
		l := f.letter(t, map[string]any{"type": "postal mail"}, senator)
		if st, page := app.Browser().Get(t, l.path(app)); st != 200 || strings.Contains(page, `name="reply_ok"`) {
			t.Errorf("a letter by post offers to let the target reply by mail")
		}
		confirm(t, app, f.write(t, l, "ann@example.org", "Ann", nil))
		m := app.Mail.Wait(t, "ann@example.org", "Your letter to send")
		link := m.Link(t, "/letters/post/")
		b := app.Browser()
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if rp := resp.Header.Get("Referrer-Policy"); rp != "no-referrer" {
			t.Errorf("the printable page's Referrer-Policy is %q: its token would leak to the web form's site", rp)
		}
		st, page := b.Get(t, link)
		if st != 200 || !strings.Contains(page, "309 Hart Senate Office Building") || !strings.Contains(page, "https://www.senate.example/contact") ||
			!strings.Contains(page, "I never agreed to this.") || !strings.Contains(page, "I sent it") {
			t.Fatalf("printable page: %d\n%s", st, page)
		}
		if st, page := b.Post(t, link, nil); st != 200 || !strings.Contains(page, "your letter is marked sent") {
			t.Fatalf("mark sent: %d\n%s", st, page)
		}
		if st, _ := b.Get(t, link[:len(link)-3]+"xyz"); st != http.StatusNotFound {
			t.Errorf("a wrong link: %d, want 404", st)
		}
		if doc := f.get(t, l.ID); doc.Targets[0].TotalOutreaches != 1 {
			t.Errorf("per target: %+v", doc.Targets)
		}
	})
}

// An organizer records a target's answer against the letter campaign;
// naming a demand and a status moves that demand, with its history.
func TestTargetAnswerMovesDemandStatus(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		l := f.letter(t, nil, ftc)
		doc := f.get(t, l.ID)
		b := app.Browser()
		b.SignIn(t, "org@example.org", "correct horse battery")
		st, _ := b.Post(t, l.path(app)+"/answers", url.Values{"target": {doc.Targets[0].ID}, "body": {""}})
		if st != http.StatusUnprocessableEntity {
			t.Errorf("an empty answer: %d, want 422", st)
		}
		st, page := b.Post(t, l.path(app)+"/answers", url.Values{"target": {doc.Targets[0].ID}, "answered_on": {time.Now().UTC().Format("2006-01-02")},
			"body": {"The Commission will look into social plugins."}, "demand": {f.demand}, "demand_status": {"partially_met"}})
		if st != 200 || !strings.Contains(page, "The Commission will look into social plugins.") || !strings.Contains(page, "The answer is recorded.") {
			t.Fatalf("record answer: %d\n%s", st, page)
		}
		var d struct {
			Status        string `json:"status"`
			StatusHistory []struct {
				Status string `json:"status"`
				Note   string `json:"note"`
			} `json:"status_history"`
		}
		if st := app.API(t, "GET", "/api/v1/campaigns/"+f.campaign+"/demands/"+f.demand, f.org, nil, &d); st != 200 || d.Status != "partially_met" {
			t.Fatalf("demand after the answer: %d %+v", st, d)
		}
		if last := d.StatusHistory[len(d.StatusHistory)-1]; !strings.Contains(last.Note, "Jon Leibowitz") {
			t.Errorf("history note %q does not name the target", last.Note)
		}
		app.Browser().Post(t, l.path(app)+"/answers", url.Values{"target": {doc.Targets[0].ID}, "body": {"forged"}})
		if _, page := app.Browser().Get(t, l.path(app)); strings.Contains(page, "forged") || !strings.Contains(page, "social plugins") {
			t.Errorf("a visitor recorded an answer, or the answer is not public")
		}
	})
}

// The OSDI advocacy campaigns: created with their templates and targets
// (a field OSDI does not define is a 422 naming it), listed with the
// shared filters, read one by one, linked from the entry point; the
// record-outreach helper takes a letter as pending, answers the same 202
// whoever writes, and sends it once confirmed; organizers list outreaches.
func TestAdvocacyCampaignsAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		var problem struct {
			Status int `json:"status"`
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		bad := map[string]any{"title": "Typo", "campaign": f.campaign, "templates": []map[string]any{{"subject": "s", "message": "m"}},
			"targets": []map[string]any{{"name": "FTC", "emial": "x@ftc.example"}}}
		if st := app.API(t, "POST", "/api/v1/advocacy_campaigns", f.org, bad, &problem); st != http.StatusUnprocessableEntity ||
			len(problem.Errors) == 0 || problem.Errors[0].Field != "targets[0].emial" {
			t.Errorf("unknown field: %d %+v, want 422 naming targets[0].emial", st, problem)
		}
		if st := app.API(t, "POST", "/api/v1/advocacy_campaigns", "", map[string]any{"title": "x"}, nil); st != http.StatusUnauthorized {
			t.Errorf("create without a token: %d", st)
		}
		noEmail := map[string]any{"title": "No address", "campaign": f.campaign, "templates": []map[string]any{{"subject": "s", "message": "m"}},
			"targets": []map[string]any{{"name": "FTC"}}}
		if st := app.API(t, "POST", "/api/v1/advocacy_campaigns", f.org, noEmail, &problem); st != http.StatusUnprocessableEntity ||
			len(problem.Errors) == 0 || problem.Errors[0].Field != "targets[0].email" {
			t.Errorf("target without address: %d %+v", st, problem)
		}

		first := f.letter(t, nil, ftc)
		cut := time.Now().UTC().Add(time.Second).Truncate(time.Second)
		time.Sleep(time.Until(cut) + 50*time.Millisecond)
		second := f.letter(t, map[string]any{"title": "Write to your senator", "slug": "senators"},
			map[string]any{"given_name": "Chuck", "family_name": "Schumer", "organization": "US Senate", "email": "schumer@senate.example"})
		if second.Targets[0].Name != "Chuck Schumer" || second.Links["osdi:record_outreach_helper"].Href == "" || second.Links["osdi:outreaches"].Href == "" {
			t.Errorf("second: %+v", second)
		}

		var list struct {
			Total    int                    `json:"total_records"`
			Embedded map[string][]letterDoc `json:"_embedded"`
		}
		if st := app.API(t, "GET", "/api/v1/advocacy_campaigns", "", nil, &list); st != 200 || list.Total != 2 || len(list.Embedded["osdi:advocacy_campaigns"]) != 2 {
			t.Fatalf("list: %d %+v", st, list)
		}
		q := url.QueryEscape("created_date gt '" + cut.Format(time.RFC3339) + "'")
		if st := app.API(t, "GET", "/api/v1/advocacy_campaigns?filter="+q, "", nil, &list); st != 200 || list.Total != 1 ||
			list.Embedded["osdi:advocacy_campaigns"][0].ID != second.ID {
			t.Errorf("filtered after the cut: %d %+v", st, list)
		}
		if st := app.API(t, "GET", "/api/v1/advocacy_campaigns?filter="+url.QueryEscape("title eq 'x'"), "", nil, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("an unknown filter: %d, want 422", st)
		}
		if got := f.get(t, first.ID); got.Title != "Write to the FTC" || len(got.Targets) != 1 {
			t.Errorf("get: %+v", got)
		}
		var entry struct {
			Links map[string]json.RawMessage `json:"_links"`
		}
		app.API(t, "GET", "/api/v1", "", nil, &entry)
		if !strings.Contains(string(entry.Links["osdi:advocacy_campaigns"]), `/api/v1/advocacy_campaigns"`) ||
			!strings.Contains(string(entry.Links["osdi:record_outreach_helper"]), `/advocacy_campaigns/{advocacy_campaign_id}/outreaches"`) {
			t.Errorf("entry point: %+v", entry.Links)
		}

		helper := "/api/v1/advocacy_campaigns/" + first.ID + "/outreaches"
		outreach := map[string]any{"person": map[string]any{"given_name": "Dora", "family_name": "Helper",
			"email_addresses": []map[string]any{{"address": "dora@example.org"}}},
			"subject": "From the API", "message": "Dear Commissioner, please look at the like button.",
			"targets": []map[string]any{{"id": first.Targets[0].ID}}}
		if st := app.API(t, "POST", helper, "", map[string]any{"person": outreach["person"], "mesage": "typo"}, &problem); st != http.StatusUnprocessableEntity ||
			problem.Errors[0].Field != "mesage" {
			t.Errorf("outreach with an unknown field: %d %+v", st, problem)
		}
		if st := app.API(t, "POST", helper, "", map[string]any{"person": outreach["person"], "targets": []map[string]any{{"id": "nobody"}}}, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("outreach to an unknown target: %d", st)
		}
		var rec struct {
			Status string `json:"status"`
		}
		if st := app.API(t, "POST", helper, "", outreach, &rec); st != http.StatusAccepted || rec.Status != "pending" {
			t.Fatalf("outreach helper: %d %+v", st, rec)
		}
		settle()
		if len(mailsTo(app, "chairman@ftc.example")) != 0 {
			t.Fatal("the target got an unconfirmed letter")
		}
		confirm(t, app, app.Mail.Wait(t, "dora@example.org", "Confirm your letter"))
		m := app.Mail.Wait(t, "chairman@ftc.example", "From the API")
		if !strings.Contains(m.Body, "please look at the like button") || !strings.Contains(m.Header.Get("From"), "Dora Helper") {
			t.Errorf("letter from the API: %q\n%s", m.Header.Get("From"), m.Body)
		}
		if got := f.get(t, first.ID); got.TotalOutreaches != 1 {
			t.Errorf("total_outreaches %d, want 1", got.TotalOutreaches)
		}
		// An organizer's import was sent elsewhere: counted at once, mailed to nobody.
		imported := map[string]any{"origin_system": "paper", "person": map[string]any{"given_name": "Eve",
			"email_addresses": []map[string]any{{"address": "eve@example.org"}}}}
		if st := app.API(t, "POST", helper, f.org, imported, nil); st != http.StatusCreated {
			t.Errorf("import: %d, want 201", st)
		}
		if got := f.get(t, first.ID); got.TotalOutreaches != 2 || got.Targets[0].TotalOutreaches != 2 {
			t.Errorf("after the import: %+v, want 2 letters to the FTC", got)
		}
		var outs struct {
			Total    int `json:"total_records"`
			Embedded map[string][]struct {
				Subject string      `json:"subject"`
				Targets []targetDoc `json:"targets"`
			} `json:"_embedded"`
		}
		if st := app.API(t, "GET", helper, f.org, nil, &outs); st != 200 || outs.Total != 2 || outs.Embedded["osdi:outreaches"][0].Subject != "From the API" {
			t.Errorf("outreaches: %d %+v", st, outs)
		}
		if st := app.API(t, "GET", helper, "", nil, nil); st == 200 {
			t.Errorf("a visitor listed the outreaches")
		}
	})
}

// A letter campaign writes to targets of the targets directory: named by
// id (or datenanfragen slug), their name, address and country are the
// directory's; one the campaign's community cannot see is refused.
func TestLetterToDirectoryTargets(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		var dpc struct {
			Identifiers []string `json:"identifiers"`
			ID          string
		}
		if st := app.API(t, "POST", "/api/v1/targets", f.org, map[string]any{"community": "fb-users", "kind": "regulator", "role": "data_protection",
			"name": "Data Protection Commission", "email": "info@dpc.example", "countries": []string{"IE"},
			"postal_address": "21 Fitzwilliam Square South, Dublin 2"}, &dpc); st != http.StatusCreated || len(dpc.Identifiers) == 0 {
			t.Fatalf("create directory target: %d", st)
		}
		dpc.ID = strings.TrimPrefix(dpc.Identifiers[0], "repertoire:")
		var l struct {
			Targets []struct {
				Name, Email, Country string
			} `json:"targets"`
		}
		body := map[string]any{"title": "Complain to the DPC", "campaign": f.campaign, "templates": []map[string]any{{"subject": "s", "message": "m"}},
			"targets": []map[string]any{{"directory": dpc.ID}}}
		if st := app.API(t, "POST", "/api/v1/advocacy_campaigns", f.org, body, &l); st != http.StatusCreated || len(l.Targets) != 1 ||
			l.Targets[0].Name != "Data Protection Commission" || l.Targets[0].Email != "info@dpc.example" || l.Targets[0].Country != "IE" {
			t.Fatalf("letter to a directory target: %d %+v", st, l)
		}
		var problem struct {
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		body["title"], body["targets"] = "Nobody", []map[string]any{{"directory": "no-such-target"}}
		if st := app.API(t, "POST", "/api/v1/advocacy_campaigns", f.org, body, &problem); st != http.StatusUnprocessableEntity ||
			len(problem.Errors) == 0 || problem.Errors[0].Field != "targets[0].directory" {
			t.Errorf("an unknown directory target: %d %+v", st, problem)
		}
		b := app.Browser()
		b.SignIn(t, "org@example.org", "correct horse battery")
		st, page := b.Post(t, "/c/fb-users/like/letters", url.Values{"title": {"From the page"}, "subject": {"s"}, "body": {"m"},
			"targets": {"@" + dpc.ID}, "delivery": {"email"}})
		if st != 200 || !strings.Contains(page, "Data Protection Commission") {
			t.Errorf("letter from the page to @%s: %d", dpc.ID, st)
		}
	})
}

// A writer who erases themselves leaves no trace of their letter: not its
// text, not its mail to the target, not their name in a count.
func TestErasedWriterLeavesNoLetter(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		l := f.letter(t, map[string]any{"digest": true}, ftc)
		token := app.Token(t, "quentin@example.org", "Quentin Zyxwriter", false)
		confirm(t, app, f.write(t, l, "quentin@example.org", "Quentin", url.Values{"family_name": {"Zyxwriter"},
			"personal": {"Quentinesque paragraph."}}))
		if len(storetest.Find(t, app.DB, "Quentinesque paragraph.")) == 0 {
			t.Fatal("the letter was not kept")
		}
		var id string
		if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM people WHERE email = $1`, "quentin@example.org").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if st := app.API(t, "DELETE", "/api/v1/people/"+id, token, nil, nil); st != 204 {
			t.Fatalf("erase: %d", st)
		}
		for _, s := range []string{"Quentinesque paragraph.", "Zyxwriter", "quentin@example.org"} {
			if found := storetest.Find(t, app.DB, s); len(found) > 0 {
				t.Errorf("%q still in %v", s, found)
			}
		}
		if doc := f.get(t, l.ID); doc.TotalOutreaches != 0 || doc.Targets[0].TotalOutreaches != 0 {
			t.Errorf("counts after erasure: %+v", doc)
		}
	})
}

// Writing again with the same address before confirming mails a second
// link; each link states and sends the letter it was mailed for, whoever
// typed the other: confirming the first sends the first letter, the
// second the second, and nothing of the other reaches the target.
func TestEachLinkSendsItsOwnLetter(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		l := f.letter(t, nil, ftc)
		for _, tc := range []struct {
			email   string
			confirm int // which submission's link is followed
		}{{"ann@example.org", 0}, {"bob@example.org", 1}} {
			subjects := [2]string{"First subject of " + tc.email, "Second subject of " + tc.email}
			texts := [2]string{"First words of " + tc.email + ".", "Second words of " + tc.email + "."}
			for i := range 2 {
				st, body := app.Browser().Post(t, l.path(app)+"/write", url.Values{"given_name": {"Writer"}, "email": {tc.email},
					"subject": {subjects[i]}, "message": {"Dear Commissioner,"}, "personal": {texts[i]}})
				if st != 200 || !strings.Contains(body, "Check your mailbox") {
					t.Fatalf("%s: write %d: %d\n%s", tc.email, i, st, body)
				}
			}
			var links [2]string
			for _, m := range app.Mail.WaitN(t, tc.email, "Confirm your letter", 2) {
				for i := range 2 {
					if strings.Contains(m.Body, texts[i]) && strings.Contains(m.Body, subjects[i]) && !strings.Contains(m.Body, texts[1-i]) {
						links[i] = m.Link(t, "/p/confirm/")
					}
				}
			}
			if links[0] == "" || links[1] == "" || links[0] == links[1] {
				t.Fatalf("%s: each confirmation mail should state its own letter", tc.email)
			}
			settle()
			if got := mailsTo(app, "chairman@ftc.example"); len(got) != tc.confirm {
				t.Fatalf("%s: the target got %d mails before the writer confirmed", tc.email, len(got)-tc.confirm)
			}
			if st, body := app.Browser().Post(t, links[tc.confirm], nil); st != 200 {
				t.Fatalf("confirm: %d\n%s", st, body)
			}
			got := app.Mail.Wait(t, "chairman@ftc.example", subjects[tc.confirm])
			if !strings.Contains(got.Body, texts[tc.confirm]) || strings.Contains(got.Body, texts[1-tc.confirm]) {
				t.Errorf("%s: the target got the other link's letter:\n%s", tc.email, got.Body)
			}
			settle()
			for _, m := range mailsTo(app, "chairman@ftc.example") {
				if strings.Contains(m.Subject, subjects[1-tc.confirm]) {
					t.Errorf("%s: the letter of the link not followed was sent", tc.email)
				}
			}
		}
	})
}

package pledge_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func lacks(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s has %q", what, w)
		}
	}
}

// dates of a pledge's form: the deadline in two days, the window from
// three to ten days out.
func formDates(v url.Values) url.Values {
	now := time.Now().UTC()
	v.Set("deadline", now.Add(48*time.Hour).Format(time.DateOnly))
	v.Set("window_start", now.Add(72*time.Hour).Format(time.DateOnly))
	v.Set("window_end", now.Add(10*24*time.Hour).Format(time.DateOnly))
	return v
}

// A pledge saved as a draft is its organizers' only: a visitor, the API
// and the commit form do not find it, the campaign page lists it to
// organizers only with its badge, it has no jobs; published, it is a
// pledge like any other, and its history says when.
func TestDraftPledge(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 100)
		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		_, form := org.Get(t, "/c/fb-users/strike/pledges/new")
		contains(t, "new form", form, `name="draft" value="1"`)
		st, page := org.Post(t, "/c/fb-users/strike/pledges", formDates(url.Values{"title": {"Quit for a week"}, "action": {"quit Instagram"},
			"threshold": {"50"}, "draft": {"1"}}))
		if st != 200 {
			t.Fatalf("save a draft: %d\n%s", st, page)
		}
		contains(t, "organizer's preview", page, "This pledge is a draft", `name="status" value="collecting"`, "Commitments open when the pledge is published.")
		lacks(t, "organizer's preview", page, `/pledges/quit-for-a-week/commit"`)
		path := "/c/fb-users/strike/pledges/quit-for-a-week"
		var id string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM pledges WHERE slug = 'quit-for-a-week'`).Scan(&id)
		var jobs int
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM jobs WHERE subject_id = $1`, id).Scan(&jobs)
		if jobs != 0 {
			t.Errorf("a draft has %d jobs", jobs)
		}

		visitor := app.Browser()
		for _, p := range []string{path, path + "/share.png", path + "/committed", path + "/mastodon"} {
			if st, _ := visitor.Get(t, p); st != http.StatusNotFound {
				t.Errorf("visitor GET %s: %d, want 404", p, st)
			}
		}
		if st, _ := visitor.Post(t, path+"/commit", url.Values{"given_name": {"Ana"}, "email": {"ana@example.org"}}); st == http.StatusOK {
			t.Errorf("a draft took a commitment")
		}
		if st := app.API(t, "POST", "/api/v1/pledges/"+id+"/commitments", "", map[string]any{
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "ana@example.org"}}}}, nil); st != http.StatusNotFound {
			t.Errorf("API commitment to a draft: %d, want 404", st)
		}
		_, camp := visitor.Get(t, "/c/fb-users/strike")
		lacks(t, "campaign page for visitors", camp, "Quit for a week")
		_, camp = org.Get(t, "/c/fb-users/strike")
		contains(t, "campaign page for organizers", camp, "Quit for a week", "Draft")

		var list struct {
			Total int `json:"total_records"`
		}
		app.API(t, "GET", "/api/v1/pledges", "", nil, &list)
		if list.Total != 1 {
			t.Errorf("visitors' API lists %d pledges, want 1 (the draft hidden)", list.Total)
		}
		if st := app.API(t, "GET", "/api/v1/pledges/"+id, "", nil, nil); st != http.StatusNotFound {
			t.Errorf("visitors' API finds the draft: %d", st)
		}
		app.API(t, "GET", "/api/v1/pledges", f.org, nil, &list)
		if list.Total != 2 {
			t.Errorf("organizer's API lists %d pledges, want 2", list.Total)
		}

		// A draft's edits are nobody's history yet.
		if st, body := org.Post(t, path+"/edit", formDates(url.Values{"title": {"Quit for a week"}, "action": {"quit Instagram"}, "threshold": {"60"}})); st != 200 {
			t.Fatalf("edit the draft: %d\n%s", st, body)
		}
		// Publish: public, open, with jobs and a history.
		if st, body := org.Post(t, path+"/status", url.Values{"status": {"collecting"}}); st != 200 || !strings.Contains(body, "The pledge is published.") {
			t.Fatalf("publish: %d\n%s", st, body)
		}
		st, page = visitor.Get(t, path)
		if st != 200 || !strings.Contains(page, `action="`+path+`/commit"`) {
			t.Fatalf("published: %d", st)
		}
		lacks(t, "published", page, "This pledge is a draft", "from 60", "from 50")
		contains(t, "published", page, "The pledge was published.")
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM jobs WHERE subject_id = $1`, id).Scan(&jobs)
		if jobs == 0 {
			t.Errorf("a published pledge has no jobs")
		}
		if st, _ := org.Post(t, path+"/status", url.Values{"status": {"collecting"}}); st != http.StatusConflict {
			t.Errorf("publishing twice: %d, want 409", st)
		}
	})
}

// An organizer edits a published pledge: what the committed people count
// on (threshold, deadline, dates, action) is kept in its history, shown on
// its page in each reader's language; its title is not.
func TestEditAPublishedPledgeKeepsItsHistory(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 100)
		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		path := "/c/fb-users/strike/pledges/" + f.pledge.Slug
		_, form := org.Get(t, path+"/edit")
		contains(t, "edit form", form, "is kept in its history")
		v := url.Values{"title": {"Log out, all of us"}, "slug": {f.pledge.Slug}, "action": {"log out of Facebook"}, "threshold": {"100"},
			"deadline": {f.pledge.Deadline[:10]}, "window_start": {f.pledge.WindowStart[:10]},
			"window_end": {time.Now().UTC().Add(9 * 24 * time.Hour).Format(time.DateOnly)}}
		if st, body := org.Post(t, path+"/edit", v); st != 200 {
			t.Fatalf("edit title and last day: %d\n%s", st, body)
		}
		v.Set("threshold", "250")
		v.Set("action", "log out of Facebook and Instagram")
		if st, body := org.Post(t, path+"/edit", v); st != 200 {
			t.Fatalf("edit threshold: %d\n%s", st, body)
		}
		_, page := app.Browser().Get(t, path)
		contains(t, "pledge page", page, "History", "The threshold changed from 100 to 250 commitments.",
			"The action changed from “log out of Facebook” to “log out of Facebook and Instagram”.", "The dates of the action changed from")
		fr := app.Browser()
		fr.Lang = "fr"
		_, page = fr.Get(t, path)
		contains(t, "French page", page, "Historique", "Le seuil est passé de 100 à 250 engagements.")
		var n int
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM pledge_changes WHERE pledge_id = $1`, f.pledge.ID).Scan(&n)
		if n != 3 {
			t.Errorf("%d changes kept, want 3 (window, threshold, action; the title tells nobody)", n)
		}
	})
}

// Closing asks first, stops commitments, tells the committed people, and
// cannot be undone; deleting a pledge with counted commitments is refused
// (close it instead), one without them goes once confirmed.
func TestCloseAndDeletePledge(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 100)
		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		path := "/c/fb-users/strike/pledges/" + f.pledge.Slug
		f.commitOnline(t, "ana@example.org", "Ana", "en", "Confirm")

		_, manage := org.Get(t, path+"/manage")
		contains(t, "manage", manage, `name="status" value="closed"`, `class="danger"`, "Close it instead.")
		lacks(t, "manage with a counted commitment", manage, `action="`+path+`/delete"`)
		for _, v := range []url.Values{nil, {"confirm": {"yes"}}} {
			if st, body := org.Post(t, path+"/delete", v); st != http.StatusConflict || !strings.Contains(body, "cannot be deleted") {
				t.Fatalf("counted pledge deleted: %d", st)
			}
		}
		if st := app.API(t, "DELETE", "/api/v1/pledges/"+f.pledge.ID, f.org, nil, nil); st != http.StatusConflict {
			t.Fatalf("API deleted a counted pledge: %d", st)
		}

		st, body := org.Post(t, path+"/status", url.Values{"status": {"closed"}})
		if st != 200 {
			t.Fatalf("close: %d", st)
		}
		contains(t, "confirmation", body, "Close the pledge “Log out of Facebook”?", "the 1 person committed is told by mail", `name="confirm" value="yes"`)
		if f.get(t).Status != "collecting" {
			t.Fatal("closed before confirming")
		}
		if st, body = org.Post(t, path+"/status", url.Values{"status": {"closed"}, "confirm": {"yes"}}); st != 200 {
			t.Fatalf("close, confirmed: %d", st)
		}
		if got := f.get(t).Status; got != "closed" {
			t.Fatalf("status %s, want closed", got)
		}
		app.Mail.Wait(t, "ana@example.org", "Closed: Log out of Facebook")
		st, page := app.Browser().Get(t, path)
		contains(t, "closed page", page, "Closed", "Its organizers closed the pledge")
		lacks(t, "closed page", page, `action="`+path+`/commit"`)
		if st, _ := app.Browser().Post(t, path+"/commit", url.Values{"given_name": {"Bo"}, "email": {"bo@example.org"}}); st != http.StatusConflict {
			t.Errorf("a closed pledge took a commitment: %d", st)
		}
		if st, _ := org.Post(t, path+"/status", url.Values{"status": {"collecting"}}); st != http.StatusConflict {
			t.Errorf("a closed pledge went back to collecting: %d", st)
		}

		// A draft nobody committed to goes once confirmed.
		org.Post(t, "/c/fb-users/strike/pledges", formDates(url.Values{"title": {"Second thoughts"}, "action": {"wait"}, "threshold": {"5"}, "draft": {"1"}}))
		draft := "/c/fb-users/strike/pledges/second-thoughts"
		st, body = org.Post(t, draft+"/delete", nil)
		contains(t, "delete confirmation", body, "Delete the pledge “Second thoughts”?", "This cannot be undone.")
		if st, _ := org.Get(t, draft); st != 200 {
			t.Fatalf("deleted before confirming: %d", st)
		}
		if _, body = org.Post(t, draft+"/delete", url.Values{"confirm": {"yes"}}); !strings.Contains(body, "The pledge is deleted.") {
			t.Fatalf("draft not deleted:\n%s", body)
		}
		if st, _ := org.Get(t, draft); st != http.StatusNotFound {
			t.Fatalf("deleted draft: %d", st)
		}
	})
}

// The organizers' page lists the committed people with what each agreed to
// share, and the export carries their consents with a reason for every
// blank, its headers in the reader's language; nobody else reads either.
func TestCommittedPeopleListAndExport(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 100)
		f.commitOnline(t, "ana@example.org", "Ana", "en", "Confirm") // agreed to be contacted
		if st := app.API(t, "POST", "/api/v1/pledges/"+f.pledge.ID+"/commitments", f.org, map[string]any{"origin_system": "paper",
			"person": map[string]any{"given_name": "Bruno", "email_addresses": []map[string]any{{"address": "bruno@example.org"}}}}, nil); st != http.StatusCreated {
			t.Fatalf("import: %d", st)
		}
		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		path := "/c/fb-users/strike/pledges/" + f.pledge.Slug
		_, show := org.Get(t, path)
		contains(t, "pledge page for organizers", show, `href="`+path+`/manage"`)
		st, manage := org.Get(t, path+"/manage")
		if st != 200 {
			t.Fatalf("manage: %d", st)
		}
		contains(t, "manage", manage, "Committed people", "Ana", "ana@example.org", "(no consent to be contacted)",
			"(no consent to show or share their name)", "paper", `href="`+path+`/commitments.csv"`)
		lacks(t, "manage", manage, "Bruno", "bruno@example.org")

		_, raw := org.Get(t, path+"/commitments.csv")
		rows, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
		if err != nil || len(rows) != 3 {
			t.Fatalf("csv: %v, %d rows\n%s", err, len(rows), raw)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		for _, h := range []string{"Name", "Email", "Agreed to be contacted", "Why the name is blank", "Why the email is blank"} {
			if _, ok := col[h]; !ok {
				t.Fatalf("csv lacks the column %q: %v", h, rows[0])
			}
		}
		ana, bruno := rows[1], rows[2]
		if ana[col["Email"]] != "ana@example.org" || ana[col["Agreed to be contacted"]] != "yes" || ana[col["Why the email is blank"]] != "" {
			t.Errorf("Ana's row: %v", ana)
		}
		if bruno[col["Name"]] != "" || bruno[col["Email"]] != "" || bruno[col["Agreed to be contacted"]] != "no" ||
			bruno[col["Why the name is blank"]] != "no consent to show or share their name" || bruno[col["Why the email is blank"]] != "no consent to be contacted" {
			t.Errorf("Bruno's row explains no blank: %v", bruno)
		}
		lacks(t, "csv", raw, "Bruno", "bruno@", "127.0.0.1")

		fr := app.Browser()
		fr.Lang = "fr"
		fr.SignIn(t, "org@example.org", "correct horse battery")
		_, raw = fr.Get(t, path+"/commitments.csv")
		contains(t, "French csv", raw, "Pourquoi le courriel est vide", "pas d’accord pour être contacté·e")

		stranger := app.Browser()
		app.Token(t, "s@example.org", "S", false)
		stranger.SignIn(t, "s@example.org", "correct horse battery")
		for _, p := range []string{path + "/manage", path + "/commitments.csv"} {
			if st, _ := stranger.Get(t, p); st != http.StatusForbidden {
				t.Errorf("a non-organizer GET %s: %d", p, st)
			}
		}
	})
}

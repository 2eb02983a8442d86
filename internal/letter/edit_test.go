package letter_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

type problem struct {
	Status int `json:"status"`
	Errors []struct {
		Field string `json:"field"`
	} `json:"errors"`
}

func (p problem) names(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// An organizer edits a letter campaign by PUT (the fields given replace
// the campaign's, the others stay); a target named by its id keeps its
// letters and counts, one left out that received letters is refused, and
// the delivery stays once letters are written. DELETE is refused (409)
// once a letter was sent, and removes a campaign whose letters still wait
// for confirmation; others than its organizers can do neither.
func TestLetterEditAndDeleteByAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		l := f.letter(t, nil, ftc)
		ftcID := l.Targets[0].ID
		senator := map[string]any{"name": "Chuck Schumer", "title": "Senator for New York", "email": "schumer@senate.example", "country": "US"}

		var got letterDoc
		body := map[string]any{"title": "Write to the FTC and the Senate", "targets": []map[string]any{{"id": ftcID, "name": "Jon Leibowitz",
			"title": "Chairman", "email": "chairman@ftc.example"}, senator}}
		if st := app.API(t, "PUT", "/api/v1/advocacy_campaigns/"+l.ID, f.org, body, &got); st != 200 {
			t.Fatalf("PUT: %d", st)
		}
		if got.Title != "Write to the FTC and the Senate" || len(got.Targets) != 2 || got.Targets[0].ID != ftcID || got.Targets[1].Name != "Chuck Schumer" {
			t.Fatalf("after PUT: %+v", got)
		}
		var full struct {
			Templates []struct{ Subject, Message string } `json:"templates"`
		}
		app.API(t, "GET", "/api/v1/advocacy_campaigns/"+l.ID, "", nil, &full)
		if len(full.Templates) != 1 || full.Templates[0].Subject != "The like button tracks us" {
			t.Errorf("a PUT without templates changed them: %+v", full.Templates)
		}

		stranger := app.Token(t, "eve@example.org", "Eve", false)
		if st := app.API(t, "PUT", "/api/v1/advocacy_campaigns/"+l.ID, stranger, map[string]any{"title": "Hijacked"}, nil); st != http.StatusForbidden {
			t.Errorf("a stranger's PUT: %d, want 403", st)
		}
		if st := app.API(t, "DELETE", "/api/v1/advocacy_campaigns/"+l.ID, stranger, nil, nil); st != http.StatusForbidden {
			t.Errorf("a stranger's DELETE: %d, want 403", st)
		}
		var p problem
		if st := app.API(t, "PUT", "/api/v1/advocacy_campaigns/"+l.ID, f.org, map[string]any{"templates": []map[string]any{{"subject": "", "message": "x"}}}, &p); st != 422 || !p.names("subject") {
			t.Errorf("an empty subject: %d %+v, want 422 naming subject", st, p)
		}

		confirm(t, app, f.write(t, letterDoc{BrowserURL: got.BrowserURL}, "ann@example.org", "Ann", nil))
		app.Mail.Wait(t, "chairman@ftc.example", "The like button tracks us")

		p = problem{}
		if st := app.API(t, "PUT", "/api/v1/advocacy_campaigns/"+l.ID, f.org, map[string]any{"targets": []map[string]any{senator}}, &p); st != 422 || !p.names("targets") {
			t.Errorf("removing a target with letters: %d %+v, want 422 naming targets", st, p)
		}
		p = problem{}
		if st := app.API(t, "PUT", "/api/v1/advocacy_campaigns/"+l.ID, f.org, map[string]any{"type": "postal mail"}, &p); st != 422 || !p.names("delivery") {
			t.Errorf("changing the delivery after letters: %d %+v, want 422 naming delivery", st, p)
		}
		if st := app.API(t, "DELETE", "/api/v1/advocacy_campaigns/"+l.ID, f.org, nil, nil); st != http.StatusConflict {
			t.Errorf("deleting a campaign with a sent letter: %d, want 409", st)
		}
		if doc := f.get(t, l.ID); doc.TotalOutreaches != 1 || doc.Targets[0].TotalOutreaches != 1 || doc.Title != "Write to the FTC and the Senate" {
			t.Errorf("after the refusals: %+v, want the letter counted under the edited campaign", doc)
		}

		// A campaign whose only letter waits for its writer goes, letter and all.
		other := map[string]any{"name": "Kirsten Gillibrand", "email": "gillibrand@senate.example", "country": "US"}
		l2 := f.letter(t, map[string]any{"title": "Write to the senators", "slug": "senators"}, other)
		pending := f.write(t, l2, "bob@example.org", "Bob", nil)
		if st := app.API(t, "DELETE", "/api/v1/advocacy_campaigns/"+l2.ID, f.org, nil, nil); st != http.StatusNoContent {
			t.Fatalf("deleting a campaign with only a pending letter: %d, want 204", st)
		}
		if st := app.API(t, "GET", "/api/v1/advocacy_campaigns/"+l2.ID, f.org, nil, nil); st != http.StatusNotFound {
			t.Errorf("the deleted campaign: %d, want 404", st)
		}
		app.Browser().Post(t, pending.Link(t, "/p/confirm/"), nil)
		settle()
		if n := len(mailsTo(app, "gillibrand@senate.example")); n != 0 {
			t.Errorf("the senator got %d letters of a deleted campaign", n)
		}
	})
}

// In the browser, an organizer edits a letter campaign from its page (a
// refused form comes back with what they typed, 422), and deletes one
// only after a confirmation page whose button is styled as destructive;
// a campaign that sent letters is not deleted and the page says why.
func TestLetterEditAndDeletePages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		l := f.letter(t, nil, ftc)
		b := app.Browser()
		b.SignIn(t, "org@example.org", "correct horse battery")
		if _, page := b.Get(t, l.path(app)); !strings.Contains(page, l.path(app)+"/edit") {
			t.Errorf("the organizer's letter page has no edit link")
		}
		if _, page := app.Browser().Get(t, l.path(app)); strings.Contains(page, l.path(app)+"/edit") {
			t.Errorf("a visitor sees the edit link")
		}
		if _, page := app.Browser().Get(t, l.path(app)+"/edit"); strings.Contains(page, "chairman@ftc.example") {
			t.Errorf("a visitor opened the edit page")
		}
		st, page := b.Get(t, l.path(app)+"/edit")
		if st != 200 || !strings.Contains(page, "Jon Leibowitz | Chairman, Federal Trade Commission | chairman@ftc.example | US") ||
			!strings.Contains(page, `value="Write to the FTC"`) {
			t.Fatalf("edit page: %d\n%s", st, page)
		}
		form := url.Values{"title": {"Write to the Commission"}, "subject": {""}, "body": {"Dear Commissioner,\n\nStop the tracking."},
			"targets": {"Jon Leibowitz | Chairman | chairman@ftc.example | US"}, "delivery": {"email"}}
		st, page = b.Post(t, l.path(app)+"/edit", form)
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, `value="Write to the Commission"`) || !strings.Contains(page, "Stop the tracking.") {
			t.Fatalf("a refused edit: %d, want 422 with the typed values\n%s", st, page)
		}
		form.Set("subject", "Stop the tracking")
		st, page = b.Post(t, l.path(app)+"/edit", form)
		if st != 200 || !strings.Contains(page, "The letter is saved.") || !strings.Contains(page, "<h1>Write to the Commission</h1>") {
			t.Fatalf("edit: %d\n%s", st, page)
		}
		if doc := f.get(t, l.ID); len(doc.Targets) != 1 || doc.Targets[0].ID != l.Targets[0].ID {
			t.Errorf("the target's line kept its name but not its id: %+v", doc.Targets)
		}

		st, page = b.Get(t, l.path(app)+"/delete")
		if st != 200 || !strings.Contains(page, `<button type="submit" class="danger">Delete the letter for good</button>`) {
			t.Fatalf("delete page: %d\n%s", st, page)
		}
		app.Browser().Post(t, l.path(app)+"/delete", nil) // a visitor is sent to sign in
		if st := app.API(t, "GET", "/api/v1/advocacy_campaigns/"+l.ID, "", nil, nil); st != 200 {
			t.Fatalf("the letter went after a visitor's post: %d", st)
		}

		sent := f.letter(t, map[string]any{"title": "Sent already", "slug": "sent"}, ftc)
		confirm(t, app, f.write(t, sent, "ann@example.org", "Ann", nil))
		if _, page := b.Get(t, sent.path(app)+"/delete"); !strings.Contains(page, "cannot be deleted") || strings.Contains(page, `class="danger"`) {
			t.Errorf("the delete page of a campaign with a sent letter offers the deletion\n%s", page)
		}
		if st, _ := b.Post(t, sent.path(app)+"/delete", nil); st != http.StatusConflict {
			t.Errorf("deleting a campaign with a sent letter: %d, want 409", st)
		}

		st, page = b.Post(t, l.path(app)+"/delete", nil)
		if st != 200 || !strings.Contains(page, "The letter is deleted.") {
			t.Fatalf("delete: %d\n%s", st, page)
		}
		if st, _ := app.Browser().Get(t, l.path(app)); st != http.StatusNotFound {
			t.Errorf("the deleted letter's page: %d, want 404", st)
		}
	})
}

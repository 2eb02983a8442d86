package petition_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// An organizer edits a published petition from its page: the form comes
// filled in, a refused change keeps what was typed, and a new goal or text
// is told on the campaign's timeline (a new description is not).
func TestEditAPublishedPetition(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, p, demands := setup(t, app)
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		_, manage := b.Get(t, path+"/manage")
		contains(t, "manage", manage, `href="`+path+`/edit"`)
		st, form := b.Get(t, path+"/edit")
		if st != 200 {
			t.Fatalf("edit page: %d", st)
		}
		contains(t, "edit form", form, `action="`+path+`/edit"`, `value="Stop tracking us"`, `value="10"`, "We ask you to stop.",
			`value="Platform Inc."`, `value="ceo@platform.example"`, `value="`+demands[0]+`" checked`)
		if st, body := app.Browser().Get(t, path+"/edit"); st != 200 || !strings.Contains(body, `action="/signin"`) || strings.Contains(body, "We ask you to stop.") {
			t.Fatalf("a visitor is not sent to sign in: %d", st)
		}

		v := url.Values{"title": {"Stop tracking us"}, "slug": {"stop-tracking-us"}, "description": {"Now with a summary."},
			"petition_text": {"We ask you to stop."}, "goal": {"ten"}, "target[0].name": {"Platform Inc."}, "target[0].email": {"ceo@platform.example"},
			"demands": {demands[0]}}
		st, body := b.Post(t, path+"/edit", v)
		if st != 422 {
			t.Fatalf("bad goal: %d", st)
		}
		contains(t, "refused", body, `value="ten"`, `id="form-errors"`, "Now with a summary.")

		v.Set("goal", "10") // only the description: nothing for the timeline
		b.Post(t, path+"/edit", v)
		v.Set("goal", "500")
		v.Set("petition_text", "We ask you to stop, now.")
		st, body = b.Post(t, path+"/edit", v)
		if st != 200 {
			t.Fatalf("edit: %d", st)
		}
		contains(t, "petition page", body, "The petition is saved.", "We ask you to stop, now.", "Now with a summary.")
		_, camp := b.Get(t, "/c/users/logout")
		contains(t, "timeline", camp, "Petition “Stop tracking us” changed", "Its goal is now 500 signatures (it was 10).", "Its text was changed")
		var updates int
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM campaign_updates`).Scan(&updates)
		if updates != 1 {
			t.Fatalf("%d timeline entries, want 1 (the description alone tells nobody)", updates)
		}
	})
}

// A new petition's form offers the campaign's targets.
func TestNewPetitionOffersTheCampaignsTargets(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, _, _ := setup(t, app)
		if st := app.API(t, "PUT", "/api/v1/campaigns/"+campaignID(t, app), token, map[string]any{"targets": []map[string]any{{"name": "Meta Platforms"}}}, nil); st != 200 {
			t.Fatalf("campaign targets: %d", st)
		}
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		_, form := b.Get(t, "/c/users/logout/petitions/new")
		contains(t, "new petition", form, `name="target[0].name" type="text" value="Meta Platforms"`)
	})
}

func campaignID(t *testing.T, app *testkit.App) string {
	t.Helper()
	var id string
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM campaigns WHERE slug = 'logout'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

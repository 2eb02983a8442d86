package campaign_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

func (p problem) names(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// A campaign created as a draft through the API (status draft) is its
// organizers' and the admins' only: 404 to a visitor and to another
// community's organizer on every read path (by id, its demands, the
// collection and ?community=, the tactics' ?campaign=, its petition and
// the transparency log's count of it); published by PUT
// (status published, in the edit's transaction), everyone finds it, and
// it never goes back to being a draft. A bad status writes nothing. A
// campaign whose tactics counted anyone is not deleted, saying why.
func TestCampaignDraftsThroughTheAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		other := app.Token(t, "other@example.org", "Other", false)
		admin := app.Token(t, "admin@example.org", "Admin", true)
		community(t, app, token, "users", "public")
		community(t, app, other, "others", "public")
		count := func() (n int) {
			app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM campaigns`).Scan(&n)
			return n
		}

		body := strikeBody("users")
		body["status"] = "secret"
		var prob problem
		if st := app.API(t, "POST", "/api/v1/campaigns", token, body, &prob); st != 422 || !prob.names("status") {
			t.Fatalf("bad status: %d %+v", st, prob)
		}
		if n := count(); n != 0 {
			t.Fatalf("%d campaigns after a refused one", n)
		}
		body["status"] = "draft"
		var c struct {
			campaignDoc
			Status string `json:"status"`
		}
		if st := app.API(t, "POST", "/api/v1/campaigns", token, body, &c); st != http.StatusCreated || c.Status != "draft" {
			t.Fatalf("create a draft: %d %q", st, c.Status)
		}
		// Its petition's signatures gathered on paper are imported: counted,
		// but the count is not public while the campaign is a draft.
		var pe struct {
			Identifiers []string `json:"identifiers"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop", "campaign": c.ID}, &pe); st != http.StatusCreated {
			t.Fatalf("petition: %d", st)
		}
		petition := strings.TrimPrefix(pe.Identifiers[0], "repertoire:")
		if st := app.API(t, "POST", "/api/v1/petitions/"+petition+"/signatures", token, map[string]any{
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "paper@example.org"}}}, "origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Fatalf("import: %d", st)
		}
		paths := []string{"/api/v1/campaigns/" + c.ID, "/api/v1/campaigns/" + c.ID + "/demands", "/api/v1/pledges?campaign=" + c.ID,
			"/api/v1/petitions?campaign=" + c.ID, "/api/v1/advocacy_campaigns?campaign=" + c.ID, "/api/v1/petitions/" + petition, "/log/counts/" + petition}
		listed := func(tok, path string) int {
			var list struct {
				Total int `json:"total_records"`
			}
			app.API(t, "GET", path, tok, nil, &list)
			return list.Total
		}
		for who, tok := range map[string]string{"visitor": "", "other community's organizer": other} {
			for _, p := range paths {
				if st := app.API(t, "GET", p, tok, nil, nil); st != http.StatusNotFound {
					t.Errorf("%s GET %s: %d, want 404", who, p, st)
				}
			}
			for _, p := range []string{"/api/v1/campaigns", "/api/v1/campaigns?community=users"} {
				if n := listed(tok, p); n != 0 {
					t.Errorf("%s lists %d campaigns at %s, want none", who, n, p)
				}
			}
		}
		for who, tok := range map[string]string{"organizer": token, "admin": admin} {
			// The log's counts are public and anonymous: a draft's is
			// nobody's until published (organizers read theirs in the API).
			for _, p := range paths[:len(paths)-1] {
				if st := app.API(t, "GET", p, tok, nil, nil); st != http.StatusOK {
					t.Errorf("%s GET %s: %d, want 200", who, p, st)
				}
			}
			if n := listed(tok, "/api/v1/campaigns?community=users"); n != 1 {
				t.Errorf("%s lists %d campaigns, want the draft", who, n)
			}
		}

		// A bad status in an edit: nothing of it is written.
		if st := app.API(t, "PUT", "/api/v1/campaigns/"+c.ID, token, map[string]any{"title": "Changed", "status": "public"}, &prob); st != 422 || !prob.names("status") {
			t.Fatalf("bad status on PUT: %d %+v", st, prob)
		}
		if st := app.API(t, "PUT", "/api/v1/campaigns/"+c.ID, other, map[string]any{"status": "published"}, nil); st != http.StatusNotFound {
			t.Errorf("another community's organizer publishes: %d, want 404", st)
		}
		app.API(t, "GET", "/api/v1/campaigns/"+c.ID, token, nil, &c)
		if c.Title != "Facebook users’ strike" || c.Status != "draft" {
			t.Fatalf("refused edit written: %q %q", c.Title, c.Status)
		}

		if st := app.API(t, "PATCH", "/api/v1/campaigns/"+c.ID, token, map[string]any{"title": "Users’ strike", "status": "published"}, &c); st != 200 ||
			c.Status != "published" || c.Title != "Users’ strike" {
			t.Fatalf("publish: %d %q %q", st, c.Status, c.Title)
		}
		for who, tok := range map[string]string{"visitor": "", "other community's organizer": other} {
			for _, p := range paths {
				if st := app.API(t, "GET", p, tok, nil, nil); st != http.StatusOK {
					t.Errorf("published: %s GET %s: %d, want 200", who, p, st)
				}
			}
			if n := listed(tok, "/api/v1/campaigns?community=users"); n != 1 {
				t.Errorf("published: %s lists %d campaigns, want 1", who, n)
			}
		}
		if st := app.API(t, "PUT", "/api/v1/campaigns/"+c.ID, token, map[string]any{"status": "draft"}, &prob); st != 422 || !prob.names("status") {
			t.Fatalf("back to draft: %d %+v", st, prob)
		}
		// A document read is sent back as it is: its status changes nothing.
		if st := app.API(t, "PUT", "/api/v1/campaigns/"+c.ID, token, map[string]any{"status": "published", "summary": "Now."}, &c); st != 200 || c.Summary != "Now." {
			t.Fatalf("document sent back: %d %q", st, c.Summary)
		}

		// A campaign whose petition counted a signature is not deleted, by
		// the API nor by its page, which say why.
		var refused struct {
			problem
			Detail string `json:"detail"`
		}
		if st := app.API(t, "DELETE", "/api/v1/campaigns/"+c.ID, token, nil, &refused); st != http.StatusConflict || !strings.Contains(refused.Detail, "transparency log") {
			t.Fatalf("deleting a campaign with a counted signature: %d %+v", st, refused)
		}
		b := app.Browser()
		b.SignIn(t, "organizer@example.org", password)
		if st, page := b.Post(t, "/c/users/"+c.Slug+"/delete", url.Values{"confirm": {"yes"}}); st != http.StatusConflict || !strings.Contains(page, "transparency log") {
			t.Fatalf("page's delete of a campaign with a counted signature: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/campaigns/"+c.ID, "", nil, nil); st != 200 {
			t.Fatalf("refused deletions deleted: %d", st)
		}

		// One whose tactics counted nobody is deleted.
		body["status"], body["title"] = "draft", "Second thoughts"
		if st := app.API(t, "POST", "/api/v1/campaigns", token, body, &c); st != http.StatusCreated {
			t.Fatalf("second draft: %d", st)
		}
		if st := app.API(t, "DELETE", "/api/v1/campaigns/"+c.ID, token, nil, nil); st != http.StatusNoContent {
			t.Fatalf("delete a draft: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/campaigns/"+c.ID, token, nil, nil); st != http.StatusNotFound {
			t.Fatalf("deleted draft: %d", st)
		}
	})
}

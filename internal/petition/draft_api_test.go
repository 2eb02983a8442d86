package petition_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// problemDoc is an RFC 9457 problem body.
type problemDoc struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field  string `json:"field"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

// field tells whether the problem names field among its errors.
func (p problemDoc) field(name string) bool {
	for _, e := range p.Errors {
		if e.Field == name {
			return true
		}
	}
	return false
}

// apiIn calls the API as app.API does, in a language (Accept-Language).
func apiIn(t *testing.T, app *testkit.App, method, path, token, lang string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, app.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("OSDI-API-Token", token)
	}
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %v\n%s", method, path, resp.StatusCode, err, data)
		}
	}
	return resp.StatusCode
}

// A petition created as a draft through the API (status draft) is its
// organizers' and the admins' only: a visitor and a member of another
// community get 404 on every read path (by id, the collection, ?campaign=,
// the record-signature helper, the transparency log's count), as for a
// petition that does not exist. Published by PUT, it is found; its edits
// after publication go on the campaign's timeline as the page's do, in
// each reader's language; closed, it refuses signatures with a problem
// body saying so; with counted signatures it cannot be deleted, and the
// problem says why; bad input writes nothing.
func TestPetitionDraftsThroughTheAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, _, _ := setup(t, app)
		cid := campaignID(t, app)
		admin := app.Token(t, "admin@example.org", "Admin", true)
		other := app.Token(t, "other@example.org", "Other", false)
		newCommunity(t, app, "other@example.org", "Others", "others")
		count := func() (n int) {
			app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM petitions`).Scan(&n)
			return n
		}

		// A status that is not one is refused, naming it, before anything
		// is written.
		var prob problemDoc
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Hidden", "campaign": cid, "status": "hidden"}, &prob); st != 422 || !prob.field("status") {
			t.Fatalf("bad status: %d %+v", st, prob)
		}
		if n := count(); n != 1 {
			t.Fatalf("%d petitions after a refused one, want 1", n)
		}

		var d osdiDoc
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Quiet plan", "petition_text": "Not yet.",
			"campaign": cid, "goal": 20, "status": "draft"}, &d); st != http.StatusCreated || d.Status != "draft" {
			t.Fatalf("create a draft: %d %q", st, d.Status)
		}
		id := d.id()
		// An organizer imports signatures gathered on paper before it opens:
		// counted, but its count is not public until it is.
		if st := app.API(t, "POST", "/api/v1/petitions/"+id+"/signatures", token, map[string]any{
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "paper@example.org"}}}, "origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Fatalf("import into the draft: %d", st)
		}

		hidden := func(when string) {
			t.Helper()
			for who, tok := range map[string]string{"visitor": "", "other community's organizer": other} {
				for _, p := range []string{"/api/v1/petitions/" + id, "/log/counts/" + id} {
					if st := app.API(t, "GET", p, tok, nil, nil); st != http.StatusNotFound {
						t.Errorf("%s: %s GET %s: %d, want 404", when, who, p, st)
					}
				}
				var list struct {
					Total    int `json:"total_records"`
					Embedded struct {
						Petitions []osdiDoc `json:"osdi:petitions"`
					} `json:"_embedded"`
				}
				for _, p := range []string{"/api/v1/petitions", "/api/v1/petitions?campaign=" + cid} {
					app.API(t, "GET", p, tok, nil, &list)
					if list.Total != 1 || len(list.Embedded.Petitions) != 1 || list.Embedded.Petitions[0].id() == id {
						t.Errorf("%s: %s lists %d petitions at %s, want only the published one", when, who, list.Total, p)
					}
				}
				if st := app.API(t, "POST", "/api/v1/petitions/"+id+"/signatures", tok, map[string]any{
					"person": map[string]any{"email_addresses": []map[string]any{{"address": "ana@example.org"}}}}, nil); st != http.StatusNotFound {
					t.Errorf("%s: %s signs the draft: %d, want 404", when, who, st)
				}
			}
			if st := app.API(t, "GET", "/api/v1/petitions/"+id+"/signatures", other, nil, nil); st != http.StatusNotFound {
				t.Errorf("%s: other community's organizer reads the draft's signatures: %d, want 404", when, st)
			}
		}
		hidden("draft")
		for who, tok := range map[string]string{"organizer": token, "admin": admin} {
			if st := app.API(t, "GET", "/api/v1/petitions/"+id, tok, nil, nil); st != 200 {
				t.Errorf("%s GET the draft: %d", who, st)
			}
			var list struct {
				Total int `json:"total_records"`
			}
			app.API(t, "GET", "/api/v1/petitions?campaign="+cid, tok, nil, &list)
			if list.Total != 2 {
				t.Errorf("%s lists %d petitions of the campaign, want 2 (with the draft)", who, list.Total)
			}
		}

		// Bad input in an edit: nothing of it is written.
		if st := app.API(t, "PUT", "/api/v1/petitions/"+id, token, map[string]any{"title": "Changed", "status": "secret"}, &prob); st != 422 || !prob.field("status") {
			t.Fatalf("bad status on PUT: %d %+v", st, prob)
		}
		if st := app.API(t, "PUT", "/api/v1/petitions/"+id, token, map[string]any{"title": "Changed", "status": "closed"}, &prob); st != http.StatusConflict || !prob.field("status") {
			t.Fatalf("closing a draft: %d %+v", st, prob)
		}
		app.API(t, "GET", "/api/v1/petitions/"+id, token, nil, &d)
		if d.Title != "Quiet plan" || d.Status != "draft" {
			t.Fatalf("refused edits were written: %q %q", d.Title, d.Status)
		}

		// Published (with an edit, in one request): found by everyone; a
		// draft's edits told nobody.
		if st := app.API(t, "PATCH", "/api/v1/petitions/"+id, token, map[string]any{"status": "open", "goal": 30}, &d); st != 200 || d.Status != "open" || d.Goal != 30 {
			t.Fatalf("publish: %d %q %d", st, d.Status, d.Goal)
		}
		for who, tok := range map[string]string{"visitor": "", "other community's organizer": other} {
			for _, p := range []string{"/api/v1/petitions/" + id, "/log/counts/" + id} {
				if st := app.API(t, "GET", p, tok, nil, nil); st != 200 {
					t.Errorf("published: %s GET %s: %d, want 200", who, p, st)
				}
			}
		}
		var camp struct {
			Updates []struct {
				Title string `json:"title"`
				Body  string `json:"body"`
			} `json:"updates"`
		}
		app.API(t, "GET", "/api/v1/campaigns/"+cid, "", nil, &camp)
		if len(camp.Updates) != 0 {
			t.Fatalf("a draft's edit is on the timeline: %+v", camp.Updates)
		}

		// An edit after publication goes on the timeline, as the page's.
		if st := app.API(t, "PUT", "/api/v1/petitions/"+id, token, map[string]any{"goal": 300}, &d); st != 200 || d.Goal != 300 {
			t.Fatalf("edit: %d %d", st, d.Goal)
		}
		for lang, want := range map[string][2]string{
			"en": {"Petition “Quiet plan” changed", "Its goal is now 300 signatures (it was 30)."},
			"fr": {"Pétition « Quiet plan » modifiée", "Son objectif est maintenant de 300 signatures (il était de 30)."},
		} {
			apiIn(t, app, "GET", "/api/v1/campaigns/"+cid, "", lang, nil, &camp)
			if len(camp.Updates) != 1 || camp.Updates[0].Title != want[0] || !strings.Contains(camp.Updates[0].Body, want[1]) {
				t.Errorf("timeline in %s: %+v, want %q / %q", lang, camp.Updates, want[0], want[1])
			}
		}

		// Closed: signing is refused with a problem body saying so.
		if st := app.API(t, "PUT", "/api/v1/petitions/"+id, token, map[string]any{"status": "closed"}, &d); st != 200 || d.Status != "closed" {
			t.Fatalf("close: %d %q", st, d.Status)
		}
		prob = problemDoc{}
		if st := apiIn(t, app, "POST", "/api/v1/petitions/"+id+"/signatures", "", "en", map[string]any{
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "late@example.org"}}}}, &prob); st != http.StatusConflict ||
			!strings.Contains(prob.Detail, "closed and takes no more signatures") {
			t.Fatalf("signing a closed petition: %d %+v", st, prob)
		}

		// Counted signatures: deleting is refused, saying why.
		if st := app.API(t, "DELETE", "/api/v1/petitions/"+id, other, nil, nil); st != http.StatusForbidden {
			t.Errorf("another community's organizer deletes: %d, want 403", st)
		}
		prob = problemDoc{}
		if st := apiIn(t, app, "DELETE", "/api/v1/petitions/"+id, token, "fr", nil, &prob); st != http.StatusConflict ||
			!strings.Contains(prob.Detail, "journal de transparence") {
			t.Fatalf("deleting a counted petition: %d %+v", st, prob)
		}
		if st := app.API(t, "GET", "/api/v1/petitions/"+id, "", nil, nil); st != 200 {
			t.Fatalf("the refused deletion deleted: %d", st)
		}

		// A draft nobody signed is deleted.
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Second thoughts", "campaign": cid, "status": "draft"}, &d); st != http.StatusCreated {
			t.Fatalf("second draft: %d", st)
		}
		if st := app.API(t, "DELETE", "/api/v1/petitions/"+d.id(), token, nil, nil); st != http.StatusNoContent {
			t.Fatalf("delete a draft: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/petitions/"+d.id(), token, nil, nil); st != http.StatusNotFound {
			t.Fatalf("deleted draft: %d", st)
		}
	})
}

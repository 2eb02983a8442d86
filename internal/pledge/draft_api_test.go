package pledge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// historyDoc is a pledge's document with its history.
type historyDoc struct {
	pledgeDoc
	History []struct {
		Field    string `json:"field"`
		OldValue string `json:"old_value"`
		NewValue string `json:"new_value"`
		Date     string `json:"date"`
		Text     string `json:"text"`
	} `json:"history"`
}

func (d historyDoc) fields() []string {
	var out []string
	for _, c := range d.History {
		out = append(out, c.Field)
	}
	return out
}

// call is app.API in a language (Accept-Language), decoding any answer.
func call(t *testing.T, app *testkit.App, method, path, token, lang string, body, out any) int {
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

type problemDetail struct {
	problem
	Detail string `json:"detail"`
}

// A pledge created as a draft through the API (status draft) is its
// organizers' and the admins' only: 404 to a visitor and to another
// community's organizer on every read path. Published by PUT (status
// collecting), it is found, and its history starts; a PUT changing its
// threshold and deadline keeps them in the history its document carries,
// written in the request's language, as its page shows them; closed, it
// refuses commitments with a problem saying so; with counted commitments
// it cannot be deleted, and the problem says why; bad input writes
// nothing.
func TestPledgeDraftsThroughTheAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 10)
		admin := app.Token(t, "admin@example.org", "Admin", true)
		other := app.Token(t, "other@example.org", "Other", false)
		if st := app.API(t, "POST", "/api/v1/communities", other, map[string]string{"name": "Others", "slug": "others"}, nil); st != 201 {
			t.Fatalf("other community: %d", st)
		}
		count := func() (n int) {
			app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM pledges`).Scan(&n)
			return n
		}

		body := pledgeBody(f.campaign, 10)
		body["slug"], body["status"] = "quiet", "hidden"
		var prob problemDetail
		if st := app.API(t, "POST", "/api/v1/pledges", f.org, body, &prob); st != 422 || !slices.Contains(prob.fields(), "status") {
			t.Fatalf("bad status: %d %+v", st, prob)
		}
		if n := count(); n != 1 {
			t.Fatalf("%d pledges after a refused one, want 1", n)
		}
		body["status"] = "draft"
		var d historyDoc
		if st := app.API(t, "POST", "/api/v1/pledges", f.org, body, &d); st != http.StatusCreated || d.Status != "draft" || d.History == nil || len(d.History) != 0 {
			t.Fatalf("create a draft: %d %q %+v", st, d.Status, d.History)
		}
		id := d.ID
		commitment := map[string]any{"person": map[string]any{"email_addresses": []map[string]any{{"address": "ana@example.org"}}}}

		for who, tok := range map[string]string{"visitor": "", "other community's organizer": other} {
			for _, p := range []string{"/api/v1/pledges/" + id, "/log/counts/" + id} {
				if st := app.API(t, "GET", p, tok, nil, nil); st != http.StatusNotFound {
					t.Errorf("%s GET %s: %d, want 404", who, p, st)
				}
			}
			for _, p := range []string{"/api/v1/pledges", "/api/v1/pledges?campaign=" + f.campaign} {
				var list struct {
					Total    int `json:"total_records"`
					Embedded struct {
						Pledges []pledgeDoc `json:"repertoire:pledges"`
					} `json:"_embedded"`
				}
				app.API(t, "GET", p, tok, nil, &list)
				if list.Total != 1 || len(list.Embedded.Pledges) != 1 || list.Embedded.Pledges[0].ID == id {
					t.Errorf("%s lists %d pledges at %s, want only the published one", who, list.Total, p)
				}
			}
			if st := app.API(t, "POST", "/api/v1/pledges/"+id+"/commitments", tok, commitment, nil); st != http.StatusNotFound {
				t.Errorf("%s commits to the draft: %d, want 404", who, st)
			}
		}
		if st := app.API(t, "GET", "/api/v1/pledges/"+id+"/commitments", other, nil, nil); st != http.StatusNotFound {
			t.Errorf("other community's organizer reads the draft's commitments: %d, want 404", st)
		}
		for who, tok := range map[string]string{"organizer": f.org, "admin": admin} {
			if st := app.API(t, "GET", "/api/v1/pledges/"+id, tok, nil, nil); st != 200 {
				t.Errorf("%s GET the draft: %d", who, st)
			}
		}

		// Bad input in an edit: nothing of it is written.
		if st := app.API(t, "PUT", "/api/v1/pledges/"+id, f.org, map[string]any{"threshold": 5, "status": "ended"}, &prob); st != 422 ||
			!slices.Contains(prob.fields(), "status") {
			t.Fatalf("bad status on PUT: %d %+v", st, prob)
		}
		if st := app.API(t, "PUT", "/api/v1/pledges/"+id, f.org, map[string]any{"threshold": 5, "deadline": "tomorrow"}, &prob); st != 422 ||
			!slices.Contains(prob.fields(), "deadline") {
			t.Fatalf("bad deadline on PUT: %d %+v", st, prob)
		}
		app.API(t, "GET", "/api/v1/pledges/"+id, f.org, nil, &d)
		if d.Threshold != 10 || d.Status != "draft" {
			t.Fatalf("refused edits were written: %d %q", d.Threshold, d.Status)
		}

		// Published with an edit in one request: the draft's edit is in no
		// history, the publication is.
		if st := app.API(t, "PATCH", "/api/v1/pledges/"+id, f.org, map[string]any{"status": "collecting", "threshold": 12}, &d); st != 200 ||
			d.Status != "collecting" || d.Threshold != 12 || !slices.Equal(d.fields(), []string{"published"}) {
			t.Fatalf("publish: %d %q %d %v", st, d.Status, d.Threshold, d.fields())
		}
		for who, tok := range map[string]string{"visitor": "", "other community's organizer": other} {
			if st := app.API(t, "GET", "/api/v1/pledges/"+id, tok, nil, nil); st != 200 {
				t.Errorf("published: %s GET: %d", who, st)
			}
		}

		// Edits after publication are kept in its history, as the page's
		// edit keeps them, and read in the request's language.
		// A day earlier than pledgeBody's: another day at any hour.
		deadline := time.Now().Add(24 * time.Hour).UTC()
		if st := app.API(t, "PUT", "/api/v1/pledges/"+id, f.org, map[string]any{"threshold": 20, "deadline": rfc(deadline)}, &d); st != 200 {
			t.Fatalf("edit: %d", st)
		}
		if !slices.Equal(d.fields(), []string{"published", "threshold", "deadline"}) || d.History[1].OldValue != "12" || d.History[1].NewValue != "20" ||
			d.History[2].NewValue != deadline.Format(time.DateOnly) {
			t.Fatalf("history after PUT: %+v", d.History)
		}
		for lang, want := range map[string]string{"en": "The threshold changed from 12 to 20 commitments.", "fr": "Le seuil est passé de 12 à 20 engagements."} {
			var got historyDoc
			call(t, app, "GET", "/api/v1/pledges/"+id, "", lang, nil, &got)
			if len(got.History) != 3 || got.History[1].Text != want {
				t.Errorf("history in %s: %+v, want %q", lang, got.History, want)
			}
		}

		// A counted commitment: deleting is refused, saying why.
		imported := map[string]any{"person": map[string]any{"email_addresses": []map[string]any{{"address": "paper@example.org"}}}, "origin_system": "paper"}
		if st := app.API(t, "POST", "/api/v1/pledges/"+id+"/commitments", f.org, imported, nil); st != http.StatusCreated {
			t.Fatalf("import: %d", st)
		}
		prob = problemDetail{}
		if st := call(t, app, "DELETE", "/api/v1/pledges/"+id, f.org, "en", nil, &prob); st != http.StatusConflict ||
			prob.Detail != "A pledge with counted commitments cannot be deleted: people committed to it as it is. Close it instead." {
			t.Fatalf("deleting a counted pledge: %d %+v", st, prob)
		}

		// Closed: commitments are refused with a problem body saying so.
		if st := app.API(t, "PUT", "/api/v1/pledges/"+id, f.org, map[string]any{"status": "closed"}, &d); st != 200 || d.Status != "closed" ||
			d.fields()[len(d.History)-1] != "closed" {
			t.Fatalf("close: %d %q %v", st, d.Status, d.fields())
		}
		prob = problemDetail{}
		if st := call(t, app, "POST", "/api/v1/pledges/"+id+"/commitments", "", "fr", commitment, &prob); st != http.StatusConflict ||
			prob.Detail != "Cet engagement n’accepte plus de signataires." {
			t.Fatalf("committing to a closed pledge: %d %+v", st, prob)
		}
		if st := app.API(t, "PUT", "/api/v1/pledges/"+id, f.org, map[string]any{"status": "collecting"}, &prob); st != 422 || !slices.Contains(prob.fields(), "status") {
			t.Fatalf("reopening a closed pledge: %d %+v", st, prob)
		}

		// A draft nobody committed to is deleted.
		body["slug"], body["status"] = "second", "draft"
		if st := app.API(t, "POST", "/api/v1/pledges", f.org, body, &d); st != http.StatusCreated {
			t.Fatalf("second draft: %d", st)
		}
		if st := app.API(t, "DELETE", "/api/v1/pledges/"+d.ID, f.org, nil, nil); st != http.StatusNoContent {
			t.Fatalf("delete a draft: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/pledges/"+d.ID, f.org, nil, nil); st != http.StatusNotFound {
			t.Fatalf("deleted draft: %d", st)
		}
	})
}

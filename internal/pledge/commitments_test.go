package pledge_test

import (
	"net/http"
	"slices"
	"testing"

	"repertoire/internal/testkit"
)

// TestCommitmentsCollection: a pledge's organizers list its counted
// commitments, online and imported, as OSDI collections go; nobody else.
func TestCommitmentsCollection(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 100)
		f.commitOnline(t, "ana@example.org", "Ana", "en", "Confirm")
		if st := app.API(t, "POST", "/api/v1/pledges/"+f.pledge.ID+"/commitments", f.org, map[string]any{"origin_system": "paper",
			"person": map[string]any{"given_name": "Bruno", "email_addresses": []map[string]any{{"address": "bruno@example.org"}}}}, nil); st != http.StatusCreated {
			t.Fatalf("import: %d", st)
		}
		// Pending ones are not listed.
		if st := app.API(t, "POST", "/api/v1/pledges/"+f.pledge.ID+"/commitments", "", map[string]any{
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "carla@example.org"}}}}, nil); st != http.StatusAccepted {
			t.Fatalf("pending: %d", st)
		}
		path := f.pledge.Links["repertoire:commitments"].Href
		if path == "" {
			t.Fatalf("pledge does not link its commitments: %+v", f.pledge.Links)
		}
		var list struct {
			Total    int `json:"total_records"`
			Embedded struct {
				Commitments []struct {
					OriginSystem string `json:"origin_system"`
					Person       struct {
						GivenName string `json:"given_name"`
					} `json:"person"`
				} `json:"repertoire:commitments"`
			} `json:"_embedded"`
		}
		if st := app.API(t, "GET", path, f.org, nil, &list); st != 200 || list.Total != 2 || len(list.Embedded.Commitments) != 2 {
			t.Fatalf("organizer's list: %d %+v", st, list)
		}
		// Ana agreed to be contacted; Bruno, imported, did not: no name.
		if c := list.Embedded.Commitments; c[0].Person.GivenName != "Ana" || c[1].OriginSystem != "paper" || c[1].Person.GivenName != "" {
			t.Errorf("commitments: %+v", c)
		}
		other := app.Token(t, "other@example.org", "Other", false)
		for token, want := range map[string]int{"": http.StatusUnauthorized, other: http.StatusForbidden} {
			if st := app.API(t, "GET", path, token, nil, nil); st != want {
				t.Errorf("list with a token (%t): %d, want %d", token != "", st, want)
			}
		}
	})
}

// TestCommitmentRefusesUnknownFields: a typo in a commitment's consent is
// a 422 naming it, as with signatures; the fields OSDI defines pass.
func TestCommitmentRefusesUnknownFields(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 100)
		var pr problem
		st := app.API(t, "POST", "/api/v1/pledges/"+f.pledge.ID+"/commitments", "", map[string]any{"contct_ok": true,
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "typo@example.org"}}}}, &pr)
		if st != http.StatusUnprocessableEntity || !slices.Contains(pr.fields(), "contct_ok") {
			t.Fatalf("unknown field: %d %+v", st, pr)
		}
		st = app.API(t, "POST", "/api/v1/pledges/"+f.pledge.ID+"/commitments", "", map[string]any{"contact_ok": true,
			"referrer_data": map[string]any{"source": "leaflet"}, "action_date": "2026-01-01T00:00:00Z",
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "typo@example.org"}}}}, nil)
		if st != http.StatusAccepted {
			t.Fatalf("OSDI fields refused: %d", st)
		}
	})
}

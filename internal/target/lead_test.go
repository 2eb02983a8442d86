package target_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/community"
	"repertoire/internal/target"
	"repertoire/internal/testkit"
)

// The country a company is established in comes from its only country,
// or from the last line of its postal address, in English or in the
// country's own language.
func TestEstablishmentCountry(t *testing.T) {
	for _, c := range []struct {
		t    target.Target
		want string
	}{
		{target.Target{PostalAddress: "4 Grand Canal Square\nGrand Canal Harbour\nDublin 2\nIreland"}, "IE"},
		{target.Target{PostalAddress: "Musterstraße 1\n10115 Berlin\nDeutschland\n"}, "DE"},
		{target.Target{PostalAddress: "Wien, Österreich"}, "AT"},
		{target.Target{PostalAddress: "1 rue X\n75001 Paris\nFRANCE"}, "FR"},
		{target.Target{PostalAddress: "Amsterdam\nThe Netherlands"}, "NL"},
		{target.Target{PostalAddress: "Menlo Park, CA\nUnited States of America"}, ""},
		{target.Target{Countries: []string{"LU"}, PostalAddress: "somewhere\nIreland"}, "LU"},
		{target.Target{}, ""},
	} {
		if got := target.EstablishmentCountry(&c.t); got != c.want {
			t.Errorf("%q %v: %q, want %q", c.t.PostalAddress, c.t.Countries, got, c.want)
		}
	}
}

type leadDoc struct {
	LeadAuthorityID string `json:"lead_authority_id"`
	LeadAuthority   *struct {
		Slug    string `json:"slug"`
		Derived bool   `json:"derived"`
		Country string `json:"country"`
	} `json:"lead_authority"`
}

// The directory names no lead authority: an Irish company's is derived
// from its country (the DPC), a German one's is unknown (an authority per
// Land); an administrator sets one on the directory's rows, others may
// not, and only a data protection authority is accepted; an organizer
// sets their community's company's on its page.
func TestLeadAuthority(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		load(t, app)
		ctx := context.Background()
		dir := target.NewStore(app.DB)
		facebook, err := dir.BySlug(ctx, target.SourceDatenanfragen, "facebook")
		if err != nil {
			t.Fatal(err)
		}
		admin := app.Token(t, "admin@example.org", "Admin", true)
		org := app.Token(t, "org@example.org", "Olga", false)

		var d leadDoc
		if st := app.API(t, "GET", "/api/v1/targets/"+facebook.ID, "", nil, &d); st != 200 || d.LeadAuthority == nil ||
			d.LeadAuthority.Slug != "iedpc" || !d.LeadAuthority.Derived || d.LeadAuthority.Country != "IE" || d.LeadAuthorityID != "" {
			t.Fatalf("Meta's lead authority: %d %+v", st, d.LeadAuthority)
		}
		german, _, err := dir.Find(ctx, target.Query{Kind: target.KindCompany, Text: "1blu"})
		if err != nil || len(german) == 0 {
			t.Fatalf("a German company: %v", err)
		}
		if lead, err := dir.LeadAuthority(ctx, german[0]); err != nil || lead.Authority != nil || lead.Country != "DE" {
			t.Errorf("a German company's lead authority: %+v %v, want none (an authority per Land)", lead, err)
		}

		if st := app.API(t, "PUT", "/api/v1/targets/"+facebook.ID, org, map[string]any{"lead_authority_id": "lucnpd"}, nil); st != http.StatusForbidden {
			t.Errorf("an organizer set a directory company's lead authority: %d, want 403", st)
		}
		var p problem
		if st := app.API(t, "PUT", "/api/v1/targets/"+facebook.ID, admin, map[string]any{"lead_authority_id": "facebook"}, &p); st != 422 || !p.names("lead_authority_id") {
			t.Errorf("a company as lead authority: %d %+v, want 422", st, p)
		}
		if st := app.API(t, "PUT", "/api/v1/targets/"+facebook.ID, admin, map[string]any{"lead_authority_id": "lucnpd", "name": "Renamed"}, nil); st != http.StatusForbidden {
			t.Errorf("an administrator renamed a directory row: %d, want 403", st)
		}
		d = leadDoc{}
		if st := app.API(t, "PUT", "/api/v1/targets/"+facebook.ID, admin, map[string]any{"lead_authority_id": "lucnpd"}, &d); st != 200 ||
			d.LeadAuthority == nil || d.LeadAuthority.Slug != "lucnpd" || d.LeadAuthority.Derived || d.LeadAuthorityID == "" {
			t.Fatalf("set by an administrator: %d %+v", st, d.LeadAuthority)
		}
		if _, err := target.LoadEmbedded(ctx, app.DB); err != nil {
			t.Fatal(err)
		}
		if lead, _ := dir.LeadAuthority(ctx, mustGet(t, dir, facebook.ID)); lead.Authority == nil || lead.Authority.Slug != "lucnpd" {
			t.Errorf("the lead authority set by hand did not survive a reload of the directory: %+v", lead)
		}
		if _, page := app.Browser().Get(t, "/targets/"+facebook.ID); !strings.Contains(page, "Commission nationale pour la protection des données") {
			t.Errorf("the company's page does not name its lead authority")
		}

		// An organizer's own company, set on its page.
		var orgID string
		if err := app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, "org@example.org").Scan(&orgID); err != nil {
			t.Fatal(err)
		}
		if _, err := community.NewStore(app.DB).Create(ctx, orgID, community.Input{Name: "Riders", Slug: "riders"}); err != nil {
			t.Fatal(err)
		}
		var mine doc
		if st := app.API(t, "POST", "/api/v1/targets", org, map[string]any{"community": "riders", "kind": "company", "name": "Deliveroo Ireland",
			"postal_address": "1 Street\nDublin\nIreland"}, &mine); st != 201 {
			t.Fatalf("organizer's company: %d", st)
		}
		p = problem{}
		if st := app.API(t, "POST", "/api/v1/targets", org, map[string]any{"community": "riders", "kind": "official", "name": "A senator",
			"lead_authority_id": "iedpc"}, &p); st != 422 || !p.names("lead_authority_id") {
			t.Errorf("an official with a lead authority: %d %+v, want 422", st, p)
		}
		var set leadDoc
		if st := app.API(t, "POST", "/api/v1/targets", org, map[string]any{"community": "riders", "kind": "company", "name": "Uber France",
			"lead_authority_id": "nlap"}, &set); st != 201 || set.LeadAuthorityID == "" {
			t.Errorf("a company created with its lead authority: %d %+v", st, set)
		}
		b := app.Browser()
		b.SignIn(t, "org@example.org", "correct horse battery")
		if _, page := b.Get(t, "/targets/"+mine.id()); !strings.Contains(page, "Irish Data Protection Commission") || !strings.Contains(page, "(from its country: IE)") {
			t.Errorf("the organizer's company page does not give the derived authority")
		}
		if st, page := b.Post(t, "/targets/"+mine.id()+"/lead_authority", url.Values{"lead_authority": {"nope"}}); st != 422 ||
			!strings.Contains(page, `value="nope"`) || !strings.Contains(page, "not a data protection authority") {
			t.Errorf("a bad lead authority: %d, want 422 with the typed value", st)
		}
		if st, page := b.Post(t, "/targets/"+mine.id()+"/lead_authority", url.Values{"lead_authority": {"frcnil"}}); st != 200 ||
			!strings.Contains(page, "The lead authority is saved.") || strings.Contains(page, "(from its country") {
			t.Errorf("set on the page: %d", st)
		}
	})
}

func mustGet(t *testing.T, dir *target.Store, id string) *target.Target {
	t.Helper()
	tg, err := dir.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

package ledger_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/ledger"
	"repertoire/internal/testkit"
)

type total struct {
	Channel   string `json:"channel"`
	Month     string `json:"month"`
	Currency  string `json:"currency"`
	Funding   int64  `json:"funding"`
	Promotion int64  `json:"promotion"`
}

type entry struct {
	Identifiers []string `json:"identifiers"`
	Amount      int64    `json:"amount"`
	Currency    string   `json:"currency"`
	CreatedDate string   `json:"created_date"`
	Links       map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

type ledgerDoc struct {
	TotalRecords int                `json:"total_records"`
	Embedded     map[string][]entry `json:"_embedded"`
	Totals       struct {
		All       []total `json:"all"`
		ByChannel []total `json:"by_channel"`
		ByMonth   []total `json:"by_month"`
	} `json:"totals"`
}

type problem struct {
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

// A campaign's ledger sums its entries per currency, per channel and per
// month; organizers write it, anyone who sees the campaign reads it, on
// the API, its page and the campaign's page, in both languages.
func TestLedgerTotals(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		org := app.Token(t, "org@example.org", "Olga", false)
		other := app.Token(t, "other@example.org", "Otto", false)
		var orgID string
		if err := app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, "org@example.org").Scan(&orgID); err != nil {
			t.Fatal(err)
		}
		com, err := community.NewStore(app.DB).Create(ctx, orgID, community.Input{Name: "Users", Slug: "users"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := campaign.NewStore(app.DB).Create(ctx, orgID, campaign.CampaignInput{CommunityID: com.ID, Title: "Log out", Slug: "logout",
			Sections: []campaign.SectionInput{{Title: "Data", Demands: []campaign.DemandInput{{Text: "Stop tracking"}}}}})
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/campaigns/" + c.ID + "/ledger"
		entries := []map[string]any{
			{"date": "2018-04-02", "kind": "funding", "channel": "Donations", "amount": 12000, "currency": "EUR", "purpose": "Printing"},
			{"date": "2018-04-20", "kind": "funding", "channel": "Donations", "amount": 3050, "currency": "eur"},
			{"date": "2018-05-03", "kind": "funding", "channel": "Foundation grant", "amount": 100000, "currency": "EUR"},
			{"date": "2018-05-10", "kind": "promotion", "channel": "Mastodon boosts", "amount": 2500, "currency": "EUR"},
			{"date": "2018-05-11", "kind": "promotion", "channel": "Mastodon boosts", "amount": 1999, "currency": "USD"},
		}
		var p problem
		if s := app.API(t, "POST", path, "", entries[0], nil); s != 401 {
			t.Fatalf("without a token: %d", s)
		}
		if s := app.API(t, "POST", path, other, entries[0], nil); s != 403 {
			t.Fatalf("not an organizer: %d", s)
		}
		if s := app.API(t, "POST", path, org, map[string]any{"date": "2018-04-02", "kind": "funding", "channel": "x", "amount": 1, "currency": "EUR", "amout": 2}, &p); s != 422 || !p.names("amout") {
			t.Fatalf("unknown field: %d %+v", s, p)
		}
		if s := app.API(t, "POST", path, org, map[string]any{"date": "2018-13-02", "kind": "gift", "amount": -5, "currency": "euro"}, &p); s != 422 ||
			!p.names("date") || !p.names("kind") || !p.names("channel") || !p.names("amount") || !p.names("currency") {
			t.Fatalf("bad entry: %d %+v", s, p)
		}
		var last entry
		for _, e := range entries {
			if s := app.API(t, "POST", path, org, e, &last); s != 201 {
				t.Fatalf("add %v: %d", e, s)
			}
		}
		var l ledgerDoc
		if s := app.API(t, "GET", path, "", nil, &l); s != 200 || l.TotalRecords != 5 {
			t.Fatalf("ledger: %d %d", s, l.TotalRecords)
		}
		want := func(name string, got []total, exp ...total) {
			t.Helper()
			if len(got) != len(exp) {
				t.Fatalf("%s: %+v, want %+v", name, got, exp)
			}
			for i := range exp {
				if got[i] != exp[i] {
					t.Fatalf("%s[%d]: %+v, want %+v", name, i, got[i], exp[i])
				}
			}
		}
		want("all", l.Totals.All, total{Currency: "EUR", Funding: 115050, Promotion: 2500}, total{Currency: "USD", Promotion: 1999})
		want("by channel", l.Totals.ByChannel, total{Channel: "Donations", Currency: "EUR", Funding: 15050},
			total{Channel: "Foundation grant", Currency: "EUR", Funding: 100000},
			total{Channel: "Mastodon boosts", Currency: "EUR", Promotion: 2500}, total{Channel: "Mastodon boosts", Currency: "USD", Promotion: 1999})
		want("by month", l.Totals.ByMonth, total{Month: "2018-05", Currency: "EUR", Funding: 100000, Promotion: 2500},
			total{Month: "2018-05", Currency: "USD", Promotion: 1999}, total{Month: "2018-04", Currency: "EUR", Funding: 15050})
		var page2 ledgerDoc
		app.API(t, "GET", path+"?per_page=2&page=2", "", nil, &page2)
		if len(page2.Embedded["repertoire:ledger_entries"]) != 2 || page2.TotalRecords != 5 || page2.Totals.All[0].Funding != 115050 {
			t.Fatalf("second page: %+v", page2)
		}
		if s := app.API(t, "GET", last.Links["self"].Href, "", nil, nil); s != 200 {
			t.Fatalf("entry: %d", s)
		}

		b := app.Browser()
		_, page := b.Get(t, "/c/users/logout")
		for _, w := range []string{`id="ledger"`, "Public ledger", "1,150.50\u00a0EUR", "19.99\u00a0USD", "Foundation grant"} {
			if !strings.Contains(page, w) {
				t.Fatalf("campaign page lacks %q", w)
			}
		}
		b.Lang = "fr"
		_, page = b.Get(t, "/c/users/logout/ledger")
		for _, w := range []string{"Bilan numérique", "1\u202f150,50\u00a0EUR", "Par mois", "Promotion payante", "Printing"} {
			if !strings.Contains(page, w) {
				t.Fatalf("ledger page in French lacks %q:\n%s", w, page)
			}
		}

		// The organizers' form: an amount it cannot read is refused and
		// kept; a good one is added; an entry is deleted.
		ob := app.Browser()
		ob.SignIn(t, "org@example.org", "correct horse battery")
		status, page := ob.Post(t, "/c/users/logout/ledger", url.Values{"date": {"2018-05-20"}, "kind": {"promotion"}, "channel": {"Posters"}, "amount": {"12.345"}, "currency": {"EUR"}})
		if status != 422 || !strings.Contains(page, `value="12.345"`) || !strings.Contains(page, "Enter a positive amount") {
			t.Fatalf("refused entry: %d\n%s", status, page)
		}
		status, page = ob.Post(t, "/c/users/logout/ledger", url.Values{"date": {"2018-05-20"}, "kind": {"promotion"}, "channel": {"Posters"}, "amount": {"1 200,5"}, "currency": {"eur"}})
		if status != 200 || !strings.Contains(page, "Posters") || !strings.Contains(page, "1,200.50\u00a0EUR") {
			t.Fatalf("added entry: %d\n%s", status, page)
		}
		// Deleting from the page asks first; the confirmation's post deletes.
		del := regexp.MustCompile(`action="(/c/users/logout/ledger/[^"/]+/delete)"`).FindStringSubmatch(page)
		if del == nil {
			t.Fatalf("no delete form:\n%s", page)
		}
		status, page = ob.Post(t, del[1], nil)
		if status != 200 || !strings.Contains(page, "Delete this entry of the ledger?") || !strings.Contains(page, `name="confirm" value="yes"`) || strings.Contains(page, "The entry was deleted.") {
			t.Fatalf("delete without confirming: %d\n%s", status, page)
		}
		if _, page = ob.Get(t, "/c/users/logout/ledger"); !strings.Contains(page, "Posters") {
			t.Fatal("the entry went before its confirmation")
		}
		status, page = ob.Post(t, del[1], url.Values{"confirm": {"yes"}})
		if status != 200 || !strings.Contains(page, "The entry was deleted.") || strings.Contains(page, "Posters") {
			t.Fatalf("confirmed delete: %d\n%s", status, page)
		}
		if s := app.API(t, "DELETE", last.Links["self"].Href, other, nil, nil); s != 403 {
			t.Fatalf("delete by another: %d", s)
		}
		if s := app.API(t, "DELETE", last.Links["self"].Href, org, nil, nil); s != 204 {
			t.Fatalf("delete: %d", s)
		}
		app.API(t, "GET", path, "", nil, &l)
		want("all after", l.Totals.All, total{Currency: "EUR", Funding: 115050, Promotion: 2500}) // the posters deleted from the page
	})
}

// Amounts are read and written in the currency's minor units.
func TestAmounts(t *testing.T) {
	for _, c := range []struct {
		in, currency string
		want         int64
		ok           bool
	}{{"12", "EUR", 1200, true}, {"12.5", "EUR", 1250, true}, {"1 234,56", "EUR", 123456, true}, {"12.345", "EUR", 0, false},
		{"1500", "JPY", 1500, true}, {"1.5", "JPY", 0, false}, {"1.234", "KWD", 1234, true}, {"-3", "EUR", 0, false}, {"abc", "EUR", 0, false}} {
		got, ok := ledger.ParseAmount(c.in, c.currency)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d, %v", c.in, c.currency, got, ok, c.want, c.ok)
		}
	}
	if s := ledger.FormatAmount("en", 123456, "EUR"); s != "1,234.56\u00a0EUR" {
		t.Errorf("en: %q", s)
	}
	if s := ledger.FormatAmount("en", 1500, "JPY"); s != "1,500\u00a0JPY" {
		t.Errorf("JPY: %q", s)
	}
}

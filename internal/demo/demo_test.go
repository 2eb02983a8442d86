package demo_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/cases"
	"repertoire/internal/community"
	"repertoire/internal/decision"
	"repertoire/internal/demo"
	"repertoire/internal/i18n"
	"repertoire/internal/ledger"
	"repertoire/internal/legal"
	"repertoire/internal/participation"
	"repertoire/internal/petition"
	"repertoire/internal/pledge"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/vault"
)

func TestDemoLoadsTheSeedScenarioOnce(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		for range 2 { // the second run finds a community and does nothing
			if err := demo.Load(ctx, db, i18n.MustLoad(), log); err != nil {
				t.Fatal(err)
			}
		}
		com, err := community.NewStore(db).Get(ctx, "facebook-users")
		if err != nil {
			t.Fatal(err)
		}
		campaigns := campaign.NewStore(db)
		c, err := campaigns.GetBySlug(ctx, com.ID, "may-1st-2018")
		if err != nil {
			t.Fatal(err)
		}
		c, err = campaigns.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Sections) != 3 || c.DemandCount() != 17 {
			t.Fatalf("%d sections, %d demands; want 3 and 17", len(c.Sections), c.DemandCount())
		}
		if got := c.Sections[2].Demands[1].Text; got != "Facebook shuts down the Messenger Kids product." {
			t.Fatalf("C2 = %q", got)
		}
		a8 := c.Sections[0].Demands[7]
		if a8.Status != campaign.StatusPartiallyMet || len(a8.History) != 2 || a8.History[0].Status != campaign.StatusOpen {
			t.Fatalf("A8 history: %s %+v", a8.Status, a8.History)
		}
		if len(c.Coverage) != 27 || len(c.Updates) != 3 {
			t.Fatalf("%d coverage items, %d updates", len(c.Coverage), len(c.Updates))
		}
		var n int
		db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM communities`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d communities after loading twice", n)
		}
		checkTactics(t, db, c)
		checkLibraryAndLedger(t, db, c)
		checkDecision(t, db, com.ID, c.ID)
	})
}

// The case library holds the seed's eight cases, and the campaign's
// ledger its five entries: 675.50 EUR received, 80 EUR and 45 USD of
// paid promotion.
func checkLibraryAndLedger(t *testing.T, db *store.DB, c *campaign.Campaign) {
	ctx := context.Background()
	library, n, err := cases.NewStore(db).List(ctx, cases.Query{})
	if err != nil || n != 8 || len(library) != 8 {
		t.Fatalf("case library: %d cases, %v", n, err)
	}
	entries, n, err := ledger.NewStore(db).List(ctx, c.ID, api.Filter{}, 0, 0)
	if err != nil || n != 5 {
		t.Fatalf("ledger: %d entries, %v", n, err)
	}
	all := ledger.Sum(entries).All
	if len(all) != 2 || all[0] != (ledger.Total{Currency: "EUR", Funding: 67550, Promotion: 8000}) ||
		all[1] != (ledger.Total{Currency: "USD", Promotion: 4500}) {
		t.Fatalf("ledger totals: %+v", all)
	}
}

// The members ratified the demands by a secret vote in April 2018: the
// decision is closed with its full count and electorate, and the campaign
// shows its demand list adopted by it.
func checkDecision(t *testing.T, db *store.DB, communityID, campaignID string) {
	ctx := context.Background()
	ds, total, err := decision.NewStore(db, nil, "", nil).List(ctx, decision.ListQuery{CommunityID: communityID, Admin: true})
	// Three: the ratification, and the gateway's policy and data strike.
	if err != nil || total != 3 {
		t.Fatalf("decisions: %d, %v", total, err)
	}
	d := ds[len(ds)-1]
	if d.Status != decision.StatusClosed || d.Outcome != decision.Passed || d.Kind != decision.KindRatifyDemands || d.CampaignID != campaignID ||
		d.Electorate != 412 || d.Turnout != 273 || d.Counted(decision.RoleFor) != 238 || d.ClosedAt == nil || d.ClosedAt.Year() != 2018 {
		t.Fatalf("decision: %+v", d)
	}
	a, err := campaign.AdoptionOf(ctx, db.Reader(), campaignID)
	if err != nil || a == nil || a.For != 238 || a.Against != 21 || a.Turnout != 273 || a.Electorate != 412 || a.At.Format("2006-01-02") != "2018-04-29" {
		t.Fatalf("adoption: %+v, %v", a, err)
	}
}

// The petition for the demands has 566 signatures confirmed over weeks of
// 2018, 7 of them withdrawn, and a chart with that history; the "log out"
// pledge lapsed below its threshold; nobody was mailed.
func checkTactics(t *testing.T, db *store.DB, c *campaign.Campaign) {
	ctx := context.Background()
	p, err := petition.NewStore(db).GetBySlug(ctx, c.ID, "accept-the-users-terms")
	if err != nil {
		t.Fatal(err)
	}
	if p.Goal != 1000 || len(p.DemandIDs) != 17 || len(p.Targets) != 1 || p.CreatedAt.Year() != 2018 {
		t.Fatalf("petition: goal %d, %d demands, %d targets, created %s", p.Goal, len(p.DemandIDs), len(p.Targets), p.CreatedAt)
	}
	counts, err := participation.CountsOf(ctx, db.Reader(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Total() != 559 || counts.Confirmed != 559 || counts.Imported != 0 || counts.Withdrawn != 7 || counts.Pending != 0 {
		t.Fatalf("petition counts: %+v", counts)
	}
	rows, err := db.Reader().QueryContext(ctx, `SELECT bucket, confirmed FROM action_count_buckets WHERE action_id = $1 ORDER BY bucket`, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var buckets []participation.Bucket
	sum, dips := 0, 0
	for rows.Next() {
		var b participation.Bucket
		if err := rows.Scan(&b.Start, &b.Confirmed); err != nil {
			t.Fatal(err)
		}
		sum += b.Confirmed
		if b.Confirmed < 0 {
			dips++
		}
		buckets = append(buckets, b)
	}
	rows.Close()
	if sum != counts.Total() || len(buckets) < 20 || dips == 0 {
		t.Fatalf("chart: %d buckets summing to %d with %d dips; want ≥ 20 summing to %d with the withdrawals", len(buckets), sum, dips, counts.Total())
	}
	first, last := buckets[0].Start.UTC(), buckets[len(buckets)-1].Start.UTC()
	if first.Format("2006-01-02") != "2018-04-09" || last.Sub(first) < 5*7*24*time.Hour {
		t.Fatalf("chart runs from %s to %s; want from April 9, 2018 over more than five weeks", first, last)
	}
	chart := petition.NewChart(buckets, p.Goal)
	if chart == nil || len(chart.Days) < 20 || chart.Days[len(chart.Days)-1].Total != 559 || chart.Max != 1000 {
		t.Fatalf("chart days: %+v", chart)
	}

	pledges := pledge.NewStore(db, nil, "", nil)
	pl, err := pledges.GetBySlug(ctx, c.ID, "log-out-may-25")
	if err != nil {
		t.Fatal(err)
	}
	if pl.Status != pledge.StatusLapsed || pl.Threshold != 100000 || pl.Total() != 179 ||
		pl.WindowStart.Format("2006-01-02") != "2018-05-25" || pl.LastDay().Format("2006-01-02") != "2018-06-01" {
		t.Fatalf("pledge: %s, %d of %d, window %s – %s", pl.Status, pl.Total(), pl.Threshold, pl.WindowStart, pl.LastDay())
	}
	var jobs, mails, strangers int
	db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE subject_id = $1 AND status = 'pending'`, pl.ID).Scan(&jobs)
	db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&mails)
	db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE email NOT LIKE '%@demo.repertoire.example'`).Scan(&strangers)
	if jobs != 0 || mails != 0 || strangers != 0 {
		t.Fatalf("%d pending pledge jobs, %d mails in the outbox, %d people outside the demo domain; want none", jobs, mails, strangers)
	}
}

// The demo's legal actions: the 2011 complaint to the Irish DPC with its
// enrolees, and the access-request drive against Meta Platforms Ireland
// with requests at every point of their clock.
func TestDemoLegalActions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, db, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatal(err)
		}
		list, total, err := legal.NewStore(db).List(ctx, legal.ListQuery{Admin: true})
		if err != nil || total != 2 {
			t.Fatalf("legal actions: %d, %v", total, err)
		}
		byKind := map[string]*legal.Action{}
		for _, a := range list {
			byKind[a.Kind] = a
		}
		c := byKind[legal.KindComplaint]
		if c == nil || c.FiledAt == nil || c.FiledAt.Year() != 2011 || c.Counts.Total() != 12 || c.AuthorityID == "" {
			t.Errorf("the DPC complaint: %+v", c)
		}
		d := byKind[legal.KindAccessRequests]
		want := legal.Status{Requests: 10, InTime: 2, Late: 1, Incomplete: 1, Overdue: 2, Waiting: 4}
		if d == nil || d.Status != want || d.Counts.Total() != 12 {
			t.Errorf("the access-request drive: %+v, want status %+v", d, want)
		}
	})
}

// Three members imported Facebook's archive into their vault and chose
// what may be shared: their items are there, accents right, and what
// they share is what the gateway would be given.
func TestDemoVaults(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, db, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatal(err)
		}
		vaults := vault.NewStore(db)
		var ids []string
		for _, email := range demo.DemoMembers {
			p, err := account.PersonByEmail(ctx, db.Reader(), email)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		counts, err := vaults.Counts(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if counts["posts"] != 3 || counts["reactions"] != 2 || counts["off_platform_activity"] != 2 {
			t.Errorf("Camille's vault: %v", counts)
		}
		posts, _ := vaults.Items(ctx, ids[0], "posts", "", 10)
		if len(posts) == 0 || !strings.Contains(string(posts[0].Data), "Après Cambridge Analytica") {
			t.Errorf("Camille's first post: %+v", posts)
		}
		sharing, err := vaults.Sharing(ctx, ids, []string{"posts", "ads_interests", "off_platform_activity"})
		if err != nil {
			t.Fatal(err)
		}
		if sharing["posts"] != 1 || sharing["ads_interests"] != 2 || sharing["off_platform_activity"] != 1 {
			t.Errorf("sharing: %v", sharing)
		}
	})
}

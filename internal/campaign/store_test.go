package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// seedCommunity inserts a person and a community with SQL, so the store is
// tested on its own.
func seedCommunity(t *testing.T, db *store.DB, slug, visibility string) (communityID, personID string) {
	t.Helper()
	ctx := context.Background()
	now := store.Now()
	personID, communityID = store.NewID(), store.NewID()
	if _, err := db.Writer().ExecContext(ctx, `INSERT INTO people (id, email, created_at, modified_at) VALUES ($1, $2, $3, $3)`,
		personID, slug+"@example.org", now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Writer().ExecContext(ctx, `INSERT INTO communities (id, slug, name, visibility, created_by, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		communityID, slug, "Community "+slug, visibility, personID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Writer().ExecContext(ctx, `INSERT INTO memberships (community_id, person_id, role, created_at, modified_at) VALUES ($1, $2, 'owner', $3, $3)`,
		communityID, personID, now); err != nil {
		t.Fatal(err)
	}
	return communityID, personID
}

// strike is the seed's demand list, abridged: three sections A, B, C.
func strike(communityID string) campaign.CampaignInput {
	return campaign.CampaignInput{
		CommunityID: communityID,
		Title:       "Facebook users’ strike, May 1st 2018",
		Summary:     "On May 1st, 2018, Facebook users are going on strike unless the company agrees to the following terms.",
		Targets:     []string{"Facebook, Inc."},
		Sections: []campaign.SectionInput{
			{Title: "Full Transparency for American and British Voters", Demands: []campaign.DemandInput{
				{Text: "Facebook shares the exact date it discovered Russian operatives had purchased ads."},
				{Text: "Facebook shares the exact dollar amount Russian operatives spent on political ads."},
				{Text: "Facebook shares the 3,000+ ads that Russian operatives ran during 2016."},
			}},
			{Title: "Full Transparency and Increased Privacy for Facebook Users", Demands: []campaign.DemandInput{
				{Text: "Facebook explains to users exactly what personal data is being used for advertising."},
				{Text: "Facebook allows users to easily delete their “history” on the platform."},
			}},
			{Title: "Better Safety for Children on Facebook", Demands: []campaign.DemandInput{
				{Text: "Facebook increases the minimum age for Facebook users from 13 to 16."},
				{Text: "Facebook shuts down the Messenger Kids product.", Status: campaign.StatusMet},
			}},
		},
	}
}

func TestCreateKeepsSectionsAndDemandsInOrder(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cid, pid := seedCommunity(t, db, "users", "public")
		s := campaign.NewStore(db)
		c, err := s.Create(ctx, pid, strike(cid))
		if err != nil {
			t.Fatal(err)
		}
		if c.Slug != "facebook-users-strike-may-1st-2018" {
			t.Errorf("slug derived from the title: %q", c.Slug)
		}
		if c.CommunitySlug != "users" || len(c.Targets) != 1 || c.Targets[0] != "Facebook, Inc." {
			t.Errorf("community %q, targets %q", c.CommunitySlug, c.Targets)
		}
		var got []string
		for _, sec := range c.Sections {
			for _, d := range sec.Demands {
				got = append(got, fmt.Sprintf("%s%d %s %s", sec.Letter(), d.Position, d.Number(), d.Status))
			}
		}
		want := []string{"A1 A1 open", "A2 A2 open", "A3 A3 open", "B1 B1 open", "B2 B2 open", "C1 C1 open", "C2 C2 met"}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("demands:\n got %v\nwant %v", got, want)
		}
		if c.Sections[1].Demands[1].Text != "Facebook allows users to easily delete their “history” on the platform." {
			t.Errorf("text: %q", c.Sections[1].Demands[1].Text)
		}
		// Every demand starts with an "open" entry; C2 then became met.
		if h := c.Sections[0].Demands[0].History; len(h) != 1 || h[0].Status != "open" {
			t.Errorf("A1 history: %+v", h)
		}
		if h := c.Sections[2].Demands[1].History; len(h) != 2 || h[0].Status != "open" || h[1].Status != "met" {
			t.Errorf("C2 history: %+v", h)
		}
		again, err := s.GetBySlug(ctx, cid, c.Slug)
		if err != nil || again.ID != c.ID || again.DemandCount() != 7 {
			t.Fatalf("get by slug: %v %+v", err, again)
		}
	})
}

func TestStatusHistoryIsKeptInDateOrder(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cid, pid := seedCommunity(t, db, "users", "public")
		s := campaign.NewStore(db)
		opened := time.Date(2018, 3, 20, 0, 0, 0, 0, time.UTC)
		in := strike(cid)
		in.OpenedAt = &opened
		c, err := s.Create(ctx, pid, in)
		if err != nil {
			t.Fatal(err)
		}
		d := c.Sections[0].Demands[0]
		changes := []campaign.StatusChange{
			{Status: "partially_met", Note: "Dates given to Congress", EvidenceURL: "https://example.org/hearing", ChangedAt: time.Date(2018, 4, 10, 0, 0, 0, 0, time.UTC)},
			{Status: "met", Note: "Full timeline published"},                                                      // now
			{Status: "rejected", Note: "Filled in later", ChangedAt: time.Date(2018, 4, 1, 0, 0, 0, 0, time.UTC)}, // older: history only
		}
		for _, ch := range changes {
			if err := s.SetDemandStatus(ctx, pid, d.ID, ch); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Demand(ctx, c.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for _, h := range got.History {
			seq = append(seq, h.Status)
		}
		if strings.Join(seq, ",") != "open,rejected,partially_met,met" {
			t.Errorf("history order: %v", seq)
		}
		if got.Status != "met" {
			t.Errorf("status is the latest by date, got %q", got.Status)
		}
		if h := got.History[2]; h.Note != "Dates given to Congress" || h.EvidenceURL != "https://example.org/hearing" || !h.ChangedAt.Equal(changes[0].ChangedAt) || h.ChangedBy != pid {
			t.Errorf("entry kept as given: %+v", h)
		}
		if !got.History[0].ChangedAt.Equal(opened) {
			t.Errorf("opened at %v", got.History[0].ChangedAt)
		}
	})
}

func TestRefusesBadInput(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	many := func(n int) []campaign.DemandInput {
		ds := make([]campaign.DemandInput, n)
		for i := range ds {
			ds[i].Text = fmt.Sprintf("demand %d", i+1)
		}
		return ds
	}
	cases := []struct {
		name   string
		change func(*campaign.CampaignInput)
		fields []string
	}{
		{"empty title", func(in *campaign.CampaignInput) { in.Title = "  " }, []string{"title"}},
		{"title too long", func(in *campaign.CampaignInput) { in.Title = long(201) }, []string{"title"}},
		{"summary too long", func(in *campaign.CampaignInput) { in.Summary = long(5001) }, []string{"summary"}},
		{"bad slug", func(in *campaign.CampaignInput) { in.Slug = "Not a slug!" }, []string{"slug"}},
		{"reserved slug", func(in *campaign.CampaignInput) { in.Slug = "edit" }, []string{"slug"}},
		{"too many targets", func(in *campaign.CampaignInput) { in.Targets = strings.Split(long(21), "") }, []string{"targets"}},
		{"empty target", func(in *campaign.CampaignInput) { in.Targets = []string{"Facebook", " "} }, []string{"targets[1].name"}},
		{"empty demand and section title", func(in *campaign.CampaignInput) {
			in.Sections[1].Title = ""
			in.Sections[1].Demands[1].Text = "\n"
		}, []string{"demand_sections[1].title", "demand_sections[1].demands[1].text"}},
		{"demand too long", func(in *campaign.CampaignInput) { in.Sections[0].Demands[2].Text = long(1001) }, []string{"demand_sections[0].demands[2].text"}},
		{"unknown status", func(in *campaign.CampaignInput) { in.Sections[2].Demands[0].Status = "won" }, []string{"demand_sections[2].demands[0].status"}},
		{"section too long", func(in *campaign.CampaignInput) { in.Sections[0].Demands = many(101) }, []string{"demand_sections[0].demands"}},
		{"demand list too long", func(in *campaign.CampaignInput) {
			in.Sections = []campaign.SectionInput{{Title: "A", Demands: many(100)}, {Title: "B", Demands: many(100)}, {Title: "C", Demands: many(100)}, {Title: "D", Demands: many(1)}}
		}, []string{"demand_sections"}},
		{"too many sections", func(in *campaign.CampaignInput) {
			in.Sections = make([]campaign.SectionInput, 27)
			for i := range in.Sections {
				in.Sections[i].Title = "S"
			}
		}, []string{"demand_sections"}},
	}
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cid, pid := seedCommunity(t, db, "users", "public")
		s := campaign.NewStore(db)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				in := strike(cid)
				tc.change(&in)
				_, err := s.Create(ctx, pid, in)
				var got []string
				for _, fe := range repertoire.FieldErrors(err) {
					got = append(got, fe.Field)
				}
				if strings.Join(got, " ") != strings.Join(tc.fields, " ") {
					t.Fatalf("fields %v, want %v (err %v)", got, tc.fields, err)
				}
			})
		}
		var n int
		db.Reader().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM campaigns) + (SELECT COUNT(*) FROM demands)`).Scan(&n)
		if n != 0 {
			t.Fatalf("refused input left %d rows", n)
		}
		// 300 demands in all is the limit, not over it.
		in := strike(cid)
		in.Sections = []campaign.SectionInput{{Title: "A", Demands: many(100)}, {Title: "B", Demands: many(100)}, {Title: "C", Demands: many(100)}}
		if _, err := s.Create(ctx, pid, in); err != nil {
			t.Fatalf("300 demands: %v", err)
		}
	})
}

func TestDuplicateSlugConflicts(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cid, pid := seedCommunity(t, db, "users", "public")
		other, _ := seedCommunity(t, db, "workers", "public")
		s := campaign.NewStore(db)
		first, err := s.Create(ctx, pid, strike(cid))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Create(ctx, pid, strike(cid))
		if e := repertoire.AsError(err); e.Code != repertoire.ECONFLICT || e.Field != "slug" {
			t.Fatalf("same slug in the same community: %v", err)
		}
		if _, err := s.Create(ctx, pid, strike(other)); err != nil {
			t.Fatalf("same slug in another community: %v", err)
		}
		second := strike(cid)
		second.Slug = "second"
		c2, err := s.Create(ctx, pid, second)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Update(ctx, c2.ID, campaign.CampaignPatch{Slug: &first.Slug})
		if e := repertoire.AsError(err); e.Code != repertoire.ECONFLICT || e.Field != "slug" {
			t.Fatalf("renaming onto a taken slug: %v", err)
		}
	})
}

func TestUpdateChangesOnlyGivenFields(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cid, pid := seedCommunity(t, db, "users", "public")
		s := campaign.NewStore(db)
		c, err := s.Create(ctx, pid, strike(cid))
		if err != nil {
			t.Fatal(err)
		}
		title := "Users’ strike"
		targets := []string{"Meta Platforms, Inc.", " Irish DPC "}
		ult := time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)
		ultp := &ult
		got, err := s.Update(ctx, c.ID, campaign.CampaignPatch{Title: &title, Targets: &targets, UltimatumAt: &ultp})
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != title || got.Summary != c.Summary || got.Slug != c.Slug || strings.Join(got.Targets, "|") != "Meta Platforms, Inc.|Irish DPC" {
			t.Errorf("after update: %q %q %q %q", got.Title, got.Summary, got.Slug, got.Targets)
		}
		if got.UltimatumAt == nil || !got.UltimatumAt.Equal(ult) || got.DemandCount() != 7 {
			t.Errorf("ultimatum %v, %d demands", got.UltimatumAt, got.DemandCount())
		}
		var none *time.Time
		got, err = s.Update(ctx, c.ID, campaign.CampaignPatch{UltimatumAt: &none})
		if err != nil || got.UltimatumAt != nil {
			t.Errorf("clearing the ultimatum: %v %v", err, got.UltimatumAt)
		}
	})
}

func TestEditingDemandsRenumbers(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cid, pid := seedCommunity(t, db, "users", "public")
		s := campaign.NewStore(db)
		c, err := s.Create(ctx, pid, strike(cid))
		if err != nil {
			t.Fatal(err)
		}
		a := c.Sections[0]
		numbers := func() string {
			t.Helper()
			c, err := s.Get(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, sec := range c.Sections {
				for _, d := range sec.Demands {
					out = append(out, d.Number()+"="+strings.Fields(d.Text)[len(strings.Fields(d.Text))-1])
				}
			}
			return strings.Join(out, " ")
		}
		// Add at position 1 of A, then delete the old A2, move C2 up.
		if _, err := s.AddDemand(ctx, pid, c.ID, campaign.NewDemand{SectionPosition: 1, Text: "Facebook testifies first.", Position: 1}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteDemand(ctx, c.ID, a.Demands[1].ID); err != nil {
			t.Fatal(err)
		}
		one := 1
		text := "Facebook shuts down Messenger Kids."
		if _, err := s.EditDemand(ctx, pid, c.ID, c.Sections[2].Demands[1].ID, campaign.DemandPatch{Position: &one, Text: &text}); err != nil {
			t.Fatal(err)
		}
		want := "A1=first. A2=ads. A3=2016. B1=advertising. B2=platform. C1=Kids. C2=16."
		if got := numbers(); got != want {
			t.Errorf("after edits:\n got %s\nwant %s", got, want)
		}
		// A new section D, then delete B: C and D move up a letter.
		if _, err := s.AddSection(ctx, pid, c.ID, campaign.SectionInput{Title: "Rights for click workers", Demands: []campaign.DemandInput{{Text: "Click workers get a minimum wage."}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSection(ctx, c.ID, c.Sections[1].ID); err != nil {
			t.Fatal(err)
		}
		want = "A1=first. A2=ads. A3=2016. B1=Kids. B2=16. C1=wage."
		if got := numbers(); got != want {
			t.Errorf("after sections:\n got %s\nwant %s", got, want)
		}
		if err := s.MoveSection(ctx, c.ID, c.Sections[2].ID, 1); err != nil {
			t.Fatal(err)
		}
		if got := numbers(); !strings.HasPrefix(got, "A1=Kids. A2=16. B1=first.") {
			t.Errorf("after moving a section: %s", got)
		}
		_, err = s.AddDemand(ctx, pid, c.ID, campaign.NewDemand{SectionPosition: 9, Text: "x"})
		if fe := repertoire.FieldErrors(err); len(fe) != 1 || fe[0].Field != "section" {
			t.Errorf("unknown section: %v", err)
		}
	})
}

func TestDeleteCascades(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cid, pid := seedCommunity(t, db, "users", "public")
		s := campaign.NewStore(db)
		c, err := s.Create(ctx, pid, strike(cid))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetDemandStatus(ctx, pid, c.Sections[0].Demands[0].ID, campaign.StatusChange{Status: "met"}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddCoverage(ctx, c.ID, campaign.CoverageInput{PublishedOn: "2018-08-19", Outlet: "Le Dauphiné", Title: "Quand l’entreprise dit : déconnectez !", Language: "fr"}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddUpdate(ctx, pid, c.ID, campaign.UpdateInput{Title: "The strike is called"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"campaigns", "campaign_targets", "demand_sections", "demands", "demand_status_changes", "campaign_updates", "coverage"} {
			var n int
			if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil || n != 0 {
				t.Errorf("%s: %d rows left (%v)", table, n, err)
			}
		}
		if _, err := s.Get(ctx, c.ID); repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			t.Errorf("get after delete: %v", err)
		}
		if err := s.Delete(ctx, c.ID); repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			t.Errorf("delete twice: %v", err)
		}
	})
}

func TestCoverageAndUpdates(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cid, pid := seedCommunity(t, db, "users", "public")
		s := campaign.NewStore(db)
		c, err := s.Create(ctx, pid, strike(cid))
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []campaign.CoverageInput{
			{PublishedOn: "2018-07-02", Outlet: "Le Monde", Title: "Le numérique, à l’origine d’une nouvelle fracture sociale", Language: "fr"},
			{PublishedOn: "2018-08-19", Outlet: "Le Dauphiné", Title: "Quand l’entreprise dit : déconnectez !", Language: "fr", URL: "https://www.ledauphine.com/"},
			{Kind: "podcast", PublishedOn: "2018-07-11", Outlet: "Periódico Digital PIEB", Title: "Hay trabajo humano invisibilizado", Language: "es"},
		} {
			if err := s.AddCoverage(ctx, c.ID, in); err != nil {
				t.Fatal(err)
			}
		}
		err = s.AddCoverage(ctx, c.ID, campaign.CoverageInput{Kind: "tv", PublishedOn: "19/08/2018", URL: "javascript:alert(1)"})
		var fields []string
		for _, fe := range repertoire.FieldErrors(err) {
			fields = append(fields, fe.Field)
		}
		if strings.Join(fields, " ") != "kind date outlet title url" {
			t.Errorf("bad coverage: %v", fields)
		}
		if err := s.AddCoverage(ctx, store.NewID(), campaign.CoverageInput{PublishedOn: "2018-08-19", Outlet: "X", Title: "Y"}); repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			t.Errorf("coverage of no campaign: %v", err)
		}
		if err := s.AddUpdate(ctx, pid, c.ID, campaign.UpdateInput{Title: "Strike called", PublishedAt: time.Date(2018, 3, 20, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddUpdate(ctx, pid, c.ID, campaign.UpdateInput{Title: "Hearing", Body: "Zuckerberg testified.\n\nNot in the open.", PublishedAt: time.Date(2018, 4, 10, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var outlets []string
		for _, cv := range got.Coverage {
			outlets = append(outlets, cv.PublishedOn+" "+cv.Outlet+" "+cv.Kind)
		}
		if strings.Join(outlets, "|") != "2018-08-19 Le Dauphiné article|2018-07-11 Periódico Digital PIEB podcast|2018-07-02 Le Monde article" {
			t.Errorf("coverage newest first: %v", outlets)
		}
		if len(got.Updates) != 2 || got.Updates[0].Title != "Hearing" || got.Updates[0].Body != "Zuckerberg testified.\n\nNot in the open." {
			t.Errorf("updates newest first: %+v", got.Updates)
		}
		if err := s.DeleteCoverage(ctx, c.ID, got.Coverage[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUpdate(ctx, c.ID, got.Updates[0].ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Get(ctx, c.ID)
		if len(got.Coverage) != 2 || len(got.Updates) != 1 {
			t.Errorf("after deletes: %d coverage, %d updates", len(got.Coverage), len(got.Updates))
		}
	})
}

func TestListShowsPublicAndOwnPrivateCampaigns(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pub, alice := seedCommunity(t, db, "public-users", "public")
		priv, bob := seedCommunity(t, db, "private-workers", "private")
		s := campaign.NewStore(db)
		for i := 0; i < 3; i++ {
			in := strike(pub)
			in.Slug = fmt.Sprintf("public-%d", i)
			if _, err := s.Create(ctx, alice, in); err != nil {
				t.Fatal(err)
			}
		}
		in := strike(priv)
		in.Slug = "secret"
		if _, err := s.Create(ctx, bob, in); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			q     campaign.ListQuery
			total int
			page  int
		}{
			{"visitor", campaign.ListQuery{Limit: 2}, 3, 2},
			{"outsider", campaign.ListQuery{ViewerID: alice, Limit: 10}, 3, 3},
			{"member of the private community", campaign.ListQuery{ViewerID: bob, Limit: 10}, 4, 4},
			{"member, second page", campaign.ListQuery{ViewerID: bob, Limit: 3, Offset: 3}, 4, 1},
			{"admin", campaign.ListQuery{Admin: true}, 4, 4},
			{"one community", campaign.ListQuery{ViewerID: bob, CommunityID: priv}, 1, 1},
			{"private community, outsider", campaign.ListQuery{ViewerID: alice, CommunityID: priv}, 0, 0},
		}
		for _, tc := range cases {
			cs, total, err := s.List(ctx, tc.q)
			if err != nil || total != tc.total || len(cs) != tc.page {
				t.Errorf("%s: %d of %d, want %d of %d (%v)", tc.name, len(cs), total, tc.page, tc.total, err)
			}
			for _, c := range cs {
				if len(c.Targets) != 1 {
					t.Errorf("%s: targets %v", tc.name, c.Targets)
				}
			}
		}
		sums, err := s.CommunityCampaigns(ctx, pub)
		if err != nil || len(sums) != 3 || sums[0].Slug != "public-2" {
			t.Errorf("community campaigns: %v %+v", err, sums)
		}
	})
}

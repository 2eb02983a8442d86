package pledge_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/pledge"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// The pledges list follows the communities' one visibility rule: a private
// community's pledges are listed to its active members only (and to admins,
// who drop the condition), with their campaign and community filled in.
func TestListFollowsCommunityVisibility(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Write(ctx, func(tx *store.Tx) error {
			for _, id := range []string{"owner", "outsider"} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, created_at, modified_at) VALUES ($1, $2, $3, $3)`,
					id, id+"@example.org", tx.Now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		coms, camps := community.NewStore(db), campaign.NewStore(db)
		pledges := pledge.NewStore(db, i18n.MustLoad(), "http://test", slog.New(slog.NewTextHandler(io.Discard, nil)))
		now := time.Now()
		titles := map[string]string{}
		for _, vis := range []string{community.Public, community.Private} {
			c, err := coms.Create(ctx, "owner", community.Input{Name: "Community " + vis, Slug: "c-" + vis, Visibility: vis})
			if err != nil {
				t.Fatal(err)
			}
			cp, err := camps.Create(ctx, "owner", campaign.CampaignInput{CommunityID: c.ID, Title: "Strike " + vis})
			if err != nil {
				t.Fatal(err)
			}
			p, err := pledges.Create(ctx, "owner", cp.ID, pledge.Input{Title: "Log out " + vis, Action: "log out",
				Threshold: 10, Deadline: now.Add(24 * time.Hour), WindowStart: now.Add(48 * time.Hour), WindowEnd: now.Add(96 * time.Hour)}, now)
			if err != nil {
				t.Fatal(err)
			}
			if p.CommunitySlug != "c-"+vis || p.CampaignTitle != "Strike "+vis || p.CommunityID != c.ID {
				t.Errorf("%s pledge: community %q, campaign %q", vis, p.CommunitySlug, p.CampaignTitle)
			}
			titles[vis] = p.Title
		}
		cases := []struct {
			name   string
			q      pledge.ListQuery
			titles []string
		}{
			{"visitor", pledge.ListQuery{}, []string{titles[community.Public]}},
			{"outsider", pledge.ListQuery{ViewerID: "outsider"}, []string{titles[community.Public]}},
			{"member", pledge.ListQuery{ViewerID: "owner"}, []string{titles[community.Private], titles[community.Public]}},
			{"admin", pledge.ListQuery{Admin: true}, []string{titles[community.Private], titles[community.Public]}},
			{"member, one page", pledge.ListQuery{ViewerID: "owner", Limit: 1, Offset: 1}, []string{titles[community.Public]}},
		}
		for _, c := range cases {
			ps, total, err := pledges.List(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Title)
				if p.CommunitySlug == "" || p.CampaignSlug == "" {
					t.Errorf("%s: %q without its campaign or community", c.name, p.Title)
				}
			}
			want := len(c.titles)
			if c.q.Limit > 0 {
				want = 2
			}
			if !slices.Equal(got, c.titles) || total != want {
				t.Errorf("%s: %v (total %d), want %v (total %d)", c.name, got, total, c.titles, want)
			}
		}
	})
}

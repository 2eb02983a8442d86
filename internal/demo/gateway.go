package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/decision"
	"repertoire/internal/gateway"
	"repertoire/internal/store"
	"repertoire/internal/vault"
)

// gatewayMembers are members who deposited a little of their data and
// share their posts and reactions.
var gatewayMembers = []struct{ email, name string }{
	{"amina.gateway@demo.repertoire.example", "Amina Haddad"},
	{"jonas.gateway@demo.repertoire.example", "Jonas Weber"},
	{"ines.gateway@demo.repertoire.example", "Inès Moreau"},
}

// loadGateway gives the community its data gateway: a few members' data,
// a research consumer and the policy the members voted for it (in force
// from yesterday for a year), and the data strike of May 25 – June 1, 2018
// the members called, beside the log-out pledge.
func loadGateway(ctx context.Context, db *store.DB, organizerID, communityID string) error {
	coms := community.NewStore(db)
	vaults := vault.NewStore(db)
	for i, m := range gatewayMembers {
		id, err := account.CreateUser(ctx, db, account.NewUser{Email: m.email, Name: m.name})
		if err != nil {
			return fmt.Errorf("gateway member: %w", err)
		}
		if _, err := coms.Join(ctx, communityID, id); err != nil {
			return fmt.Errorf("gateway member: %w", err)
		}
		var items []vault.Item
		for j, text := range []string{"Logged out for the week. The feed will have to do without me.",
			"Why does my timeline show the same three pages every morning?"} {
			items = append(items, vault.Item{Category: "posts", Source: vault.SourceEntered, Kind: "post",
				Time: time.Date(2018, 5, 20+j, 9+i, 0, 0, 0, time.UTC), Data: json.RawMessage(fmt.Sprintf(`{"text":%q}`, text))})
		}
		items = append(items, vault.Item{Category: "reactions", Source: vault.SourceEntered, Kind: "reaction",
			Time: time.Date(2018, 5, 22, 18, i, 0, 0, time.UTC), Data: json.RawMessage(`{"reaction":"like","on":"a friend's photo"}`)})
		if _, err := vaults.Add(ctx, id, items); err != nil {
			return fmt.Errorf("gateway member's data: %w", err)
		}
		for _, c := range []string{"posts", "reactions"} {
			if err := vaults.SetConsent(ctx, id, c, vault.Share); err != nil {
				return err
			}
		}
	}
	gw := gateway.NewStore(db)
	lab, err := gw.CreateConsumer(ctx, communityID, gateway.ConsumerInput{Name: "Digital Labour Observatory",
		Purpose: "Academic study of how the news feed ranks posts, published as aggregate findings only.",
		Licence: "Data use agreement: research only, no re-identification, deletion after 12 months", Contact: "observatory@example.edu"})
	if err != nil {
		return fmt.Errorf("gateway consumer: %w", err)
	}
	if _, err := gw.CreateKey(ctx, lab.ID, "research team"); err != nil {
		return err
	}
	decisions := decision.NewStore(db, nil, "", nil)
	now := store.Now()
	day := now.Truncate(24 * time.Hour)
	policy, err := gw.ProposePolicy(ctx, communityID, gateway.PolicyInput{ConsumerID: lab.ID, Categories: []string{"posts", "reactions"},
		Level: gateway.LevelPseudonym, RatePerMin: 60, ItemsPerDay: 5000, Purpose: "Ranking study, pseudonymized items",
		StartsAt: day.Add(-24 * time.Hour), EndsAt: day.AddDate(1, 0, 0)})
	if err != nil {
		return fmt.Errorf("gateway policy: %w", err)
	}
	electorate := len(gatewayMembers) + 1
	if _, err := decisions.RecordPast(ctx, organizerID, communityID, decision.Past{
		Input: decision.Input{Title: "Let the Digital Labour Observatory read our shared posts and reactions",
			Body: "Pseudonymized per consumer, 60 requests a minute, 5,000 items a day, for a year. Only what each member shares.",
			Kind: decision.KindDataPolicy, PolicyID: policy.ID, Threshold: decision.Majority},
		OpenedAt: day.Add(-8 * 24 * time.Hour), ClosedAt: day.Add(-24 * time.Hour), Electorate: electorate,
		Votes: map[string]int{decision.RoleFor: 3, decision.RoleAbstain: 1}}); err != nil {
		return fmt.Errorf("gateway policy vote: %w", err)
	}
	strike, err := gw.ProposeStrike(ctx, communityID, gateway.StrikeInput{Scope: gateway.ScopeMembers,
		Reason:   "Beside the log-out week: no consumer reads our data until the demands are answered.",
		StartsAt: time.Date(2018, 5, 25, 0, 0, 0, 0, time.UTC), EndsAt: time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return fmt.Errorf("gateway strike: %w", err)
	}
	if _, err := decisions.RecordPast(ctx, organizerID, communityID, decision.Past{
		Input: decision.Input{Title: "Data strike, May 25 – June 1", Kind: decision.KindDataStrike, StrikeID: strike.ID,
			Threshold: decision.Majority},
		OpenedAt: time.Date(2018, 5, 18, 9, 0, 0, 0, time.UTC), ClosedAt: time.Date(2018, 5, 24, 18, 0, 0, 0, time.UTC),
		Electorate: electorate, Votes: map[string]int{decision.RoleFor: 4}}); err != nil {
		return fmt.Errorf("gateway strike vote: %w", err)
	}
	return nil
}

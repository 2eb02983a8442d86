package gateway_test

import (
	"context"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/testkit"
	"repertoire/internal/vault"
)

// The whole path by the API: an organizer registers a consumer and its key,
// proposes a policy, the members vote it through /api/v1/decisions, the
// consumer reads; a member cannot register consumers; the key revoked
// opens nothing.
func TestOrganizersAPIAndTheVote(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		org := app.Token(t, "olga@example.org", "Olga Organizer", false)
		if st := app.API(t, "POST", "/api/v1/communities", org, map[string]string{"name": "Riders union", "slug": "riders"}, nil); st != 201 {
			t.Fatalf("community: %d", st)
		}
		com, _ := community.NewStore(app.DB).Get(ctx, "riders")
		f := &fixture{app: app, db: app.DB, community: com}
		f.vaults = vault.NewStore(app.DB)
		var voters []string
		for _, who := range []string{"rider1@example.org", "rider2@example.org"} {
			tok := app.Token(t, who, "Rider Member", false)
			p, _ := account.PersonByEmail(ctx, app.DB.Reader(), who)
			if _, err := community.NewStore(app.DB).Join(ctx, com.ID, p.ID); err != nil {
				t.Fatal(err)
			}
			f.deposit(t, p.ID, true)
			voters = append(voters, tok)
		}
		var problem problem
		if st := app.API(t, "POST", "/api/v1/gateway/consumers", voters[0], map[string]string{"community": "riders", "name": "X", "purpose": "X",
			"licence": "X", "contact": "X"}, &problem); st != 403 {
			t.Fatalf("a member registering a consumer: %d", st)
		}
		if st := app.API(t, "POST", "/api/v1/gateway/consumers", org, map[string]string{"community": "riders", "name": "Platform Lab",
			"purpose": "Ranking study", "licence": "DUA", "contact": "lab@example.edu", "licens": "typo"}, &problem); st != 422 {
			t.Fatalf("an unknown member: %d", st)
		}
		var consumer struct{ ID string }
		if st := app.API(t, "POST", "/api/v1/gateway/consumers", org, map[string]string{"community": "riders", "name": "Platform Lab",
			"purpose": "Ranking study", "licence": "DUA", "contact": "lab@example.edu"}, &consumer); st != 201 {
			t.Fatalf("consumer: %d", st)
		}
		var key struct{ ID, Key string }
		if st := app.API(t, "POST", "/api/v1/gateway/consumers/"+consumer.ID+"/keys", org, map[string]string{"name": "main"}, &key); st != 201 || key.Key == "" {
			t.Fatalf("key: %d", st)
		}
		now := time.Now().UTC()
		var policy struct{ ID string }
		if st := app.API(t, "POST", "/api/v1/gateway/policies", org, map[string]any{"community": "riders", "consumer": consumer.ID,
			"categories": []string{"posts"}, "level": "pseudonymized", "rate_per_minute": 60, "items_per_day": 1000, "purpose": "Ranking study",
			"starts_at": now.Add(-time.Minute).Format(time.RFC3339), "ends_at": now.Add(time.Hour).Format(time.RFC3339)}, &policy); st != 201 {
			t.Fatalf("policy: %d", st)
		}
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", key.Key, &problem); st != 403 || problem.Reason != "no_policy" {
			t.Fatalf("before the vote: %d %+v", st, problem)
		}
		var d struct {
			ID      string
			Outcome string
			Options []struct{ ID, Role string }
		}
		if st := app.API(t, "POST", "/api/v1/decisions", org, map[string]any{"community": "riders", "title": "Let the lab read our posts",
			"kind": "data_policy", "data_policy": policy.ID, "closes_at": now.Add(time.Hour).Format(time.RFC3339)}, &d); st != 201 {
			t.Fatalf("decision: %d", st)
		}
		if st := app.API(t, "PUT", "/api/v1/decisions/"+d.ID, org, map[string]any{"status": "open"}, &d); st != 200 {
			t.Fatalf("open: %d", st)
		}
		for _, tok := range voters {
			for _, o := range d.Options {
				if o.Role == "for" {
					if st := app.API(t, "POST", "/api/v1/decisions/"+d.ID+"/ballots", tok, map[string]any{"option": o.ID}, nil); st != 201 && st != 200 {
						t.Fatalf("vote: %d", st)
					}
				}
			}
		}
		if st := app.API(t, "PUT", "/api/v1/decisions/"+d.ID, org, map[string]any{"status": "closed"}, &d); st != 200 || d.Outcome != "passed" {
			t.Fatalf("close: %d %q", st, d.Outcome)
		}
		var got items
		eventually(t, "the voted policy in force", func() bool {
			st, _ := get(t, app, "/gateway/v1/items?category=posts", key.Key, &got)
			return st == 200 && len(got.Items) == 4
		})
		var log struct {
			Requests []struct{ Outcome, Reason string }
		}
		if st := app.API(t, "GET", "/api/v1/gateway/consumers/"+consumer.ID+"/requests", org, nil, &log); st != 200 || len(log.Requests) < 2 ||
			log.Requests[0].Outcome != "allowed" {
			t.Fatalf("access log: %d %+v", st, log)
		}
		if st := app.API(t, "DELETE", "/api/v1/gateway/consumers/"+consumer.ID+"/keys/"+key.ID, org, nil, nil); st != 204 {
			t.Fatalf("revoke: %d", st)
		}
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", key.Key, nil); st != 401 {
			t.Fatalf("revoked key: %d", st)
		}
	})
}

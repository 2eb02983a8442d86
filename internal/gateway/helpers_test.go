package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/decision"
	"repertoire/internal/gateway"
	"repertoire/internal/store"
	"repertoire/internal/testkit"
	"repertoire/internal/vault"
)

// fixture is a community run by Olga, its members with data in their
// vaults, and a research consumer with a key.
type fixture struct {
	app       *testkit.App
	db        *store.DB
	gw        *gateway.Store
	vaults    *vault.Store
	decisions *decision.Store
	org       string
	community *community.Community
	members   []string // person ids
	consumer  *gateway.Consumer
	key       string
}

const password = "correct horse battery"

func setup(t testing.TB, app *testkit.App, members int) *fixture {
	t.Helper()
	ctx := context.Background()
	db := app.DB
	f := &fixture{app: app, db: db, gw: gateway.NewStore(db), vaults: vault.NewStore(db), decisions: decision.NewStore(db, nil, "", nil)}
	var err error
	if f.org, err = account.CreateUser(ctx, db, account.NewUser{Email: "olga@example.org", Name: "Olga Organizer", Password: password}); err != nil {
		t.Fatal(err)
	}
	coms := community.NewStore(db)
	if f.community, err = coms.Create(ctx, f.org, community.Input{Name: "Riders union", Slug: "riders"}); err != nil {
		t.Fatal(err)
	}
	for i := range members {
		f.member(t, fmt.Sprintf("rider%d@example.org", i+1), fmt.Sprintf("Rider%d Member", i+1), true)
	}
	if f.consumer, err = f.gw.CreateConsumer(ctx, f.community.ID, gateway.ConsumerInput{Name: "Platform Lab", Purpose: "Study of ranking",
		Licence: "Data use agreement 2026", Contact: "lab@example.edu"}); err != nil {
		t.Fatal(err)
	}
	if f.key, err = f.gw.CreateKey(ctx, f.consumer.ID, "main"); err != nil {
		t.Fatal(err)
	}
	return f
}

// member makes a person a member of the community with two posts in their
// vault, shared or not.
func (f *fixture) member(t testing.TB, email, name string, share bool) string {
	t.Helper()
	ctx := context.Background()
	id, err := account.CreateUser(ctx, f.db, account.NewUser{Email: email, Name: name, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := community.NewStore(f.db).Join(ctx, f.community.ID, id); err != nil {
		t.Fatal(err)
	}
	f.deposit(t, id, share)
	f.members = append(f.members, id)
	return id
}

func (f *fixture) deposit(t testing.TB, personID string, share bool) {
	t.Helper()
	ctx := context.Background()
	items := []vault.Item{
		{Category: "posts", Source: vault.SourceEntered, Kind: "post", Time: time.Date(2018, 4, 2, 10, 0, 0, 0, time.UTC), Data: json.RawMessage(`{"text":"first ` + personID + `"}`)},
		{Category: "posts", Source: vault.SourceEntered, Kind: "post", Time: time.Date(2018, 4, 3, 10, 0, 0, 0, time.UTC), Data: json.RawMessage(`{"text":"second ` + personID + `"}`)},
	}
	if _, err := f.vaults.Add(ctx, personID, items); err != nil {
		t.Fatal(err)
	}
	if share {
		if err := f.vaults.SetConsent(ctx, personID, "posts", vault.Share); err != nil {
			t.Fatal(err)
		}
	}
}

// adopt proposes a policy and has the members' past vote adopt it.
func (f *fixture) adopt(t testing.TB, in gateway.PolicyInput) *gateway.Policy {
	t.Helper()
	ctx := context.Background()
	in.ConsumerID = f.consumer.ID
	p, err := f.gw.ProposePolicy(ctx, f.community.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := f.decisions.RecordPast(ctx, f.org, f.community.ID, decision.Past{
		Input:    decision.Input{Title: "Let the lab read our posts", Kind: decision.KindDataPolicy, PolicyID: p.ID, Threshold: decision.Majority},
		OpenedAt: now.Add(-2 * time.Hour), ClosedAt: now.Add(-time.Hour), Electorate: len(f.members) + 1,
		Votes: map[string]int{decision.RoleFor: len(f.members)}}); err != nil {
		t.Fatal(err)
	}
	return p
}

func posts(level string) gateway.PolicyInput {
	now := time.Now().UTC()
	return gateway.PolicyInput{Categories: []string{"posts"}, Level: level, RatePerMin: 10000, ItemsPerDay: 100000, MinGroup: 2,
		Purpose: "Ranking study", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(24 * time.Hour)}
}

// get asks the consumer API with a key and decodes the answer.
func get(t testing.TB, app *testkit.App, path, key string, out any) (int, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", app.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %d %s: %v", path, res.StatusCode, b, err)
		}
	}
	return res.StatusCode, res.Header
}

type items struct {
	Policy string `json:"policy"`
	Level  string `json:"level"`
	Items  []struct {
		ID     string          `json:"id"`
		Person string          `json:"person"`
		Data   json.RawMessage `json:"data"`
	} `json:"items"`
	Next string `json:"next"`
}

type problem struct {
	Status   int    `json:"status"`
	Code     string `json:"code"`
	Reason   string `json:"reason"`
	Detail   string `json:"detail"`
	Decision string `json:"decision"`
	Until    string `json:"until"`
}

func gatewayStrikeVote(strikeID string, now time.Time, members int) decision.Past {
	return decision.Past{
		Input:    decision.Input{Title: "Data strike", Kind: decision.KindDataStrike, StrikeID: strikeID, Threshold: decision.Majority},
		OpenedAt: now.Add(-2 * time.Hour), ClosedAt: now.Add(-time.Second), Electorate: members + 1,
		Votes: map[string]int{decision.RoleFor: members}}
}

// eventually asks until ok, for at most two seconds: what another
// transaction changed reaches an instance through its notification.
func eventually(t testing.TB, what string, ok func() bool) {
	t.Helper()
	for start := time.Now(); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("%s: not within 2 s", what)
		}
	}
}

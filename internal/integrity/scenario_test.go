package integrity_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/participation"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// The scenario every test here starts from: a community whose campaign
// has five petitions, signed by an organic crowd (people spread over ten
// days, each a few petitions, and a recent trickle from varied networks
// and browsers), and attacked by a click farm: 40 fresh accounts from one
// /24 signing all five petitions within two minutes with a script's user
// agent. Any reasonable engine flags the farm and none of the crowd; the
// tests do not depend on how it does.

const (
	organizer = "organizer@users.example"
	outsider  = "organizer@others.example"
	password  = "correct horse battery"
	farmSize  = 40
)

type scenario struct {
	app       *testkit.App
	token     string // the community's organizer's
	other     string // another community's organizer's
	admin     string
	community *community.Community
	petitions []string // ids
	slugs     []string
	pledge    string // a pledge's id, the farm's sixth target
	campaign  string
	farm      map[string]bool // the farm's participation ids
	organic   map[string]bool // the crowd's
	farmMail  []string
}

// start runs fn on both engines with a server whose rate limits are off
// (the farm must reach the counts for its invalidation to lower them) and
// whose incremental run is off (each test runs the engine when it means
// to).
func start(t *testing.T, fn func(t *testing.T, s *scenario)) { startEvery(t, -1, fn) }

// startEvery is start with the incremental run every every (negative:
// never).
func startEvery(t *testing.T, every time.Duration, fn func(t *testing.T, s *scenario)) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		app := testkit.StartWith(t, db, func(c *server.Config) {
			c.Limits = &participation.Limits{}
			c.IntegrityEvery = every
		})
		fn(t, setup(t, app))
	})
}

func personID(t *testing.T, app *testkit.App, email string) string {
	t.Helper()
	var id string
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM people WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatalf("person %s: %v", email, err)
	}
	return id
}

func setup(t *testing.T, app *testkit.App) *scenario {
	t.Helper()
	ctx := context.Background()
	s := &scenario{app: app, farm: map[string]bool{}, organic: map[string]bool{}}
	s.token = app.Token(t, organizer, "Organizer", false)
	s.other = app.Token(t, outsider, "Other", false)
	s.admin = app.Token(t, "admin@instance.example", "Admin", true)
	coms := community.NewStore(app.DB)
	var err error
	if s.community, err = coms.Create(ctx, personID(t, app, organizer), community.Input{Name: "Users", Slug: "users"}); err != nil {
		t.Fatal(err)
	}
	if _, err := coms.Create(ctx, personID(t, app, outsider), community.Input{Name: "Others", Slug: "others"}); err != nil {
		t.Fatal(err)
	}
	c, err := campaign.NewStore(app.DB).Create(ctx, personID(t, app, organizer), campaign.CampaignInput{CommunityID: s.community.ID,
		Title: "Log out", Slug: "logout"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		var p struct {
			Identifiers []string `json:"identifiers"`
			Slug        string   `json:"slug"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", s.token, map[string]any{"title": fmt.Sprintf("Petition %d", i+1),
			"petition_text": "We ask.", "campaign": "repertoire:" + c.ID}, &p); st != http.StatusCreated {
			t.Fatalf("create petition: %d", st)
		}
		s.petitions = append(s.petitions, strings.TrimPrefix(p.Identifiers[0], "repertoire:"))
		s.slugs = append(s.slugs, p.Slug)
	}
	s.campaign = c.ID
	var pl struct {
		ID string `json:"id"`
	}
	now := time.Now().UTC()
	if st := app.API(t, "POST", "/api/v1/pledges", s.token, map[string]any{"title": "Log out for a week", "action": "log out",
		"campaign": c.ID, "threshold": 1000, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339),
		"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, &pl); st != http.StatusCreated {
		t.Fatalf("create pledge: %d", st)
	}
	s.pledge = pl.ID
	parts := app.Server.Participation
	// The crowd of the past: 60 people over ten days, each on one to three
	// petitions, confirmed.
	var past []participation.Past
	for i := range 60 {
		for j := range 1 + i%3 {
			at := now.Add(-240*time.Hour + time.Duration(i*4+j)*time.Hour)
			past = append(past, participation.Past{Submission: participation.Submission{Kind: participation.Signature,
				ActionID: s.petitions[(i+j)%5], Person: account.PersonInput{Email: fmt.Sprintf("person%02d@mail%d.example", i, i%7)},
				Lang: "en"}, SubmittedAt: at, ConfirmedAt: at.Add(10 * time.Minute)})
		}
	}
	res, err := parts.RecordPast(ctx, past)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		s.organic[r.ID] = true
	}
	// The crowd of today: 20 people from 20 networks and four browsers,
	// each on one or two petitions.
	browsers := []string{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0"}
	for i := range 20 {
		for j := range 1 + i%2 {
			r, err := parts.Submit(ctx, participation.Submission{Kind: participation.Signature, ActionID: s.petitions[(i+2*j)%5],
				Person: account.PersonInput{Email: fmt.Sprintf("today%02d@home%d.example", i, i%5)}, Lang: "en",
				IP: fmt.Sprintf("198.51.%d.%d", 10+i, 20+i), UserAgent: browsers[i%4]})
			if err != nil {
				t.Fatal(err)
			}
			s.organic[r.ID] = true
		}
	}
	// The farm.
	for i := range farmSize {
		email := fmt.Sprintf("farm%02d@bulkmail.example", i)
		s.farmMail = append(s.farmMail, email)
		for _, id := range s.petitions {
			r, err := parts.Submit(ctx, participation.Submission{Kind: participation.Signature, ActionID: id,
				Person: account.PersonInput{Email: email}, Lang: "en", IP: fmt.Sprintf("203.0.113.%d", 10+i),
				UserAgent: "python-requests/2.31"})
			if err != nil {
				t.Fatal(err)
			}
			s.farm[r.ID] = true
		}
		r, err := parts.Submit(ctx, participation.Submission{Kind: participation.Commitment, ActionID: s.pledge,
			Person: account.PersonInput{Email: email}, Lang: "en", IP: fmt.Sprintf("203.0.113.%d", 10+i),
			UserAgent: "python-requests/2.31"})
		if err != nil {
			t.Fatal(err)
		}
		s.farm[r.ID] = true
	}
	return s
}

// confirmFarm follows the confirmation links mailed to the farm for the
// first petition: its 40 signatures count.
func (s *scenario) confirmFarm(t *testing.T) {
	t.Helper()
	b := s.app.Browser()
	for _, email := range s.farmMail {
		m := s.app.Mail.Wait(t, email, "Confirm your signature: Petition 1")
		link := m.Link(t, "/p/confirm/")
		if st, _ := b.Post(t, strings.TrimPrefix(link, s.app.URL), nil); st != http.StatusOK {
			t.Fatalf("confirm: %d", st)
		}
	}
}

// groupsDoc is the API's collection of groups.
type groupsDoc struct {
	Total    int `json:"total_records"`
	Embedded struct {
		Groups []groupDoc `json:"repertoire:integrity_groups"`
	} `json:"_embedded"`
}

type groupDoc struct {
	Identifiers []string `json:"identifiers"`
	Kind        string   `json:"kind"`
	Score       float64  `json:"score"`
	Status      string   `json:"status"`
	Members     int      `json:"members"`
	Accounts    int      `json:"accounts"`
	Invalidated int      `json:"invalidated"`
	Reasons     []struct {
		ID, Text string
	} `json:"reasons"`
	Windows []struct {
		Action, From, To string
	} `json:"windows"`
	Participations []struct {
		Participation string `json:"participation"`
		Person        string `json:"person"`
		Account       int    `json:"account"`
	} `json:"participations"`
}

func (g groupDoc) id() string { return strings.TrimPrefix(g.Identifiers[0], "repertoire:") }

// run asks for a run of the community as its organizer.
func (s *scenario) run(t *testing.T) map[string]any {
	t.Helper()
	var out map[string]any
	if st := s.app.API(t, "POST", "/api/v1/integrity/runs", s.token, map[string]any{"community": s.community.Slug}, &out); st != http.StatusOK {
		t.Fatalf("run: %d %v", st, out)
	}
	return out
}

// groups lists the groups the token reaches (with filter when not "").
func (s *scenario) groups(t *testing.T, token, filter string) groupsDoc {
	t.Helper()
	path := "/api/v1/integrity/groups?per_page=100"
	if filter != "" {
		path += "&filter=" + strings.ReplaceAll(filter, " ", "%20")
	}
	var d groupsDoc
	if st := s.app.API(t, "GET", path, token, nil, &d); st != http.StatusOK {
		t.Fatalf("groups: %d", st)
	}
	return d
}

// flagged reads the participations of every open group, with their group.
func (s *scenario) flagged(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, g := range s.groups(t, s.token, "status eq 'open'").Embedded.Groups {
		var full groupDoc
		if st := s.app.API(t, "GET", "/api/v1/integrity/groups/"+g.id(), s.token, nil, &full); st != http.StatusOK {
			t.Fatalf("group: %d", st)
		}
		for _, p := range full.Participations {
			out[strings.TrimPrefix(p.Participation, "repertoire:")] = g.id()
		}
	}
	return out
}

// petition reads a petition's API document.
type petitionDoc struct {
	Total    int            `json:"total_signatures"`
	SetAside map[string]int `json:"set_aside"`
}

func (s *scenario) petition(t *testing.T, i int) petitionDoc {
	t.Helper()
	var d petitionDoc
	if st := s.app.API(t, "GET", "/api/v1/petitions/"+s.petitions[i], s.token, nil, &d); st != http.StatusOK {
		t.Fatalf("petition: %d", st)
	}
	return d
}

// logCount is the count the transparency log publishes for an action.
func (s *scenario) logCount(t *testing.T, i int) int {
	t.Helper()
	var c struct {
		Count int `json:"count"`
	}
	if st := s.app.API(t, "GET", "/log/counts/"+s.petitions[i], "", nil, &c); st != http.StatusOK {
		t.Fatalf("log count: %d", st)
	}
	return c.Count
}

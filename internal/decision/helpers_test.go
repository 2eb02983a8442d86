package decision_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// fixture is an open community run by Olga, with members who joined from
// the community page, a campaign and its strike pledge.
type fixture struct {
	app      *testkit.App
	org      string // Olga's API token
	campaign string
	pledge   string
	members  []member
}

type member struct {
	email, name, token string
	browser            *testkit.Browser
}

type option struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Role  string `json:"role"`
	Votes *int   `json:"votes"`
}

type decisionDoc struct {
	ID         string   `json:"id"`
	Status     string   `json:"status"`
	Secret     bool     `json:"secret"`
	Options    []option `json:"options"`
	Electorate int      `json:"electorate"`
	Turnout    *int     `json:"turnout"`
	Outcome    string   `json:"outcome"`
	Winner     *string  `json:"winner"`
	BrowserURL string   `json:"browser_url"`
}

// role finds the option of a role.
func (d decisionDoc) role(t *testing.T, role string) string {
	t.Helper()
	for _, o := range d.Options {
		if o.Role == role {
			return o.ID
		}
	}
	t.Fatalf("no %s option in %+v", role, d.Options)
	return ""
}

func (d decisionDoc) votes(role string) int {
	for _, o := range d.Options {
		if o.Role == role && o.Votes != nil {
			return *o.Votes
		}
	}
	return -1
}

const password = "correct horse battery"

func setup(t *testing.T, app *testkit.App, members int) *fixture {
	t.Helper()
	f := &fixture{app: app, org: app.Token(t, "olga@example.org", "Olga Organizer", false)}
	if st := app.API(t, "POST", "/api/v1/communities", f.org, map[string]string{"name": "Riders union", "slug": "riders"}, nil); st != 201 {
		t.Fatalf("create community: %d", st)
	}
	var c struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/campaigns", f.org, map[string]any{"title": "May 1st", "slug": "may-1", "community": "riders"}, &c); st != 201 {
		t.Fatalf("create campaign: %d", st)
	}
	f.campaign = c.ID
	now := time.Now()
	var p struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/pledges", f.org, map[string]any{"title": "Log off", "action": "log off the app", "campaign": c.ID,
		"threshold": 1000, "deadline": now.Add(48 * time.Hour).UTC().Format(time.RFC3339), "window_start": now.Add(72 * time.Hour).UTC().Format(time.RFC3339),
		"window_end": now.Add(96 * time.Hour).UTC().Format(time.RFC3339)}, &p); st != 201 {
		t.Fatalf("create pledge: %d", st)
	}
	f.pledge = p.ID
	for i := range members {
		f.join(t, fmt.Sprintf("rider%d@example.org", i+1), fmt.Sprintf("Rider%d Member", i+1))
	}
	return f
}

// join makes a person a member from the community page.
func (f *fixture) join(t *testing.T, email, name string) member {
	t.Helper()
	m := member{email: email, name: name, token: f.app.Token(t, email, name, false), browser: f.app.Browser()}
	m.browser.SignIn(t, email, password)
	if st, body := m.browser.Post(t, "/c/riders/join", url.Values{}); st != 200 {
		t.Fatalf("join: %d\n%s", st, body)
	}
	f.members = append(f.members, m)
	return m
}

func (f *fixture) create(t *testing.T, body map[string]any) decisionDoc {
	t.Helper()
	body["community"] = "riders"
	if _, ok := body["closes_at"]; !ok {
		body["closes_at"] = time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)
	}
	var d decisionDoc
	if st := f.app.API(t, "POST", "/api/v1/decisions", f.org, body, &d); st != 201 {
		t.Fatalf("create decision: %d", st)
	}
	return d
}

func (f *fixture) setStatus(t *testing.T, id, status string) decisionDoc {
	t.Helper()
	var d decisionDoc
	if st := f.app.API(t, "PUT", "/api/v1/decisions/"+id, f.org, map[string]any{"status": status}, &d); st != 200 {
		t.Fatalf("%s decision: %d", status, st)
	}
	return d
}

func (f *fixture) get(t *testing.T, id, token string) decisionDoc {
	t.Helper()
	var d decisionDoc
	if st := f.app.API(t, "GET", "/api/v1/decisions/"+id, token, nil, &d); st != 200 {
		t.Fatalf("get decision: %d", st)
	}
	return d
}

// vote casts a member's ballot through the API and returns the status.
func (f *fixture) vote(t *testing.T, token, decisionID, optionID string) int {
	t.Helper()
	return f.app.API(t, "POST", "/api/v1/decisions/"+decisionID+"/ballots", token, map[string]any{"option": optionID}, nil)
}

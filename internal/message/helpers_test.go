package message_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// fixture is a community run by Olga with a campaign and its petition,
// signed (imported, so confirmed) by people who did or did not agree to
// be contacted.
type fixture struct {
	app       *testkit.App
	org       string // Olga's API token
	community string
	petition  string
	pledge    string
	camp      string // the campaign's id
}

type messageDoc struct {
	ID                 string `json:"id"`
	Status             string `json:"status"`
	Subject            string `json:"subject"`
	TotalTargeted      int    `json:"total_targeted"`
	ScheduledStartDate string `json:"scheduled_start_date"`
	Statistics         struct {
		Sent, Queued, Failed, Unsubscribed int
		Bounced                            int `json:"bounced"`
		SoftBounced                        int `json:"soft_bounced"`
		SpamReports                        int `json:"spam_reports"`
	} `json:"statistics"`
	BrowserURL string `json:"browser_url"`
}

const password = "correct horse battery"

func setup(t *testing.T, app *testkit.App) *fixture {
	t.Helper()
	f := &fixture{app: app, org: app.Token(t, "olga@example.org", "Olga Organizer", false)}
	var c struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/communities", f.org, map[string]string{"name": "Riders union", "slug": "riders"}, &c); st != 201 {
		t.Fatalf("create community: %d", st)
	}
	f.community = c.ID
	var camp struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/campaigns", f.org, map[string]any{"title": "Fair pay", "slug": "fair-pay", "community": "riders"}, &camp); st != 201 {
		t.Fatalf("create campaign: %d", st)
	}
	f.camp = camp.ID
	var p struct {
		Identifiers []string `json:"identifiers"`
	}
	if st := app.API(t, "POST", "/api/v1/petitions", f.org, map[string]any{"title": "Pay us per hour", "petition_text": "Pay riders per hour.",
		"campaign": camp.ID}, &p); st != 201 {
		t.Fatalf("create petition: %d", st)
	}
	f.petition = strings.TrimPrefix(p.Identifiers[0], "repertoire:")
	now := time.Now().UTC()
	var pl struct {
		Identifiers []string `json:"identifiers"`
	}
	if st := app.API(t, "POST", "/api/v1/pledges", f.org, map[string]any{"title": "Log off", "action": "log off the app", "campaign": camp.ID,
		"threshold": 1000, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339), "window_start": now.Add(72 * time.Hour).Format(time.RFC3339),
		"window_end": now.Add(96 * time.Hour).Format(time.RFC3339)}, &pl); st != 201 {
		t.Fatalf("create pledge: %d", st)
	}
	f.pledge = strings.TrimPrefix(pl.Identifiers[0], "repertoire:")
	return f
}

// sign records a confirmed signature (an organizer's import).
func (f *fixture) sign(t *testing.T, email, name, lang string, contact bool) {
	t.Helper()
	f.take(t, "/api/v1/petitions/"+f.petition+"/signatures", email, name, lang, contact)
}

// commit records a confirmed commitment to the pledge.
func (f *fixture) commit(t *testing.T, email, name, lang string, contact bool) {
	t.Helper()
	f.take(t, "/api/v1/pledges/"+f.pledge+"/commitments", email, name, lang, contact)
}

func (f *fixture) take(t *testing.T, path, email, name, lang string, contact bool) {
	t.Helper()
	body := map[string]any{"person": map[string]any{"email_addresses": []map[string]any{{"address": email}}, "given_name": name,
		"preferred_language": lang}, "origin_system": "paper", "contact_ok": contact}
	if st := f.app.API(t, "POST", path, f.org, body, nil); st != http.StatusCreated {
		t.Fatalf("record %s in %s: %d", email, path, st)
	}
}

func (f *fixture) create(t *testing.T, body map[string]any) messageDoc {
	t.Helper()
	body["community"] = f.community
	var m messageDoc
	if st := f.app.API(t, "POST", "/api/v1/messages", f.org, body, &m); st != http.StatusCreated {
		t.Fatalf("create message: %d", st)
	}
	return m
}

func (f *fixture) get(t *testing.T, id string) messageDoc {
	t.Helper()
	var m messageDoc
	if st := f.app.API(t, "GET", "/api/v1/messages/"+id, f.org, nil, &m); st != http.StatusOK {
		t.Fatalf("get message: %d", st)
	}
	return m
}

// waitFor polls the message until cond holds, for up to 20 s.
func (f *fixture) waitFor(t *testing.T, id string, what string, cond func(messageDoc) bool) messageDoc {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		m := f.get(t, id)
		if cond(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("message never %s: %+v", what, m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mailsTo counts the mails the outbox holds for an address of a list.
func mailsOf(t *testing.T, app *testkit.App, listID string) map[string]int {
	t.Helper()
	rows, err := app.DB.Reader().QueryContext(context.Background(), `SELECT to_address, COUNT(*) FROM outbox WHERE list_id = $1 GROUP BY to_address`, listID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var to string
		var n int
		if err := rows.Scan(&to, &n); err != nil {
			t.Fatal(err)
		}
		out[strings.ToLower(to)] = n
	}
	return out
}

func parts(kv ...string) []map[string]string {
	var out []map[string]string
	for i := 0; i < len(kv); i += 2 {
		p := map[string]string{"kind": kv[i]}
		if kv[i+1] != "" {
			p["action"] = kv[i+1]
		}
		out = append(out, p)
	}
	return out
}

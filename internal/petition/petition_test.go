package petition_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/participation"
	"repertoire/internal/testkit"
)

const organizer = "organizer@example.org"

func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	text := html.UnescapeString(body)
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

func lacks(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	text := html.UnescapeString(body)
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			t.Errorf("%s: should not show %q", what, w)
		}
	}
}

type petitionDoc struct {
	Identifiers     []string `json:"identifiers"`
	Title           string   `json:"title"`
	BrowserURL      string   `json:"browser_url"`
	TotalSignatures int      `json:"total_signatures"`
	TotalImported   int      `json:"total_imported_signatures"`
	Target          []struct {
		Name, Email string
	} `json:"target"`
}

func (p petitionDoc) id() string { return strings.TrimPrefix(p.Identifiers[0], "repertoire:") }

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

// setup makes a community, a campaign with two demands and a petition by
// API, and returns the organizer's token, the petition and the demand ids.
func setup(t *testing.T, app *testkit.App) (string, petitionDoc, []string) {
	t.Helper()
	ctx := context.Background()
	token := app.Token(t, organizer, "Organizer", false)
	var orgID string
	app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, organizer).Scan(&orgID)
	com, err := community.NewStore(app.DB).Create(ctx, orgID, community.Input{Name: "Users", Slug: "users"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := campaign.NewStore(app.DB).Create(ctx, orgID, campaign.CampaignInput{CommunityID: com.ID, Title: "Log out", Slug: "logout",
		Sections: []campaign.SectionInput{{Title: "Data", Demands: []campaign.DemandInput{{Text: "Stop tracking"}, {Text: "Open the data"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	full, err := campaign.NewStore(app.DB).Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	demands := []string{full.Sections[0].Demands[0].ID, full.Sections[0].Demands[1].ID}
	var p petitionDoc
	if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop tracking us", "petition_text": "We ask you to stop.",
		"campaign": "repertoire:" + c.ID, "goal": 10, "target": []map[string]any{{"name": "Platform Inc.", "email": "ceo@platform.example"}},
		"demands": []string{demands[0]}}, &p); st != http.StatusCreated {
		t.Fatalf("create petition: %d", st)
	}
	return token, p, demands
}

func total(t *testing.T, app *testkit.App, id string) petitionDoc {
	t.Helper()
	var p petitionDoc
	if st := app.API(t, "GET", "/api/v1/petitions/"+id, "", nil, &p); st != 200 {
		t.Fatalf("get petition: %d", st)
	}
	return p
}

// post submits a form the way a browser does, from the same origin.
func sign(t *testing.T, app *testkit.App, path string, form url.Values) (int, string) {
	t.Helper()
	return app.Browser().Post(t, path+"/sign", form)
}

func TestSigningConfirmingWithdrawing(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, p, _ := setup(t, app)
		path := strings.TrimPrefix(p.BrowserURL, app.URL)

		// Bad input re-renders with what was typed and a message per field.
		st, body := sign(t, app, path, url.Values{"given_name": {"Ana"}, "email": {"not an address"}, "locality": {"Lyon"}})
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("bad email: %d", st)
		}
		contains(t, "refused form", body, "This is not a valid email address.", `value="Lyon"`)

		// Sign, twice with other case and spaces: one pending signature, mailed twice.
		for _, email := range []string{"ana@example.org", "  ANA@Example.org "} {
			st, _ = sign(t, app, path, url.Values{"given_name": {"Ana"}, "family_name": {"Martin"}, "email": {email},
				"locality": {"Lyon"}, "country": {"France"}, "public_name": {"on"}, "share_with_target": {"on"}})
			if st != http.StatusOK { // followed the 303 to the page
				t.Fatalf("sign: %d", st)
			}
		}
		if got := total(t, app, p.id()).TotalSignatures; got != 0 {
			t.Fatalf("pending counts: %d", got)
		}
		// Signing again a moment later mails nothing new: the first link works.
		m := app.Mail.Wait(t, "ana@example.org", "Confirm your signature")
		confirm := m.Link(t, "/p/confirm/")
		withdraw := m.Link(t, "/p/withdraw/")

		// GET only shows a button (mail scanners prefetch); the POST confirms.
		b := app.Browser()
		st, body = b.Get(t, strings.TrimPrefix(confirm, app.URL))
		contains(t, "confirm page", body, "Stop tracking us")
		if total(t, app, p.id()).TotalSignatures != 0 {
			t.Fatal("GET confirmed")
		}
		st, body = b.Post(t, strings.TrimPrefix(confirm, app.URL), nil)
		contains(t, "confirmed page", body, "is confirmed and counted")
		b.Post(t, strings.TrimPrefix(confirm, app.URL), nil) // twice is once
		if got := total(t, app, p.id()).TotalSignatures; got != 1 {
			t.Fatalf("after confirm: %d", got)
		}
		var rows int
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM participations`).Scan(&rows)
		if rows != 1 {
			t.Fatalf("participations: %d", rows)
		}
		// The public page shows the count and the signer who agreed.
		_, body = b.Get(t, path)
		contains(t, "page", body, "Ana Martin", "<svg", "<title id=\"chart-title\">Growth of the signatures</title>", "Stop tracking")

		// Withdraw: the count drops.
		b.Post(t, strings.TrimPrefix(withdraw, app.URL), nil)
		if got := total(t, app, p.id()).TotalSignatures; got != 0 {
			t.Fatalf("after withdraw: %d", got)
		}
		var c participation.Counts
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT confirmed, pending, withdrawn FROM action_counters WHERE action_id = $1`, p.id()).
			Scan(&c.Confirmed, &c.Pending, &c.Withdrawn)
		if c != (participation.Counts{Withdrawn: 1}) {
			t.Fatalf("counters: %+v", c)
		}

		// French signer gets a French mail.
		fb := app.Browser()
		fb.Get(t, "/lang/fr?next=/")
		fb.Post(t, path+"/sign", url.Values{"given_name": {"Léa"}, "email": {"lea@example.org"}})
		app.Mail.Wait(t, "lea@example.org", "Confirmez votre signature")
	})
}

func TestSignatureAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		other := app.Token(t, "outsider@example.org", "Outsider", false)
		sig := func(email, origin string) map[string]any {
			b := map[string]any{"person": map[string]any{"given_name": "Sam", "email_addresses": []map[string]any{{"address": email}},
				"postal_addresses": []map[string]any{{"locality": "Paris", "country": "FR"}}}, "comments": "yes", "public_name": true}
			if origin != "" {
				b["origin_system"] = origin
			}
			return b
		}
		cases := []struct {
			name, token string
			body        any
			status      int
			field       string
		}{
			{"public signing is accepted pending", "", sig("sam@example.org", ""), http.StatusAccepted, ""},
			{"bad email names the field", "", sig("nope", ""), http.StatusUnprocessableEntity, "person.email_addresses[0].address"},
			{"import without token", "", sig("paper@example.org", "paper sheets"), http.StatusUnauthorized, ""},
			{"import by a non-organizer", other, sig("paper@example.org", "paper sheets"), http.StatusForbidden, ""},
			{"import by the organizer", token, sig("paper@example.org", "paper sheets"), http.StatusCreated, ""},
			{"too large", "", map[string]any{"comments": strings.Repeat("x", 2<<20)}, http.StatusRequestEntityTooLarge, ""},
		}
		for _, c := range cases {
			var pr problem
			st := app.API(t, "POST", "/api/v1/petitions/"+p.id()+"/signatures", c.token, c.body, &pr)
			if st != c.status {
				t.Errorf("%s: status %d, want %d", c.name, st, c.status)
			}
			if c.field != "" && !pr.names(c.field) {
				t.Errorf("%s: problem does not name %s: %+v", c.name, c.field, pr)
			}
		}
		got := total(t, app, p.id())
		if got.TotalSignatures != 1 || got.TotalImported != 1 {
			t.Fatalf("import counts at once: %+v", got)
		}
		// Organizer-only list; imports are shown apart on the page.
		if st := app.API(t, "GET", "/api/v1/petitions/"+p.id()+"/signatures", "", nil, nil); st != http.StatusUnauthorized {
			t.Errorf("anonymous list: %d", st)
		}
		var list struct {
			Total int `json:"total_records"`
		}
		if st := app.API(t, "GET", "/api/v1/petitions/"+p.id()+"/signatures", token, nil, &list); st != 200 || list.Total != 1 {
			t.Errorf("organizer list: %d %+v", st, list)
		}
		_, body := app.Browser().Get(t, strings.TrimPrefix(got.BrowserURL, app.URL))
		contains(t, "page", body, "Signatures gathered elsewhere", "0 confirmed online, 1 gathered elsewhere")
		// Creating needs a token and names bad fields.
		var pr problem
		if st := app.API(t, "POST", "/api/v1/petitions", "", map[string]any{"title": "x"}, nil); st != http.StatusUnauthorized {
			t.Errorf("anonymous create: %d", st)
		}
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "", "campaign": "nope"}, &pr); st != 422 || !pr.names("campaign") {
			t.Errorf("bad create: %d %+v", st, pr)
		}
	})
}

func TestFlaggedOverTheLimitThenReviewed(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, p, _ := setup(t, app)
		// The default per-IP burst is 20 a minute: the test client is one IP.
		for i := range 22 {
			st := app.API(t, "POST", "/api/v1/petitions/"+p.id()+"/signatures", "", map[string]any{
				"person": map[string]any{"email_addresses": []map[string]any{{"address": "s" + itoa(i) + "@flood.example"}}}}, nil)
			if st != http.StatusAccepted {
				t.Fatalf("signature %d: %d", i, st)
			}
		}
		var flagged, pending int
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT flagged, pending FROM action_counters WHERE action_id = $1`, p.id()).Scan(&flagged, &pending)
		if flagged != 2 || pending != 20 {
			t.Fatalf("flagged %d pending %d", flagged, pending)
		}
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		_, body := b.Get(t, path+"/manage")
		contains(t, "review queue", body, "s20@flood.example", "s21@flood.example", "many signatures from one network address in a minute")
		var ids []string
		rows, _ := app.DB.Reader().QueryContext(context.Background(), `SELECT id FROM participations WHERE status = 'flagged' ORDER BY created_at`)
		for rows.Next() {
			var id string
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		b.Post(t, path+"/review", url.Values{"id": {ids[0]}, "decision": {"accept"}, "confirm": {"yes"}})
		b.Post(t, path+"/review", url.Values{"id": {ids[1]}, "decision": {"reject"}, "confirm": {"yes"}})
		m := app.Mail.Wait(t, "s20@flood.example", "Confirm your signature")
		b.Post(t, strings.TrimPrefix(m.Link(t, "/p/confirm/"), app.URL), nil)
		if got := total(t, app, p.id()).TotalSignatures; got != 1 {
			t.Fatalf("accepted then confirmed: %d", got)
		}
		var status string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT status FROM participations WHERE id = $1`, ids[1]).Scan(&status)
		if status != "rejected" {
			t.Fatalf("rejected one is %s", status)
		}
	})
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestDeliveryAndExport(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, demands := setup(t, app)
		// Two imported signers: one shares with the target, one shares nothing.
		for _, s := range []map[string]any{
			{"person": map[string]any{"given_name": "Ana", "family_name": "Shared", "email_addresses": []map[string]any{{"address": "ana@example.org"}},
				"postal_addresses": []map[string]any{{"locality": "Lyon"}}}, "origin_system": "paper", "share_with_target": true, "contact_ok": true},
			{"person": map[string]any{"given_name": "Bob", "family_name": "Private", "email_addresses": []map[string]any{{"address": "bob@example.org"}}},
				"origin_system": "paper"},
		} {
			if st := app.API(t, "POST", "/api/v1/petitions/"+p.id()+"/signatures", token, s, nil); st != http.StatusCreated {
				t.Fatalf("import: %d", st)
			}
		}
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		// Export: only what each consented to share, never IPs.
		_, csv := b.Get(t, path+"/signers.csv")
		contains(t, "csv", csv, "Ana Shared", "ana@example.org", "Lyon")
		lacks(t, "csv", csv, "Bob Private", "bob@example.org", "127.0.0.1")
		// Deliver with a demand move.
		st, _ := b.Post(t, path+"/deliver", url.Values{"note": {"Handed over at their office."}, "demand_status[" + demands[0] + "]": {"partially_met"}, "confirm": {"yes"}})
		if st != 200 {
			t.Fatalf("deliver: %d", st)
		}
		m := app.Mail.Wait(t, "ceo@platform.example", "Petition: Stop tracking us")
		contains(t, "delivery mail", m.Body, "2 people signed", "Ana Shared (Lyon)", "We ask you to stop.")
		lacks(t, "delivery mail", m.Body, "Bob Private")
		att := attachment(t, m.Raw, "signatures.csv")
		contains(t, "attachment", att, "Ana Shared,Lyon")
		lacks(t, "attachment", att, "Bob")
		// On the campaign timeline and the demand's status.
		_, body := b.Get(t, "/c/users/logout")
		contains(t, "campaign page", body, "Petition “Stop tracking us” delivered with 2 signatures", "Handed over at their office.")
		var status string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT status FROM demands WHERE id = $1`, demands[0]).Scan(&status)
		if status != "partially_met" {
			t.Errorf("demand status %s", status)
		}
	})
}

// attachment returns the decoded content of the named attachment.
func attachment(t *testing.T, raw []byte, name string) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if part.FileName() == name {
			data, _ := io.ReadAll(part)
			if part.Header.Get("Content-Transfer-Encoding") == "base64" {
				data, _ = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(data)), ""))
			}
			return string(data)
		}
	}
	t.Fatalf("no attachment %s", name)
	return ""
}

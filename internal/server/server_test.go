package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

func get(t *testing.T, url string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestOperationsEndpoints(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		cases := []struct {
			path   string
			status int
			want   string
		}{
			{"/healthz", 200, "ok"},
			{"/readyz", 200, "ok"},
			{"/metrics", 200, "repertoire_http_requests_total"},
		}
		for _, tc := range cases {
			status, _, body := get(t, app.URL+tc.path)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("GET %s: %d %q", tc.path, status, body)
			}
		}
	})
}

func TestReadyzFailsWithoutDatabase(t *testing.T) {
	app := testkit.Start(t)
	app.DB.Close()
	if status, _, _ := get(t, app.URL+"/readyz"); status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with a closed database: %d", status)
	}
	if status, _, _ := get(t, app.URL+"/healthz"); status != http.StatusOK {
		t.Fatalf("healthz: %d", status)
	}
}

func TestAPIEntryPointAdvertisesCollections(t *testing.T) {
	app := testkit.Start(t)
	var doc struct {
		MaxPageSize int                        `json:"max_pagesize"`
		Links       map[string]json.RawMessage `json:"_links"`
	}
	if status := app.API(t, "GET", "/api/v1", "", nil, &doc); status != 200 {
		t.Fatalf("entry point: %d", status)
	}
	if doc.MaxPageSize != 100 {
		t.Errorf("max_pagesize %d", doc.MaxPageSize)
	}
	for _, rel := range []string{"osdi:people", "repertoire:communities", "repertoire:campaigns"} {
		var link struct{ Href string }
		json.Unmarshal(doc.Links[rel], &link)
		if !strings.HasPrefix(link.Href, app.URL+"/api/v1/") {
			t.Errorf("link %s = %s", rel, doc.Links[rel])
		}
	}
}

func TestUnknownAPIPathIsALocalizedProblem(t *testing.T) {
	app := testkit.Start(t)
	status, h, body := get(t, app.URL+"/api/v1/nothing-here", "Accept-Language", "fr")
	if status != 404 || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") || !strings.Contains(body, "Introuvable") {
		t.Fatalf("%d %s %s", status, h.Get("Content-Type"), body)
	}
}

func TestLanguageSwitcherOverridesTheHeader(t *testing.T) {
	app := testkit.Start(t)
	b := app.Browser()
	b.Lang = "en"
	if _, body := b.Get(t, "/lang/fr?next=/signin"); !strings.Contains(body, `lang="fr"`) || !strings.Contains(body, "Connexion") {
		t.Fatalf("switching to French did not stick:\n%s", body)
	}
	if _, body := b.Get(t, "/signin"); !strings.Contains(body, "Se connecter") {
		t.Fatal("the choice is not remembered")
	}
	// An absolute URL in next is not followed off-site.
	req, _ := http.NewRequest("GET", app.URL+"/lang/en?next=//evil.example/", nil)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Fatalf("open redirect to %q", loc)
	}
}

// A form posted from another site is refused in the person's language: the
// refusal comes after the language is chosen, from the one catalog.
func TestCrossSiteFormIsRefusedInThePersonsLanguage(t *testing.T) {
	app := testkit.Start(t)
	for lang, want := range map[string]string{"fr": "vient d’un autre site", "en": "came from another site"} {
		req, _ := http.NewRequest("POST", app.URL+"/signin", strings.NewReader("email=a%40example.org"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %q, want 403 with %q", lang, resp.StatusCode, b, want)
		}
	}
}

// OSDI clients write collection URLs with a trailing slash; under /api/v1
// it names the same resource.
func TestAPITrailingSlashIsTheSameResource(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		var entry map[string]any
		if status := app.API(t, "GET", "/api/v1/", "", nil, &entry); status != 200 || entry["osdi_version"] == nil {
			t.Fatalf("GET /api/v1/: %d %v", status, entry)
		}
		var created map[string]any
		status := app.API(t, "POST", "/api/v1/people/", admin, map[string]any{
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "slash@example.org"}}},
		}, &created)
		if status != 200 && status != 201 {
			t.Fatalf("POST /api/v1/people/: %d %v", status, created)
		}
		var list struct {
			Total    int                         `json:"total_records"`
			Embedded map[string][]map[string]any `json:"_embedded"`
		}
		if status := app.API(t, "GET", "/api/v1/people/?filter="+url.QueryEscape("email_address eq 'slash@example.org'"), admin, nil, &list); status != 200 || list.Total != 1 {
			t.Fatalf("GET /api/v1/people/?filter=…: %d %+v", status, list)
		}
		if status := app.API(t, "GET", "/api/v1/communities/", "", nil, nil); status != 200 {
			t.Fatalf("GET /api/v1/communities/: %d", status)
		}
	})
}

// A page number past any real page is an empty page; one whose offset would
// overflow is refused, naming the field, never a panic or the first page.
func TestAPIPagesFarBeyondTheLast(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		for _, coll := range []string{"people", "communities", "campaigns", "petitions", "pledges"} {
			var far struct {
				Total    int                         `json:"total_records"`
				Embedded map[string][]map[string]any `json:"_embedded"`
			}
			if status := app.API(t, "GET", "/api/v1/"+coll+"?page=999999", admin, nil, &far); status != 200 {
				t.Errorf("%s page 999999: %d", coll, status)
			}
			for rel, items := range far.Embedded {
				if len(items) != 0 {
					t.Errorf("%s page 999999: %d items in %s", coll, len(items), rel)
				}
			}
			var problem struct {
				Status int `json:"status"`
				Errors []struct {
					Field string `json:"field"`
				} `json:"errors"`
			}
			status := app.API(t, "GET", "/api/v1/"+coll+"?page=368934881474191105", admin, nil, &problem)
			if status != 422 || len(problem.Errors) != 1 || problem.Errors[0].Field != "page" {
				t.Errorf("%s huge page: %d %+v", coll, status, problem)
			}
		}
	})
}

// Every answer carries the security headers; a page reached from a mailed
// link sends no Referer onwards, so its token cannot leak.
func TestSecurityHeaders(t *testing.T) {
	app := testkit.Start(t)
	for path, referrer := range map[string]string{
		"/signin":            "strict-origin-when-cross-origin",
		"/api/v1":            "strict-origin-when-cross-origin",
		"/p/confirm/x.y":     "no-referrer",
		"/confirm/abc":       "no-referrer",
		"/unsubscribe/a.b":   "no-referrer",
		"/password/reset/xy": "no-referrer",
		"/events/ticket/a.b": "no-referrer",
		"/events/offer/a.b":  "no-referrer",
		"/legal/e/a.b":       "no-referrer",
	} {
		_, h, _ := get(t, app.URL+path)
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		if got := h.Get("Referrer-Policy"); got != referrer {
			t.Errorf("%s: Referrer-Policy %q, want %q", path, got, referrer)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain http", path)
		}
	}
}

// Bodies the server cannot take as they are change nothing: text that is
// not UTF-8 (form or JSON), a body declared as another kind, data after
// the JSON document.
func TestUnreadableBodiesChangeNothing(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner := app.Token(t, "owner@example.org", "Owner", false)
		post := func(path, contentType, body string, header ...string) (int, string) {
			req, _ := http.NewRequest("POST", app.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", contentType)
			req.Header.Set("OSDI-API-Token", owner)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		cases := []struct {
			name, path, contentType, body string
			status                        int
			want                          string
		}{
			{"JSON not UTF-8", "/api/v1/communities", "application/json", "{\"name\": \"Caf\xe9 union\"}", 422, "UTF-8"},
			{"JSON with trailing data", "/api/v1/communities", "application/json", `{"name": "Trailing union"} {"name": "x"}`, 400, "after the JSON"},
			{"not JSON", "/api/v1/communities", "text/plain", `{"name": "Plain union"}`, 415, "application/json"},
			{"form not UTF-8", "/signup", "application/x-www-form-urlencoded", "email=utf8%40example.org&name=Caf%E9&password=a-long-enough-password", 422, "field “name” holds"},
		}
		for _, c := range cases {
			status, body := post(c.path, c.contentType, c.body)
			if status != c.status || !strings.Contains(body, c.want) {
				t.Errorf("%s: %d %s, want %d with %q", c.name, status, body, c.status, c.want)
			}
		}
		var n int
		if err := app.DB.Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM communities`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d communities created from refused bodies (%v)", n, err)
		}
		if err := app.DB.Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM people WHERE email = 'utf8@example.org'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("a person was created from a refused form (%d, %v)", n, err)
		}
		// A JSON media type with parameters, or none at all, is JSON.
		if status, body := post("/api/v1/communities", "application/json; charset=utf-8", `{"name": "Fine union"}`); status != 201 {
			t.Errorf("application/json; charset=utf-8: %d %s", status, body)
		}
	})
}

// TestEntryPointLinksEveryHelper follows the entry point's links as an
// OSDI client does: every collection answers, the person signup helper
// takes a person, and the record-signature helper's templated link,
// expanded with a petition's id, takes a signature.
func TestEntryPointLinksEveryHelper(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		type link struct {
			Href      string `json:"href"`
			Templated bool   `json:"templated"`
		}
		var raw struct {
			Links map[string]json.RawMessage `json:"_links"`
		}
		if st := app.API(t, "GET", "/api/v1/", "", nil, &raw); st != 200 {
			t.Fatalf("entry point: %d", st)
		}
		var doc struct{ Links map[string]link }
		doc.Links = map[string]link{}
		for rel, l := range raw.Links {
			var one link
			if json.Unmarshal(l, &one) == nil {
				doc.Links[rel] = one
			}
		}
		helpers := map[string]string{
			"osdi:person_signup_helper":           "/api/v1/people",
			"osdi:record_signature_helper":        "/api/v1/petitions/{petition_id}/signatures",
			"repertoire:record_commitment_helper": "/api/v1/pledges/{pledge_id}/commitments",
		}
		for rel, path := range helpers {
			l := doc.Links[rel]
			if l.Href != app.URL+path || l.Templated != strings.Contains(path, "{") {
				t.Errorf("%s: %+v", rel, l)
			}
		}
		// Every collection linked answers; osdi:tags only when tags are served.
		for _, rel := range []string{"osdi:people", "osdi:petitions", "osdi:tags", "repertoire:communities", "repertoire:campaigns", "repertoire:pledges"} {
			l, linked := doc.Links[rel]
			if !linked {
				if rel == "osdi:tags" && app.API(t, "GET", "/api/v1/tags", admin, nil, nil) == http.StatusNotFound {
					continue
				}
				t.Errorf("%s not linked", rel)
				continue
			}
			var c struct {
				Total *int `json:"total_records"`
			}
			if st := app.API(t, "GET", l.Href, admin, nil, &c); st != 200 || c.Total == nil || l.Templated {
				t.Errorf("%s (%s): %d %+v", rel, l.Href, st, c)
			}
		}
		// The signup helper, as linked.
		var person struct {
			Identifiers []string `json:"identifiers"`
		}
		if st := app.API(t, "POST", doc.Links["osdi:person_signup_helper"].Href, admin, map[string]any{
			"person": map[string]any{"given_name": "Ana", "email_addresses": []map[string]any{{"address": "ana@example.org"}}}}, &person); st != http.StatusCreated && st != http.StatusOK {
			t.Fatalf("person signup helper: %d", st)
		}
		// A petition (created the OSDI way in the admin's one community),
		// then the record-signature helper, expanded.
		if st := app.API(t, "POST", "/api/v1/communities", admin, map[string]any{"name": "Users", "slug": "users"}, nil); st != http.StatusCreated {
			t.Fatalf("community: %d", st)
		}
		var pet struct {
			Identifiers []string `json:"identifiers"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", admin, map[string]any{"title": "Stop tracking us"}, &pet); st != http.StatusCreated {
			t.Fatalf("petition: %d", st)
		}
		href := strings.Replace(doc.Links["osdi:record_signature_helper"].Href, "{petition_id}", strings.TrimPrefix(pet.Identifiers[0], "repertoire:"), 1)
		if st := app.API(t, "POST", href, admin, map[string]any{"origin_system": "paper", "person": map[string]any{
			"email_addresses": []map[string]any{{"address": "ana@example.org"}}}}, nil); st != http.StatusCreated {
			t.Errorf("record signature helper %s: %d", href, st)
		}
		var sigs struct {
			Total int `json:"total_records"`
		}
		if st := app.API(t, "GET", "/api/v1/people/"+strings.TrimPrefix(person.Identifiers[0], "repertoire:")+"/signatures", admin, nil, &sigs); st != 200 || sigs.Total != 1 {
			t.Errorf("the person's signatures after the helper: %d %+v", st, sigs)
		}
	})
}

package target_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"repertoire/internal/community"
	"repertoire/internal/target"
	"repertoire/internal/testkit"
)

type doc struct {
	Identifiers []string `json:"identifiers"`
	Slug        string   `json:"slug"`
	Source      string   `json:"source"`
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	Email       string   `json:"email"`
	Countries   []string `json:"countries"`
	CreatedDate string   `json:"created_date"`
	Links       map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

func (d doc) id() string { return strings.TrimPrefix(d.Identifiers[0], "repertoire:") }

type list struct {
	TotalRecords int              `json:"total_records"`
	Embedded     map[string][]doc `json:"_embedded"`
}

func (l list) slugs() []string {
	var out []string
	for _, d := range l.Embedded["repertoire:targets"] {
		out = append(out, d.Slug)
	}
	return out
}

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

func load(t *testing.T, app *testkit.App) target.Import {
	t.Helper()
	imp, err := target.LoadEmbedded(context.Background(), app.DB)
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

func get(t *testing.T, app *testkit.App, path, token string) list {
	t.Helper()
	var l list
	if s := app.API(t, "GET", path, token, nil, &l); s != 200 {
		t.Fatalf("GET %s: %d", path, s)
	}
	return l
}

// The embedded directory loads once: 57 authorities and 3,070
// organizations, each by its slug; loading it again writes nothing, and
// an import of a changed directory rewrites the targets it names and
// adds the new ones.
func TestDirectoryImportIsIdempotent(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		first := load(t, app)
		if first.Unchanged || first.Rows != 57+3070 {
			t.Fatalf("first load: %+v, want 3127 rows", first)
		}
		t.Logf("embedded directory: %d targets in %s", first.Rows, first.Took)
		if again := load(t, app); !again.Unchanged || again.Rows != 0 {
			t.Fatalf("second load: %+v, want unchanged", again)
		}
		all := get(t, app, "/api/v1/targets?per_page=1", "")
		if all.TotalRecords != 3127 {
			t.Fatalf("total %d, want 3127", all.TotalRecords)
		}

		dir := t.TempDir()
		write := func(name, body string) {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("supervisory-authorities/iedpc.json", `{"slug": "iedpc", "relevant-countries": ["ie"], "name": "Irish Data Protection Commission",
			"email": "complaints@dataprotection.ie", "complaint-language": "en"}`)
		write("companies/newco.json", `{"slug": "newco", "relevant-countries": ["fr"], "name": "Newco SAS", "email": "dpo@newco.example"}`)
		imp, err := target.ImportDir(context.Background(), app.DB, dir)
		if err != nil || imp.Rows != 2 {
			t.Fatalf("import: %+v %v", imp, err)
		}
		if again, err := target.ImportDir(context.Background(), app.DB, dir); err != nil || !again.Unchanged {
			t.Fatalf("import again: %+v %v", again, err)
		}
		dirs := target.NewStore(app.DB)
		dpc, err := dirs.BySlug(context.Background(), target.SourceDatenanfragen, "iedpc")
		if err != nil || dpc.Email != "complaints@dataprotection.ie" {
			t.Fatalf("iedpc after import: %+v %v", dpc, err)
		}
		if n := get(t, app, "/api/v1/targets?per_page=1", "").TotalRecords; n != 3128 {
			t.Fatalf("total after import %d, want 3128", n)
		}
		if _, err := target.ImportDir(context.Background(), app.DB, t.TempDir()); err == nil {
			t.Fatal("an empty directory imported")
		}
	})
}

// A search finds the Irish DPC among Ireland's regulators and Meta
// Platforms Ireland by name or by what it runs, on the API and the page,
// in both languages.
func TestSearchFindsTheIrishDPCAndFacebook(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		load(t, app)
		regs := get(t, app, "/api/v1/targets?filter="+url.QueryEscape("kind eq 'regulator' and country eq 'IE'"), "")
		if regs.TotalRecords != 1 || regs.slugs()[0] != "iedpc" {
			t.Fatalf("Irish regulators: %v (%d)", regs.slugs(), regs.TotalRecords)
		}
		d := regs.Embedded["repertoire:targets"][0]
		if d.Email != "info@dataprotection.ie" || d.Links["self"].Href == "" || d.CreatedDate == "" || len(d.Identifiers) != 2 {
			t.Fatalf("iedpc document: %+v", d)
		}
		var one doc
		if s := app.API(t, "GET", d.Links["self"].Href, "", nil, &one); s != 200 || one.Slug != "iedpc" {
			t.Fatalf("GET iedpc: %d %+v", s, one)
		}
		for _, q := range []string{"meta platforms", "Facebook Audience Network"} {
			fb := get(t, app, "/api/v1/targets?q="+url.QueryEscape(q)+"&filter="+url.QueryEscape("kind eq 'company'"), "")
			found := false
			for _, d := range fb.Embedded["repertoire:targets"] {
				found = found || (d.Slug == "facebook" && d.Name == "Meta Platforms Ireland Limited")
			}
			if !found {
				t.Fatalf("search %q: %v", q, fb.slugs())
			}
		}
		byName := get(t, app, "/api/v1/targets?filter="+url.QueryEscape("name eq 'Meta Platforms Ireland Limited'"), "")
		if byName.TotalRecords != 1 || byName.slugs()[0] != "facebook" {
			t.Fatalf("by name: %v", byName.slugs())
		}
		var p problem
		if s := app.API(t, "GET", "/api/v1/targets?filter="+url.QueryEscape("kind gt 'a'"), "", nil, &p); s != 422 || !p.names("filter") {
			t.Fatalf("kind gt: %d %+v", s, p)
		}
		if s := app.API(t, "GET", "/api/v1/targets?filter="+url.QueryEscape("email eq 'x'"), "", nil, &p); s != 422 || !p.names("filter") {
			t.Fatalf("unknown filter field: %d", s)
		}

		b := app.Browser()
		status, body := b.Get(t, "/targets?q=Irish+Data+Protection&kind=regulator&country=ie")
		if status != 200 || !strings.Contains(body, "Irish Data Protection Commission") || !strings.Contains(body, "1 target") {
			t.Fatalf("page: %d\n%s", status, body)
		}
		b.Lang = "fr"
		status, body = b.Get(t, "/targets?q=meta+platforms")
		if status != 200 || !strings.Contains(body, "Meta Platforms Ireland Limited") || !strings.Contains(body, "Annuaire des destinataires") {
			t.Fatalf("page in French: %d\n%s", status, body)
		}
		status, body = b.Get(t, "/targets/"+d.id())
		if status != 200 || !strings.Contains(body, "21 Fitzwilliam Square South") || !strings.Contains(body, "Protection des données") {
			t.Fatalf("target page: %d\n%s", status, body)
		}
		// The page goes 25 at a time.
		status, body = b.Get(t, "/targets?kind=company&page=2")
		if status != 200 || !strings.Contains(body, `rel="prev"`) || !strings.Contains(body, `rel="next"`) {
			t.Fatalf("second page: %d", status)
		}
	})
}

// An organizer adds targets to their community: its members see them,
// nobody else does; an administrator adds global ones; the directory's
// own targets change only by import.
func TestOrganizersTargets(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		load(t, app)
		ctx := context.Background()
		admin := app.Token(t, "admin@example.org", "Admin", true)
		org := app.Token(t, "org@example.org", "Olga", false)
		member := app.Token(t, "member@example.org", "Mia", false)
		outsider := app.Token(t, "outsider@example.org", "Otto", false)
		coms := community.NewStore(app.DB)
		var orgID, memberID string
		for email, id := range map[string]*string{"org@example.org": &orgID, "member@example.org": &memberID} {
			if err := app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, email).Scan(id); err != nil {
				t.Fatal(err)
			}
		}
		c, err := coms.Create(ctx, orgID, community.Input{Name: "Riders", Slug: "riders"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := coms.Join(ctx, c.ID, memberID); err != nil {
			t.Fatal(err)
		}

		var p problem
		body := map[string]any{"community": "riders", "kind": "official", "role": "legislator", "name": "Jane Senator",
			"title": "Senator", "countries": []string{"us"}, "email": "jane@senate.example"}
		if s := app.API(t, "POST", "/api/v1/targets", outsider, body, &p); s != 422 || !p.names("community") {
			t.Fatalf("outsider's target: %d %+v", s, p)
		}
		if s := app.API(t, "POST", "/api/v1/targets", org, map[string]any{"community": "riders", "kind": "official", "name": "X", "nmae": "y"}, &p); s != 422 || !p.names("nmae") {
			t.Fatalf("unknown field: %d %+v", s, p)
		}
		if s := app.API(t, "POST", "/api/v1/targets", org, map[string]any{"community": "riders", "kind": "king", "name": "", "email": "nope"}, &p); s != 422 ||
			!p.names("kind") || !p.names("name") || !p.names("email") {
			t.Fatalf("bad fields: %d %+v", s, p)
		}
		var created doc
		if s := app.API(t, "POST", "/api/v1/targets", org, body, &created); s != 201 || created.Countries[0] != "US" {
			t.Fatalf("create: %d %+v", s, created)
		}
		self := created.Links["self"].Href
		if s := app.API(t, "GET", self, member, nil, nil); s != 200 {
			t.Fatalf("member reads: %d", s)
		}
		for who, tok := range map[string]string{"outsider": outsider, "visitor": ""} {
			if s := app.API(t, "GET", self, tok, nil, nil); s != 404 {
				t.Fatalf("%s reads: %d", who, s)
			}
			if l := get(t, app, "/api/v1/targets?q=jane+senator", tok); l.TotalRecords != 0 {
				t.Fatalf("%s finds it", who)
			}
		}
		if l := get(t, app, "/api/v1/targets?q=jane+senator&filter="+url.QueryEscape("kind eq 'official' and country eq 'US'"), member); l.TotalRecords != 1 {
			t.Fatalf("member search: %d", l.TotalRecords)
		}
		if s := app.API(t, "PUT", self, member, map[string]any{"kind": "official", "name": "Jane"}, nil); s != 403 {
			t.Fatalf("member changes it: %d", s)
		}
		var updated doc
		if s := app.API(t, "PUT", self, org, map[string]any{"name": "Jane Q. Senator", "created_date": "2020-01-01T00:00:00Z"}, &updated); s != 200 || updated.Name != "Jane Q. Senator" ||
			updated.Kind != "official" || updated.Email != "jane@senate.example" {
			t.Fatalf("update: %d %+v", s, updated)
		}

		fb, _ := target.NewStore(app.DB).BySlug(ctx, target.SourceDatenanfragen, "facebook")
		if s := app.API(t, "PUT", "/api/v1/targets/"+fb.ID, admin, map[string]any{"kind": "company", "name": "Other"}, nil); s != 403 {
			t.Fatalf("directory target changed: %d", s)
		}
		var global doc
		if s := app.API(t, "POST", "/api/v1/targets", admin, map[string]any{"kind": "regulator", "role": "telecom", "name": "TRAI", "countries": []string{"IN"}}, &global); s != 201 {
			t.Fatalf("admin's global target: %d", s)
		}
		if l := get(t, app, "/api/v1/targets?filter="+url.QueryEscape("country eq 'IN' and kind eq 'regulator'"), ""); len(l.slugs()) != 1 || l.Embedded["repertoire:targets"][0].Name != "TRAI" {
			t.Fatalf("global target for visitors: %v", l.slugs())
		}
		if s := app.API(t, "POST", "/api/v1/targets", org, map[string]any{"kind": "regulator", "name": "Mine"}, &p); s != 422 || !p.names("community") {
			t.Fatalf("organizer's global target: %d", s)
		}
		if s := app.API(t, "DELETE", self, org, nil, nil); s != 204 {
			t.Fatalf("delete: %d", s)
		}
		if s := app.API(t, "GET", self, org, nil, nil); s != 404 {
			t.Fatalf("deleted target: %d", s)
		}

		// The page's form: a refused one keeps what was typed.
		b := app.Browser()
		b.SignIn(t, "org@example.org", "correct horse battery")
		status, page := b.Post(t, "/targets", url.Values{"community": {c.ID}, "kind": {"official"}, "name": {"Tom Deputy"}, "email": {"not an address"}})
		if status != 422 || !strings.Contains(page, `value="Tom Deputy"`) || !strings.Contains(page, "Enter an email address") {
			t.Fatalf("refused form: %d\n%s", status, page)
		}
		status, page = b.Post(t, "/targets", url.Values{"community": {c.ID}, "kind": {"official"}, "role": {"committee"}, "name": {"Tom Deputy"}, "countries": {"fr, be"}})
		if status != 200 || !strings.Contains(page, "Tom Deputy") || !strings.Contains(page, "FR, BE") {
			t.Fatalf("added on the page: %d\n%s", status, page)
		}
	})
}

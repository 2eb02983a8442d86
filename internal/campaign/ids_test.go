package campaign_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"repertoire/internal/testkit"
)

// checkIDs parses a page and fails on an id used twice, a label whose for=
// names no element, or two labels for one field.
func checkIDs(t *testing.T, what, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	labelled := map[string]int{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "id" {
					ids[a.Val]++
				}
				if n.Data == "label" && a.Key == "for" {
					labelled[a.Val]++
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for id, n := range ids {
		if n > 1 {
			t.Errorf("%s: id %q used %d times", what, id, n)
		}
	}
	for id, n := range labelled {
		if ids[id] == 0 {
			t.Errorf("%s: a label points at %q, which no element has", what, id)
		}
		if n > 1 {
			t.Errorf("%s: %d labels point at %q", what, n, id)
		}
	}
}

// Every field of the campaign's edit page has its own id and every label
// points at its own field, with several sections, updates and coverage.
func TestEditPageIDsAndLabels(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		if st := app.API(t, "POST", "/api/v1/campaigns", token, strikeBody("users"), nil); st != 201 {
			t.Fatalf("create: %d", st)
		}
		b := app.Browser()
		b.SignIn(t, "organizer@example.org", password)
		base := "/c/users/facebook-users-strike"
		b.Post(t, base+"/updates", map[string][]string{"title": {"One"}, "body": {"First."}, "published_date": {"2018-03-20"}})
		b.Post(t, base+"/updates", map[string][]string{"title": {"Two"}, "body": {"Second."}, "published_date": {"2018-03-21"}})
		for _, path := range []string{base + "/edit", base + "/edit/demands", base + "/edit/timeline", base + "/edit/coverage", "/c/users/campaigns/new"} {
			st, page := b.Get(t, path)
			if st != 200 {
				t.Fatalf("%s: %d", path, st)
			}
			checkIDs(t, path, page)
		}
		// and a refused save, whose page carries the errors
		st, page := b.Post(t, base+"/edit", map[string][]string{"title": {""}})
		if st != 422 {
			t.Fatalf("refused save: %d", st)
		}
		checkIDs(t, "refused save", page)
	})
}

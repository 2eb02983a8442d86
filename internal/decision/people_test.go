package decision_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// Members discuss beside the proposal: plain text, escaped; visitors see
// no discussion and cannot post; an empty message is refused naming the
// field, in the reader's language.
func TestDiscussion(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		d := f.create(t, map[string]any{"title": "Adopt a code of conduct", "kind": "rule"})
		m := f.members[0]
		path := "/decisions/" + d.ID
		if st, _ := m.browser.Post(t, path+"/comments", url.Values{"body": {"<script>alert(1)</script> I agree"}}); st != 200 {
			t.Fatalf("comment: %d", st)
		}
		_, page := m.browser.Get(t, path)
		if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt; I agree") || !strings.Contains(page, "Rider1 Member") {
			t.Fatalf("the comment is not shown escaped with its author:\n%s", page)
		}
		m.browser.Lang = "fr"
		if st, page := m.browser.Post(t, path+"/comments", url.Values{"body": {"  "}}); st != 422 || !strings.Contains(page, "e-body") {
			t.Fatalf("an empty comment: %d", st)
		}
		visitor := app.Browser()
		if _, page := visitor.Get(t, path); strings.Contains(page, "I agree") {
			t.Fatal("a visitor sees the members' discussion")
		}
		if _, page := visitor.Post(t, path+"/comments", url.Values{"body": {"spam"}}); !strings.Contains(page, `action="/signin`) {
			t.Fatal("a visitor posting is not sent to sign in")
		}
		if _, page := m.browser.Get(t, path); strings.Contains(page, "spam") {
			t.Fatal("a visitor posted")
		}
		f.app.Token(t, "stranger@example.org", "Stranger", false)
		sb := app.Browser()
		sb.SignIn(t, "stranger@example.org", password)
		if st, _ := sb.Post(t, path+"/comments", url.Values{"body": {"not a member"}}); st != 403 {
			t.Fatalf("a non-member's comment: %d, want 403", st)
		}
	})
}

// A person's export lists where they were an elector and their comments,
// never a secret ballot's choice; their erasure removes their elector
// row and comments and leaves the count as it was.
func TestExportAndErasure(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 2)
		d := f.create(t, map[string]any{"title": "Secret question", "secret": true})
		d = f.setStatus(t, d.ID, "open")
		m := f.members[0]
		f.vote(t, m.token, d.ID, d.role(t, "against"))
		f.vote(t, f.members[1].token, d.ID, d.role(t, "for"))
		m.browser.Post(t, "/decisions/"+d.ID+"/comments", url.Values{"body": {"Zanzibar thoughts"}})
		st, body := m.browser.Get(t, "/account/export")
		if st != 200 {
			t.Fatalf("export: %d", st)
		}
		var export map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &export); err != nil {
			t.Fatalf("export: %v\n%s", err, body)
		}
		electorates, comments := string(export["decision_electorates"]), string(export["decision_comments"])
		if !strings.Contains(electorates, "Secret question") || strings.Contains(electorates, "against") || !strings.Contains(comments, "Zanzibar") {
			t.Fatalf("export: electorates %s, comments %s", electorates, comments)
		}
		var id string
		app.DB.Reader().QueryRowContext(t.Context(), `SELECT id FROM people WHERE email = $1`, m.email).Scan(&id)
		if st := app.API(t, "DELETE", "/api/v1/people/"+id, m.token, nil, nil); st != 204 {
			t.Fatalf("erase: %d", st)
		}
		var n int
		app.DB.Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM decision_electors WHERE person_id = $1`, id).Scan(&n)
		if n != 0 {
			t.Fatalf("%d elector rows left after the erasure", n)
		}
		if where := storetest.Find(t, app.DB, "Zanzibar"); len(where) != 0 {
			t.Fatalf("the erased person's comment is still in %v", where)
		}
		got := f.setStatus(t, d.ID, "closed")
		if got.votes("against") != 1 || got.votes("for") != 1 || *got.Turnout != 2 {
			t.Fatalf("the count changed with the erasure: %+v", got.Options)
		}
	})
}

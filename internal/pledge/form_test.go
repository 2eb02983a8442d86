package pledge_test

import (
	"net/http"
	"net/url"
	"testing"

	"repertoire/internal/testkit"
)

// The commit form and its confirmation mail read the pledge from
// snapshots shared by everyone committing; an organizer's edit drops them,
// so the very next commitment's mail describes the pledge as edited.
func TestEditShowsInTheNextCommitmentAtOnce(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 100)
		path := "/c/fb-users/strike/pledges/" + f.pledge.Slug + "/commit"
		commit := func(email string) {
			t.Helper()
			if st, body := app.Browser().Post(t, path, url.Values{"given_name": {"Ana"}, "email": {email}}); st != http.StatusOK {
				t.Fatalf("commit %s: %d\n%s", email, st, body)
			}
		}
		commit("first@example.org")
		app.Mail.Wait(t, "first@example.org", "Confirm your commitment: Log out of Facebook")
		if st := app.API(t, "PUT", "/api/v1/pledges/"+f.pledge.ID, f.org, map[string]any{"title": "Log off, together"}, nil); st != http.StatusOK {
			t.Fatalf("PUT title: %d", st)
		}
		commit("second@example.org")
		app.Mail.Wait(t, "second@example.org", "Confirm your commitment: Log off, together")
	})
}

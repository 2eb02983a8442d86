package community_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// An instance administrator who opens a community they do not belong to
// reads on every page of it, the organizers' ones included, that they act
// there as administrator, in their language; its own organizers do not,
// nor does the administrator in a community they are a member of, nor on
// pages outside communities.
func TestAdministratorSeesTheyActAsAdministrator(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		olga, _ := signedIn(t, app, "Olga")
		if st, _ := olga.Post(t, "/communities", url.Values{"name": {"Riders union"}, "slug": {"riders"}, "join_policy": {"open"}, "visibility": {"private"}}); st != http.StatusOK {
			t.Fatalf("create community: %d", st)
		}
		app.Token(t, "ada@example.org", "Ada Admin", true)
		ada := app.Browser()
		ada.SignIn(t, "ada@example.org", password)
		const banner = `id="as-admin"`
		pages := []string{"/c/riders", "/c/riders/members", "/c/riders/edit", "/c/riders/invitations", "/c/riders/campaigns/new"}
		for _, path := range pages {
			st, body := ada.Get(t, path)
			if st != http.StatusOK || !strings.Contains(body, banner) || !strings.Contains(body, "You are acting as an instance administrator in this community") {
				t.Errorf("administrator on %s (%d): no banner", path, st)
			}
			if st, body := olga.Get(t, path); st != http.StatusOK || strings.Contains(body, banner) {
				t.Errorf("the community's owner on %s (%d) is told they act as administrator", path, st)
			}
		}
		ada.Lang = "fr"
		if _, body := ada.Get(t, "/c/riders/members"); !strings.Contains(body, "Vous agissez dans cette communauté en tant qu’administrateur·rice de l’instance") {
			t.Errorf("French banner missing:\n%s", body)
		}
		for _, path := range []string{"/communities", "/dashboard", "/account"} {
			if _, body := ada.Get(t, path); strings.Contains(body, banner) {
				t.Errorf("banner on %s, outside any community", path)
			}
		}
		// In a community of their own, the administrator is a member.
		if st, _ := ada.Post(t, "/communities", url.Values{"name": {"Admins"}, "slug": {"admins"}, "join_policy": {"open"}, "visibility": {"public"}}); st != http.StatusOK {
			t.Fatalf("create own community: %d", st)
		}
		if _, body := ada.Get(t, "/c/admins/members"); strings.Contains(body, banner) {
			t.Error("banner in the administrator's own community")
		}
	})
}

package petition_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/testkit"
)

// participations counts the participations of an action, whatever their
// status.
func participations(t *testing.T, app *testkit.App, actionID string) int {
	t.Helper()
	var n int
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM participations WHERE action_id = $1`, actionID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The form reads its petition from a snapshot shared by every signer;
// closing the petition drops it, so the very next signature is refused,
// and reopening takes signatures again at once.
func TestClosedPetitionRefusesTheFormAtOnce(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, p, _ := setup(t, app)
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		signer := func(email string) url.Values { return url.Values{"given_name": {"Ana"}, "email": {email}} }
		if st, body := sign(t, app, path, signer("first@example.org")); st != http.StatusOK {
			t.Fatalf("sign the open petition: %d\n%s", st, body)
		}
		org := app.Browser()
		org.SignIn(t, organizer, "correct horse battery")
		for _, c := range []struct {
			status, email string
			want          int
			count         int
		}{
			{"closed", "second@example.org", http.StatusConflict, 1},
			{"open", "third@example.org", http.StatusOK, 2},
		} {
			if st, body := org.Post(t, path+"/status", url.Values{"status": {c.status}}); st != http.StatusOK {
				t.Fatalf("set %s: %d\n%s", c.status, st, body)
			}
			st, body := sign(t, app, path, signer(c.email))
			if st != c.want {
				t.Fatalf("sign right after %s: %d, want %d\n%s", c.status, st, c.want, body)
			}
			if c.status == "closed" {
				contains(t, "closed petition", body, "This petition is closed")
			}
			if got := participations(t, app, p.id()); got != c.count {
				t.Fatalf("after signing the %s petition: %d participations, want %d", c.status, got, c.count)
			}
		}
	})
}

// A private community's petition takes signatures from its members only:
// the snapshot a member's signature leaves is never what answers an
// outsider, signed in or not, who gets the same "no such community" as
// before anyone signed.
func TestPrivatePetitionFormRefusesOutsiders(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		token := app.Token(t, organizer, "Organizer", false)
		app.Token(t, "outsider@example.org", "Outsider", false)
		var orgID string
		if err := app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, organizer).Scan(&orgID); err != nil {
			t.Fatal(err)
		}
		com, err := community.NewStore(app.DB).Create(ctx, orgID, community.Input{Name: "Couriers", Slug: "couriers", Visibility: community.Private})
		if err != nil {
			t.Fatal(err)
		}
		c, err := campaign.NewStore(app.DB).Create(ctx, orgID, campaign.CampaignInput{CommunityID: com.ID, Title: "Fair pay", Slug: "pay"})
		if err != nil {
			t.Fatal(err)
		}
		var p petitionDoc
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Secret demands", "petition_text": "Members only.",
			"campaign": "repertoire:" + c.ID}, &p); st != http.StatusCreated {
			t.Fatalf("create petition: %d", st)
		}
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		outsider := app.Browser()
		outsider.SignIn(t, "outsider@example.org", "correct horse battery")
		member := app.Browser()
		member.SignIn(t, organizer, "correct horse battery")
		// The answer to the post itself, not the page it sends to.
		for _, b := range []*testkit.Browser{outsider, member} {
			b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		}
		refused := func(when string, want int) {
			t.Helper()
			visitor := app.Browser()
			visitor.CheckRedirect = outsider.CheckRedirect
			for who, b := range map[string]*testkit.Browser{"visitor": visitor, "outsider": outsider} {
				st, body := b.Post(t, path+"/sign", url.Values{"given_name": {"Eve"}, "email": {who + "@example.org"}})
				if st != http.StatusNotFound {
					t.Fatalf("%s, %s signs: %d, want 404\n%s", when, who, st, body)
				}
				contains(t, who+"'s answer", body, "No such community.")
				lacks(t, who+"'s answer", body, "Secret demands", "Fair pay")
			}
			if got := participations(t, app, p.id()); got != want {
				t.Fatalf("%s: %d participations, want %d", when, got, want)
			}
		}
		refused("before any signature", 0)
		if st, body := member.Post(t, path+"/sign", url.Values{"given_name": {"Olga"}, "email": {organizer}}); st != http.StatusSeeOther {
			t.Fatalf("the member signs: %d\n%s", st, body)
		}
		refused("after a member's", 1)
	})
}

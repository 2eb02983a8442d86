package community_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// invitation makes a private, invite-only community and returns its
// owner's browser and the path of a new invitation link.
func invitation(t *testing.T, app *testkit.App) (*testkit.Browser, string) {
	t.Helper()
	owner, _ := signedIn(t, app, "Owner")
	owner.Post(t, "/communities", url.Values{"name": {"Circle"}, "visibility": {"private"}, "join_policy": {"invite"}})
	_, body := owner.Post(t, "/c/circle/invitations", nil)
	m := linkPattern.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `data-copy="new-link"`) || !strings.Contains(body, `src="/static/share.js"`) {
		t.Fatalf("no link with its copy button:\n%s", body)
	}
	return owner, "/invite/" + m[1]
}

// follow opens a mailed link's page and presses its button, as a person
// does, and returns where the button's post ends.
func follow(t *testing.T, b *testkit.Browser, app *testkit.App, link string) (int, string) {
	t.Helper()
	status, page := b.Get(t, link)
	if status != 200 {
		t.Fatalf("GET %s = %d\n%s", link, status, page)
	}
	u, _ := url.Parse(link)
	action := u.Path
	if u.RawQuery != "" {
		action += "?" + u.RawQuery
	}
	// the page's form posts to the link itself, next included
	if !strings.Contains(page, `action="`+strings.ReplaceAll(action, "&", "&amp;")+`"`) {
		t.Fatalf("the link's page does not post to %s:\n%s", action, page)
	}
	return b.Post(t, action, nil)
}

func TestInvitationSurvivesSignUp(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, invite := invitation(t, app)
		next := url.Values{"next": {invite}}.Encode()

		newcomer := app.Browser()
		run(t, []step{
			{"sign-up keeps the way back", newcomer, "GET", "/signup?" + next, nil, 200,
				[]string{`name="next" value="` + invite + `"`}, nil},
			{"sign up", newcomer, "POST", "/signup", url.Values{"name": {"Nadia"}, "email": {"nadia@example.org"},
				"password": {password}, "next": {invite}}, 200, []string{`name="next" value="` + invite + `"`}, nil},
		})
		link := app.Mail.Wait(t, "nadia@example.org", "Confirm").Link(t, "/confirm/")
		if !strings.HasSuffix(link, "?"+next) {
			t.Fatalf("the confirmation link does not return to the invitation: %s", link)
		}
		status, body := follow(t, newcomer, app, link)
		if status != 200 || !strings.Contains(body, "You are invited to join Circle") || !strings.Contains(body, `action="`+invite+`"`) {
			t.Fatalf("after confirming: %d\n%s", status, body)
		}
		run(t, []step{
			{"one click joins", newcomer, "POST", invite, nil, 200, []string{"Welcome! You are now a member.", "2 members"}, nil},
		})
	})
}

func TestInvitationSurvivesSignInByLink(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, invite := invitation(t, app)
		app.Token(t, "rider@example.org", "Rider", false)
		rider := app.Browser()
		run(t, []step{
			{"sign-in keeps the way back", rider, "GET", "/signin?next=" + url.QueryEscape(invite), nil, 200,
				[]string{`name="next" value="` + invite + `"`, `href="/signup?next=` + hrefEscape(invite) + `"`}, nil},
			{"ask for a link", rider, "POST", "/signin/link", url.Values{"link_email": {"rider@example.org"}, "next": {invite}}, 200, nil, nil},
		})
		link := app.Mail.Wait(t, "rider@example.org", "sign-in link").Link(t, "/signin/")
		status, body := follow(t, rider, app, link)
		if status != 200 || !strings.Contains(body, `action="`+invite+`"`) {
			t.Fatalf("after signing in: %d\n%s", status, body)
		}
		// and by password, the sign-in form's own next
		app.Token(t, "other@example.org", "Other", false)
		other := app.Browser()
		status, body = other.Post(t, "/signin", url.Values{"email": {"other@example.org"}, "password": {password}, "next": {invite}})
		if status != 200 || !strings.Contains(body, `action="`+invite+`"`) {
			t.Fatalf("after signing in by password: %d\n%s", status, body)
		}
	})
}

// TestReturnPathStaysOnSite: whatever a sign-up, a sign-in link or a
// crafted mailed link names as next, the person lands on this site.
func TestReturnPathStaysOnSite(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		for i, evil := range []string{"https://evil.example/x", "//evil.example/x", `/\evil.example`, "javascript:alert(1)"} {
			email := "p" + string(rune('a'+i)) + "@example.org"
			b := app.Browser()
			b.Post(t, "/signup", url.Values{"name": {"P"}, "email": {email}, "password": {password}, "next": {evil}})
			link := app.Mail.Wait(t, email, "Confirm").Link(t, "/confirm/")
			if strings.Contains(link, "next=") {
				t.Fatalf("%q reached the mail: %s", evil, link)
			}
			// a link someone crafted with it goes to the account page instead
			u, _ := url.Parse(link)
			crafted := u.Path + "?next=" + url.QueryEscape(evil)
			if status, page := b.Get(t, crafted); status != 200 || !strings.Contains(page, `action="`+u.Path+`"`) {
				t.Fatalf("link page: %d\n%s", status, page)
			}
			noRedirects(b)
			req, _ := http.NewRequest("POST", app.URL+crafted, nil)
			req.Header.Set("Origin", app.URL)
			resp, err := b.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/account" {
				t.Fatalf("%q: %d to %q", evil, resp.StatusCode, loc)
			}
		}
	})
}

func TestMailInvitation(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner, _ := invitation(t, app)
		outsider, _ := signedIn(t, app, "Outsider")
		run(t, []step{
			{"mail form", owner, "GET", "/c/circle/invitations", nil, 200, []string{`id="f-invite_email"`}, nil},
			{"bad address kept and explained", owner, "POST", "/c/circle/invitations/mail", url.Values{"invite_email": {"not an address"}}, 422,
				[]string{`value="not an address"`, `aria-invalid="true"`, `class="form-errors"`}, nil},
			{"outsiders cannot mail invitations", outsider, "POST", "/c/circle/invitations/mail", url.Values{"invite_email": {"x@example.org"}}, 404, nil, nil},
			{"mail one", owner, "POST", "/c/circle/invitations/mail", url.Values{"invite_email": {"friend@example.org"}}, 200,
				[]string{"The invitation is on its way."}, nil},
		})
		m := app.Mail.Wait(t, "friend@example.org", "Owner invites you to join Circle")
		invite := strings.TrimPrefix(m.Link(t, "/invite/"), app.URL)
		friend, _ := signedIn(t, app, "Friend")
		run(t, []step{
			{"the mailed link works", friend, "POST", invite, nil, 200, []string{"Welcome! You are now a member."}, nil},
		})
	})
}

// hrefEscape escapes a path in a query as html/template writes it in an
// href (lower-case hex).
func hrefEscape(p string) string { return strings.ReplaceAll(url.QueryEscape(p), "%2F", "%2f") }

package community_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"repertoire/internal/store"
	"repertoire/internal/testkit"
)

const password = "correct horse battery"

// signedIn creates a user and returns a browser signed in as them, and
// their person id.
func signedIn(t *testing.T, app *testkit.App, name string) (*testkit.Browser, string) {
	t.Helper()
	email := strings.ToLower(name) + "@example.org"
	app.Token(t, email, name, false)
	b := app.Browser()
	b.SignIn(t, email, password)
	return b, personID(t, app, email)
}

func personID(t *testing.T, app *testkit.App, email string) string {
	t.Helper()
	var id string
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM people WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// noRedirects makes the browser stop at redirects, to see where they go.
func noRedirects(b *testkit.Browser) {
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
}

type step struct {
	name   string
	who    *testkit.Browser
	method string
	path   string
	form   url.Values
	status int
	want   []string // in the body
	not    []string // not in the body
}

func run(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		var status int
		var body string
		if s.method == "POST" {
			status, body = s.who.Post(t, s.path, s.form)
		} else {
			status, body = s.who.Get(t, s.path)
		}
		if status != s.status {
			t.Fatalf("%s: %s %s = %d, want %d\n%s", s.name, s.method, s.path, status, s.status, body)
		}
		for _, w := range s.want {
			if !strings.Contains(body, w) {
				t.Fatalf("%s: %s %s lacks %q\n%s", s.name, s.method, s.path, w, body)
			}
		}
		for _, n := range s.not {
			if strings.Contains(body, n) {
				t.Fatalf("%s: %s %s shows %q", s.name, s.method, s.path, n)
			}
		}
	}
}

func TestCreateCommunityForm(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ada, _ := signedIn(t, app, "Ada")
		fr, _ := signedIn(t, app, "Berthe")
		fr.Lang = "fr"
		visitor := app.Browser()
		run(t, []step{
			{"visitor sees the lead", visitor, "GET", "/", nil, 200, []string{"Communities organize"}, []string{"/communities/new"}},
			{"visitor is sent to sign in", visitor, "GET", "/communities/new", nil, 200, []string{`name="password"`}, nil},
			{"form", ada, "GET", "/communities/new", nil, 200, []string{`name="name"`, `for="f-slug"`, `value="open" checked`}, nil},
			{"created", ada, "POST", "/communities", url.Values{"name": {"Riders of Lyon"}, "description": {"We ride."}, "join_policy": {"open"}, "visibility": {"public"}, "language": {"en"}},
				200, []string{"Your community is created", "<h1>Riders of Lyon</h1>", "We ride.", "1 member", `href="/c/riders-of-lyon/campaigns/new"`, `href="/c/riders-of-lyon/members"`}, nil},
			{"bad fields keep the typed values", ada, "POST", "/communities", url.Values{"name": {""}, "slug": {"Bad Slug"}, "description": {"Kept <text>"}, "join_policy": {"closed"}},
				422, []string{"This field is required.", "Use lower-case letters", `value="Bad Slug"`, "Kept &lt;text&gt;", "Choose one of the proposed values."}, nil},
			{"bad fields in French", fr, "POST", "/communities", url.Values{"name": {""}, "slug": {"x"}, "description": {"Gardé"}},
				422, []string{"Ce champ est obligatoire.", "Lettres minuscules", "Gardé", "Créer une communauté"}, nil},
			{"derived slug taken", ada, "POST", "/communities", url.Values{"name": {"Riders of Lyon"}, "description": {"Again"}},
				409, []string{"“riders-of-lyon” is already taken", `value="Riders of Lyon"`, "Again"}, nil},
			{"slug taken, in French", fr, "POST", "/communities", url.Values{"name": {"Autre"}, "slug": {"riders-of-lyon"}},
				409, []string{"L’adresse « riders-of-lyon » est déjà prise", `value="riders-of-lyon"`}, nil},
			{"home lists it", visitor, "GET", "/", nil, 200, []string{`href="/c/riders-of-lyon"`}, nil},
			{"edit form for the owner", ada, "GET", "/c/riders-of-lyon/edit", nil, 200, []string{`value="Riders of Lyon"`, "We ride."}, nil},
			{"edit refused to others", fr, "GET", "/c/riders-of-lyon/edit", nil, 403, []string{"Seuls les propriétaires"}, nil},
			{"edit errors", ada, "POST", "/c/riders-of-lyon/edit", url.Values{"name": {strings.Repeat("n", 121)}, "language": {"en"}, "join_policy": {"open"}, "visibility": {"public"}},
				422, []string{"At most 120 characters."}, nil},
			{"edited", ada, "POST", "/c/riders-of-lyon/edit", url.Values{"name": {"Riders of Lyon and Villeurbanne"}, "description": {"We ride."}, "language": {"fr"}, "join_policy": {"approval"}, "visibility": {"public"}},
				200, []string{"The community is saved.", "Riders of Lyon and Villeurbanne", "On approval"}, nil},
		})
	})
}

func TestJoiningAndMembers(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner, _ := signedIn(t, app, "Owner")
		rider, riderID := signedIn(t, app, "Rider")
		asker, askerID := signedIn(t, app, "Asker")
		visitor := app.Browser()
		owner.Post(t, "/communities", url.Values{"name": {"Open riders"}, "join_policy": {"open"}})
		owner.Post(t, "/communities", url.Values{"name": {"Careful riders"}, "join_policy": {"approval"}})
		owner.Post(t, "/communities", url.Values{"name": {"Invited riders"}, "join_policy": {"invite"}})
		run(t, []step{
			{"visitor is asked to sign in", visitor, "GET", "/c/open-riders", nil, 200, []string{"Sign in to join"}, []string{`action="/c/open-riders/join"`}},
			{"member lists are for organizers", rider, "GET", "/c/open-riders/members", nil, 403, []string{"Only the organizers"}, nil},
			{"join open", rider, "POST", "/c/open-riders/join", nil, 200, []string{"Welcome! You are now a member.", "2 members", "You are a member"}, nil},
			{"join twice", rider, "POST", "/c/open-riders/join", nil, 409, []string{"already a member"}, nil},
			{"still no member list", rider, "GET", "/c/open-riders/members", nil, 403, nil, nil},
			{"invite only", rider, "GET", "/c/invited-riders", nil, 200, []string{"by invitation only"}, []string{`action="/c/invited-riders/join"`}},
			{"join invite only", rider, "POST", "/c/invited-riders/join", nil, 403, []string{"by invitation only"}, nil},
			{"ask", asker, "POST", "/c/careful-riders/join", nil, 200, []string{"Your request is sent.", "1 member", "Withdraw my request"}, nil},
			{"requests listed", owner, "GET", "/c/careful-riders/members", nil, 200, []string{"Asker", `action="/c/careful-riders/requests/` + askerID + `/approve"`}, nil},
			{"approve", owner, "POST", "/c/careful-riders/requests/" + askerID + "/approve", nil, 200, []string{"The request is approved", "No pending request."}, nil},
			{"asker is in", asker, "GET", "/c/careful-riders", nil, 200, []string{"2 members", "You are a member"}, nil},
			{"last owner cannot leave", owner, "POST", "/c/open-riders/leave", nil, 409, []string{"A community needs at least one owner"}, nil},
			{"last owner cannot step down", owner, "POST", "/c/open-riders/members/" + personID(t, app, "owner@example.org") + "/role", url.Values{"role": {"member"}}, 409, []string{"A community needs at least one owner"}, nil},
			{"make organizer", owner, "POST", "/c/open-riders/members/" + riderID + "/role", url.Values{"role": {"organizer"}}, 200, []string{"The role is changed.", `<option value="organizer" selected>`}, nil},
			{"organizer sees members", rider, "GET", "/c/open-riders/members", nil, 200, []string{"Rider", "Owner"}, []string{`/role"`}},
			{"organizer cannot change roles", rider, "POST", "/c/open-riders/members/" + riderID + "/role", url.Values{"role": {"owner"}}, 403, nil, nil},
			{"organizer leaves", rider, "POST", "/c/open-riders/leave", nil, 200, []string{"You have left the community.", "1 member"}, nil},
			{"a member cannot remove", asker, "POST", "/c/careful-riders/members/" + personID(t, app, "owner@example.org") + "/remove", nil, 403, nil, []string{`name="confirm"`}},
			{"removing asks first", owner, "POST", "/c/careful-riders/members/" + askerID + "/remove", nil, 200,
				[]string{"Remove this member from Careful riders?", "they come back only as the community lets people join", `name="confirm" value="yes"`, `class="danger"`}, []string{"The member is removed."}},
			{"still in before the confirmation", asker, "GET", "/c/careful-riders", nil, 200, []string{"2 members", "You are a member"}, nil},
			{"remove", owner, "POST", "/c/careful-riders/members/" + askerID + "/remove", url.Values{"confirm": {"yes"}}, 200, []string{"The member is removed."}, nil},
			{"removed", asker, "GET", "/c/careful-riders", nil, 200, []string{"1 member"}, []string{"You are a member"}},
		})
	})
}

func TestPrivateCommunityIsHiddenFromOutsiders(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner, _ := signedIn(t, app, "Owner")
		outsider, _ := signedIn(t, app, "Outsider")
		outsider.Lang = "fr"
		visitor := app.Browser()
		owner.Post(t, "/communities", url.Values{"name": {"Back room"}, "visibility": {"private"}, "join_policy": {"open"}})
		run(t, []step{
			{"owner sees it", owner, "GET", "/c/back-room", nil, 200, []string{"Back room", "Private"}, nil},
			{"owner lists it", owner, "GET", "/communities", nil, 200, []string{`href="/c/back-room"`}, nil},
			{"outsider gets 404", outsider, "GET", "/c/back-room", nil, 404, []string{"n’existe pas"}, []string{"Back room"}},
			{"visitor gets 404", visitor, "GET", "/c/back-room", nil, 404, nil, []string{"Back room"}},
			{"members page 404", outsider, "GET", "/c/back-room/members", nil, 404, nil, nil},
			{"join 404", outsider, "POST", "/c/back-room/join", nil, 404, nil, nil},
			{"not on home", visitor, "GET", "/", nil, 200, nil, []string{"back-room"}},
			{"not in the list", outsider, "GET", "/communities", nil, 200, nil, []string{"back-room"}},
		})
	})
}

var linkPattern = regexp.MustCompile(`http://[^"]+/invite/([A-Za-z0-9_-]{43})`)

func TestInvitationLinkPages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner, _ := signedIn(t, app, "Owner")
		guest, _ := signedIn(t, app, "Guest")
		member, _ := signedIn(t, app, "Member")
		owner.Post(t, "/communities", url.Values{"name": {"Circle"}, "visibility": {"private"}, "join_policy": {"invite"}})

		status, body := owner.Post(t, "/c/circle/invitations", nil)
		m := linkPattern.FindStringSubmatch(body)
		if status != 200 || m == nil || !strings.Contains(body, "Copy it now") {
			t.Fatalf("created link: %d\n%s", status, body)
		}
		link, token := m[0], m[1]
		if !strings.HasPrefix(link, app.URL+"/invite/") {
			t.Fatalf("link %s", link)
		}
		visitor := app.Browser()
		back := "next=" + hrefEscape("/invite/"+token)
		run(t, []step{
			{"visitor is offered to sign up and come back", visitor, "GET", link, nil, 200,
				[]string{"You are invited to join Circle", `href="/signup?` + back + `"`, `href="/signin?` + back + `"`}, []string{`action="/invite/`}},
			{"shown once", owner, "GET", "/c/circle/invitations", nil, 200, []string{"<td>0</td>", `/revoke"`}, []string{token}},
			{"guest sees the community", guest, "GET", "/invite/" + token, nil, 200, []string{"You are invited to join Circle", `action="/invite/` + token + `"`}, nil},
			{"guest joins", guest, "POST", "/invite/" + token, nil, 200, []string{"Welcome! You are now a member.", "2 members"}, nil},
			{"used once", owner, "GET", "/c/circle/invitations", nil, 200, []string{"<td>1</td>"}, nil},
			{"guest is already in", guest, "GET", "/invite/" + token, nil, 200, []string{"already a member"}, nil},
			{"members cannot invite", guest, "POST", "/c/circle/invitations", nil, 403, nil, nil},
			{"nor see the links", guest, "GET", "/c/circle/invitations", nil, 403, nil, nil},
			{"unknown link", member, "GET", "/invite/nope", nil, 404, []string{"This invitation link does not work"}, nil},
		})
		var id string
		if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM invitations`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		run(t, []step{
			{"revoking asks first", owner, "POST", "/c/circle/invitations/" + id + "/revoke", nil, 200,
				[]string{"Revoke this invitation link?", "This cannot be undone.", `name="confirm" value="yes"`, `class="danger"`}, []string{"no longer works"}},
			{"still works before the confirmation", owner, "GET", "/c/circle/invitations", nil, 200, []string{"<td>1</td>", `/revoke"`}, nil},
			{"revoke", owner, "POST", "/c/circle/invitations/" + id + "/revoke", url.Values{"confirm": {"yes"}}, 200, []string{"no longer works", "No active invitation link."}, nil},
			{"revoked link", member, "POST", "/invite/" + token, nil, 404, []string{"This invitation link does not work"}, nil},
			{"still hidden", member, "GET", "/c/circle", nil, 404, nil, nil},
		})
	})
}

func TestCommunityPageListsItsCampaigns(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner, _ := signedIn(t, app, "Owner")
		member, _ := signedIn(t, app, "Member")
		owner.Post(t, "/communities", url.Values{"name": {"Facebook users"}})
		member.Post(t, "/c/facebook-users/join", nil)
		ctx := context.Background()
		err := app.DB.Write(ctx, func(tx *store.Tx) error {
			var communityID string
			if err := tx.QueryRowContext(ctx, `SELECT id FROM communities WHERE slug = 'facebook-users'`).Scan(&communityID); err != nil {
				return err
			}
			id := store.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (id, community_id, slug, title, summary, created_at, modified_at)
				VALUES ($1, $2, 'may-day', 'May Day strike', 'Log off on May 1st.', $3, $3)`, id, communityID, tx.Now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO campaign_targets (id, campaign_id, position, name) VALUES ($1, $2, 1, 'Facebook')`, store.NewID(), id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		run(t, []step{
			{"members see the campaign", member, "GET", "/c/facebook-users", nil, 200,
				[]string{`href="/c/facebook-users/may-day"`, "May Day strike", "Log off on May 1st.", "Targets: Facebook"}, []string{"/campaigns/new"}},
			{"organizers get a new campaign link", owner, "GET", "/c/facebook-users", nil, 200,
				[]string{`href="/c/facebook-users/campaigns/new"`, "May Day strike"}, nil},
		})
	})
}

// TestLastOwnerDeletingTheirAccountHandsOver: when the last owner erases
// their account, each community they ran passes to its longest-standing
// organizer (or, without one, its longest-standing member); a community
// with another owner, or with nobody else, is left as it is.
func TestLastOwnerDeletingTheirAccountHandsOver(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner, _ := signedIn(t, app, "Owner")
		early, _ := signedIn(t, app, "Early")
		orga, orgaID := signedIn(t, app, "Orga")
		late, lateID := signedIn(t, app, "Late")
		co, coID := signedIn(t, app, "Co")
		owner.Post(t, "/communities", url.Values{"name": {"Riders"}, "join_policy": {"open"}})   // an organizer joined later than a member
		owner.Post(t, "/communities", url.Values{"name": {"Walkers"}, "join_policy": {"open"}})  // members only
		owner.Post(t, "/communities", url.Values{"name": {"Cyclists"}, "join_policy": {"open"}}) // a second owner
		owner.Post(t, "/communities", url.Values{"name": {"Solitary"}, "join_policy": {"open"}}) // nobody else
		for _, step := range []struct {
			b    *testkit.Browser
			path string
		}{{early, "/c/riders/join"}, {orga, "/c/riders/join"}, {late, "/c/walkers/join"}, {early, "/c/walkers/join"},
			{co, "/c/cyclists/join"}, {late, "/c/cyclists/join"}} {
			if st, _ := step.b.Post(t, step.path, nil); st != 200 {
				t.Fatalf("%s: %d", step.path, st)
			}
		}
		for _, r := range []struct{ path, id, role string }{{"/c/riders", orgaID, "organizer"}, {"/c/cyclists", coID, "owner"}} {
			if st, _ := owner.Post(t, r.path+"/members/"+r.id+"/role", url.Values{"role": {r.role}}); st != 200 {
				t.Fatalf("role on %s: %d", r.path, st)
			}
		}
		if st, _ := owner.Post(t, "/account/delete", url.Values{"delete_confirm": {"owner@example.org"}}); st != 200 {
			t.Fatalf("delete account: %d", st)
		}
		owners := func(slug string) []string {
			rows, err := app.DB.Reader().QueryContext(context.Background(), `SELECT m.person_id FROM memberships m
				JOIN communities c ON c.id = m.community_id WHERE c.slug = $1 AND m.role = 'owner' ORDER BY m.person_id`, slug)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var ids []string
			for rows.Next() {
				var id string
				rows.Scan(&id)
				ids = append(ids, id)
			}
			return ids
		}
		for _, c := range []struct {
			slug string
			want []string
		}{{"riders", []string{orgaID}}, {"walkers", []string{lateID}}, {"cyclists", []string{coID}}, {"solitary", nil}} {
			if got := owners(c.slug); strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("%s: owners %v, want %v", c.slug, got, c.want)
			}
		}
		// The new owner runs the community.
		if st, body := orga.Get(t, "/c/riders/members"); st != 200 || !strings.Contains(body, `/role"`) {
			t.Errorf("the new owner's member page: %d", st)
		}
	})
}

// TestMembershipRequestsAreMailed: a request to join a community that
// approves its members is mailed to its organizers and owners, each in
// their own language, with the page where they answer; the approval is
// mailed to the person who asked.
func TestMembershipRequestsAreMailed(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner, _ := signedIn(t, app, "Owner")
		orga, orgaID := signedIn(t, app, "Orga")
		asker, askerID := signedIn(t, app, "Asker")
		if _, err := app.DB.Writer().ExecContext(context.Background(), `UPDATE people SET preferred_language = 'fr' WHERE id = $1`, orgaID); err != nil {
			t.Fatal(err)
		}
		owner.Post(t, "/communities", url.Values{"name": {"Careful riders"}, "join_policy": {"approval"}})
		owner.Post(t, "/communities", url.Values{"name": {"Open riders"}, "join_policy": {"open"}})
		if st, _ := orga.Post(t, "/c/careful-riders/join", nil); st != 200 {
			t.Fatalf("orga asks: %d", st)
		}
		if st, _ := owner.Post(t, "/c/careful-riders/requests/"+orgaID+"/approve", nil); st != 200 {
			t.Fatalf("approve orga: %d", st)
		}
		if st, _ := owner.Post(t, "/c/careful-riders/members/"+orgaID+"/role", url.Values{"role": {"organizer"}}); st != 200 {
			t.Fatalf("make organizer: %d", st)
		}
		app.Mail.Wait(t, "orga@example.org", "Bienvenue dans Careful riders")
		if st, _ := asker.Post(t, "/c/careful-riders/join", nil); st != 200 {
			t.Fatalf("asker asks: %d", st)
		}
		en := app.Mail.Wait(t, "owner@example.org", "Asker asks to join Careful riders")
		fr := app.Mail.Wait(t, "orga@example.org", "Asker demande à rejoindre Careful riders")
		for _, m := range []*testkit.Mail{en, fr} {
			if l := m.Link(t, "/c/careful-riders/members"); !strings.HasPrefix(l, app.URL) {
				t.Errorf("mail to %s links %s", m.To, l)
			}
		}
		if st, _ := orga.Post(t, "/c/careful-riders/requests/"+askerID+"/approve", nil); st != 200 {
			t.Fatalf("approve asker: %d", st)
		}
		welcome := app.Mail.Wait(t, "asker@example.org", "Welcome to Careful riders")
		if !strings.Contains(welcome.Body, "you are now a member") || !strings.Contains(welcome.Body, app.URL+"/c/careful-riders") {
			t.Errorf("welcome mail:\n%s", welcome.Body)
		}
		// Joining an open community asks nobody: no mail to its owner.
		if st, _ := asker.Post(t, "/c/open-riders/join", nil); st != 200 {
			t.Fatalf("join open: %d", st)
		}
		var n int
		if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM outbox WHERE subject LIKE '%Open riders%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d mails about joining an open community", n)
		}
	})
}

package account_test

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/testkit"
)

// world is two communities, each run by its organizer, with a member, a
// confirmed signer of a petition and a committed person of a pledge of the
// first, and people of the second.
type world struct {
	admin, org1, org2, plain                                   string // tokens
	com1, com2                                                 string // community ids
	org1ID, memberID, signerID, pendingID, outsiderID, plainID string
}

func personID(t *testing.T, app *testkit.App, email string) string {
	t.Helper()
	var id string
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM people WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatalf("%s: %v", email, err)
	}
	return id
}

func newWorld(t *testing.T, app *testkit.App) world {
	t.Helper()
	ctx := context.Background()
	var w world
	w.admin = app.Token(t, "admin@example.org", "Admin", true)
	w.org1 = app.Token(t, "org1@example.org", "Olga", false)
	w.org2 = app.Token(t, "org2@example.org", "Omar", false)
	w.plain = app.Token(t, "plain@example.org", "Paul", false)
	app.Token(t, "member@example.org", "Mia", false)
	app.Token(t, "outsider@example.org", "Otto", false)
	w.org1ID, w.plainID = personID(t, app, "org1@example.org"), personID(t, app, "plain@example.org")
	w.memberID, w.outsiderID = personID(t, app, "member@example.org"), personID(t, app, "outsider@example.org")
	coms := community.NewStore(app.DB)
	c1, err := coms.Create(ctx, w.org1ID, community.Input{Name: "Riders", Slug: "riders"})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := coms.Create(ctx, personID(t, app, "org2@example.org"), community.Input{Name: "Drivers", Slug: "drivers"})
	if err != nil {
		t.Fatal(err)
	}
	w.com1, w.com2 = c1.ID, c2.ID
	if _, err := coms.Join(ctx, c1.ID, w.memberID); err != nil {
		t.Fatal(err)
	}
	if _, err := coms.Join(ctx, c2.ID, w.outsiderID); err != nil {
		t.Fatal(err)
	}
	camp, err := campaign.NewStore(app.DB).Create(ctx, w.org1ID, campaign.CampaignInput{CommunityID: c1.ID, Title: "Fair pay", Slug: "pay"})
	if err != nil {
		t.Fatal(err)
	}
	var pet struct {
		Identifiers []string `json:"identifiers"`
	}
	if st := app.API(t, "POST", "/api/v1/petitions", w.org1, map[string]any{"title": "Pay us", "petition_text": "Pay.",
		"campaign": camp.ID}, &pet); st != 201 {
		t.Fatalf("petition: %d", st)
	}
	sigs := "/api/v1/petitions/" + pet.Identifiers[0] + "/signatures"
	// An import is confirmed at once; an anonymous signature waits for its
	// mailed link, and until then its address may be anyone's.
	if st := app.API(t, "POST", sigs, w.org1, map[string]any{"origin_system": "paper",
		"person": map[string]any{"email_addresses": []any{map[string]any{"address": "signer@example.org"}}}}, nil); st != 201 {
		t.Fatalf("import: %d", st)
	}
	if st := app.API(t, "POST", sigs, "", map[string]any{
		"person": map[string]any{"email_addresses": []any{map[string]any{"address": "pending@example.org"}}}}, nil); st != 202 {
		t.Fatalf("sign: %d", st)
	}
	w.signerID, w.pendingID = personID(t, app, "signer@example.org"), personID(t, app, "pending@example.org")
	now := time.Now().UTC()
	var pl struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/pledges", w.org1, map[string]any{"title": "Log off", "action": "log off", "campaign": camp.ID,
		"threshold": 1000, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339), "window_start": now.Add(72 * time.Hour).Format(time.RFC3339),
		"window_end": now.Add(96 * time.Hour).Format(time.RFC3339)}, &pl); st != 201 {
		t.Fatalf("pledge: %d", st)
	}
	if st := app.API(t, "POST", "/api/v1/pledges/"+pl.ID+"/commitments", w.org1, map[string]any{"origin_system": "meeting",
		"person": map[string]any{"email_addresses": []any{map[string]any{"address": "committed@example.org"}}}}, nil); st != 201 {
		t.Fatalf("commitment: %d", st)
	}
	return w
}

func emails(list peopleJSON) []string {
	var out []string
	for _, p := range list.Embedded.People {
		out = append(out, p.EmailAddresses[0].Address)
	}
	slices.Sort(out)
	return out
}

// An organizer's token reads and updates the people of the communities
// they run — members and confirmed participants — and finds no one else;
// an administrator's sees everyone.
func TestOrganizerTokenReachesTheirPeople(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		w := newWorld(t, app)
		var list peopleJSON
		if st := app.API(t, "GET", "/api/v1/people", w.org1, nil, &list); st != 200 {
			t.Fatalf("organizer's list: %d", st)
		}
		if got, want := emails(list), []string{"committed@example.org", "member@example.org", "org1@example.org", "signer@example.org"}; !slices.Equal(got, want) || list.TotalRecords != 4 {
			t.Errorf("organizer's list: %v (%d), want %v", got, list.TotalRecords, want)
		}
		app.API(t, "GET", "/api/v1/people?filter="+url.QueryEscape("email_address eq 'outsider@example.org'"), w.org1, nil, &list)
		if list.TotalRecords != 0 {
			t.Errorf("a filter reached an outsider: %v", emails(list))
		}
		app.API(t, "GET", "/api/v1/people", w.org2, nil, &list)
		if got, want := emails(list), []string{"org2@example.org", "outsider@example.org"}; !slices.Equal(got, want) {
			t.Errorf("second organizer's list: %v, want %v", got, want)
		}
		app.API(t, "GET", "/api/v1/people", w.admin, nil, &list)
		if list.TotalRecords != 9 {
			t.Errorf("admin's list: %d people, want 9", list.TotalRecords)
		}
		cases := []struct {
			name, method, id, token string
			body                    any
			status                  int
		}{
			{"a member", "GET", w.memberID, w.org1, nil, 200},
			{"a confirmed signer", "GET", w.signerID, w.org1, nil, 200},
			{"a pending signer", "GET", w.pendingID, w.org1, nil, 404},
			{"another community's member", "GET", w.outsiderID, w.org1, nil, 404},
			{"nobody", "GET", "nobody", w.org1, nil, 404},
			{"update a member", "PUT", w.memberID, w.org1, map[string]any{"family_name": "Moreau"}, 200},
			{"update an outsider", "PUT", w.outsiderID, w.org1, map[string]any{"family_name": "Moreau"}, 404},
			{"erase a member", "DELETE", w.memberID, w.org1, nil, 403},
			{"a member for someone who runs nothing", "GET", w.memberID, w.plain, nil, 403},
			{"the list for someone who runs nothing", "GET", "", w.plain, nil, 403},
			{"an outsider for an admin", "GET", w.outsiderID, w.admin, nil, 200},
		}
		for _, tc := range cases {
			path := "/api/v1/people"
			if tc.id != "" {
				path += "/" + tc.id
			}
			if st := app.API(t, tc.method, path, tc.token, tc.body, nil); st != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, st, tc.status)
			}
		}
		var m personJSON
		app.API(t, "GET", "/api/v1/people/"+w.memberID, w.admin, nil, &m)
		if m.FamilyName != "Moreau" {
			t.Errorf("the organizer's update was not kept: %+v", m)
		}
		// An address and its status are the person's own.
		var problem problemJSON
		if st := app.API(t, "PUT", "/api/v1/people/"+w.memberID, w.org1, map[string]any{"email_addresses": []any{map[string]any{"address": "taken-over@example.org"}}}, &problem); st != 422 || !problem.names("email_addresses[0].address") {
			t.Errorf("organizer changing an address: %d %+v", st, problem)
		}
		if st := app.API(t, "PUT", "/api/v1/people/"+w.memberID, w.org1, map[string]any{"email_addresses": []any{map[string]any{"address": "member@example.org", "status": "unsubscribed"}}}, &problem); st != 422 || !problem.names("email_addresses[0].status") {
			t.Errorf("organizer changing a status: %d %+v", st, problem)
		}
		app.API(t, "GET", "/api/v1/people/"+w.memberID, w.admin, nil, &m)
		if m.EmailAddresses[0].Address != "member@example.org" || m.EmailAddresses[0].Status != "subscribed" {
			t.Errorf("a refused update changed the person: %+v", m.EmailAddresses)
		}
	})
}

// The signup helper of an organizer puts the person on their community's
// list — 201 when new to it, whoever Repertoire knew before — without
// making them a member; other communities' organizers still do not see
// them.
func TestOrganizerSignupAddsAContactNotAMember(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		w := newWorld(t, app)
		var created personJSON
		if st := app.API(t, "POST", "/api/v1/people", w.org1, map[string]any{"person": map[string]any{"given_name": "Nina",
			"email_addresses": []any{map[string]any{"address": "nina@example.org"}}}}, &created); st != 201 {
			t.Fatalf("new person: %d", st)
		}
		nina := idOf(created)
		if st := app.API(t, "GET", "/api/v1/people/"+nina, w.org1, nil, nil); st != 200 {
			t.Errorf("the organizer does not reach their new contact: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/people/"+nina, w.org2, nil, nil); st != 404 {
			t.Errorf("another community's organizer reaches the contact: %d", st)
		}
		var members struct {
			Embedded map[string][]map[string]any `json:"_embedded"`
		}
		app.API(t, "GET", "/api/v1/communities/"+w.com1+"/members", w.org1, nil, &members)
		for _, m := range members.Embedded["repertoire:members"] {
			if m["person_id"] == nina {
				t.Errorf("the contact was made a member: %v", m)
			}
		}
		// The second organizer adds someone the first's community knows:
		// 201 (new to the second's list), then 200.
		if st := app.API(t, "POST", "/api/v1/people", w.org2, map[string]any{"person": map[string]any{
			"email_addresses": []any{map[string]any{"address": "nina@example.org"}}}}, nil); st != 201 {
			t.Errorf("a person new to the community: %d, want 201", st)
		}
		if st := app.API(t, "POST", "/api/v1/people", w.org2, map[string]any{"person": map[string]any{
			"email_addresses": []any{map[string]any{"address": "nina@example.org"}}}}, nil); st != 200 {
			t.Errorf("a person the community has: %d, want 200", st)
		}
		if st := app.API(t, "GET", "/api/v1/people/"+nina, w.org2, nil, nil); st != 200 {
			t.Errorf("the second organizer does not reach their contact: %d", st)
		}
		// An organizer who runs two communities names the one they act in.
		coms := community.NewStore(app.DB)
		if _, err := coms.Create(context.Background(), w.org1ID, community.Input{Name: "Cooks", Slug: "cooks"}); err != nil {
			t.Fatal(err)
		}
		var problem problemJSON
		body := map[string]any{"person": map[string]any{"email_addresses": []any{map[string]any{"address": "zoe@example.org"}}}}
		if st := app.API(t, "POST", "/api/v1/people", w.org1, body, &problem); st != 422 || !problem.names("community") {
			t.Errorf("two communities, none named: %d %+v", st, problem)
		}
		body["community"] = "drivers"
		if st := app.API(t, "POST", "/api/v1/people", w.org1, body, &problem); st != 422 || !problem.names("community") {
			t.Errorf("a community they do not run: %d %+v", st, problem)
		}
		body["community"] = "cooks"
		if st := app.API(t, "POST", "/api/v1/people", w.org1, body, nil); st != 201 {
			t.Errorf("a community named: %d", st)
		}
		var problem2 problemJSON
		if st := app.API(t, "POST", "/api/v1/people", w.org2, map[string]any{"person": map[string]any{
			"email_addresses": []any{map[string]any{"address": "new@example.org", "status": "bouncing"}}}}, &problem2); st != 422 || !problem2.names("person.email_addresses[0].status") {
			t.Errorf("an organizer setting a new contact's status: %d %+v", st, problem2)
		}
		// A person's unsubscribe stays theirs.
		if st := app.API(t, "PUT", "/api/v1/people/"+nina, w.admin, map[string]any{"email_addresses": []any{map[string]any{"address": "nina@example.org", "status": "unsubscribed"}}}, nil); st != 200 {
			t.Fatalf("admin unsubscribes: %d", st)
		}
		if st := app.API(t, "POST", "/api/v1/people", w.org2, map[string]any{"person": map[string]any{
			"email_addresses": []any{map[string]any{"address": "nina@example.org", "status": "subscribed"}}}}, &problem); st != 422 || !problem.names("person.email_addresses[0].status") {
			t.Errorf("an organizer subscribing someone back: %d %+v", st, problem)
		}
	})
}

package decision_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/decision"
	"repertoire/internal/testkit"
)

// Each threshold over HTTP: a proposal created, opened, voted by members
// and closed, its outcome and count as the rule says.
func TestThresholdsDecideAtClose(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 3) // electorate: Olga and three riders
		cases := []struct {
			threshold string
			votes     []string // roles, one per member in order
			outcome   string
		}{
			{decision.Majority, []string{"for", "for", "against"}, decision.Passed},
			{decision.Majority, []string{"for", "against", "abstain"}, decision.Rejected}, // a tie
			{decision.TwoThirds, []string{"for", "for", "against"}, decision.Passed},
			{decision.TwoThirds, []string{"for", "against", "against", "for", "abstain"}[:3], decision.Rejected},
			{decision.Consensus, []string{"for", "for", "abstain"}, decision.Passed},
			{decision.Consensus, []string{"for", "for", "block"}, decision.Blocked},
		}
		for _, c := range cases {
			d := f.create(t, map[string]any{"title": "Adopt the " + c.threshold + " rule", "kind": "rule", "threshold": c.threshold})
			if d.Status != "draft" {
				t.Fatalf("a new decision is %q, want draft", d.Status)
			}
			d = f.setStatus(t, d.ID, "open")
			if d.Electorate != 4 {
				t.Fatalf("electorate %d, want 4 (the owner and three members)", d.Electorate)
			}
			for i, role := range c.votes {
				if st := f.vote(t, f.members[i].token, d.ID, d.role(t, role)); st != 201 {
					t.Fatalf("%s: vote %s: %d", c.threshold, role, st)
				}
			}
			d = f.setStatus(t, d.ID, "closed")
			if d.Outcome != c.outcome || d.Turnout == nil || *d.Turnout != len(c.votes) {
				t.Errorf("%s %v: outcome %q turnout %v, want %q and %d", c.threshold, c.votes, d.Outcome, d.Turnout, c.outcome, len(c.votes))
			}
		}
	})
}

func TestQuorumNotMet(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 3)
		d := f.create(t, map[string]any{"title": "Call a general meeting", "quorum": 50})
		d = f.setStatus(t, d.ID, "open")
		if st := f.vote(t, f.members[0].token, d.ID, d.role(t, "for")); st != 201 {
			t.Fatalf("vote: %d", st)
		}
		d = f.setStatus(t, d.ID, "closed")
		if d.Outcome != decision.NoQuorum || d.votes("for") != 1 {
			t.Fatalf("1 of 4 voted with a 50%% quorum: outcome %q, for %d; want no_quorum and the vote counted", d.Outcome, d.votes("for"))
		}
		// One more vote reaches it.
		d = f.create(t, map[string]any{"title": "Call another meeting", "quorum": 50})
		d = f.setStatus(t, d.ID, "open")
		for _, m := range f.members[:2] {
			f.vote(t, m.token, d.ID, d.role(t, "for"))
		}
		if d = f.setStatus(t, d.ID, "closed"); d.Outcome != decision.Passed {
			t.Fatalf("2 of 4 with a 50%% quorum: outcome %q, want passed", d.Outcome)
		}
	})
}

// The mailed link votes once, signed out; a voted elector cannot vote
// again by any way; a secret ballot's count and turnout stay hidden (page
// and API) until close.
func TestMailedLinkSecretBallot(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 3)
		d := f.create(t, map[string]any{"title": "Strike on Friday?", "secret": true})
		f.setStatus(t, d.ID, "open")
		m := app.Mail.Wait(t, "rider1@example.org", "Riders union votes: Strike on Friday?")
		link := m.Link(t, "/vote/")
		if strings.Contains(link, "rider1") {
			t.Fatal("the link names the person")
		}
		b := app.Browser() // signed out
		st, page := b.Get(t, link)
		if st != 200 || !strings.Contains(page, `name="option"`) {
			t.Fatalf("link page: %d\n%s", st, page)
		}
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Fatalf("the ballot link's page has Referrer-Policy %q, want no-referrer", got)
		}
		if st, page = b.Post(t, link, url.Values{"option": {"nonsense"}}); st != 422 || !strings.Contains(page, "Choose one of the options") {
			t.Fatalf("a bad option: %d, want 422 naming it", st)
		}
		st, page = b.Post(t, link, url.Values{"option": {d.role(t, "for")}})
		if st != 200 || !strings.Contains(page, "You voted.") || strings.Contains(page, `name="option"`) {
			t.Fatalf("after voting: %d\n%s", st, page)
		}
		if st, _ := b.Post(t, link, url.Values{"option": {d.role(t, "against")}}); st != 409 {
			t.Fatalf("the link used twice: %d, want 409", st)
		}
		if st := f.vote(t, f.members[0].token, d.ID, d.role(t, "against")); st != 409 {
			t.Fatalf("voting again through the API: %d, want 409", st)
		}
		if st, _ := f.members[0].browser.Post(t, "/decisions/"+d.ID+"/vote", url.Values{"option": {d.role(t, "against")}}); st != 409 {
			t.Fatalf("voting again signed in: %d, want 409", st)
		}
		if st := f.vote(t, f.members[1].token, d.ID, d.role(t, "against")); st != 201 {
			t.Fatalf("second voter: %d", st)
		}
		// Hidden until close: API document, ballots, page.
		got := f.get(t, d.ID, f.org)
		if got.Turnout != nil || got.votes("for") != -1 || got.votes("against") != -1 {
			t.Fatalf("an open secret ballot shows counts: %+v", got)
		}
		if st := app.API(t, "GET", "/api/v1/decisions/"+d.ID+"/ballots", f.org, nil, nil); st != 409 {
			t.Fatalf("ballots of an open secret ballot: %d, want 409", st)
		}
		_, page = f.members[0].browser.Get(t, "/decisions/"+d.ID)
		if !strings.Contains(page, "You voted.") || strings.Contains(page, `class="results"`) || strings.Contains(page, "members voted") {
			t.Fatalf("the page of an open secret ballot:\n%s", page)
		}
		got = f.setStatus(t, d.ID, "closed")
		if got.Turnout == nil || *got.Turnout != 2 || got.votes("for") != 1 || got.votes("against") != 1 || got.Electorate != 4 {
			t.Fatalf("closed: %+v", got)
		}
		_, page = b.Get(t, "/decisions/"+d.ID)
		if !strings.Contains(page, `class="results"`) || !strings.Contains(page, "2 of 4 members voted.") {
			t.Fatalf("the results are not public after close:\n%s", page)
		}
		if st := app.API(t, "GET", "/api/v1/decisions/"+d.ID+"/ballots", f.org, nil, nil); st != 200 {
			t.Fatalf("ballots after close: %d", st)
		}
	})
}

// An open ballot shows who voted what to members, and a vote may change
// until close; someone who joined after opening is not an elector.
func TestOpenBallotVotersAndLateMembers(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 2)
		d := f.create(t, map[string]any{"title": "Which day?", "options": []string{"Monday", "Friday"}})
		d = f.setStatus(t, d.ID, "open")
		monday, friday := d.Options[0].ID, d.Options[1].ID
		f.vote(t, f.members[0].token, d.ID, monday)
		if st := f.vote(t, f.members[0].token, d.ID, friday); st != 201 {
			t.Fatalf("changing an open vote: %d", st)
		}
		f.vote(t, f.members[1].token, d.ID, friday)
		late := f.join(t, "late@example.org", "Late Comer")
		if st := f.vote(t, late.token, d.ID, monday); st != 403 {
			t.Fatalf("a member who joined after opening: %d, want 403", st)
		}
		var ballots struct {
			Total    int `json:"total_records"`
			Embedded map[string][]struct {
				Option string `json:"option"`
				Name   string `json:"name"`
			} `json:"_embedded"`
		}
		if st := app.API(t, "GET", "/api/v1/decisions/"+d.ID+"/ballots", f.members[1].token, nil, &ballots); st != 200 || ballots.Total != 2 {
			t.Fatalf("ballots: %d %+v", st, ballots)
		}
		for _, b := range ballots.Embedded["repertoire:ballots"] {
			if b.Option != friday {
				t.Errorf("%s voted %s, want Friday", b.Name, b.Option)
			}
		}
		_, page := f.members[1].browser.Get(t, "/decisions/"+d.ID)
		if !strings.Contains(page, "Rider1 Member: Friday") {
			t.Fatalf("the page does not show who voted what:\n%s", page)
		}
		got := f.setStatus(t, d.ID, "closed")
		if got.Outcome != decision.Passed || got.Winner == nil || *got.Winner != friday || got.votes("") != -1 && got.Options[1].Votes != nil && *got.Options[1].Votes != 2 {
			t.Fatalf("closed: %+v", got)
		}
	})
}

// What a passed decision does: a strike call activates its pledge; a
// ratification adopts the campaign's demands, shown on its page with the
// count.
func TestOutcomeActions(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 3)
		strike := f.create(t, map[string]any{"title": "Strike", "kind": "call_strike", "pledge": f.pledge, "secret": true})
		strike = f.setStatus(t, strike.ID, "open")
		for _, m := range f.members {
			f.vote(t, m.token, strike.ID, strike.role(t, "for"))
		}
		f.setStatus(t, strike.ID, "closed")
		var p struct {
			Status string `json:"status"`
		}
		app.API(t, "GET", "/api/v1/pledges/"+f.pledge, f.org, nil, &p)
		if p.Status != "activated" {
			t.Fatalf("the pledge after the strike vote passed: %q, want activated", p.Status)
		}

		b := app.Browser()
		_, page := b.Get(t, "/c/riders/may-1")
		if strings.Contains(page, "Adopted by vote") {
			t.Fatal("adopted before any vote")
		}
		ratify := f.create(t, map[string]any{"title": "Ratify", "kind": "ratify_demands", "campaign": f.campaign})
		ratify = f.setStatus(t, ratify.ID, "open")
		f.vote(t, f.members[0].token, ratify.ID, ratify.role(t, "for"))
		f.vote(t, f.members[1].token, ratify.ID, ratify.role(t, "for"))
		f.vote(t, f.members[2].token, ratify.ID, ratify.role(t, "against"))
		f.setStatus(t, ratify.ID, "closed")
		if _, page := f.members[0].browser.Get(t, "/decisions/"+ratify.ID); !strings.Contains(page, "demand list is adopted by this vote") {
			t.Fatalf("the decision's page does not say what it did:\n%s", page)
		}
		_, page = f.members[0].browser.Get(t, "/c/riders/may-1") // signed in: not the visitors' one-second cache
		if !strings.Contains(page, "2 for, 1 against, 3 of 4 members voted.") {
			t.Fatalf("the campaign page does not show the adoption:\n%s", page)
		}
		// A rejected strike call does nothing; a ratification needs a campaign.
		var prob struct {
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		if st := app.API(t, "POST", "/api/v1/decisions", f.org, map[string]any{"community": "riders", "title": "x", "kind": "ratify_demands",
			"closes_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, &prob); st != 422 || len(prob.Errors) != 1 || prob.Errors[0].Field != "campaign" {
			t.Fatalf("a ratification without campaign: %d %+v", st, prob)
		}
	})
}

// Own resources refuse unknown fields; members cannot create; opening and
// closing go through the scheduler at their time.
func TestAPIRulesAndScheduledOpening(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		body := map[string]any{"community": "riders", "title": "x", "closes_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "colour": "red"}
		if st := app.API(t, "POST", "/api/v1/decisions", f.org, body, nil); st != 422 {
			t.Fatalf("unknown field: %d, want 422", st)
		}
		delete(body, "colour")
		if st := app.API(t, "POST", "/api/v1/decisions", f.members[0].token, body, nil); st != 403 {
			t.Fatalf("a member creating: %d, want 403", st)
		}
		if st := app.API(t, "GET", "/api/v1/decisions?filter=title%20eq%20'x'", f.org, nil, nil); st != 422 {
			t.Fatalf("a filter on an unknown field: %d, want 422", st)
		}
		d := f.create(t, map[string]any{"title": "Scheduled", "opens_at": time.Now().Add(-time.Second).UTC().Format(time.RFC3339)})
		// The server's own runner may have claimed it first: wait for either.
		var got decisionDoc
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, err := app.Server.Scheduler.RunDue(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got = f.get(t, d.ID, f.org); got.Status == "open" {
				break
			}
		}
		if got.Status != "open" || got.Electorate != 2 {
			t.Fatalf("after its opening time: %+v", got)
		}
		app.Mail.Wait(t, "rider1@example.org", "Riders union votes: Scheduled")
		var list struct {
			Total int `json:"total_records"`
		}
		if st := app.API(t, "GET", "/api/v1/decisions?community=riders", "", nil, &list); st != 200 || list.Total != 1 {
			t.Fatalf("list: %d %+v", st, list)
		}
	})
}

func TestTally(t *testing.T) {
	opts := func(votes ...int) []decision.Option {
		roles := []string{decision.RoleFor, decision.RoleAgainst, decision.RoleAbstain, decision.RoleBlock}
		var out []decision.Option
		for i, v := range votes {
			out = append(out, decision.Option{ID: roles[i], Role: roles[i], Votes: v})
		}
		return out
	}
	cases := []struct {
		d    decision.Decision
		want string
	}{
		{decision.Decision{Threshold: decision.Majority, Options: opts(5, 4, 10), Electorate: 19, Turnout: 19}, decision.Passed},
		{decision.Decision{Threshold: decision.Majority, Options: opts(4, 4, 0), Electorate: 8, Turnout: 8}, decision.Rejected},
		{decision.Decision{Threshold: decision.TwoThirds, Options: opts(6, 4, 0), Electorate: 10, Turnout: 10}, decision.Rejected},
		{decision.Decision{Threshold: decision.TwoThirds, Options: opts(8, 4, 0), Electorate: 12, Turnout: 12}, decision.Passed},
		{decision.Decision{Threshold: decision.Consensus, Options: opts(9, 0, 0, 1), Electorate: 10, Turnout: 10}, decision.Blocked},
		{decision.Decision{Threshold: decision.Majority, Quorum: 30, Options: opts(2, 0, 0), Electorate: 10, Turnout: 2}, decision.NoQuorum},
		{decision.Decision{Threshold: decision.Majority, Options: opts(0, 0, 3), Electorate: 3, Turnout: 3}, decision.Rejected},
	}
	for i, c := range cases {
		if got := decision.Tally(&c.d).Outcome; got != c.want {
			t.Errorf("case %d: %s, want %s", i, got, c.want)
		}
	}
}

// PUT edits a draft, accepts a document sent back as read, refuses by
// name what is fixed, and refuses edits once voting is open.
func TestUpdateDraft(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		d := f.create(t, map[string]any{"title": "Draft", "options": []string{"Red", "Blue"}})
		var doc map[string]any
		app.API(t, "GET", "/api/v1/decisions/"+d.ID, f.org, nil, &doc)
		doc["title"] = "Which colour?"
		var got struct {
			Title string `json:"title"`
		}
		if st := app.API(t, "PUT", "/api/v1/decisions/"+d.ID, f.org, doc, &got); st != 200 || got.Title != "Which colour?" {
			t.Fatalf("a document sent back: %d %+v", st, got)
		}
		var prob struct {
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		if st := app.API(t, "PUT", "/api/v1/decisions/"+d.ID, f.org, map[string]any{"threshold": "two_thirds", "secret": true}, &prob); st != 422 || len(prob.Errors) != 2 {
			t.Fatalf("changing what is fixed: %d %+v", st, prob)
		}
		f.setStatus(t, d.ID, "open")
		if st := app.API(t, "PUT", "/api/v1/decisions/"+d.ID, f.org, map[string]any{"title": "Too late"}, nil); st != 409 {
			t.Fatalf("editing an open decision: %d, want 409", st)
		}
		if st := app.API(t, "PUT", "/api/v1/decisions/"+d.ID, f.members[0].token, map[string]any{"status": "closed"}, nil); st != 403 {
			t.Fatalf("a member closing: %d, want 403", st)
		}
	})
}

package integrity_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/participation"
	"repertoire/internal/store/storetest"
)

func TestARunFlagsTheFarmAndNoneOfTheCrowd(t *testing.T) {
	start(t, func(t *testing.T, s *scenario) {
		run := s.run(t)
		if n, _ := run["groups_found"].(float64); n < 1 {
			t.Fatalf("the run found no group: %v", run)
		}
		flagged := s.flagged(t)
		caught := 0
		for id := range s.farm {
			if flagged[id] != "" {
				caught++
			}
		}
		if caught < len(s.farm)*9/10 {
			t.Errorf("%d of the farm's %d participations flagged, want at least 90 %%", caught, len(s.farm))
		}
		for id := range s.organic {
			if flagged[id] != "" {
				t.Errorf("an organic participation is flagged (group %s)", flagged[id])
			}
		}
		// Shadow-flagged: the farm was mailed as anyone, its
		// participations carry the flag, and the public figure says how
		// many are held.
		if m := s.app.Mail.Wait(t, s.farmMail[0], "Confirm your signature"); m == nil {
			t.Fatal("no confirmation mail to the farm")
		}
		ids := make([]string, 0, len(flagged))
		for id := range flagged {
			ids = append(ids, id)
		}
		sigs, err := s.app.Server.Participation.SignalsOf(context.Background(), ids)
		if err != nil {
			t.Fatal(err)
		}
		for id, sg := range sigs {
			if sg.FlagReason != participation.FlagCoordinated || sg.Status != participation.StatusPending {
				t.Errorf("%s: status %s, flag %q; want pending, flagged as coordinated", id, sg.Status, sg.FlagReason)
			}
		}
		held := 0
		for i := range s.petitions {
			held += s.petition(t, i).SetAside["held_coordinated"]
		}
		var pl struct {
			SetAside map[string]int `json:"set_aside"`
		}
		if st := s.app.API(t, "GET", "/api/v1/pledges/"+s.pledge, s.token, nil, &pl); st != http.StatusOK {
			t.Fatalf("pledge: %d", st)
		}
		held += pl.SetAside["held_coordinated"]
		if held != len(flagged) {
			t.Errorf("the petitions' and the pledge's figures hold %d, want the %d flagged", held, len(flagged))
		}
		// Every group's evidence: reasons in the reader's language,
		// windows, a score.
		for _, g := range s.groups(t, s.token, "").Embedded.Groups {
			if len(g.Reasons) == 0 || g.Reasons[0].Text == "" || g.Reasons[0].Text == g.Reasons[0].ID || len(g.Windows) == 0 || g.Score <= 0 {
				t.Errorf("group without its evidence: %+v", g)
			}
		}
	})
}

// The incremental run flags the farm as it arrives, without anyone asking,
// and adds the farm's later participations to its open group.
func TestTheIncrementalRunFlagsTheFarmAsItArrives(t *testing.T) {
	startEvery(t, 300*time.Millisecond, func(t *testing.T, s *scenario) {
		s.app.Server.Integrity.SetWriteChunk(7) // the farm's group written in many transactions
		waitFlagged := func(want int) map[string]string {
			t.Helper()
			deadline := time.Now().Add(20 * time.Second)
			for {
				flagged := s.flagged(t)
				n := 0
				for id := range s.farm {
					if flagged[id] != "" {
						n++
					}
				}
				if n >= want {
					return flagged
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of the farm's participations flagged by the incremental run, want %d", n, want)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
		flagged := waitFlagged(len(s.farm) * 9 / 10)
		for id := range s.organic {
			if flagged[id] != "" {
				t.Errorf("an organic participation is flagged")
			}
		}
		groups := s.groups(t, s.token, "").Total
		// The farm strikes a sixth petition.
		var p struct {
			Identifiers []string `json:"identifiers"`
		}
		if st := s.app.API(t, "POST", "/api/v1/petitions", s.token, map[string]any{"title": "Petition 6", "petition_text": "We ask.",
			"campaign": "repertoire:" + s.campaign}, &p); st != http.StatusCreated {
			t.Fatalf("create petition: %d", st)
		}
		for i, email := range s.farmMail {
			r, err := s.app.Server.Participation.Submit(context.Background(), participation.Submission{Kind: participation.Signature,
				ActionID: strings.TrimPrefix(p.Identifiers[0], "repertoire:"), Person: account.PersonInput{Email: email}, Lang: "en",
				IP: fmt.Sprintf("203.0.113.%d", 10+i), UserAgent: "python-requests/2.31"})
			if err != nil {
				t.Fatal(err)
			}
			s.farm[r.ID] = true
		}
		waitFlagged(len(s.farm) * 9 / 10)
		if got := s.groups(t, s.token, "").Total; got != groups {
			t.Errorf("%d groups once the farm struck again, %d before: its new participations belong to its group", got, groups)
		}
		// The group grew by what joined it: its figures are those of the
		// participations it lists, each person counted once.
		for _, g := range s.groups(t, s.token, "").Embedded.Groups {
			var full groupDoc
			if st := s.app.API(t, "GET", "/api/v1/integrity/groups/"+g.id(), s.token, nil, &full); st != http.StatusOK {
				t.Fatalf("group: %d", st)
			}
			people := map[int]bool{}
			for _, p := range full.Participations {
				people[p.Account] = true
			}
			if full.Members != len(full.Participations) || full.Accounts != len(people) {
				t.Errorf("group %s says %d participations of %d people; it lists %d of %d", g.id(), full.Members, full.Accounts,
					len(full.Participations), len(people))
			}
		}
	})
}

func TestRunsAddNothingTwice(t *testing.T) {
	start(t, func(t *testing.T, s *scenario) {
		s.run(t)
		before := s.groups(t, s.token, "")
		held := s.petition(t, 0).SetAside["held_coordinated"]
		again := s.run(t)
		if n, _ := again["participations_flagged"].(float64); n != 0 {
			t.Errorf("the second run flagged %v participations again", n)
		}
		after := s.groups(t, s.token, "")
		if after.Total != before.Total {
			t.Errorf("%d groups after the second run, %d before", after.Total, before.Total)
		}
		if got := s.petition(t, 0).SetAside["held_coordinated"]; got != held {
			t.Errorf("held %d after the second run, %d before", got, held)
		}
	})
}

func TestInvalidatingAGroupDropsTheCountsAndLogsEachOne(t *testing.T) {
	start(t, func(t *testing.T, s *scenario) {
		s.confirmFarm(t)
		before := s.petition(t, 0)
		s.run(t)
		flagged := s.flagged(t)
		groupOf := ""
		onFirst := 0
		for id := range s.farm {
			if g := flagged[id]; g != "" {
				groupOf = g
			}
		}
		if groupOf == "" {
			t.Fatal("the farm was not flagged")
		}
		sigs, _ := s.app.Server.Participation.SignalsOf(context.Background(), keys(flagged, groupOf))
		for _, sg := range sigs {
			if sg.ActionID == s.petitions[0] && sg.Status == participation.StatusConfirmed {
				onFirst++
			}
		}
		if onFirst == 0 {
			t.Fatal("no confirmed participation of the group on the first petition")
		}
		// Held, the confirmed ones still count.
		if got := s.petition(t, 0).Total; got != before.Total {
			t.Fatalf("count %d once flagged, %d before: flagged participations count until invalidated", got, before.Total)
		}
		var problem map[string]any
		if st := s.app.API(t, "POST", "/api/v1/integrity/groups/"+groupOf+"/invalidate", s.token, map[string]any{}, &problem); st != http.StatusUnprocessableEntity {
			t.Fatalf("invalidate without confirm: %d, want 422", st)
		}
		if d, _ := problem["detail"].(string); !strings.HasPrefix(d, "confirm:") {
			t.Errorf("the problem does not name confirm: %v", problem)
		}
		if got := s.petition(t, 0).Total; got != before.Total {
			t.Fatalf("a refused invalidation changed the count: %d, was %d", got, before.Total)
		}
		var g groupDoc
		if st := s.app.API(t, "POST", "/api/v1/integrity/groups/"+groupOf+"/invalidate", s.token, map[string]any{"confirm": true}, &g); st != http.StatusOK {
			t.Fatalf("invalidate: %d", st)
		}
		if g.Status != "invalidated" || g.Invalidated < onFirst {
			t.Errorf("group after invalidation: %s, %d invalidated; want invalidated, at least %d", g.Status, g.Invalidated, onFirst)
		}
		after := s.petition(t, 0)
		if after.Total != before.Total-onFirst {
			t.Errorf("count %d after invalidation, want %d", after.Total, before.Total-onFirst)
		}
		if after.SetAside["invalidated_coordinated"] == 0 || after.SetAside["held_coordinated"] != 0 {
			t.Errorf("figure after invalidation: %v", after.SetAside)
		}
		if got := s.logCount(t, 0); got != after.Total {
			t.Errorf("the log counts %d, the petition %d: each invalidation must be a leaf", got, after.Total)
		}
		if st := s.app.API(t, "POST", "/api/v1/integrity/groups/"+groupOf+"/invalidate", s.token, map[string]any{"confirm": true}, nil); st != http.StatusConflict {
			t.Errorf("invalidating twice: %d, want 409", st)
		}
	})
}

func TestDismissingAGroupTakesItsFlagsOff(t *testing.T) {
	start(t, func(t *testing.T, s *scenario) {
		s.run(t)
		flagged := s.flagged(t)
		groups := map[string]bool{}
		for _, g := range flagged {
			groups[g] = true
		}
		for g := range groups {
			if st := s.app.API(t, "POST", "/api/v1/integrity/groups/"+g+"/dismiss", s.token, nil, nil); st != http.StatusOK {
				t.Fatalf("dismiss: %d", st)
			}
		}
		sigs, _ := s.app.Server.Participation.SignalsOf(context.Background(), keys(flagged, ""))
		for id, sg := range sigs {
			if sg.FlagReason != "" || sg.Status != participation.StatusPending {
				t.Errorf("%s after dismissal: %s, flag %q", id, sg.Status, sg.FlagReason)
			}
		}
		if d := s.petition(t, 0).SetAside; d["held_coordinated"] != 0 || d["invalidated_coordinated"] != 0 {
			t.Errorf("figure after dismissal: %v", d)
		}
		// A dismissed group is not flagged again.
		if n, _ := s.run(t)["participations_flagged"].(float64); n != 0 {
			t.Errorf("a run after dismissal flagged %v participations", n)
		}
		if got := s.groups(t, s.token, "status eq 'dismissed'").Total; got != len(groups) {
			t.Errorf("%d dismissed groups, want %d", got, len(groups))
		}
	})
}

func TestOrganizersReachOnlyTheirCommunitysGroups(t *testing.T) {
	start(t, func(t *testing.T, s *scenario) {
		s.run(t)
		mine := s.groups(t, s.token, "")
		if mine.Total == 0 {
			t.Fatal("no group to reach")
		}
		id := mine.Embedded.Groups[0].id()
		if got := s.groups(t, s.other, "").Total; got != 0 {
			t.Errorf("another community's organizer sees %d groups", got)
		}
		if got := s.groups(t, s.admin, "").Total; got != mine.Total {
			t.Errorf("an administrator sees %d groups, want %d", got, mine.Total)
		}
		for _, path := range []string{"/api/v1/integrity/groups/" + id + "/dismiss"} {
			if st := s.app.API(t, "POST", path, s.other, nil, nil); st != http.StatusNotFound {
				t.Errorf("%s by another organizer: %d, want 404", path, st)
			}
			if st := s.app.API(t, "POST", path, "", nil, nil); st != http.StatusUnauthorized {
				t.Errorf("%s without a token: %d, want 401", path, st)
			}
		}
		if st := s.app.API(t, "GET", "/api/v1/integrity/groups/"+id, s.other, nil, nil); st != http.StatusNotFound {
			t.Errorf("reading another community's group: %d, want 404", st)
		}
		var problem map[string]any
		if st := s.app.API(t, "POST", "/api/v1/integrity/runs", s.other, map[string]any{"community": s.community.Slug}, &problem); st != http.StatusUnprocessableEntity {
			t.Errorf("a run of another's community: %d, want 422", st)
		}
		if st := s.app.API(t, "POST", "/api/v1/integrity/runs", s.token, map[string]any{}, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("an organizer's run of the whole instance: %d, want 422", st)
		}
		if st := s.app.API(t, "GET", "/api/v1/integrity/groups?filter=score%20gt%20'1'", s.token, nil, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("a filter on an unknown field: %d, want 422", st)
		}
		// Only administrators see who the members are.
		var full groupDoc
		s.app.API(t, "GET", "/api/v1/integrity/groups/"+id, s.token, nil, &full)
		for _, p := range full.Participations {
			if p.Person != "" || p.Account == 0 {
				t.Fatalf("an organizer reads a member as %+v", p)
			}
		}
		s.app.API(t, "GET", "/api/v1/integrity/groups/"+id, s.admin, nil, &full)
		if len(full.Participations) == 0 || full.Participations[0].Person == "" {
			t.Errorf("an administrator does not read the members' ids")
		}
		// The pages: visitors sign in first, other organizers find nothing.
		if st, body := s.app.Browser().Get(t, "/c/users/integrity"); st != http.StatusOK || !strings.Contains(body, `name="password"`) {
			t.Errorf("a visitor's queue: %d, want the sign-in page", st)
		}
		b := s.app.Browser()
		b.SignIn(t, outsider, password)
		if st, _ := b.Get(t, "/c/users/integrity"); st != http.StatusNotFound {
			t.Errorf("another organizer's queue: %d, want 404", st)
		}
		if st, _ := b.Post(t, "/c/users/integrity/groups/"+id+"/invalidate", url.Values{"confirm": {"on"}}); st != http.StatusNotFound {
			t.Errorf("another organizer's invalidation: %d, want 404", st)
		}
		if got := s.groups(t, s.token, "status eq 'open'").Total; got != mine.Total {
			t.Errorf("%d open groups after refusals, want %d", got, mine.Total)
		}
	})
}

func TestTheQueuePageShowsTheEvidenceAndAsksBeforeInvalidating(t *testing.T) {
	start(t, func(t *testing.T, s *scenario) {
		b := s.app.Browser()
		b.SignIn(t, organizer, password)
		st, body := b.Post(t, "/c/users/integrity/runs", nil)
		if st != http.StatusOK || !strings.Contains(body, "New groups were found") {
			t.Fatalf("run from the page: %d\n%s", st, body)
		}
		if !strings.Contains(body, "Petition 1") || !strings.Contains(body, "bulkmail.example") {
			t.Errorf("the queue does not show the targets and domains")
		}
		if strings.Contains(body, "farm00@") {
			t.Errorf("the queue shows a member's address to an organizer")
		}
		if strings.Contains(body, "checked") {
			t.Errorf("a box starts ticked on the queue")
		}
		id := s.groups(t, s.token, "").Embedded.Groups[0].id()
		st, body = b.Get(t, "/c/users/integrity/groups/"+id+"/invalidate")
		if st != http.StatusOK || !strings.Contains(body, `name="confirm"`) || strings.Contains(body, "checked") {
			t.Fatalf("the confirmation page: %d", st)
		}
		st, body = b.Post(t, "/c/users/integrity/groups/"+id+"/invalidate", nil)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Tick the box to confirm") {
			t.Fatalf("invalidation without the box: %d", st)
		}
		if got := s.groups(t, s.token, "status eq 'open'").Total; got == 0 {
			t.Fatal("an unconfirmed invalidation settled the group")
		}
		st, body = b.Post(t, "/c/users/integrity/groups/"+id+"/invalidate", url.Values{"confirm": {"on"}})
		if st != http.StatusOK || !strings.Contains(body, "no longer count") {
			t.Fatalf("invalidation: %d", st)
		}
		// In French.
		b.Lang = "fr"
		if _, body := b.Get(t, "/c/users/integrity?status=invalidated"); !strings.Contains(body, "Invalidé le") {
			t.Errorf("the French queue does not say it was invalidated")
		}
		// The public figure, in both languages.
		_, page := s.app.Browser().Get(t, "/c/users/logout/petitions/"+s.slugs[0])
		if !strings.Contains(page, "invalidated after review") {
			t.Errorf("the petition page does not show the set-aside figure")
		}
		if _, page := s.app.Browser().Get(t, "/c/users/logout/pledges/log-out-for-a-week"); !strings.Contains(page, "held for review: acting in step") {
			t.Errorf("the pledge page does not show the set-aside figure")
		}
		fr := s.app.Browser()
		fr.Lang = "fr"
		if _, page := fr.Get(t, "/c/users/logout/petitions/"+s.slugs[0]); !strings.Contains(page, "invalidées après examen") {
			t.Errorf("the French petition page does not show the set-aside figure")
		}
	})
}

func TestErasureLeavesNoFlagBehind(t *testing.T) {
	start(t, func(t *testing.T, s *scenario) {
		s.run(t)
		id := personID(t, s.app, s.farmMail[0])
		export, err := s.app.Server.Accounts.Export(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if flags, ok := export["integrity_flags"].([]map[string]any); !ok || len(flags) == 0 {
			t.Errorf("the export does not list the person's flags: %#v", export["integrity_flags"])
		}
		if st := s.app.API(t, "DELETE", "/api/v1/people/"+id, s.admin, nil, nil); st != http.StatusNoContent {
			t.Fatalf("erase: %d", st)
		}
		if found := storetest.Find(t, s.app.DB, id); len(found) > 0 {
			t.Errorf("the person's id is still in %v", found)
		}
		var held, members int
		s.app.DB.Reader().QueryRowContext(context.Background(), `SELECT COALESCE(SUM(held), 0) FROM integrity_counts`).Scan(&held)
		s.app.DB.Reader().QueryRowContext(context.Background(), `SELECT COALESCE(SUM(members), 0) FROM integrity_groups WHERE status = 'open'`).Scan(&members)
		if held != members {
			t.Errorf("held %d, open groups' members %d: the erasure left a wrong figure", held, members)
		}
	})
}

func keys(m map[string]string, only string) []string {
	var out []string
	for k, v := range m {
		if only == "" || v == only {
			out = append(out, k)
		}
	}
	return out
}

package integrity_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"repertoire/internal/participation"
)

// A click farm's confirmed commitments to a pledge are flagged by a run:
// the pledge's organizers page says how many are held and links to the
// community's review queue, which shows the pledge among the group's
// targets; invalidating the group in bulk drops the pledge's count by the
// farm's counted commitments.
func TestFlaggedCommitmentsAreReviewedAndInvalidated(t *testing.T) {
	start(t, func(t *testing.T, s *scenario) {
		b := s.app.Browser()
		for _, email := range s.farmMail {
			link := s.app.Mail.Wait(t, email, "Confirm your commitment").Link(t, "/p/confirm/")
			if st, _ := b.Post(t, strings.TrimPrefix(link, s.app.URL), nil); st != http.StatusOK {
				t.Fatalf("confirm: %d", st)
			}
		}
		type pledgeDoc struct {
			Total    int            `json:"total_commitments"`
			SetAside map[string]int `json:"set_aside"`
		}
		get := func() pledgeDoc {
			t.Helper()
			var d pledgeDoc
			if st := s.app.API(t, "GET", "/api/v1/pledges/"+s.pledge, s.token, nil, &d); st != http.StatusOK {
				t.Fatalf("pledge: %d", st)
			}
			return d
		}
		before := get()
		if before.Total != farmSize {
			t.Fatalf("%d commitments counted, want the farm's %d", before.Total, farmSize)
		}
		s.run(t)
		flagged := s.flagged(t)
		ids := make([]string, 0, len(flagged))
		for id := range flagged {
			ids = append(ids, id)
		}
		sigs, err := s.app.Server.Participation.SignalsOf(context.Background(), ids)
		if err != nil {
			t.Fatal(err)
		}
		groups := map[string]bool{}
		onPledge := 0
		for id, sg := range sigs {
			if sg.ActionID == s.pledge {
				onPledge++
				groups[flagged[id]] = true
			}
		}
		if onPledge < farmSize*9/10 {
			t.Fatalf("%d of the farm's %d commitments flagged", onPledge, farmSize)
		}

		org := s.app.Browser()
		org.SignIn(t, organizer, password)
		path := "/c/users/logout/pledges/log-out-for-a-week"
		_, manage := org.Get(t, path+"/manage")
		if want := fmt.Sprintf("Integrity review: %d commitments held for review", onPledge); !strings.Contains(manage, want) ||
			!strings.Contains(manage, `href="/c/users/integrity"`) {
			t.Fatalf("the pledge's organizer page does not say %q with its link", want)
		}
		_, queue := org.Get(t, "/c/users/integrity")
		if !strings.Contains(queue, "Log out for a week") {
			t.Fatal("the review queue does not name the pledge among the group's targets")
		}
		for g := range groups {
			if st := s.app.API(t, "POST", "/api/v1/integrity/groups/"+g+"/invalidate", s.token, map[string]any{"confirm": true}, nil); st != http.StatusOK {
				t.Fatalf("invalidate: %d", st)
			}
		}
		after := get()
		if after.Total != before.Total-onPledge {
			t.Errorf("pledge count %d after invalidation, want %d", after.Total, before.Total-onPledge)
		}
		if after.SetAside["invalidated_coordinated"] != onPledge || after.SetAside["held_coordinated"] != 0 {
			t.Errorf("the pledge's figure after invalidation: %v", after.SetAside)
		}
		_, manage = org.Get(t, path+"/manage")
		if !strings.Contains(manage, "Integrity review: 0 commitments held for review") {
			t.Errorf("the organizer page still counts held commitments")
		}
		sigs, _ = s.app.Server.Participation.SignalsOf(context.Background(), ids)
		for _, sg := range sigs {
			if sg.ActionID == s.pledge && sg.Status == participation.StatusConfirmed {
				t.Errorf("a flagged commitment still counts after the invalidation")
				break
			}
		}
	})
}

package petition_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// The review queue starts with nothing ticked, and a decision on flagged
// signatures is taken only from its confirmation page.
func TestReviewAsksFirst(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, p, _ := setup(t, app)
		for i := range 22 { // the per-IP burst is 20 a minute: two flagged
			st := app.API(t, "POST", "/api/v1/petitions/"+p.id()+"/signatures", "", map[string]any{
				"person": map[string]any{"email_addresses": []map[string]any{{"address": "s" + itoa(i) + "@flood.example"}}}}, nil)
			if st != http.StatusAccepted {
				t.Fatalf("signature %d: %d", i, st)
			}
		}
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		_, page := b.Get(t, path+"/manage")
		contains(t, "review queue", page, "s20@flood.example", `name="id"`, `value="reject" class="danger"`)
		lacks(t, "review queue", page, "checked")

		flagged := func() int {
			var n int
			app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM participations WHERE status = 'flagged'`).Scan(&n)
			return n
		}
		var ids []string
		rows, _ := app.DB.Reader().QueryContext(context.Background(), `SELECT id FROM participations WHERE status = 'flagged' ORDER BY created_at`)
		for rows.Next() {
			var id string
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()

		_, body := b.Post(t, path+"/review", url.Values{"decision": {"reject"}})
		contains(t, "nothing ticked", body, "Tick the signatures to accept or reject first.")
		st, body := b.Post(t, path+"/review", url.Values{"id": ids, "decision": {"reject"}})
		if st != 200 {
			t.Fatalf("review: %d", st)
		}
		contains(t, "confirmation", body, "Reject 2 flagged signatures?", "This cannot be undone.",
			`name="id" value="`+ids[0]+`"`, `name="id" value="`+ids[1]+`"`, `name="decision" value="reject"`,
			`name="confirm" value="yes"`, `class="danger"`, `href="`+path+`/manage#review"`)
		if n := flagged(); n != 2 {
			t.Fatalf("the first post decided: %d flagged left", n)
		}
		_, body = b.Post(t, path+"/review", url.Values{"id": ids[:1], "decision": {"reject"}, "confirm": {"yes"}})
		contains(t, "confirmed", body, "The selected signatures are rejected.")
		if n := flagged(); n != 1 {
			t.Fatalf("after confirming: %d flagged left", n)
		}
	})
}

// Delivering asks first, saying what goes to whom; a second delivery says
// the first happened and needs its own explicit choice.
func TestDeliveryAsksFirst(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, p, _ := setup(t, app)
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		deliveries := func() int {
			var n int
			app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM petition_deliveries`).Scan(&n)
			return n
		}
		_, page := b.Get(t, path+"/manage")
		contains(t, "manage", page, `<button type="submit" class="danger">Deliver the petition</button>`)

		st, body := b.Post(t, path+"/deliver", url.Values{"note": {"By hand."}})
		if st != 200 || deliveries() != 0 {
			t.Fatalf("unconfirmed delivery: %d, %d deliveries", st, deliveries())
		}
		contains(t, "confirmation", body, "Deliver “Stop tracking us” to its targets?", "0 signatures", "Platform Inc.",
			"cannot be taken back", `name="note" value="By hand."`, `name="confirm" value="yes"`)
		lacks(t, "confirmation", body, "already delivered")

		b.Post(t, path+"/deliver", url.Values{"note": {"By hand."}, "confirm": {"yes"}})
		if n := deliveries(); n != 1 {
			t.Fatalf("confirmed delivery: %d deliveries", n)
		}
		_, page = b.Get(t, path+"/manage")
		contains(t, "manage after", page, "Deliver it again")

		_, body = b.Post(t, path+"/deliver", url.Values{"note": {"Again?"}})
		contains(t, "second", body, "This petition was already delivered on", "Deliver it again")
		if n := deliveries(); n != 1 {
			t.Fatalf("a second delivery without its choice: %d deliveries", n)
		}
	})
}

package decision_test

import (
	"context"
	"database/sql"
	"net/url"
	"slices"
	"strings"
	"testing"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// rowsAsText reads every column of a table's rows of one decision, each
// value as text ("" for NULL).
func rowsAsText(t *testing.T, db *store.DB, table string, columns []string, decisionID string) [][]string {
	t.Helper()
	casts := make([]string, len(columns))
	for i, c := range columns {
		casts[i] = `CAST(` + c + ` AS TEXT)`
	}
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT `+strings.Join(casts, ", ")+` FROM `+table+` WHERE decision_id = $1`, decisionID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(columns))
		dest := make([]any, len(columns))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(columns))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	return out
}

// After several members vote in a secret ballot, nothing in the database
// joins a choice to a voter: the options table has no column naming a
// person, a link or a time, and no value in common with the electors
// table but the decision's id; voting added no row anywhere (no ballot
// rows whose order or id could be matched against the electors'); the
// electors' rows hold no choice and no time; the decision's own row was
// not touched by a vote; no table but the options holds an option's id;
// and on PostgreSQL every option row carries the same transaction id (each
// vote rewrites them all), so xmin does not tell which option a voter's
// transaction changed.
func TestSecretBallotCannotBeJoinedToVoters(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 4)
		d := f.create(t, map[string]any{"title": "Secret strike vote", "secret": true})
		d = f.setStatus(t, d.ID, "open")
		cols := storetest.Columns(t, app.DB)
		if got, want := cols["decision_options"], []string{"id", "decision_id", "position", "label", "role", "votes"}; !slices.Equal(got, want) {
			t.Fatalf("decision_options columns %v, want %v: review what a new column reveals before changing this test", got, want)
		}
		if got, want := cols["decision_electors"], []string{"id", "decision_id", "person_id", "token_hash", "voted", "option_id", "voted_at"}; !slices.Equal(got, want) {
			t.Fatalf("decision_electors columns %v, want %v", got, want)
		}
		before := map[string]int{}
		for table := range cols {
			var n int
			if err := app.DB.Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM "`+table+`"`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			before[table] = n
		}
		var modified string
		app.DB.Reader().QueryRowContext(t.Context(), `SELECT CAST(modified_at AS TEXT) FROM decisions WHERE id = $1`, d.ID).Scan(&modified)

		// Two vote through the API, one from the mailed link, one signed in.
		f.vote(t, f.members[0].token, d.ID, d.role(t, "for"))
		f.vote(t, f.members[1].token, d.ID, d.role(t, "against"))
		link := app.Mail.Wait(t, f.members[2].email, "Secret strike vote").Link(t, "/vote/")
		if st, _ := app.Browser().Post(t, link, url.Values{"option": {d.role(t, "for")}}); st != 200 {
			t.Fatalf("vote by link: %d", st)
		}
		if st, _ := f.members[3].browser.Post(t, "/decisions/"+d.ID+"/vote", url.Values{"option": {d.role(t, "abstain")}}); st != 200 {
			t.Fatalf("vote signed in: %d", st)
		}

		for table, n := range before {
			var now int
			app.DB.Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM "`+table+`"`).Scan(&now)
			if now != n && table != "sessions" && table != "outbox" && table != "jobs" {
				t.Errorf("voting changed the rows of %s: %d → %d", table, n, now)
			}
		}
		var after string
		app.DB.Reader().QueryRowContext(t.Context(), `SELECT CAST(modified_at AS TEXT) FROM decisions WHERE id = $1`, d.ID).Scan(&after)
		if after != modified {
			t.Errorf("a secret vote wrote the decision's row (modified %s → %s)", modified, after)
		}

		options := rowsAsText(t, app.DB, "decision_options", cols["decision_options"], d.ID)
		electors := rowsAsText(t, app.DB, "decision_electors", cols["decision_electors"], d.ID)
		if len(electors) != 5 {
			t.Fatalf("%d electors, want 5", len(electors))
		}
		electorValues := map[string]bool{}
		voted := 0
		for _, e := range electors {
			for _, v := range e {
				electorValues[v] = true
			}
			if e[5] != "" || e[6] != "" {
				t.Errorf("a secret ballot's elector row holds a choice or a time: option %q, voted_at %q", e[5], e[6])
			}
			if e[4] == "1" || e[4] == "true" {
				voted++
			}
		}
		if voted != 4 {
			t.Fatalf("%d electors marked as voted, want 4", voted)
		}
		total := 0
		for _, o := range options {
			for i, v := range o {
				if v != "" && v != d.ID && electorValues[v] && cols["decision_options"][i] != "votes" && cols["decision_options"][i] != "position" {
					t.Errorf("decision_options.%s holds %q, also found in decision_electors", cols["decision_options"][i], v)
				}
			}
			var n int
			for _, c := range o[5] {
				n = n*10 + int(c-'0')
			}
			total += n
		}
		if total != 4 {
			t.Fatalf("the counts add up to %d, want 4 ballots", total)
		}
		for _, o := range d.Options {
			if where := storetest.Find(t, app.DB, o.ID); !slices.Equal(where, []string{"decision_options.id (1 rows)"}) {
				t.Errorf("option %s found in %v, want only its own row", o.Role, where)
			}
		}
		if app.DB.Dialect == store.Postgres {
			xmins, err := store.Strings(t.Context(), app.DB.Reader(), `SELECT DISTINCT CAST(xmin AS TEXT) FROM decision_options WHERE decision_id = $1`, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(xmins) != 1 {
				t.Errorf("the option rows carry %d transaction ids, want one: a vote's transaction would tell its option", len(xmins))
			}
		}
	})
}

package participation

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"repertoire"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
)

const testBaseURL = "http://parts.test"

// testAction is the smallest tactic: its confirmation mail carries the
// links verbatim, and it records every Counted call.
type testAction struct {
	mu      sync.Mutex
	counted map[string][]Counts
}

func (a *testAction) ConfirmMail(ctx context.Context, q store.Queryer, actionID, lang string, links Links) (string, string, error) {
	if strings.HasPrefix(actionID, "gone") { // an action deleted meanwhile
		return "", "", repertoire.Errorf(repertoire.ENOTFOUND, "petition.not_found")
	}
	return "Confirm " + actionID + " (" + lang + ")", "Confirm: " + links.Confirm + "\nWithdraw: " + links.Withdraw + "\n" + links.Choices, nil
}

func (a *testAction) Counted(ctx context.Context, tx *store.Tx, actionID string, c Counts) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.counted == nil {
		a.counted = map[string][]Counts{}
	}
	a.counted[actionID] = append(a.counted[actionID], c)
	return nil
}

func (a *testAction) Page(ctx context.Context, actionID, lang string) (string, string, error) {
	return "Action " + actionID, "/actions/" + actionID, nil
}

func (a *testAction) Titles(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range ids {
		out[id] = "Action " + id
	}
	return out, nil
}

// calls returns the Counted calls of an action so far.
func (a *testAction) calls(actionID string) []Counts {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Counts(nil), a.counted[actionID]...)
}

func newTestService(t testing.TB, db *store.DB, limits Limits) (*Service, *testAction) {
	t.Helper()
	s := New(db, nil, i18n.MustLoad(), testBaseURL, slog.New(slog.NewTextHandler(io.Discard, nil)), limits)
	a := &testAction{}
	s.Register(Signature, a)
	s.Register(Commitment, a)
	return s, a
}

// mail is one row of the outbox.
type mail struct{ To, Subject, Body string }

func outboxMails(t testing.TB, db *store.DB) []mail {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT to_address, subject, body_text FROM outbox ORDER BY created_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []mail
	for rows.Next() {
		var m mail
		if err := rows.Scan(&m.To, &m.Subject, &m.Body); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func mailsTo(t testing.TB, db *store.DB, email string) []mail {
	t.Helper()
	var out []mail
	for _, m := range outboxMails(t, db) {
		if m.To == email {
			out = append(out, m)
		}
	}
	return out
}

var confirmLink = regexp.MustCompile(regexp.QuoteMeta(testBaseURL) + `/p/confirm/([A-Za-z0-9_.-]+)`)
var withdrawLink = regexp.MustCompile(regexp.QuoteMeta(testBaseURL) + `/p/withdraw/([A-Za-z0-9_.-]+)`)

// tokenOf reads the token of a mail's confirm link, checking that its
// withdraw link carries the same one.
func tokenOf(t testing.TB, m mail) string {
	t.Helper()
	c, w := confirmLink.FindStringSubmatch(m.Body), withdrawLink.FindStringSubmatch(m.Body)
	if c == nil || w == nil {
		t.Fatalf("mail to %s has no confirm and withdraw links:\n%s", m.To, m.Body)
	}
	if c[1] != w[1] {
		t.Fatalf("mail to %s: confirm token %q, withdraw token %q", m.To, c[1], w[1])
	}
	return c[1]
}

// stored is a participation row as the tests look at it.
type stored struct {
	ID, Status, Origin, GivenName, FlagReason string
	TokenHash                                 *string
	IP                                        *string
}

func participationOf(t *testing.T, db *store.DB, actionID, email string) stored {
	t.Helper()
	var p stored
	err := db.Reader().QueryRowContext(context.Background(), `SELECT p.id, p.status, p.origin_system, p.given_name, p.flag_reason,
		p.token_hash, p.ip FROM participations p JOIN people pe ON pe.id = p.person_id WHERE p.action_id = $1 AND pe.email = $2`,
		actionID, email).Scan(&p.ID, &p.Status, &p.Origin, &p.GivenName, &p.FlagReason, &p.TokenHash, &p.IP)
	if err != nil {
		t.Fatalf("participation of %s in %s: %v", email, actionID, err)
	}
	return p
}

// recount counts an action's participations by counter, from the table.
func recount(t *testing.T, db *store.DB, actionID string) Counts {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT status, origin_system <> '', COUNT(*) FROM participations
		WHERE action_id = $1 GROUP BY status, origin_system <> ''`, actionID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var c Counts
	for rows.Next() {
		var status string
		var imported bool
		var n int
		if err := rows.Scan(&status, &imported, &n); err != nil {
			t.Fatal(err)
		}
		switch {
		case status == StatusConfirmed && imported:
			c.Imported += n
		case status == StatusConfirmed:
			c.Confirmed += n
		case status == StatusPending:
			c.Pending += n
		case status == StatusFlagged:
			c.Flagged += n
		case status == StatusWithdrawn:
			c.Withdrawn += n
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

// checkCounters asserts that the maintained counters equal a recount.
func checkCounters(t *testing.T, db *store.DB, actionID string, want Counts) {
	t.Helper()
	got, err := CountsOf(context.Background(), db.Reader(), actionID)
	if err != nil {
		t.Fatal(err)
	}
	if re := recount(t, db, actionID); got != re {
		t.Errorf("counters of %s = %+v, recount = %+v", actionID, got, re)
	}
	if got != want {
		t.Errorf("counters of %s = %+v, want %+v", actionID, got, want)
	}
}

// growth sums an action's hourly buckets.
func growth(t *testing.T, db *store.DB, actionID string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(),
		`SELECT COALESCE(SUM(confirmed), 0) FROM action_count_buckets WHERE action_id = $1`, actionID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

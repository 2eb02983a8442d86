package outbox_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// kept is what a row still says about a mail once it is out.
type kept struct {
	Person, To, Subject, Body, Headers, Attachments, Status string
	Hash                                                    sql.NullString
	Attempts                                                int
	Sent                                                    sql.NullTime
}

func keptRow(t testing.TB, db *store.DB, to string) kept {
	t.Helper()
	var k kept
	var person sql.NullString
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT person_id, to_address, subject, body_text, headers, attachments,
		status, unsubscribe_hash, attempts, sent_at FROM outbox WHERE to_address = $1`, to).Scan(&person, &k.To, &k.Subject, &k.Body, &k.Headers,
		&k.Attachments, &k.Status, &k.Hash, &k.Attempts, &k.Sent); err != nil {
		t.Fatal(err)
	}
	k.Person = person.String
	return k
}

// A delivered mail's row drops what carried its links (body, attachments,
// List-Unsubscribe) and keeps who, what, when, how it went and the hash of
// its unsubscribe link.
func TestDeliveredMailKeepsNoBody(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		sink := testkit.StartSink(t)
		person := addPerson(t, db, "ada@example.org", outbox.StatusSubscribed)
		enqueue(t, db, outbox.Message{PersonID: person, To: "ada@example.org", Subject: "Sign in", Body: "Open https://repertoire.example.org/signin/abc.def",
			Attachments: []outbox.Attachment{{Name: "signers.csv", ContentType: "text/csv", Data: []byte("name\nAda\n")}}})
		if k := keptRow(t, db, "ada@example.org"); k.Body == "" || k.Attachments == "[]" || !strings.Contains(k.Headers, "List-Unsubscribe") {
			t.Fatalf("a pending mail lacks what it will send: %+v", k)
		}
		if n := deliverDue(t, newWorker(t, db, sink.URL(), "")); n != 1 {
			t.Fatalf("attempted %d", n)
		}
		if m := sink.Wait(t, "ada@example.org", "Sign in"); !strings.Contains(m.Body, "/signin/abc.def") {
			t.Fatalf("delivered:\n%s", m.Body)
		}
		k := keptRow(t, db, "ada@example.org")
		if k.Body != "" || k.Attachments != "[]" || k.Headers != "{}" {
			t.Errorf("a delivered mail keeps body %q, attachments %q, headers %q", k.Body, k.Attachments, k.Headers)
		}
		if k.Person != person || k.Subject != "Sign in" || k.Status != "sent" || k.Attempts != 1 || !k.Sent.Valid || !k.Hash.Valid || k.Hash.String == "" {
			t.Errorf("a delivered mail lost what it keeps: %+v", k)
		}
	})
}

// A mail that failed for good keeps its body a week, for a look at what
// went wrong, then the worker's sweep drops it; pending mail is never swept.
func TestSweepDropsFailedBodiesAfterAWeek(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, to := range []string{"old@example.org", "recent@example.org", "waiting@example.org"} {
			enqueue(t, db, outbox.Message{To: to, Subject: "Confirm", Body: "Open https://repertoire.example.org/p/confirm/abc.def",
				Attachments: []outbox.Attachment{{Name: "a.txt", ContentType: "text/plain", Data: []byte("a")}}})
		}
		if _, err := db.Writer().ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1 WHERE to_address = 'waiting@example.org'`,
			store.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		w := newWorker(t, db, "smtp://"+closedPort(t), "")
		w.MaxAttempts = 1
		if n := deliverDue(t, w); n != 2 {
			t.Fatalf("attempted %d, want 2", n)
		}
		now := store.Now()
		for to, failedAt := range map[string]time.Time{"old@example.org": now.Add(-8 * 24 * time.Hour), "recent@example.org": now.Add(-6 * 24 * time.Hour)} {
			if k := keptRow(t, db, to); k.Status != "failed" || k.Body == "" {
				t.Fatalf("%s after its last attempt: %+v", to, k)
			}
			if _, err := db.Writer().ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1 WHERE to_address = $2`, failedAt, to); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Writer().ExecContext(ctx, `UPDATE outbox SET created_at = $1 WHERE to_address = 'waiting@example.org'`,
			now.Add(-30*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		n, err := w.Sweep(ctx)
		if err != nil || n != 1 {
			t.Fatalf("swept %d, %v; want 1", n, err)
		}
		if k := keptRow(t, db, "old@example.org"); k.Body != "" || k.Attachments != "[]" || k.Headers != "{}" || k.Status != "failed" || k.Subject != "Confirm" {
			t.Errorf("failed 8 days ago: %+v", k)
		}
		for _, to := range []string{"recent@example.org", "waiting@example.org"} {
			if k := keptRow(t, db, to); k.Body == "" || k.Attachments == "[]" {
				t.Errorf("%s was swept: %+v", to, k)
			}
		}

		// The worker sweeps on its own as it runs.
		if _, err := db.Writer().ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1 WHERE to_address = 'recent@example.org'`,
			now.Add(-8*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		run(t, w)
		waitFor(t, func() bool { return keptRow(t, db, "recent@example.org").Body == "" })
	})
}

// The unsubscribe link of a delivered mail, whose body is gone, works for
// the year it promises.
func TestUnsubscribeLinkOfADeliveredMailWorks(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		person := addPerson(t, app.DB, "lou@example.org", outbox.StatusSubscribed)
		link := mailLink(t, app, person, "lou@example.org", "Campaign news")
		waitFor(t, func() bool { return keptRow(t, app.DB, "lou@example.org").Status == "sent" })
		if k := keptRow(t, app.DB, "lou@example.org"); k.Body != "" || k.Headers != "{}" {
			t.Fatalf("delivered: %+v", k)
		}
		if _, err := app.DB.Writer().ExecContext(context.Background(), `UPDATE outbox SET created_at = $1 WHERE to_address = 'lou@example.org'`,
			store.Now().Add(-300*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(link, app.URL)
		if st, page := app.Browser().Get(t, path); st != http.StatusOK || !strings.Contains(page, `action="`+path+`"`) {
			t.Fatalf("GET %s: %d\n%s", path, st, page)
		}
		if st, _ := app.Browser().Post(t, path, url.Values{}); st != http.StatusOK || emailStatusOf(t, app.DB, person) != outbox.StatusUnsubscribed {
			t.Fatalf("POST %s: %d, email status %q", path, st, emailStatusOf(t, app.DB, person))
		}
	})
}

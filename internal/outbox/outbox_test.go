package outbox_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

const baseURL = "https://repertoire.example.org"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// addPerson inserts a person directly: the account package owns sign-up.
func addPerson(t testing.TB, db *store.DB, email, status string) string {
	t.Helper()
	id := store.NewID()
	now := store.Now()
	_, err := db.Writer().ExecContext(context.Background(),
		`INSERT INTO people (id, email, created_at, modified_at) VALUES ($1, $2, $3, $3)`, id, email, now)
	if err == nil && status != outbox.StatusSubscribed {
		_, err = db.Writer().ExecContext(context.Background(),
			`INSERT INTO email_statuses (person_id, status, modified_at) VALUES ($1, $2, $3)`, id, status, now)
	}
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// catalog renders the footers, as the server's does.
var catalog = i18n.MustLoad()

func enqueue(t testing.TB, db *store.DB, m outbox.Message) {
	t.Helper()
	m.Catalog = catalog
	err := db.Write(context.Background(), func(tx *store.Tx) error { return outbox.Enqueue(context.Background(), tx, baseURL, m) })
	if err != nil {
		t.Fatal(err)
	}
}

// outboxRow is what the table says about one mail.
type outboxRow struct {
	ID, To, Status, LastError string
	Attempts                  int
	Next                      time.Time
	Sent                      *time.Time
}

func rows(t testing.TB, db *store.DB) []outboxRow {
	t.Helper()
	rs, err := db.Reader().QueryContext(context.Background(),
		`SELECT id, to_address, status, last_error, attempts, next_attempt_at, sent_at FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []outboxRow
	for rs.Next() {
		var r outboxRow
		var sent sql.NullTime
		if err := rs.Scan(&r.ID, &r.To, &r.Status, &r.LastError, &r.Attempts, &r.Next, &sent); err != nil {
			t.Fatal(err)
		}
		r.Sent = store.TimePtr(sent)
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func one(t testing.TB, db *store.DB) outboxRow {
	t.Helper()
	rs := rows(t, db)
	if len(rs) != 1 {
		t.Fatalf("outbox holds %d rows, want 1", len(rs))
	}
	return rs[0]
}

func newWorker(t testing.TB, db *store.DB, smtpURL, dir string) *outbox.Worker {
	t.Helper()
	tr, err := outbox.NewTransport(smtpURL, dir, "", quiet)
	if err != nil {
		t.Fatal(err)
	}
	return outbox.NewWorker(db, tr, quiet)
}

// run runs w until the test ends.
func run(t testing.TB, w *outbox.Worker) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func deliverDue(t testing.TB, w *outbox.Worker) int {
	t.Helper()
	n, err := w.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeliversOverSMTPWithUnsubscribeHeaders(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		sink := testkit.StartSink(t)
		w := newWorker(t, db, sink.URL(), "")
		run(t, w)
		cases := []struct {
			name, to, lang, subject, body string
			person                        bool
			footer                        string // expected footer line start; "" for none
		}{
			{name: "French mail to a person", to: "élise@example.org", lang: "fr", person: true,
				subject: "Votre pétition « Égalité » est publiée",
				body:    "Merci d’avoir signé, Élise. À bientôt !\nL’équipe",
				footer:  "Pour ne plus recevoir ces courriels de Répertoire : " + baseURL + "/unsubscribe/"},
			{name: "English mail to a person", to: "sam@example.org", lang: "", person: true,
				subject: "Your pledge counts", body: "Thank you.",
				footer: "To stop receiving these emails from Repertoire: " + baseURL + "/unsubscribe/"},
			{name: "mail to an address only", to: "press@example.org", lang: "en",
				subject: "Press contact", body: "Hello press."},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				m := outbox.Message{To: tc.to, Subject: tc.subject, Body: tc.body, Lang: tc.lang}
				if tc.person {
					m.PersonID = addPerson(t, db, tc.to, outbox.StatusSubscribed)
				}
				enqueue(t, db, m)
				w.Kick()
				got := sink.Wait(t, tc.to, tc.subject)
				if got.Subject != tc.subject {
					t.Errorf("subject %q, want %q", got.Subject, tc.subject)
				}
				if !strings.HasPrefix(got.Body, tc.body+"\n") {
					t.Errorf("body does not start with the message:\n%s", got.Body)
				}
				if got.Header.Get("From") != `"Repertoire" <no-reply@repertoire.example.org>` {
					t.Errorf("From: %q", got.Header.Get("From"))
				}
				if got.From != "no-reply@repertoire.example.org" {
					t.Errorf("envelope sender %q", got.From)
				}
				if got.Header.Get("Date") == "" || !strings.HasSuffix(got.Header.Get("Message-Id"), "@repertoire.example.org>") {
					t.Errorf("Date %q, Message-ID %q", got.Header.Get("Date"), got.Header.Get("Message-Id"))
				}
				if ct := got.Header.Get("Content-Type"); !strings.Contains(ct, "text/plain") || !strings.Contains(strings.ToLower(ct), "utf-8") {
					t.Errorf("Content-Type %q", ct)
				}
				lu, post := got.Header.Get("List-Unsubscribe"), got.Header.Get("List-Unsubscribe-Post")
				if tc.footer == "" {
					if lu != "" || post != "" || strings.Contains(got.Body, "/unsubscribe/") {
						t.Errorf("mail to an address only carries an unsubscribe link: %q\n%s", lu, got.Body)
					}
					return
				}
				link := got.Link(t, "/unsubscribe/")
				if lu != "<"+link+">" {
					t.Errorf("List-Unsubscribe %q, body link %q", lu, link)
				}
				if post != "List-Unsubscribe=One-Click" {
					t.Errorf("List-Unsubscribe-Post %q", post)
				}
				if !strings.Contains(got.Body, "\n-- \n"+tc.footer) {
					t.Errorf("no footer %q in:\n%s", tc.footer, got.Body)
				}
			})
		}
		waitFor(t, func() bool {
			for _, r := range rows(t, db) {
				if r.Status != "sent" {
					return false
				}
			}
			return true
		})
		for _, r := range rows(t, db) {
			if r.Attempts != 1 || r.Sent == nil || r.LastError != "" {
				t.Errorf("row after delivery: %+v", r)
			}
		}
	})
}

// A subject reaches the recipient exactly as written: the narrow no-break
// spaces of formatted numbers (1 234 and 50 % in French) and other
// no-break spaces stay as they are, through
// Enqueue and EnqueueBatch, in a subject long enough to be folded; line
// breaks still become spaces, so a subject cannot add a header.
func TestSubjectsArriveExactlyAsWritten(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		sink := testkit.StartSink(t)
		w := newWorker(t, db, sink.URL(), "")
		run(t, w)
		long := "50\u202f% du chemin : l’engagement « Déconnectons-nous » compte 1\u202f234 engagements sur les 2\u202f500 nécessaires d’ici le 24\u00a0mai"
		cases := []struct {
			name, to, subject, want string
			batch                   bool
		}{
			{"no-break space", "a@example.org", "1\u00a0234", "1\u00a0234", false},
			{"no-break space, batch", "b@example.org", "1\u00a0234", "1\u00a0234", true},
			{"narrow no-break space", "f@example.org", "1\u202f234", "1\u202f234", false},
			{"folded, narrow no-break space", "c@example.org", long, long, false},
			{"folded, batch", "d@example.org", long, long, true},
			{"line breaks", "e@example.org", " Signé\r\nBcc: x@example.org\t \u2028fin\u00a0! ", "Signé Bcc: x@example.org fin\u00a0!", false},
		}
		for _, tc := range cases {
			m := outbox.Message{To: tc.to, Subject: tc.subject, Body: "…", Lang: "fr", Transactional: true}
			if tc.batch {
				err := db.Write(context.Background(), func(tx *store.Tx) error {
					return outbox.EnqueueBatch(context.Background(), tx, baseURL, []outbox.Message{m})
				})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				enqueue(t, db, m)
			}
		}
		w.Kick()
		for _, tc := range cases {
			got := sink.Wait(t, tc.to, "")
			if got.Subject != tc.want {
				t.Errorf("%s: subject %q, want %q", tc.name, got.Subject, tc.want)
			}
			if got.Header.Get("Bcc") != "" || len(got.Header["Subject"]) != 1 {
				t.Errorf("%s: the subject added a header: %v", tc.name, got.Header)
			}
		}
	})
}

// An unsubscribe link names its mail ("<outbox id>.<secret>", 256 random
// bits): the outbox row keeps only the secret's SHA-256, and no mail_tokens
// row is written, through Enqueue and EnqueueBatch alike.
func TestStoresOnlyTheHashOfUnsubscribeTokens(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		for _, batch := range []bool{false, true} {
			email := fmt.Sprintf("ada%v@example.org", batch)
			person := addPerson(t, db, email, outbox.StatusSubscribed)
			m := outbox.Message{PersonID: person, To: email, Subject: "Hello", Body: "Hi."}
			if batch {
				enqueueBatch(t, db, m)
			} else {
				enqueue(t, db, m)
			}
			var id, body, hash string
			if err := db.Reader().QueryRowContext(context.Background(),
				`SELECT id, body_text, unsubscribe_hash FROM outbox WHERE to_address = $1`, email).Scan(&id, &body, &hash); err != nil {
				t.Fatal(err)
			}
			i := strings.Index(body, "/unsubscribe/")
			token := strings.TrimSpace(body[i+len("/unsubscribe/"):])
			mailID, secret, _ := strings.Cut(token, ".")
			if mailID != id {
				t.Fatalf("batch=%v: link %q does not name its mail %s", batch, token, id)
			}
			if len(secret) != 43 { // 32 bytes, base64url without padding
				t.Fatalf("batch=%v: secret %q is %d characters", batch, secret, len(secret))
			}
			sum := sha256.Sum256([]byte(secret))
			if hash != hex.EncodeToString(sum[:]) {
				t.Errorf("batch=%v: stored %q, want the SHA-256 of the mailed secret", batch, hash)
			}
		}
		var tokens int
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM mail_tokens`).Scan(&tokens); err != nil {
			t.Fatal(err)
		}
		if tokens != 0 {
			t.Errorf("%d mail_tokens rows written for unsubscribe links", tokens)
		}
	})
}

// emailStatusCases: whether a mail to a person of each email status is
// queued, news or transactional.
var emailStatusCases = []struct {
	status        string
	transactional bool
	queued        bool
}{
	{outbox.StatusSubscribed, false, true},
	{outbox.StatusSubscribed, true, true},
	{outbox.StatusUnsubscribed, false, false},
	{outbox.StatusUnsubscribed, true, true},
	{"bouncing", false, false},
	{"spam complaint", true, true},
}

// EnqueueBatch drops news to people who want none and sends transactional
// mail to everyone, like Enqueue, each mail with its own unsubscribe link;
// mixed in one batch, each message gets its own person's rule.
func TestEnqueueBatchHonoursEmailStatus(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		cases := emailStatusCases
		var msgs []outbox.Message
		for i, tc := range cases {
			email := fmt.Sprintf("p%d@example.org", i)
			msgs = append(msgs, outbox.Message{PersonID: addPerson(t, db, email, tc.status), To: email, Subject: "News", Body: "…",
				Lang: "fr", Transactional: tc.transactional})
		}
		enqueueBatch(t, db, msgs...)
		links := map[string]bool{}
		for i, tc := range cases {
			var body string
			err := db.Reader().QueryRowContext(context.Background(), `SELECT body_text FROM outbox WHERE to_address = $1`, msgs[i].To).Scan(&body)
			if errors.Is(err, sql.ErrNoRows) {
				if tc.queued {
					t.Errorf("%s transactional=%v: not queued", tc.status, tc.transactional)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.queued {
				t.Errorf("%s transactional=%v: queued", tc.status, tc.transactional)
			}
			at := strings.Index(body, "Pour ne plus recevoir ces courriels de Répertoire : "+baseURL+"/unsubscribe/")
			if at < 0 {
				t.Fatalf("no French footer with a link in:\n%s", body)
			}
			link := strings.TrimSpace(body[at:])
			if links[link] {
				t.Errorf("two mails share the link %s", link)
			}
			links[link] = true
		}

		for _, m := range []outbox.Message{
			{PersonID: store.NewID(), To: "ghost@example.org", Subject: "News", Body: "…", Catalog: catalog},
			{PersonID: store.NewID(), To: "ghost@example.org", Subject: "News", Body: "…", Transactional: true, Catalog: catalog},
		} {
			err := db.Write(context.Background(), func(tx *store.Tx) error {
				return outbox.EnqueueBatch(context.Background(), tx, baseURL, []outbox.Message{m})
			})
			if err == nil {
				t.Errorf("mail to an unknown person (transactional=%v) queued", m.Transactional)
			}
		}
	})
}

func enqueueBatch(t testing.TB, db *store.DB, msgs ...outbox.Message) {
	t.Helper()
	for i := range msgs {
		msgs[i].Catalog = catalog
	}
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		return outbox.EnqueueBatch(context.Background(), tx, baseURL, msgs)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEnqueueHonoursEmailStatus(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		cases := emailStatusCases
		for i, tc := range cases {
			t.Run(fmt.Sprintf("%s transactional=%v", tc.status, tc.transactional), func(t *testing.T) {
				email := fmt.Sprintf("p%d@example.org", i)
				person := addPerson(t, db, email, tc.status)
				enqueue(t, db, outbox.Message{PersonID: person, To: email, Subject: "News", Body: "…", Transactional: tc.transactional})
				var n int
				if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM outbox WHERE to_address = $1`, email).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if got := n == 1; got != tc.queued {
					t.Fatalf("queued %d mails, want queued=%v", n, tc.queued)
				}
			})
		}
	})
}

func TestEnqueueIsPartOfTheCallersTransaction(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		person := addPerson(t, db, "lin@example.org", outbox.StatusSubscribed)
		refused := fmt.Errorf("the action failed after the mail was queued")
		err := db.Write(context.Background(), func(tx *store.Tx) error {
			if err := outbox.Enqueue(context.Background(), tx, baseURL, outbox.Message{PersonID: person, To: "lin@example.org", Subject: "Hi", Body: "x", Catalog: catalog}); err != nil {
				return err
			}
			return refused
		})
		if err != refused {
			t.Fatalf("Write: %v", err)
		}
		var mails int
		db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM outbox`).Scan(&mails)
		if mails != 0 {
			t.Fatalf("rolled back action left %d mails", mails)
		}
	})
}

// closedPort returns an address where nothing listens.
func closedPort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRetriesWithBackoffUntilTheServerAnswers(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		enqueue(t, db, outbox.Message{To: "kim@example.org", Subject: "Retry me", Body: "Patience."})
		down := newWorker(t, db, "smtp://"+closedPort(t), "")
		down.Backoff = time.Millisecond
		before := store.Now()
		if n := deliverDue(t, down); n != 1 {
			t.Fatalf("attempted %d mails, want 1", n)
		}
		r := one(t, db)
		if r.Status != "pending" || r.Attempts != 1 || !r.Next.After(before) || r.Sent != nil {
			t.Fatalf("after a failed attempt: %+v", r)
		}
		if r.LastError == "" || strings.Contains(r.LastError, "kim@") {
			t.Fatalf("last_error %q", r.LastError)
		}

		sink := testkit.StartSink(t)
		up := newWorker(t, db, sink.URL(), "")
		up.Poll = 10 * time.Millisecond
		run(t, up)
		sink.Wait(t, "kim@example.org", "Retry me")
		// The sink has the mail once the server accepted it; the row is
		// marked just after.
		waitFor(t, func() bool { return one(t, db).Status == "sent" })
		if r := one(t, db); r.Attempts != 2 || r.LastError != "" {
			t.Fatalf("after delivery: %+v", r)
		}
	})
}

// waitFor polls cond for a while: the worker records after it sends.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 15 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		enqueue(t, db, outbox.Message{To: "kim@example.org", Subject: "Doomed", Body: "…"})
		w := newWorker(t, db, "smtp://"+closedPort(t), "")
		w.MaxAttempts = 3
		failed := metrics.GetOrCreateCounter("repertoire_mail_failed_total").Get()
		for attempt := 1; attempt <= 3; attempt++ {
			// Make the retry due now rather than waiting for the backoff.
			if _, err := db.Writer().ExecContext(context.Background(), `UPDATE outbox SET next_attempt_at = $1`, store.Now().Add(-time.Second)); err != nil {
				t.Fatal(err)
			}
			if n := deliverDue(t, w); n != 1 {
				t.Fatalf("attempt %d: attempted %d mails", attempt, n)
			}
			want := "pending"
			if attempt == 3 {
				want = "failed"
			}
			if r := one(t, db); r.Status != want || r.Attempts != attempt {
				t.Fatalf("after attempt %d: %+v", attempt, r)
			}
		}
		if _, err := db.Writer().ExecContext(context.Background(), `UPDATE outbox SET next_attempt_at = $1`, store.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if n := deliverDue(t, w); n != 0 {
			t.Fatalf("a failed mail was attempted again")
		}
		if got := metrics.GetOrCreateCounter("repertoire_mail_failed_total").Get(); got != failed+1 {
			t.Fatalf("repertoire_mail_failed_total went from %d to %d", failed, got)
		}
	})
}

func TestMailDirWritesParseableMessages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		dir := filepath.Join(t.TempDir(), "mail")
		person := addPerson(t, db, "noé@example.org", outbox.StatusSubscribed)
		enqueue(t, db, outbox.Message{PersonID: person, To: "noé@example.org", Lang: "fr", Subject: "Réunion à Montréal", Body: "Rendez-vous à 18 h, café « Où ? »."})
		w := newWorker(t, db, "", dir)
		if n := deliverDue(t, w); n != 1 {
			t.Fatalf("attempted %d", n)
		}
		id := one(t, db).ID
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != id+".eml" {
			t.Fatalf("mail dir holds %v, want just %s.eml", entries, id)
		}
		raw, err := os.ReadFile(filepath.Join(dir, id+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := testkit.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != "Réunion à Montréal" || !strings.HasPrefix(m.Body, "Rendez-vous à 18 h, café « Où ? ».\n") {
			t.Fatalf("parsed %q:\n%s", m.Subject, m.Body)
		}
		if m.Header.Get("List-Unsubscribe") == "" || one(t, db).Status != "sent" {
			t.Fatalf("headers %v, row %+v", m.Header, one(t, db))
		}
	})
}

// Without any mail setup, each mail is a file of the development mail
// directory, and the log names the file: never the body, whose links sign
// people in, nor the address.
func TestWithoutMailSetupMailsAreFilesNamedInTheLog(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		var buf syncBuffer
		log := slog.New(slog.NewTextHandler(&buf, nil))
		dir := filepath.Join(t.TempDir(), "mail")
		tr, err := outbox.NewTransport("", "", dir, log)
		if err != nil {
			t.Fatal(err)
		}
		person := addPerson(t, db, "hidden.person@example.org", outbox.StatusSubscribed)
		enqueue(t, db, outbox.Message{PersonID: person, To: "hidden.person@example.org", Subject: "Confirm your signature", Body: "Open http://localhost/confirm/abc"})
		w := outbox.NewWorker(db, tr, log)
		if n := deliverDue(t, w); n != 1 {
			t.Fatalf("attempted %d", n)
		}
		r := one(t, db)
		file := filepath.Join(dir, r.ID+".eml")
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if m, err := testkit.Parse(raw); err != nil || !strings.Contains(m.Body, "http://localhost/confirm/abc") || m.Header.Get("To") == "" {
			t.Fatalf("the file holds %v:\n%s", err, raw)
		}
		out := buf.String()
		if !strings.Contains(out, file) {
			t.Errorf("log does not name %s:\n%s", file, out)
		}
		for _, secret := range []string{"@", "/confirm/", "/unsubscribe/", "Open"} {
			if strings.Contains(out, secret) {
				t.Errorf("log shows %q:\n%s", secret, out)
			}
		}
		if r.Status != "sent" {
			t.Errorf("row %+v", r)
		}
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestQueuedMailSurvivesARestart(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			before, err := store.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := before.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			person := addPerson(t, before, "ida@example.org", outbox.StatusSubscribed)
			enqueue(t, before, outbox.Message{PersonID: person, To: "ida@example.org", Subject: "Accepted before the restart", Body: "…"})
			if err := before.Close(); err != nil {
				t.Fatal(err)
			}

			after := storetest.MustOpen(t, dsn)
			sink := testkit.StartSink(t)
			run(t, newWorker(t, after, sink.URL(), ""))
			sink.Wait(t, "ida@example.org", "Accepted before the restart")
		})
	}
}

func TestTwoWorkersDeliverEachMailOnce(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			a := storetest.MustOpen(t, dsn)
			b := storetest.MustOpen(t, dsn) // a second instance
			const n = 300
			err := a.Write(context.Background(), func(tx *store.Tx) error {
				for i := range n {
					m := outbox.Message{To: fmt.Sprintf("m%d@example.org", i), Subject: fmt.Sprintf("Mail %d", i), Body: "…"}
					if err := outbox.Enqueue(context.Background(), tx, baseURL, m); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			sink := testkit.StartSink(t)
			var wg sync.WaitGroup
			for _, db := range []*store.DB{a, b} {
				w := newWorker(t, db, sink.URL(), "")
				w.Batch = 10
				// Each drains until it finds nothing due: then every mail
				// is either sent or leased by the other, still draining.
				wg.Go(func() {
					for deliverDue(t, w) > 0 {
					}
				})
			}
			wg.Wait()
			seen := map[string]int{}
			for _, m := range sink.All() {
				seen[m.Subject]++
			}
			for i := range n {
				if c := seen[fmt.Sprintf("Mail %d", i)]; c != 1 {
					t.Errorf("Mail %d received %d times", i, c)
				}
			}
			if got := len(sink.All()); got != n {
				t.Errorf("sink received %d mails, want %d", got, n)
			}
			for _, r := range rows(t, a) {
				if r.Status != "sent" || r.Attempts != 1 {
					t.Fatalf("row %+v", r)
				}
			}
		})
	}
}

// BenchmarkDeliver measures delivery to a local SMTP server, SQLite
// outbox included (claim, send, record).
func BenchmarkDeliver(b *testing.B) {
	db := storetest.OpenSQLite(b)
	sink := testkit.StartSink(b)
	w := newWorker(b, db, sink.URL(), "")
	b.StopTimer()
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		for i := range b.N {
			m := outbox.Message{To: fmt.Sprintf("m%d@example.org", i), Subject: fmt.Sprintf("Mail %d", i), Body: "Bonjour, voici les nouvelles de la campagne."}
			if err := outbox.Enqueue(context.Background(), tx, baseURL, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	start := time.Now()
	for deliverDue(b, w) > 0 {
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "mails/s")
	if got := len(sink.All()); got != b.N {
		b.Fatalf("sink received %d of %d", got, b.N)
	}
}

func TestNewTransportChoosesFromFlags(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "mail")
	cases := []struct {
		name, smtp, dir string
		ok              bool
	}{
		{"smtp with port", "smtp://127.0.0.1:2525", "", true},
		{"smtp with credentials", "smtp://user:secret@mail.example.org:587", "", true},
		{"implicit TLS", "smtps://mail.example.org", "", true},
		{"mail dir is created", "", dir, true},
		{"development directory when neither", "", "", true},
		{"not an SMTP URL", "http://mail.example.org", "", false},
		{"no host", "smtp://", "", false},
		{"bad port", "smtp://mail.example.org:x", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := outbox.NewTransport(tc.smtp, tc.dir, filepath.Join(t.TempDir(), "dev"), quiet)
			if (err == nil) != tc.ok || (err == nil && tr == nil) {
				t.Fatalf("NewTransport(%q, %q) = %v, %v", tc.smtp, tc.dir, tr, err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("mail dir not created: %v", err)
	}
	if tr, err := outbox.NewTransport("", "", "", quiet); err == nil {
		t.Fatalf("a transport without anywhere to send: %v", tr)
	}
}

// A worker stopped in the middle of a send (a restart) records what it
// handed to SMTP and gives back what it had claimed; the next one
// delivers the rest, each mail once, while claiming ahead and recording
// behind its senders.
func TestAWorkerStoppedMidSendLeavesTheRestOnceToTheNext(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		const n = 400
		err := db.Write(context.Background(), func(tx *store.Tx) error {
			msgs := make([]outbox.Message, n)
			for i := range msgs {
				msgs[i] = outbox.Message{To: fmt.Sprintf("m%d@example.org", i), Subject: fmt.Sprintf("Mail %d", i), Body: "…", Transactional: true}
			}
			return outbox.EnqueueBatch(context.Background(), tx, baseURL, msgs)
		})
		if err != nil {
			t.Fatal(err)
		}
		sink := testkit.StartSink(t)
		first := newWorker(t, db, sink.URL(), "")
		first.Batch, first.Senders = 20, 4
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { first.Run(ctx); close(done) }()
		for deadline := time.Now().Add(20 * time.Second); len(sink.All()) < n/4; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the first worker delivered nothing")
			}
		}
		cancel()
		<-done
		stopped := len(sink.All())
		if stopped >= n {
			t.Fatalf("the first worker delivered all %d mails before it was stopped", stopped)
		}
		var leased int
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND next_attempt_at > $1`,
			store.Now()).Scan(&leased); err != nil {
			t.Fatal(err)
		}
		if leased != 0 {
			t.Errorf("%d mails still leased by the stopped worker", leased)
		}
		second := newWorker(t, db, sink.URL(), "")
		second.Batch = 20
		run(t, second)
		for deadline := time.Now().Add(20 * time.Second); len(sink.All()) < n; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after the restart: %d of %d mails delivered", len(sink.All()), n)
			}
		}
		time.Sleep(200 * time.Millisecond) // a mail sent twice would arrive now
		seen := map[string]int{}
		for _, m := range sink.All() {
			seen[m.Subject]++
		}
		for i := range n {
			if c := seen[fmt.Sprintf("Mail %d", i)]; c != 1 {
				t.Errorf("Mail %d received %d times", i, c)
			}
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var sent int
			if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND attempts = 1`).Scan(&sent); err != nil {
				t.Fatal(err)
			}
			if sent == n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d mails recorded sent once", sent, n)
			}
		}
	})
}

// A page of lists is counted in one query: each list its own mails, and
// a list without any all zeros.
func TestCountListsCountsEachListOfAPage(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		sink := testkit.StartSink(t)
		w := newWorker(t, db, sink.URL(), "")
		a, b := store.NewID(), store.NewID()
		for i, list := range []string{a, a, a, b} {
			p := addPerson(t, db, fmt.Sprintf("p%d@example.org", i), outbox.StatusSubscribed)
			enqueue(t, db, outbox.Message{PersonID: p, To: fmt.Sprintf("p%d@example.org", i), Subject: "News", Body: "…", List: list})
		}
		for deliverDue(t, w) > 0 {
		}
		p := addPerson(t, db, "late@example.org", outbox.StatusSubscribed)
		enqueue(t, db, outbox.Message{PersonID: p, To: "late@example.org", Subject: "News", Body: "…", List: b})
		got, err := outbox.CountLists(context.Background(), db.Reader(), []string{a, b, "none"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]outbox.ListCounts{a: {Sent: 3}, b: {Sent: 1, Queued: 1}, "none": {}}
		for id, c := range want {
			if got[id] != c {
				t.Errorf("list %s: %+v, want %+v", id, got[id], c)
			}
		}
		one, err := outbox.CountList(context.Background(), db.Reader(), b)
		if err != nil || one != want[b] {
			t.Errorf("CountList(b) = %+v, %v", one, err)
		}
	})
}

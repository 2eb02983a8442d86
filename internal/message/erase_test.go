package message_test

import (
	"context"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// gate is an SMTP server that answers every connection 421 (try again
// later) until it is opened, and then relays them to a real sink: mails
// wait in the outbox, undelivered, as long as the test needs.
type gate struct {
	open atomic.Bool
	addr string
}

func startGate(t *testing.T, sink *testkit.Sink) *gate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	g := &gate{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if !g.open.Load() {
					io.WriteString(c, "421 4.3.2 try again later\r\n")
					return
				}
				s, err := net.Dial("tcp", sink.Addr)
				if err != nil {
					return
				}
				defer s.Close()
				go io.Copy(s, c)
				io.Copy(c, s)
			}()
		}
	}()
	return g
}

// An organizer's message replying to them and sent under their name is
// in the outbox, not delivered yet, when they erase their account: no
// column of any table keeps their address afterwards (the outbox's
// headers, the message's Reply-To), nor their name in the sender's, and
// the message still reaches its audience, without their Reply-To.
func TestErasedOrganizersAddressLeavesTheMessagesWaiting(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		sink := testkit.StartSink(t)
		g := startGate(t, sink)
		app := testkit.StartWith(t, db, func(c *server.Config) { c.SMTP = "smtp://" + g.addr })
		f := setup(t, app)
		ctx := context.Background()
		people := []string{"ann@example.org", "ben@example.org"}
		for _, p := range people {
			f.sign(t, p, strings.Split(p, "@")[0], "en", true)
		}
		m := f.create(t, map[string]any{"subject": "Pay news", "body": "Hello from the union.", "targets": parts("participants", f.petition),
			"from": "Olga Organizer, Riders union", "reply_to": "Olga@Example.org"})
		if st := app.API(t, "POST", "/api/v1/messages/"+m.ID+"/send", f.org, nil, nil); st != http.StatusAccepted {
			t.Fatalf("send: %d", st)
		}
		f.waitFor(t, m.ID, "written to its audience", func(d messageDoc) bool { return d.Status == "sent" && d.Statistics.Queued == 2 })
		before := strings.Join(storetest.Find(t, db, "olga@example.org"), " ")
		for _, want := range []string{"outbox.headers", "messages.reply_to"} {
			if !strings.Contains(before, want) {
				t.Fatalf("before the erasure the address is in %s, not in %s", before, want)
			}
		}

		var olga string
		if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = 'olga@example.org'`).Scan(&olga); err != nil {
			t.Fatal(err)
		}
		if err := app.Server.Accounts.DeletePerson(ctx, olga); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"olga@example.org", "Olga Organizer"} {
			if found := storetest.Find(t, db, s); len(found) > 0 {
				t.Errorf("%q still in %v", s, found)
			}
		}
		var d struct {
			From    string `json:"from"`
			ReplyTo string `json:"reply_to"`
		}
		admin := app.Token(t, "root@example.org", "Root", true)
		if st := app.API(t, "GET", "/api/v1/messages/"+m.ID, admin, nil, &d); st != http.StatusOK || d.ReplyTo != "" || d.From != "—, Riders union" {
			t.Errorf("the message after the erasure: %d, from %q, reply to %q", st, d.From, d.ReplyTo)
		}

		// The outbox's next try goes through to the sink. A try in flight
		// as the gate opens fails after it and is put off again: every
		// mail still pending is made due until none is.
		g.open.Store(true)
		for deadline := time.Now().Add(15 * time.Second); ; {
			if _, err := db.Writer().ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1 WHERE status = 'pending'`, store.Now()); err != nil {
				t.Fatal(err)
			}
			app.Server.Worker.Kick()
			var pending int
			if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE status = 'pending'`).Scan(&pending); err != nil {
				t.Fatal(err)
			}
			if pending == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		parser := mail.AddressParser{WordDecoder: &mime.WordDecoder{}}
		for _, p := range people {
			got := sink.Wait(t, p, "Pay news")
			if r := got.Header.Get("Reply-To"); r != "" {
				t.Errorf("the mail to %s replies to %q", p, r)
			}
			from, err := parser.Parse(got.Header.Get("From"))
			if err != nil || from.Name != "—, Riders union" {
				t.Errorf("the mail to %s is from %q (%v)", p, got.Header.Get("From"), err)
			}
			if strings.Contains(strings.ToLower(string(got.Raw)), "olga") {
				t.Errorf("the mail to %s names the erased organizer:\n%s", p, got.Raw)
			}
			if !strings.Contains(got.Body, "Hello from the union.") {
				t.Errorf("the mail to %s lost its text:\n%s", p, got.Body)
			}
		}
	})
}

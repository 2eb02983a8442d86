package outbox_test

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	"repertoire/internal/outbox"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// relay is a TCP relay in front of the sink that counts SMTP sessions and
// can cut them all, as a server does with idle sessions.
type relay struct {
	ln       net.Listener
	mu       sync.Mutex
	sessions int
	conns    []net.Conn
}

func startRelay(t *testing.T, target string) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln}
	t.Cleanup(func() { ln.Close(); r.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.sessions++
			r.conns = append(r.conns, c, up)
			r.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return r
}

func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

func (r *relay) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions
}

func TestSMTPReusesSessionsAndRecoversFromClosedOnes(t *testing.T) {
	db := storetest.OpenSQLite(t)
	sink := testkit.StartSink(t)
	relay := startRelay(t, sink.Addr)
	w := newWorker(t, db, "smtp://"+relay.ln.Addr().String(), "")
	w.Senders = 1
	for i := range 20 {
		enqueue(t, db, outbox.Message{To: fmt.Sprintf("r%d@example.org", i), Subject: fmt.Sprintf("Reuse %d", i), Body: "…"})
	}
	if n := deliverDue(t, w); n != 20 {
		t.Fatalf("attempted %d", n)
	}
	if got := relay.count(); got != 1 {
		t.Fatalf("20 mails took %d SMTP sessions, want 1", got)
	}

	relay.cut() // the server drops the idle session
	enqueue(t, db, outbox.Message{To: "late@example.org", Subject: "After the cut", Body: "…"})
	if n := deliverDue(t, w); n != 1 {
		t.Fatalf("attempted %d", n)
	}
	sink.Wait(t, "late@example.org", "After the cut")
	if got := relay.count(); got != 2 {
		t.Fatalf("%d SMTP sessions, want a second one after the cut", got)
	}
	for _, r := range rows(t, db) {
		if r.Status != "sent" || r.Attempts != 1 {
			t.Fatalf("a closed idle session cost an attempt: %+v", r)
		}
	}
}

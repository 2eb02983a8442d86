package server

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// freshGrace is how long after it was accepted a connection may stay
// without a request once the drain has begun; past it, it is closed. On
// loopback or behind a load balancer a request's first bytes arrive
// within milliseconds of the connection; one silent for a second is a
// client's spare.
const freshGrace = time.Second

// freshConns are the connections accepted whose first request has not
// been read yet. A client's pool may dial one and never use it (Go's
// Transport keeps the dial that lost the race to an idle connection);
// http.Server.Shutdown counts such a connection as in flight for five
// seconds, so a shorter drain would end on a deadline with nothing to
// finish. A request sent on one after it is closed meets a closed
// connection, as after the listener's: nothing answered is lost.
type freshConns struct {
	mu sync.Mutex
	m  map[net.Conn]time.Time
}

func newFreshConns() *freshConns { return &freshConns{m: map[net.Conn]time.Time{}} }

// track is the server's ConnState hook.
func (f *freshConns) track(c net.Conn, st http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st == http.StateNew {
		f.m[c] = time.Now()
	} else {
		delete(f.m, c)
	}
}

// closeSilent closes the connections that have had no request for longer
// than grace.
func (f *freshConns) closeSilent(grace time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c, since := range f.m {
		if time.Since(since) > grace {
			c.Close()
			delete(f.m, c)
		}
	}
}

// shutdown is srv.Shutdown, closing on the way the connections that never
// carried a request.
func shutdown(ctx context.Context, srv *http.Server, fresh *freshConns) error {
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	tick := time.NewTicker(freshGrace / 4)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			fresh.closeSilent(freshGrace)
		}
	}
}

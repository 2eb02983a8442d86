package web

import (
	"bytes"
	"net/http"
	"sync"
	"time"
)

// Microcache serves a public page to visitors from memory for up to TTL.
// A petition going viral is read thousands of times a second while its
// count moves; rendering it once a second per language keeps the page up
// and its count at most TTL behind. Only anonymous GETs are cached (no
// session, no flash), only 200 answers without cookies, and concurrent
// misses wait for one render instead of each doing it.
type Microcache struct {
	TTL time.Duration

	mu      sync.Mutex
	entries map[string]*cached
}

type cached struct {
	ready  chan struct{} // closed once the render is done
	at     time.Time
	ok     bool // cacheable: a 200 without cookies
	header http.Header
	body   []byte
}

// NewMicrocache caches for ttl.
func NewMicrocache(ttl time.Duration) *Microcache {
	return &Microcache{TTL: ttl, entries: map[string]*cached{}}
}

// Wrap caches next's answers to visitors.
func (c *Microcache) Wrap(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || ViewerFrom(r.Context()) != nil || hasCookie(r, FlashCookie) {
			next(w, r)
			return
		}
		key := Localizer(r.Context()).Lang + " " + r.URL.RequestURI()
		now := time.Now()
		c.mu.Lock()
		e := c.entries[key]
		if e != nil {
			select {
			case <-e.ready:
				if now.Sub(e.at) >= c.TTL || !e.ok {
					e = nil // stale, or not cacheable: render anew
				}
			default: // being rendered: wait for it below
			}
		}
		mine := e == nil
		if mine {
			if len(c.entries) > 10_000 {
				clear(c.entries)
			}
			e = &cached{ready: make(chan struct{}), at: now}
			c.entries[key] = e
		}
		c.mu.Unlock()

		if mine {
			rec := &recorder{header: http.Header{}, status: http.StatusOK}
			next(rec, r)
			e.header, e.body = rec.header, rec.buf.Bytes()
			e.ok = rec.status == http.StatusOK && len(rec.header.Values("Set-Cookie")) == 0
			close(e.ready)
			write(w, rec.status, e.header, e.body)
			return
		}
		<-e.ready
		if !e.ok {
			next(w, r)
			return
		}
		write(w, http.StatusOK, e.header, e.body)
	}
}

func hasCookie(r *http.Request, name string) bool {
	_, err := r.Cookie(name)
	return err == nil
}

func write(w http.ResponseWriter, status int, h http.Header, body []byte) {
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	w.Write(body)
}

// recorder keeps a response in memory.
type recorder struct {
	header http.Header
	status int
	buf    bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.buf.Write(b)
}

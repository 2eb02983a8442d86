package web

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter bounds how often one client address may post a public form
// (sign-up, sign-in, password reset), or, keyed by the caller (AllowKey),
// how often anything else may happen. Buckets live in memory: a limit that
// resets on restart is acceptable for forms; nothing is lost by it.
type Limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	idle    time.Duration // a bucket idle this long is full again: forgetting it loses nothing
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter allows burst posts at once, then one per interval.
func NewLimiter(interval time.Duration, burst int) *Limiter {
	return &Limiter{every: rate.Every(interval), burst: burst, idle: max(10*time.Minute, interval*time.Duration(burst)),
		buckets: map[string]*bucket{}}
}

// Allow reports whether the client may post now. Clients are told apart by
// LimitKey: IPv6 clients by their /64.
func (l *Limiter) Allow(r *http.Request) bool {
	return l.AllowKey(LimitKey(ClientIP(r)))
}

// AllowKey reports whether the holder of key may act now. A key is kept in
// memory until its bucket is full again: callers hash what would be
// personal data.
func (l *Limiter) AllowKey(key string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > 100_000 { // forget idle clients
		for k, b := range l.buckets {
			if now.Sub(b.seen) > l.idle {
				delete(l.buckets, k)
			}
		}
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.Allow()
}

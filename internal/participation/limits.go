package participation

import (
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// rateLimiter counts submissions per IP address and per email domain in
// fixed windows. It lives in memory: after a restart the windows start
// again, which at worst lets one more burst through to be counted — it never
// loses a submission, since the limit only flags.
type rateLimiter struct {
	mu      sync.Mutex
	limits  Limits
	exempt  map[string]bool
	windows map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newRateLimiter(l Limits) *rateLimiter {
	ex := map[string]bool{}
	for _, d := range l.ExemptDomains {
		ex[d] = true
	}
	return &rateLimiter{limits: l, exempt: ex, windows: map[string]*window{}}
}

// check counts one submission and returns why it is over a limit ("" when
// it is not). Every window is counted, flagged or not, so a flood stays
// flagged for as long as it lasts.
func (r *rateLimiter) check(ip, domain string, now time.Time) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.windows) > 200_000 {
		r.sweep(now)
	}
	reason := ""
	if ip != "" {
		if r.over("ip/b/"+ip, r.limits.IPBurst, now) {
			reason = "ip_burst"
		}
		if r.over("ip/s/"+ip, r.limits.IPSustained, now) && reason == "" {
			reason = "ip_sustained"
		}
	}
	if domain != "" && !r.exempt[domain] {
		if r.over("dom/b/"+domain, r.limits.DomainBurst, now) && reason == "" {
			reason = "domain_burst"
		}
		if r.over("dom/s/"+domain, r.limits.DomainSustained, now) && reason == "" {
			reason = "domain_sustained"
		}
	}
	return reason
}

func (r *rateLimiter) over(key string, l Limit, now time.Time) bool {
	if l.N <= 0 || l.Window <= 0 {
		return false
	}
	w := r.windows[key]
	if w == nil || now.Sub(w.start) >= l.Window {
		w = &window{start: now}
		r.windows[key] = w
	}
	w.n++
	return w.n > l.N
}

// sweep forgets windows that ended long ago.
func (r *rateLimiter) sweep(now time.Time) {
	longest := max(r.limits.IPBurst.Window, r.limits.IPSustained.Window, r.limits.DomainBurst.Window, r.limits.DomainSustained.Window)
	for k, w := range r.windows {
		if now.Sub(w.start) > longest {
			delete(r.windows, k)
		}
	}
}

// observeBatch records the size and duration of group commits, so an
// operator sees the batching at work on /metrics.
func observeBatch(size int, d time.Duration) {
	metrics.GetOrCreateHistogram(`repertoire_participation_batch_size`).Update(float64(size))
	metrics.GetOrCreateHistogram(`repertoire_participation_batch_seconds`).Update(d.Seconds())
	metrics.GetOrCreateCounter(`repertoire_participations_submitted_total`).Add(size)
}

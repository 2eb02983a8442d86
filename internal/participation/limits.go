package participation

import (
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"repertoire/internal/web"
)

// rateLimiter counts submissions per IP address and per email domain in
// fixed windows. It lives in memory: after a restart the windows start
// again, which at worst lets one more burst through to be counted — it never
// loses a submission, since the limit only flags.
//
// The group commit may write a submission more than once (a failed batch
// is retried one by one, a batch row that meets an existing participation
// goes again through writeOne): the submission keeps the receipt of its
// first check and is not checked again, and a submission whose transaction
// failed for good gets its count back (refund).
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

// receipt is what one check counted: the windows it added one to, and
// why the submission is over a limit ("" when it is not).
type receipt struct {
	reason   string
	counted  []counted
	refunded bool
}

type counted struct {
	key string
	w   *window
}

func newRateLimiter(l Limits) *rateLimiter {
	ex := map[string]bool{}
	for _, d := range l.ExemptDomains {
		ex[d] = true
	}
	return &rateLimiter{limits: l, exempt: ex, windows: map[string]*window{}}
}

// check counts one submission. Every window is counted, flagged or not, so
// a flood stays flagged for as long as it lasts.
func (r *rateLimiter) check(ip, domain string, now time.Time) *receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count(web.LimitKey(ip), domain, now) // IPv6 per /64
}

// refund takes back what rc counted: nothing of its submission was
// recorded. A window that started again since has forgotten it already;
// refunding twice, or a nil receipt, does nothing.
func (r *rateLimiter) refund(rc *receipt) {
	if rc == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rc.refunded {
		return
	}
	rc.refunded = true
	for _, c := range rc.counted {
		if w := r.windows[c.key]; w == c.w && w.n > 0 {
			w.n--
		}
	}
}

// count adds one to each window of ip and domain and says why the
// submission is over a limit. r.mu is held.
func (r *rateLimiter) count(ip, domain string, now time.Time) *receipt {
	if len(r.windows) > 200_000 {
		r.sweep(now)
	}
	rc := &receipt{}
	over := func(key string, l Limit, why string) {
		w := r.add(key, l, now)
		if w == nil {
			return
		}
		rc.counted = append(rc.counted, counted{key, w})
		if w.n > l.N && rc.reason == "" {
			rc.reason = why
		}
	}
	if ip != "" {
		over("ip/b/"+ip, r.limits.IPBurst, "ip_burst")
		over("ip/s/"+ip, r.limits.IPSustained, "ip_sustained")
	}
	if domain != "" && !r.exempt[domain] {
		over("dom/b/"+domain, r.limits.DomainBurst, "domain_burst")
		over("dom/s/"+domain, r.limits.DomainSustained, "domain_sustained")
	}
	return rc
}

// add counts one in the current window of key, starting a new one when
// the last has ended; nil when the limit is off.
func (r *rateLimiter) add(key string, l Limit, now time.Time) *window {
	if l.N <= 0 || l.Window <= 0 {
		return nil
	}
	w := r.windows[key]
	if w == nil || now.Sub(w.start) >= l.Window {
		w = &window{start: now}
		r.windows[key] = w
	}
	w.n++
	return w
}

// longest is the longest window of the limits.
func (r *rateLimiter) longest() time.Duration {
	return max(r.limits.IPBurst.Window, r.limits.IPSustained.Window, r.limits.DomainBurst.Window, r.limits.DomainSustained.Window)
}

// sweep forgets windows that ended long ago.
func (r *rateLimiter) sweep(now time.Time) {
	longest := r.longest()
	for k, w := range r.windows {
		if now.Sub(w.start) > longest {
			delete(r.windows, k)
		}
	}
}

// observeBatch records the size and duration of group commits, so an
// operator sees the batching at work on /metrics; a batch's size counts
// the links followed in it too, the submissions counter does not.
func observeBatch(size, submitted int, d time.Duration) {
	metrics.GetOrCreatePrometheusHistogramExt(`repertoire_participation_batch_size`, batchSizes).Update(float64(size))
	metrics.GetOrCreatePrometheusHistogramExt(`repertoire_participation_batch_seconds`, batchSeconds).Update(d.Seconds())
	metrics.GetOrCreateCounter(`repertoire_participations_submitted_total`).Add(submitted)
}

// The buckets of the batch histograms: sizes from 1 to the writer's 1,000,
// durations from 0.25 ms to 4 s.
var (
	batchSizes   = []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}
	batchSeconds = metrics.ExponentialBuckets(0.00025, 2, 15)
)

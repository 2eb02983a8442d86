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
//
// The group commit may write a submission more than once: a failed batch
// is retried one by one, and a row of the batch that meets an existing
// participation goes again through writeOne. checkOnce counts such a
// submission once, under a key the caller names it by (its *pending), and
// gives the same answer to every later check of that key; settle forgets
// the key once the submission is answered, refund takes its count back
// when nothing of it was recorded.
type rateLimiter struct {
	mu       sync.Mutex
	limits   Limits
	exempt   map[string]bool
	windows  map[string]*window
	receipts map[any]*receipt
	sweepAt  int // receipts held before the next sweep of receipts
}

type window struct {
	start time.Time
	n     int
}

// receipt is what one counted submission added: the windows it added one
// to, and the answer it got.
type receipt struct {
	at      time.Time
	reason  string
	counted []counted
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
	return &rateLimiter{limits: l, exempt: ex, windows: map[string]*window{}, receipts: map[any]*receipt{}, sweepAt: maxReceipts}
}

// check counts one submission and returns why it is over a limit ("" when
// it is not). Every window is counted, flagged or not, so a flood stays
// flagged for as long as it lasts.
func (r *rateLimiter) check(ip, domain string, now time.Time) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count(ip, domain, now).reason
}

// checkOnce is check for the submission named by key (any comparable
// value, the caller's *pending): the first check of a key counts it, later
// ones return the first answer without counting again, until the caller
// settles or refunds the key.
func (r *rateLimiter) checkOnce(key any, ip, domain string, now time.Time) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rc := r.receipts[key]; rc != nil {
		return rc.reason
	}
	if len(r.receipts) >= r.sweepAt {
		r.sweepReceipts(now)
	}
	rc := r.count(ip, domain, now)
	r.receipts[key] = rc
	return rc.reason
}

// settle forgets key: the submission is answered, and its count stays.
func (r *rateLimiter) settle(key any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.receipts, key)
}

// refund takes back what the check of key counted — nothing of the
// submission was recorded (its transaction rolled back for good) — and
// forgets key. A window that started again since has forgotten it already.
// Refunding a key never checked, settled or already refunded does nothing.
func (r *rateLimiter) refund(key any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rc := r.receipts[key]
	if rc == nil {
		return
	}
	delete(r.receipts, key)
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
	rc := &receipt{at: now}
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

// maxReceipts is how many keys may wait to be settled (a batch holds at
// most maxBatch) before the receipts whose every window has ended are
// dropped: refunding them would do nothing, and a key a caller forgot to
// settle must not be kept for ever.
const maxReceipts = 10 * maxBatch

func (r *rateLimiter) sweepReceipts(now time.Time) {
	longest := r.longest()
	for k, rc := range r.receipts {
		if now.Sub(rc.at) > longest {
			delete(r.receipts, k)
		}
	}
	r.sweepAt = max(maxReceipts, 2*len(r.receipts))
}

// observeBatch records the size and duration of group commits, so an
// operator sees the batching at work on /metrics.
func observeBatch(size int, d time.Duration) {
	metrics.GetOrCreateHistogram(`repertoire_participation_batch_size`).Update(float64(size))
	metrics.GetOrCreateHistogram(`repertoire_participation_batch_seconds`).Update(d.Seconds())
	metrics.GetOrCreateCounter(`repertoire_participations_submitted_total`).Add(size)
}

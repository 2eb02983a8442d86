package participation

import (
	"testing"
	"time"
)

// The per-IP limits count an IPv6 client by its /64, as the forms'
// limiter does: taking another address of the same /64 does not escape.
func TestIPLimitsKeyIPv6ByPrefix(t *testing.T) {
	r := newRateLimiter(Limits{IPBurst: Limit{N: 1, Window: time.Minute}})
	now := time.Now()
	if got := r.check("2001:db8:1:2::1", "", now).reason; got != "" {
		t.Fatalf("first submission: %q", got)
	}
	if got := r.check("2001:db8:1:2::ffff", "", now).reason; got != "ip_burst" {
		t.Errorf("another address of the same /64: %q, want ip_burst", got)
	}
	if got := r.check("2001:db8:1:3::1", "", now).reason; got != "" {
		t.Errorf("another /64: %q", got)
	}
	r.check("192.0.2.1", "", now)
	if got := r.check("192.0.2.2", "", now).reason; got != "" {
		t.Errorf("IPv4 neighbours share a window: %q", got)
	}
}

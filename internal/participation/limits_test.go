package participation

import (
	"testing"
	"time"
)

// TestRateLimiter: bursts and sustained windows per IP address and per
// email domain, exempt domains, and windows starting again once over.
func TestRateLimiter(t *testing.T) {
	t0 := time.Date(2025, 5, 25, 12, 0, 0, 0, time.UTC)
	limits := Limits{
		IPBurst:         Limit{N: 2, Window: time.Minute},
		IPSustained:     Limit{N: 3, Window: time.Hour},
		DomainBurst:     Limit{N: 2, Window: time.Minute},
		DomainSustained: Limit{N: 4, Window: time.Hour},
		ExemptDomains:   []string{"big.example"},
	}
	type call struct {
		ip, domain string
		at         time.Duration // after t0
		reason     string
	}
	for _, tc := range []struct {
		name  string
		calls []call
	}{
		{"ip burst", []call{
			{"192.0.2.1", "", 0, ""}, {"192.0.2.1", "", time.Second, ""}, {"192.0.2.1", "", 2 * time.Second, "ip_burst"},
			{"192.0.2.2", "", 3 * time.Second, ""}, // another address has its own window
		}},
		{"ip burst window starts again, sustained holds", []call{
			{"192.0.2.1", "", 0, ""}, {"192.0.2.1", "", time.Second, ""},
			{"192.0.2.1", "", 2 * time.Minute, ""}, {"192.0.2.1", "", 3 * time.Minute, "ip_sustained"},
			{"192.0.2.1", "", 2 * time.Hour, ""},
		}},
		{"domain burst and sustained", []call{
			{"", "small.example", 0, ""}, {"", "small.example", time.Second, ""}, {"", "small.example", 2 * time.Second, "domain_burst"},
			{"", "small.example", 2 * time.Minute, ""}, {"", "small.example", 3 * time.Minute, "domain_sustained"},
		}},
		{"exempt domain", []call{
			{"", "big.example", 0, ""}, {"", "big.example", 0, ""}, {"", "big.example", 0, ""}, {"", "big.example", 0, ""},
			{"", "big.example", 0, ""}, {"", "big.example", 0, ""},
		}},
		{"ip reason first", []call{
			{"192.0.2.1", "small.example", 0, ""}, {"192.0.2.1", "small.example", 0, ""}, {"192.0.2.1", "small.example", 0, "ip_burst"},
		}},
		{"flagged ones still count", []call{
			{"192.0.2.1", "", 0, ""}, {"192.0.2.1", "", 0, ""}, {"192.0.2.1", "", 0, "ip_burst"}, {"192.0.2.1", "", 0, "ip_burst"},
			{"192.0.2.1", "", time.Minute, "ip_sustained"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRateLimiter(limits)
			for i, c := range tc.calls {
				if got := r.check(c.ip, c.domain, t0.Add(c.at)).reason; got != c.reason {
					t.Errorf("call %d (%s %s at +%v): %q, want %q", i, c.ip, c.domain, c.at, got, c.reason)
				}
			}
		})
	}
}

// TestNoLimits: zero limits never flag.
func TestNoLimits(t *testing.T) {
	r := newRateLimiter(Limits{})
	now := time.Date(2025, 5, 25, 12, 0, 0, 0, time.UTC)
	for i := range 1000 {
		if got := r.check("192.0.2.1", "example.org", now).reason; got != "" {
			t.Fatalf("call %d flagged %q without limits", i, got)
		}
	}
}

// TestRateLimiterRefund: a refunded check no longer counts in any of its
// windows (address and domain, burst and sustained), a second refund takes
// nothing more, and a window started since keeps its own count.
func TestRateLimiterRefund(t *testing.T) {
	t0 := time.Date(2025, 5, 25, 12, 0, 0, 0, time.UTC)
	r := newRateLimiter(Limits{
		IPBurst:         Limit{N: 2, Window: time.Minute},
		IPSustained:     Limit{N: 3, Window: time.Hour},
		DomainBurst:     Limit{N: 2, Window: time.Minute},
		DomainSustained: Limit{N: 3, Window: time.Hour},
	})
	keys := make([]*receipt, 8)
	check := func(i int, ip, domain string, at time.Duration, want string) {
		t.Helper()
		keys[i] = r.check(ip, domain, t0.Add(at))
		if got := keys[i].reason; got != want {
			t.Fatalf("submission %d at +%v: %q, want %q", i, at, got, want)
		}
	}
	check(0, "192.0.2.1", "small.example", 0, "")
	check(1, "192.0.2.1", "small.example", 0, "")
	r.refund(keys[0])
	r.refund(keys[0]) // twice: nothing more
	check(2, "192.0.2.1", "small.example", 0, "")
	for name, want := range map[string]int{"ip/b/192.0.2.1": 2, "ip/s/192.0.2.1": 2, "dom/b/small.example": 2, "dom/s/small.example": 2} {
		if n := r.windows[name].n; n != want {
			t.Errorf("window %s holds %d after a refund, want %d", name, n, want)
		}
	}
	// A new address: the domain burst flags, and refunding it makes room.
	check(3, "192.0.2.9", "small.example", 0, "domain_burst")
	r.refund(keys[3])
	if n := r.windows["dom/b/small.example"].n; n != 2 {
		t.Fatalf("domain burst holds %d after refunding the flagged one, want 2", n)
	}
	// The burst windows start again; refunding a check of the old window
	// leaves the new one alone, while the sustained window, still the
	// same, gives it back.
	check(4, "192.0.2.1", "", 2*time.Minute, "")
	r.refund(keys[1])
	if n := r.windows["ip/b/192.0.2.1"].n; n != 1 {
		t.Fatalf("new burst window holds %d after refunding a check of the old one, want 1", n)
	}
	if n := r.windows["ip/s/192.0.2.1"].n; n != 2 {
		t.Fatalf("sustained window holds %d, want 2: submissions 2 and 4", n)
	}
	check(5, "192.0.2.1", "", 2*time.Minute, "")
	check(6, "192.0.2.1", "", 2*time.Minute, "ip_burst")
	// Refunding no receipt does nothing.
	r.refund(keys[7])
	if n := r.windows["ip/b/192.0.2.1"].n; n != 3 {
		t.Fatalf("burst window holds %d, want 3", n)
	}
}

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
				if got := r.check(c.ip, c.domain, t0.Add(c.at)); got != c.reason {
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
		if got := r.check("192.0.2.1", "example.org", now); got != "" {
			t.Fatalf("call %d flagged %q without limits", i, got)
		}
	}
}

package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func mustTrust(t testing.TB, specs ...string) TrustedProxies {
	t.Helper()
	tp, err := ParseTrustedProxies(specs)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func TestClientAddress(t *testing.T) {
	trusted := mustTrust(t, "10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.7")
	cases := []struct {
		name      string
		peer      string
		forwarded []string
		xff       []string
		want      string
	}{
		{"untrusted peer, no header", "198.51.100.1", nil, nil, "198.51.100.1"},
		{"untrusted peer's Forwarded is ignored", "198.51.100.1", []string{"for=203.0.113.5"}, nil, "198.51.100.1"},
		{"untrusted peer's X-Forwarded-For is ignored", "198.51.100.1", nil, []string{"203.0.113.5"}, "198.51.100.1"},
		{"trusted peer without headers", "10.1.2.3", nil, nil, "10.1.2.3"},
		{"single address trusted as /32", "192.0.2.7", nil, []string{"203.0.113.5"}, "203.0.113.5"},
		{"/32 is no wider", "192.0.2.8", nil, []string{"203.0.113.5"}, "192.0.2.8"},
		{"Forwarded, one hop", "10.1.2.3", []string{"for=203.0.113.5"}, nil, "203.0.113.5"},
		{"Forwarded, several hops through trusted proxies", "10.1.2.3",
			[]string{"for=203.0.113.5;proto=https, for=10.9.9.9;by=10.1.2.3"}, nil, "203.0.113.5"},
		{"Forwarded, hops on several lines", "10.1.2.3",
			[]string{"for=203.0.113.5", "for=10.9.9.9"}, nil, "203.0.113.5"},
		{"Forwarded, spoofed left part is not read", "10.1.2.3",
			[]string{"for=1.1.1.1, for=203.0.113.5"}, nil, "203.0.113.5"},
		{"Forwarded, quoted IPv6 with port", "10.1.2.3", []string{`for="[2001:db8::1]:4711"`}, nil, "2001:db8::1"},
		{"Forwarded, quoted IPv6 without port", "10.1.2.3", []string{`For="[2001:db8::1]"`}, nil, "2001:db8::1"},
		{"Forwarded, quoted IPv4 with port", "10.1.2.3", []string{`for="203.0.113.5:8080"`}, nil, "203.0.113.5"},
		{"Forwarded, escaped quoted string", "10.1.2.3", []string{`for="\[2001:db8::2\]"`}, nil, "2001:db8::2"},
		{"Forwarded, IPv6 hop inside a trusted range is skipped", "10.1.2.3",
			[]string{`for="[2001:db8::9]", for="[2001:db8:ffff::1]"`}, nil, "2001:db8::9"},
		{"Forwarded wins over X-Forwarded-For", "10.1.2.3", []string{"for=203.0.113.5"}, []string{"203.0.113.9"}, "203.0.113.5"},
		{"Forwarded without for= falls to X-Forwarded-For", "10.1.2.3", []string{"proto=https;host=example.org"}, []string{"203.0.113.9"}, "203.0.113.9"},
		{"Forwarded, every hop trusted: the left-most", "10.1.2.3", []string{"for=10.0.0.1, for=10.0.0.2"}, nil, "10.0.0.1"},
		{"Forwarded unknown node gives the peer", "10.1.2.3", []string{"for=unknown"}, nil, "10.1.2.3"},
		{"Forwarded obfuscated node gives the peer", "10.1.2.3", []string{"for=_hidden"}, nil, "10.1.2.3"},
		{"Forwarded unquoted IPv6 is malformed", "10.1.2.3", []string{"for=[2001:db8::1]"}, nil, "10.1.2.3"},
		{"Forwarded unclosed quote", "10.1.2.3", []string{`for="203.0.113.5`}, nil, "10.1.2.3"},
		{"Forwarded garbage", "10.1.2.3", []string{"garbage"}, []string{"203.0.113.9"}, "10.1.2.3"},
		{"Forwarded twice for= in one element", "10.1.2.3", []string{"for=203.0.113.5;for=203.0.113.6"}, nil, "10.1.2.3"},
		{"Forwarded hostname is no address", "10.1.2.3", []string{"for=example.org"}, nil, "10.1.2.3"},
		{"Forwarded with a zone is no address", "10.1.2.3", []string{`for="[fe80::1%eth0]"`}, nil, "10.1.2.3"},
		{"X-Forwarded-For, one hop", "10.1.2.3", nil, []string{"203.0.113.5"}, "203.0.113.5"},
		{"X-Forwarded-For, spoofed left part", "10.1.2.3", nil, []string{"1.1.1.1, 203.0.113.5"}, "203.0.113.5"},
		{"X-Forwarded-For, garbage left of the client is not read", "10.1.2.3", nil, []string{"not an address,, 203.0.113.5"}, "203.0.113.5"},
		{"X-Forwarded-For, several hops", "10.1.2.3", nil, []string{"1.1.1.1, 203.0.113.5, 10.4.4.4"}, "203.0.113.5"},
		{"X-Forwarded-For, several lines", "10.1.2.3", nil, []string{"1.1.1.1, 203.0.113.5", "10.4.4.4"}, "203.0.113.5"},
		{"X-Forwarded-For, IPv6", "10.1.2.3", nil, []string{"2001:db8::1"}, "2001:db8::1"},
		{"X-Forwarded-For, IPv4-mapped IPv6", "10.1.2.3", nil, []string{"::ffff:203.0.113.5"}, "203.0.113.5"},
		{"X-Forwarded-For, address with port", "10.1.2.3", nil, []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"X-Forwarded-For, garbage gives the peer", "10.1.2.3", nil, []string{"garbage"}, "10.1.2.3"},
		{"X-Forwarded-For, empty element gives the peer", "10.1.2.3", nil, []string{"203.0.113.5, "}, "10.1.2.3"},
		{"X-Forwarded-For, empty line", "10.1.2.3", nil, []string{""}, "10.1.2.3"},
		{"trusted IPv6 peer", "2001:db8:ffff::5", nil, []string{"203.0.113.5"}, "203.0.113.5"},
		{"IPv4-mapped trusted peer", "::ffff:10.1.2.3", nil, []string{"203.0.113.5"}, "203.0.113.5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ClientAddress(netip.MustParseAddr(c.peer), c.forwarded, c.xff, trusted)
			if got.String() != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	tp := mustTrust(t, " 10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::ffff:172.16.0.0/108", "")
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "172.16.0.0/12"}
	var got []string
	for _, p := range tp {
		got = append(got, p.String())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.org", "fe80::1%eth0", "::ffff:0.0.0.0/64"} {
		if _, err := ParseTrustedProxies([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLimitKey(t *testing.T) {
	cases := map[string]string{
		"203.0.113.5":           "203.0.113.5",
		"::ffff:203.0.113.5":    "203.0.113.5",
		"2001:db8:1:2:aaaa::1":  "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb::99": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":       "2001:db8:1:3::/64",
		"not an address":        "not an address",
	}
	for in, want := range cases {
		if got := LimitKey(in); got != want {
			t.Errorf("LimitKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClientIPThroughTheMiddleware(t *testing.T) {
	var got string
	h := ClientAddresses(mustTrust(t, "10.0.0.0/8"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = ClientIP(r)
	}))
	for _, c := range []struct{ remote, xff, want string }{
		{"10.0.0.1:5555", "203.0.113.5", "203.0.113.5"},
		{"198.51.100.1:5555", "203.0.113.5", "198.51.100.1"},
		{"[2001:db8::1]:5555", "203.0.113.5", "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		r.Header.Set("X-Forwarded-For", c.xff)
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %s: client %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}

// The limiter of forms keys IPv6 clients by their /64: rotating addresses
// within it does not give a fresh bucket, another /64 does.
func TestLimiterKeysIPv6ByPrefix(t *testing.T) {
	l := NewLimiter(1<<62, 1)
	post := func(remote string) bool {
		r := httptest.NewRequest("POST", "/", nil)
		r.RemoteAddr = remote
		return l.Allow(r)
	}
	if !post("[2001:db8:1:2::1]:1000") {
		t.Fatal("first post refused")
	}
	if post("[2001:db8:1:2::2]:1000") {
		t.Error("another address of the same /64 got a fresh bucket")
	}
	if !post("[2001:db8:1:3::1]:1000") {
		t.Error("another /64 shares the bucket")
	}
	if !post("203.0.113.5:1000") || post("203.0.113.5:1001") || !post("203.0.113.6:1000") {
		t.Error("IPv4 clients are not limited per address")
	}
}

// FuzzClientAddress: whatever the headers, the parser neither panics nor
// answers something other than the peer for an untrusted peer, and a
// trusted peer's client is the peer or an address the headers name.
func FuzzClientAddress(f *testing.F) {
	f.Add("10.0.0.1", "for=203.0.113.5;proto=https, for=10.0.0.2", "1.1.1.1, 203.0.113.5")
	f.Add("10.0.0.1", `for="[2001:db8::1]:4711"`, "")
	f.Add("10.0.0.1", `for="\"`, "garbage,,")
	f.Add("198.51.100.1", "for=203.0.113.5", "203.0.113.5")
	f.Add("10.0.0.1", "", "[2001:db8::1]:443, ::ffff:10.0.0.3")
	trusted := mustTrust(f, "10.0.0.0/8", "2001:db8:ffff::/48")
	f.Fuzz(func(t *testing.T, peerS, forwarded, xff string) {
		peer, err := netip.ParseAddr(peerS)
		if err != nil {
			return
		}
		var fw, xf []string
		if forwarded != "" {
			fw = strings.Split(forwarded, "\n")
		}
		if xff != "" {
			xf = strings.Split(xff, "\n")
		}
		got := ClientAddress(peer, fw, xf, trusted)
		p := peer.Unmap().WithZone("")
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("client %v", got)
		}
		if !trusted.Contains(p) && got != p {
			t.Fatalf("untrusted peer %v gave %v", p, got)
		}
		if got != p && !namedIn(got, fw, xf) {
			t.Fatalf("client %v named by neither header", got)
		}
		_ = LimitKey(got.String())
	})
}

func namedIn(a netip.Addr, fw, xf []string) bool {
	if hops, ok := forwardedHops(fw); ok {
		for _, h := range hops {
			if b, ok := parseNode(h); ok && b == a {
				return true
			}
		}
	}
	for _, line := range xf {
		for el := range strings.SplitSeq(line, ",") {
			if b, ok := parseNode(strings.Trim(el, " \t")); ok && b == a {
				return true
			}
		}
	}
	return false
}

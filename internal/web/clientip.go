package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies are the address ranges of the reverse proxies in front of
// the server. Only a request whose TCP peer is inside one of them has its
// forwarding headers (Forwarded, X-Forwarded-For) believed.
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads CIDR ranges ("10.0.0.0/8", "2001:db8::/32") or
// single addresses (taken as /32 or /128).
func ParseTrustedProxies(specs []string) (TrustedProxies, error) {
	var t TrustedProxies
	for _, s := range specs {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("trusted proxy %q: not a CIDR range or an IP address", s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				return nil, fmt.Errorf("trusted proxy %q: an IPv4-mapped range shorter than /96", s)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		t = append(t, p.Masked())
	}
	return t, nil
}

// Contains reports whether a is one of the trusted proxies.
func (t TrustedProxies) Contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

const clientKey ctxKey = -1

// ClientAddresses is the middleware that finds the client of each request
// (ClientAddress) and keeps it in the request context, where ClientIP
// reads it.
func ClientAddresses(trusted TrustedProxies) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			peer, ok := peerAddr(r.RemoteAddr)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			client := ClientAddress(peer, r.Header.Values("Forwarded"), r.Header.Values("X-Forwarded-For"), trusted)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey, client)))
		})
	}
}

// ClientIP is the address of the client of the request: the one
// ClientAddresses found when the server runs it (behind trusted proxies),
// otherwise the TCP peer. It is personal data: never log it.
func ClientIP(r *http.Request) string {
	if a, ok := r.Context().Value(clientKey).(netip.Addr); ok {
		return a.String()
	}
	if a, ok := peerAddr(r.RemoteAddr); ok {
		return a.String()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// LimitKey is the rate-limit key of a client address: the address itself
// for IPv4, its /64 prefix for IPv6, since one subscriber usually holds a
// whole /64 and could take a new address for every request. A string that
// is not an address is its own key.
func LimitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

func peerAddr(remote string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// ClientAddress is the client of a request that came from the TCP peer
// with these Forwarded and X-Forwarded-For header lines. Headers are
// believed only from a trusted peer; Forwarded (RFC 7239) is read when it
// names any for= node, X-Forwarded-For otherwise. Each proxy appends the
// address it got the request from, so the hops are read from the right:
// the first address that is not itself a trusted proxy is the client, and
// whatever a client wrote further left is never read. When every hop is a
// trusted proxy, the left-most is the client. A malformed header, or a hop
// that names no address ("unknown", an obfuscated node), gives the peer.
func ClientAddress(peer netip.Addr, forwarded, xff []string, trusted TrustedProxies) netip.Addr {
	peer = peer.Unmap().WithZone("")
	if !trusted.Contains(peer) {
		return peer
	}
	hops, ok := forwardedHops(forwarded)
	if !ok {
		return peer
	}
	if len(hops) == 0 {
		return xffClient(peer, xff, trusted)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, known := parseNode(hops[i])
		if !known {
			return peer
		}
		client = a
		if !trusted.Contains(a) {
			break
		}
	}
	return client
}

// xffClient reads X-Forwarded-For from the right, parsing only the
// elements it needs.
func xffClient(peer netip.Addr, lines []string, trusted TrustedProxies) netip.Addr {
	client := peer
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Trim(lines[i], " \t") == "" {
			continue // an empty header line adds nothing
		}
		for rest, more := lines[i], true; more; {
			el := rest
			if c := strings.LastIndexByte(rest, ','); c >= 0 {
				el, rest = rest[c+1:], rest[:c]
			} else {
				more = false
			}
			a, known := parseNode(strings.Trim(el, " \t"))
			if !known {
				return peer
			}
			client = a
			if !trusted.Contains(a) {
				return client
			}
		}
	}
	return client
}

// parseNode reads one node: an IPv4 address, a bracketed IPv6 address, either
// with an optional port, or a bare IPv6 address. "unknown", obfuscated
// identifiers and anything else are not addresses.
func parseNode(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() && a.Zone() == "" {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// forwardedHops returns the for= value of every element of the Forwarded
// header lines, in order (elements without for= are skipped), and false
// when a line does not follow RFC 7239's grammar.
func forwardedHops(lines []string) ([]string, bool) {
	var hops []string
	for _, line := range lines {
		p := fwdParser{s: line}
		for {
			p.ows()
			if p.done() {
				break
			}
			if p.peek() == ',' { // empty list element
				p.i++
				continue
			}
			var forSeen bool
			for {
				p.ows()
				if p.done() || p.peek() == ',' {
					break
				}
				if p.peek() == ';' {
					p.i++
					continue
				}
				name := p.token()
				if name == "" || p.done() || p.peek() != '=' {
					return nil, false
				}
				p.i++
				value, ok := p.value()
				if !ok {
					return nil, false
				}
				if strings.EqualFold(name, "for") {
					if forSeen {
						return nil, false // a parameter occurs once per element
					}
					forSeen = true
					hops = append(hops, value)
				}
				p.ows()
				if !p.done() && p.peek() != ';' && p.peek() != ',' {
					return nil, false
				}
			}
			if !p.done() {
				p.i++ // the comma
			}
		}
	}
	return hops, true
}

type fwdParser struct {
	s string
	i int
}

func (p *fwdParser) done() bool { return p.i >= len(p.s) }
func (p *fwdParser) peek() byte { return p.s[p.i] }

func (p *fwdParser) ows() {
	for !p.done() && (p.peek() == ' ' || p.peek() == '\t') {
		p.i++
	}
}

func (p *fwdParser) token() string {
	start := p.i
	for !p.done() && isTchar(p.peek()) {
		p.i++
	}
	return p.s[start:p.i]
}

// value reads a token or a quoted string, unescaping the latter.
func (p *fwdParser) value() (string, bool) {
	if p.done() {
		return "", false
	}
	if p.peek() != '"' {
		t := p.token()
		return t, t != ""
	}
	p.i++
	var b strings.Builder
	for !p.done() {
		c := p.peek()
		p.i++
		switch {
		case c == '"':
			return b.String(), true
		case c == '\\':
			if p.done() {
				return "", false
			}
			c = p.peek()
			p.i++
			if c != '\t' && (c < 0x20 || c == 0x7f) {
				return "", false
			}
			b.WriteByte(c)
		case c == '\t' || (c >= 0x20 && c != 0x7f):
			b.WriteByte(c)
		default:
			return "", false
		}
	}
	return "", false // no closing quote
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

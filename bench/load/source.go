package main

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
)

// source is where a submission seems to come from, as the server sees it
// behind a trusted proxy: the client's address, its mail domain and its
// browser. Organic load has to look organic to the integrity review:
// every signer on 127.0.0.1 with one mail domain is, to its network rule,
// one network sending the whole load.
type source struct {
	ip, domain, agent string
}

// providers are mail domains with shares near those of a French
// campaign's list (a few large providers, then a long tail of work and
// university domains, drawn below).
var providers = []struct {
	domain string
	weight int
}{
	{"gmail.com", 34}, {"hotmail.fr", 8}, {"hotmail.com", 5}, {"outlook.fr", 4}, {"outlook.com", 3},
	{"yahoo.fr", 5}, {"yahoo.com", 2}, {"orange.fr", 9}, {"wanadoo.fr", 3}, {"free.fr", 6},
	{"laposte.net", 4}, {"sfr.fr", 3}, {"icloud.com", 4}, {"live.fr", 2}, {"proton.me", 1},
	{"gmx.fr", 1}, {"bbox.fr", 1},
}

var providerTotal = func() int {
	t := 0
	for _, p := range providers {
		t += p.weight
	}
	return t
}()

// tail are the work and university domains of the rest (one in ten),
// several hundred of them, each a small share.
var tail = []string{"univ-lyon%d.fr", "ac-region%d.fr", "mairie%d.fr", "asso%d.org", "entreprise%d.fr", "chu%d.fr"}

// agents are browsers' User-Agent headers, phones first.
var agents = []string{
	"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
}

// reserved are the ranges no person signs from (private, loopback,
// shared, documentation, multicast…): addresses drawn in them are drawn
// again.
var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",
		"2001:db8::/32", "2001::/23"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

func isReserved(a netip.Addr) bool {
	for _, p := range reserved {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// organicOrigin is a person at home or on their phone: an address of the
// public Internet drawn at random (a third IPv6, as French mobile and
// fibre networks give), so that no network holds more than a few of a
// run's signers, as for a petition shared widely.
func organicOrigin(r *rand.Rand) source {
	var a netip.Addr
	for {
		if r.IntN(3) == 0 {
			var b [16]byte
			hi, lo := r.Uint64(), r.Uint64()
			for i := range 8 {
				b[i], b[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
			}
			b[0] = 0x20 | b[0]&0x1f // 2000::/3, the global unicast space
			a = netip.AddrFrom16(b)
		} else {
			v := r.Uint32()
			a = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		}
		if !isReserved(a) {
			break
		}
	}
	o := source{ip: a.String(), agent: agents[r.IntN(len(agents))]}
	if r.IntN(10) == 0 {
		o.domain = fmt.Sprintf(tail[r.IntN(len(tail))], r.IntN(100))
	} else {
		k := r.IntN(providerTotal)
		for _, p := range providers {
			if k -= p.weight; k < 0 {
				o.domain = p.domain
				break
			}
		}
	}
	return o
}

// farmOrigin is a click farm's worker: one network (a documentation
// range), a throwaway mail domain and a script's client.
func farmOrigin(r *rand.Rand) source {
	return source{ip: netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + r.IntN(254))}).String(), domain: "yopmail.com",
		agent: "python-requests/2.31.0"}
}

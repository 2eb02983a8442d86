package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/server"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
	"repertoire/internal/web"
)

// signInFrom posts an empty sign-in form (the rate limit comes before any
// check of the address) as sent through a proxy with these headers, and
// reports whether the limiter refused it.
func signInFrom(t *testing.T, app *testkit.App, header ...string) (limited bool) {
	t.Helper()
	req, _ := http.NewRequest("POST", app.URL+"/signin", strings.NewReader(url.Values{"email": {""}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept-Language", "en")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	return strings.Contains(string(body), "Too many attempts")
}

func startBehind(t *testing.T, proxies ...string) *testkit.App {
	trusted, err := web.ParseTrustedProxies(proxies)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.StartWith(t, storetest.OpenSQLite(t), func(c *server.Config) { c.TrustedProxies = trusted })
}

// Behind a trusted proxy (the test's own 127.0.0.1), each client named by
// the proxy has its own bucket of the sign-in limiter (20 posts at once):
// one client using its bucket up leaves the other's whole.
func TestClientsBehindATrustedProxyHaveTheirOwnBuckets(t *testing.T) {
	app := startBehind(t, "127.0.0.0/8")
	exhaust := func(header ...string) {
		t.Helper()
		for i := 0; ; i++ {
			if signInFrom(t, app, header...) {
				return
			}
			if i > 50 {
				t.Fatalf("%v: never limited", header)
			}
		}
	}
	// A client spoofing the left part of X-Forwarded-For stays itself.
	exhaust("X-Forwarded-For", "203.0.113.5")
	if !signInFrom(t, app, "X-Forwarded-For", "198.51.100.1, 203.0.113.5") {
		t.Error("a forged left part of X-Forwarded-For gave a fresh bucket")
	}
	if signInFrom(t, app, "X-Forwarded-For", "203.0.113.6") {
		t.Error("a second client behind the proxy shares the first one's bucket")
	}
	// IPv6 clients are limited per /64: another address in the same /64
	// is the same client, another /64 is not.
	exhaust("Forwarded", `for="[2001:db8:1:2::1]:4711"`)
	if !signInFrom(t, app, "Forwarded", `for="[2001:db8:1:2::abcd]"`) {
		t.Error("another address of the same /64 gave a fresh bucket")
	}
	if signInFrom(t, app, "Forwarded", `for="[2001:db8:1:3::1]"`) {
		t.Error("another /64 shares the bucket")
	}
}

// A peer that is not a trusted proxy cannot leave its bucket by naming
// another client in a forged header.
func TestForgedHeadersFromAnUntrustedPeerAreIgnored(t *testing.T) {
	app := startBehind(t, "10.0.0.0/8")
	for i := 0; !signInFrom(t, app, "X-Forwarded-For", "203.0.113.5"); i++ {
		if i > 50 {
			t.Fatal("never limited")
		}
	}
	for _, h := range [][]string{
		{"X-Forwarded-For", "203.0.113.77"},
		{"Forwarded", "for=203.0.113.78"},
		{"Forwarded", `for="[2001:db8:9::1]"`},
	} {
		if !signInFrom(t, app, h...) {
			t.Errorf("%s: %s gave a fresh bucket", h[0], h[1])
		}
	}
}

package web

import (
	"net/http"
	"strings"
)

// contentSecurityPolicy allows nothing from elsewhere, and script only from
// this site's static files (no inline script): pages work without it, the
// share block's copy button needs it. Style attributes stay allowed:
// progress bars set their width with one, and an attribute cannot run code.
const contentSecurityPolicy = "default-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; " +
	"script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// mailedLinkPrefixes are the paths of links sent by mail: their tokens must
// not leak to another site through the Referer of a link on the page.
var mailedLinkPrefixes = []string{"/confirm/", "/signin/", "/email/", "/password/reset/", "/invite/",
	"/unsubscribe/", "/p/confirm/", "/p/withdraw/", "/pledges/checkin/", "/vote/",
	"/letters/post/", "/events/ticket/", "/events/offer/", "/legal/e/"}

// SecurityHeaders sets the headers every answer carries; hsts adds
// Strict-Transport-Security, for a server whose public URL is https.
func SecurityHeaders(hsts bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", contentSecurityPolicy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", referrerPolicy(r.URL.Path))
			if hsts {
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			next.ServeHTTP(w, r)
		})
	}
}

func referrerPolicy(path string) string {
	for _, p := range mailedLinkPrefixes {
		if strings.HasPrefix(path, p) {
			return "no-referrer"
		}
	}
	return "strict-origin-when-cross-origin"
}

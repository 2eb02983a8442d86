package participation

import (
	"net/http"
	"net/url"
	"strings"

	"repertoire/internal/web"
)

// Share is what a tactic's pages offer to spread it: the copy-link field,
// the mail link, the Mastodon form and the Open Graph tags. The "share"
// and "share_meta" templates (package web) draw it.
type Share struct {
	URL         string // the action's page, absolute
	Title       string
	Description string // og:description
	Text        string // the words of a post or a mail, localized
	Image       string // the share image, absolute; "" for none
	// Mastodon is the path of the form asking for the person's instance
	// (MastodonPage answers it).
	Mastodon string
}

// Mailto is the mail link: subject the title, body the words and the page.
// Spaces are %20: mail programs read + literally.
func (s Share) Mailto() string {
	q := func(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }
	return "mailto:?subject=" + q(s.Title) + "&body=" + q(s.Text+"\n\n"+s.URL)
}

// PostText is what a post says: the words, then the page.
func (s Share) PostText() string { return s.Text + " " + s.URL }

// MastodonShareURL is where sharing on instance goes: only ever
// https://<instance>/share, so the form can send nobody elsewhere.
func MastodonShareURL(instance, text string) string {
	return "https://" + instance + "/share?text=" + strings.ReplaceAll(url.QueryEscape(text), "+", "%20")
}

// MastodonInstance reads the instance a person typed ("mastodon.social",
// "https://mastodon.social/", "@ana@mastodon.social") as a host name, or
// false when it is not one: letters, digits and hyphens in two labels at
// least, no port, no path, no address in digits.
func MastodonInstance(typed string) (string, bool) {
	h := strings.ToLower(strings.TrimSpace(typed))
	h = strings.TrimPrefix(h, "https://")
	h = strings.TrimSuffix(h, "/")
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		h = h[i+1:]
	}
	h = strings.TrimSuffix(h, ".")
	if len(h) == 0 || len(h) > 253 {
		return "", false
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", false
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return "", false // an IPv4 address
	}
	return h, true
}

type mastodonPage struct {
	Share    Share
	Instance string // as typed, for the refused form
	Host     string // the valid instance
	Link     string // https://<Host>/share?text=…
	Error    string
}

// MastodonPage answers the Mastodon form (GET ?instance=…): a page whose
// link goes on to share on that instance. It does not redirect: the CSP's
// form-action would stop a form's redirect to another site, and a page the
// person reads before leaving cannot be made an open redirect.
func MastodonPage(w http.ResponseWriter, r *http.Request, pages *web.Renderer, s Share) {
	l := web.Localizer(r.Context())
	typed := r.URL.Query().Get("instance")
	d := mastodonPage{Share: s, Instance: typed}
	status := http.StatusOK
	if host, ok := MastodonInstance(typed); ok {
		d.Host, d.Link = host, MastodonShareURL(host, s.PostText())
	} else {
		d.Error = l.T("participation.mastodon.bad_instance")
		status = http.StatusUnprocessableEntity
	}
	pages.Render(w, r, status, "participation_mastodon", l.T("participation.mastodon.title"), d)
}

// Done is the page after taking part (the form's 303 lands there): check
// your mailbox, what happens next, ways to share. It is the same for
// everyone, whatever became of the participation, so it tells nobody
// whether an address had taken part before.
type Done struct {
	Kind  Kind
	Title string // the action's
	Path  string // the action's page
	Share Share
}

// RenderDone shows the page after taking part.
func RenderDone(w http.ResponseWriter, r *http.Request, pages *web.Renderer, d Done) {
	pages.Render(w, r, http.StatusOK, "participation_done", web.Localizer(r.Context()).T("participation.done.title"), d)
}

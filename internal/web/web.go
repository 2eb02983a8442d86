// Package web is the plumbing every capability's pages share: the layout and
// renderer, the language of a request, the signed-in viewer, form errors,
// flashes and the rate limiter of public forms. Pages themselves live with
// their capability (community/, campaign/, account/).
package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/i18n"

	"golang.org/x/text/unicode/norm"
)

// Viewer is the person signed in to the browser session.
type Viewer struct {
	PersonID  string
	Name      string
	Email     string
	IsAdmin   bool
	Confirmed bool
}

type ctxKey int

const (
	viewerKey ctxKey = iota
	localizerKey
	asAdminKey
)

// WithViewer attaches the signed-in person to the request context.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey, v)
}

// WithSession attaches a signed-in person found by find on first use, at
// most once (nil: a visitor): a request that never asks who is signed in,
// such as the post of a public form, reads no session.
func WithSession(ctx context.Context, find func() *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey, sync.OnceValue(find))
}

// ViewerFrom returns the signed-in person, or nil for a visitor.
func ViewerFrom(ctx context.Context) *Viewer {
	switch v := ctx.Value(viewerKey).(type) {
	case *Viewer:
		return v
	case func() *Viewer:
		return v()
	}
	return nil
}

// WithAsAdmin marks a request as an instance administrator's in a
// community they do not belong to: what they do there, they do as
// administrator, and every page's layout says so (Page.AsAdmin).
func WithAsAdmin(ctx context.Context) context.Context {
	b := true
	return context.WithValue(ctx, asAdminKey, &b)
}

// WithAdminMark makes room in an administrator's request for MarkAsAdmin,
// for pages that learn their community only once they load what they show
// (a message, a decision).
func WithAdminMark(ctx context.Context) context.Context {
	return context.WithValue(ctx, asAdminKey, new(bool))
}

// MarkAsAdmin marks a request WithAdminMark prepared as WithAsAdmin does.
func MarkAsAdmin(ctx context.Context) {
	if b, _ := ctx.Value(asAdminKey).(*bool); b != nil {
		*b = true
	}
}

// AsAdmin reports whether the request was marked by WithAsAdmin or
// MarkAsAdmin.
func AsAdmin(ctx context.Context) bool {
	b, _ := ctx.Value(asAdminKey).(*bool)
	return b != nil && *b
}

// ViewerID is the signed-in person's id, "" for a visitor.
func ViewerID(r *http.Request) string {
	if v := ViewerFrom(r.Context()); v != nil {
		return v.PersonID
	}
	return ""
}

// WithLocalizer attaches the request's language.
func WithLocalizer(ctx context.Context, l *i18n.Localizer) context.Context {
	return context.WithValue(ctx, localizerKey, l)
}

// LangCookie holds the switcher's choice.
const LangCookie = "lang"

// Language picks the language of each request (switcher cookie, then
// Accept-Language) and puts its localizer in the context.
func Language(cat *i18n.Catalog) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			override := ""
			if c, err := r.Cookie(LangCookie); err == nil {
				override = c.Value
			}
			lang := cat.Match(override, r.Header.Get("Accept-Language"))
			w.Header().Add("Vary", "Accept-Language, Cookie")
			w.Header().Set("Content-Language", lang)
			next.ServeHTTP(w, r.WithContext(WithLocalizer(r.Context(), cat.For(lang))))
		})
	}
}

// Localizer returns the request's localizer, set by Language. Outside a
// request it is nil, which shows message IDs rather than load a catalog of
// its own: the server loads the one catalog and passes it down.
func Localizer(ctx context.Context) *i18n.Localizer {
	l, _ := ctx.Value(localizerKey).(*i18n.Localizer)
	return l
}

// SwitchLanguage handles GET /lang/{lang}?next=/path: it remembers the
// choice in a cookie and goes back to the page.
func SwitchLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if !i18n.Supported(lang) {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, LocalPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// LocalPath keeps only a path on this site, so redirects cannot be turned
// into open redirects.
func LocalPath(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return p
}

// Form carries what a person typed and the localized error of each field,
// so a refused form comes back filled in.
type Form struct {
	Values url.Values
	Errors map[string]string
	// focused is set once a field with an error took the autofocus.
	focused bool
}

// NewForm wraps a copy of submitted values.
func NewForm(values url.Values) *Form {
	copied := url.Values{}
	for k, v := range values {
		copied[k] = append([]string(nil), v...)
	}
	return &Form{Values: copied, Errors: map[string]string{}}
}

// Get returns a submitted value.
func (f *Form) Get(name string) string { return f.Values.Get(name) }

// Error returns the localized error of a field.
func (f *Form) Error(name string) string { return f.Errors[name] }

// Autofocus reports whether the field is the first refused one the page
// draws: it gets the autofocus, so a person without scripts lands on it.
// The page's templates ask in the order they draw the fields.
func (f *Form) Autofocus(name string) bool {
	if f.focused || f.Errors[name] == "" {
		return false
	}
	f.focused = true
	return true
}

// HasErrors reports whether any field was refused.
func (f *Form) HasErrors() bool { return len(f.Errors) > 0 }

// SetErrors localizes the field errors of err into the form. It returns
// false when err carries no field error (so the caller shows an error page).
func (f *Form) SetErrors(l *i18n.Localizer, err error) bool {
	fes := repertoire.FieldErrors(err)
	if len(fes) == 0 {
		e := repertoire.AsError(err)
		if e.Code == repertoire.ECONFLICT && e.Field != "" {
			f.Errors[e.Field] = l.Error(e)
			return true
		}
		return false
	}
	for _, fe := range fes {
		if _, seen := f.Errors[fe.Field]; !seen {
			f.Errors[fe.Field] = l.Error(fe)
		}
	}
	return true
}

// FlashCookie carries a one-time message ID to the next page.
const FlashCookie = "flash"

// Flash shows a message (by ID) on the next page rendered.
func Flash(w http.ResponseWriter, messageID string) {
	http.SetCookie(w, &http.Cookie{Name: FlashCookie, Value: url.QueryEscape(messageID), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(FlashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: FlashCookie, Path: "/", MaxAge: -1, Expires: time.Unix(0, 0)})
	id, _ := url.QueryUnescape(c.Value)
	return id
}

// Redirect answers a successful form post (303, so a reload does not post
// again), optionally with a flash message.
func Redirect(w http.ResponseWriter, r *http.Request, path, flashID string) {
	if flashID != "" {
		Flash(w, flashID)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// MaxFormBytes bounds form bodies; a larger one is refused as too large.
const MaxFormBytes = 1 << 20

// ParseForm reads a bounded form body.
func ParseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if asMaxBytes(err, &mbe) {
			return repertoire.Errorf(repertoire.ETOOLARGE, "error.too_large")
		}
		return repertoire.Invalid("", "error.invalid", nil)
	}
	// Text that is not UTF-8 would be stored as it came (SQLite) or refused
	// by the database (PostgreSQL): refuse it here, naming the field.
	for _, vals := range []url.Values{r.PostForm, r.Form} {
		for k, vs := range vals {
			for _, v := range append(vs, k) {
				if !utf8.ValidString(v) {
					return repertoire.Invalid(strings.ToValidUTF8(k, "?"), "field.bad_utf8_field", map[string]any{"Field": strings.ToValidUTF8(k, "?")})
				}
			}
		}
	}
	return nil
}

// RequireViewer returns the viewer, or redirects to sign-in and returns nil.
func RequireViewer(w http.ResponseWriter, r *http.Request) *Viewer {
	v := ViewerFrom(r.Context())
	if v == nil {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	}
	return v
}

// MaxSlug is the longest slug Slugify makes.
const MaxSlug = 60

// Slugify derives a URL slug from a name or title: "Grève des usagers,
// 1er mai" → "greve-des-usagers-1er-mai". Accents are dropped, ligatures
// unfolded, anything else but ASCII letters and digits becomes one hyphen,
// at most MaxSlug characters. The result may be too short to be valid (a
// name in another script): each capability checks its own slugs.
func Slugify(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(strings.ToLower(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r): // the accent of a decomposed letter
		default:
			hyphen = true
		}
		if b.Len() >= MaxSlug {
			break
		}
	}
	s := b.String()
	if len(s) > MaxSlug {
		s = s[:MaxSlug]
	}
	return strings.TrimRight(s, "-")
}

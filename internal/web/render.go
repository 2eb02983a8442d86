package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
)

//go:embed templates/*.html
var shared embed.FS

//go:embed static
var static embed.FS

// Static serves the stylesheet and other assets.
func Static() http.Handler {
	sub, _ := fs.Sub(static, "static")
	return http.StripPrefix("/static/", http.FileServerFS(sub))
}

// Renderer renders pages inside the shared layout.
type Renderer struct {
	pages map[string]*template.Template
	Log   *slog.Logger
	zone  *time.Location // the instance's (SetZone); nil is UTC
}

// SetZone sets the instance's IANA time zone (--time-zone), whose clock
// pages show instants on (Page.Moment); "" is UTC.
func (rd *Renderer) SetZone(zone string) error {
	if zone == "" {
		rd.zone = nil
		return nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return fmt.Errorf("time zone %q: %w", zone, err)
	}
	rd.zone = loc
	return nil
}

// Page is what every template receives as its dot.
type Page struct {
	L      *i18n.Localizer
	Viewer *Viewer
	Title  string // already localized
	Path   string // request URI, for the language switcher
	Flash  string // already localized
	Data   any
	Status int
	// AsAdmin: an instance administrator views a community they do not
	// belong to (WithAsAdmin); the layout's banner says they act as one.
	AsAdmin bool
	zone    *time.Location // the instance's, for Moment
}

// Moment writes an instant for people, in the reader's language on the
// clock of the instance's zone: "14 May 2018, 17:00 (Europe/Paris)"
// (FormatMoment). Audit tables put it in a <time datetime> for machines.
func (p *Page) Moment(t time.Time) string {
	if p.zone == nil {
		return formatMomentIn(p.L.Tag(), t, time.UTC)
	}
	return formatMomentIn(p.L.Tag(), t, p.zone)
}

// T translates within a template: {{.T "campaign.title"}} or, inside range,
// {{$.T "key" "Name" .Name}}.
func (p *Page) T(id string, args ...any) string { return p.L.T(id, args...) }

// NewRenderer parses the shared layout and partials, then each page of each
// capability FS (files templates/*.html; a page's name is its file name
// without extension, and must be unique across capabilities).
func NewRenderer(log *slog.Logger, capabilities ...fs.FS) (*Renderer, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(shared, "templates/*.html")
	if err != nil {
		return nil, err
	}
	r := &Renderer{pages: map[string]*template.Template{}, Log: log}
	for _, fsys := range capabilities {
		names, err := fs.Glob(fsys, "templates/*.html")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			page := strings.TrimSuffix(path.Base(name), ".html")
			if strings.HasPrefix(page, "_") { // partials of that capability
				continue
			}
			if _, dup := r.pages[page]; dup {
				return nil, fmt.Errorf("web: page %q defined twice", page)
			}
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			partials, _ := fs.Glob(fsys, "templates/_*.html")
			files := append(partials, name)
			if _, err := t.ParseFS(fsys, files...); err != nil {
				return nil, fmt.Errorf("web: %s: %w", name, err)
			}
			r.pages[page] = t
		}
	}
	// Pages of the web package itself.
	for _, page := range []string{"error", "confirm"} {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		r.pages[page] = template.Must(t.New("content").Parse(`{{template "page_` + page + `" .}}`))
	}
	return r, nil
}

// Render writes page with data inside the layout. titleID is a message ID
// (or "" to use the app name); titleArgs fill it.
func (rd *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	t, ok := rd.pages[page]
	if !ok {
		rd.Log.Error("missing template", "page", page)
		http.Error(w, "missing template", http.StatusInternalServerError)
		return
	}
	l := Localizer(r.Context())
	p := &Page{L: l, Viewer: ViewerFrom(r.Context()), Title: title, Path: r.URL.RequestURI(), Data: data, Status: status, AsAdmin: AsAdmin(r.Context()), zone: rd.zone}
	if id := takeFlash(w, r); id != "" {
		p.Flash = l.T(id)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		rd.Log.Error("render", "page", page, "err", err)
		http.Error(w, l.T("error.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// Fragment renders the template name of page's set (a partial of its
// capability) for the request's viewer and language, for a block another
// page embeds (campaign.Block); dot is a Page whose Data is data.
func (rd *Renderer) Fragment(r *http.Request, page, name string, data any) (template.HTML, error) {
	t, ok := rd.pages[page]
	if !ok {
		return "", fmt.Errorf("web: no page %q", page)
	}
	p := &Page{L: Localizer(r.Context()), Viewer: ViewerFrom(r.Context()), Path: r.URL.RequestURI(), Data: data, zone: rd.zone}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, p); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // html/template escaped it
}

// Form reads a posted form; a body over the limit gets the error page
// (413) and false.
func (rd *Renderer) Form(w http.ResponseWriter, r *http.Request) (*Form, bool) {
	if err := ParseForm(w, r); err != nil {
		rd.Error(w, r, err)
		return nil, false
	}
	return NewForm(r.PostForm), true
}

// Confirmation is the step a destructive or irreversible post asks first
// (deleting a section with its demands, delivering a petition, a review's
// decision on many signatures): a page that says what will happen and
// posts the same form again with confirm=yes. It works without scripts.
type Confirmation struct {
	Action       string   // the post's own path, where the confirmed form goes
	Question     string   // localized: the page's heading
	Consequences []string // localized: what will happen, and what cannot be undone
	Button       string   // localized: the danger button's label
	Back         string   // the page to go back to, changing nothing
	Values       url.Values
}

// Confirmed reports whether the post f was confirmed (confirm=yes);
// when not, it shows c's confirmation page, carrying f's values.
func (rd *Renderer) Confirmed(w http.ResponseWriter, r *http.Request, f *Form, c Confirmation) bool {
	if f.Get("confirm") == "yes" {
		return true
	}
	if c.Action == "" {
		c.Action = r.URL.Path
	}
	c.Values = url.Values{}
	for k, vs := range f.Values {
		if k != "confirm" {
			c.Values[k] = vs
		}
	}
	rd.Render(w, r, http.StatusOK, "confirm", c.Question, c)
	return false
}

// Error renders an error page with the status and localized message of err.
// Internal errors are logged (never with personal data: errors carry none).
func (rd *Renderer) Error(w http.ResponseWriter, r *http.Request, err error) {
	e := repertoire.AsError(store.Classify(err))
	if e.Code == repertoire.EUNAUTHORIZED {
		if RequireViewer(w, r) == nil {
			return
		}
	}
	if e.Code == repertoire.EINTERNAL {
		rd.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if e.Code == repertoire.EUNAVAILABLE {
		// Not logged here: the server logs an outage once (server.Run).
		w.Header().Set("Retry-After", repertoire.RetryAfter)
	}
	l := Localizer(r.Context())
	rd.Render(w, r, repertoire.Status(e.Code), "error", l.T("error.title"), l.Error(e))
}

var funcs = template.FuncMap{
	// date formats a time for people: "2 May 2018" / "2 mai 2018".
	"date": func(l *i18n.Localizer, t any) string {
		var tm time.Time
		switch v := t.(type) {
		case time.Time:
			tm = v
		case *time.Time:
			if v == nil {
				return ""
			}
			tm = *v
		case string:
			parsed, err := time.Parse("2006-01-02", v)
			if err != nil {
				return v
			}
			tm = parsed
		default:
			return ""
		}
		return FormatDate(l.Lang, tm)
	},
	// isodate formats a time for <time datetime> and date inputs.
	"isodate": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("2006-01-02")
		case *time.Time:
			if v == nil {
				return ""
			}
			return v.UTC().Format("2006-01-02")
		}
		return ""
	},
	// languages names a list of BCP 47 tags in the reader's language
	// (LanguageNames).
	"languages": LanguageNames,
	// num formats a count for people: "1,000" / "1 000" (FormatNumber).
	"num": func(l *i18n.Localizer, n int) string { return l.Num(n) },
	// percent formats a percentage: "12%" / "12 %" (FormatPercent).
	"percent": func(l *i18n.Localizer, p int) string { return l.Percent(p) },
	"add":     func(a, b int) int { return a + b },
	// letter turns a section position into its letter: 1 → A.
	"letter": SectionLetter,
	// paragraphs splits text on blank lines, for readable bodies without HTML.
	"paragraphs": Paragraphs,
	// shortdate is a chart's tick: "9 Apr" / "9 avr."
	"shortdate": func(l *i18n.Localizer, t time.Time) string { return FormatShortDate(l.Lang, t) },
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict: odd arguments")
		}
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

// LanguageNames writes a list of BCP 47 tags as language fields keep it
// ("fr, en") in the reader's language: "French, English", "Français,
// anglais". The tags are the instance's languages (i18n.CheckLanguages),
// whose names the catalogs hold: golang.org/x/text/language/display would
// add 2.4 MB of tables for them. A tag the instance does not speak (a
// value kept from before the check) stays as written.
func LanguageNames(l *i18n.Localizer, tags string) string {
	var names []string
	for _, tag := range strings.Split(tags, ",") {
		if tag = strings.TrimSpace(tag); tag == "" {
			continue
		}
		if lang, ok := i18n.ParseLanguage(tag); ok {
			tag = l.T("language.in_list." + lang)
		}
		names = append(names, tag)
	}
	out := strings.Join(names, ", ")
	if r, size := utf8.DecodeRuneInString(out); size > 0 {
		out = string(unicode.ToUpper(r)) + out[size:]
	}
	return out
}

// Paragraphs splits text on blank lines, for readable bodies without HTML.
func Paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Shorten cuts text to at most max runes, at a space, with an ellipsis.
func Shorten(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := string(r[:max-1])
	if i := strings.LastIndexByte(cut, ' '); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}

// SectionLetter turns a 1-based position into A, B, …, Z, AA, AB, ….
func SectionLetter(pos int) string {
	if pos < 1 {
		return "?"
	}
	s := ""
	for pos > 0 {
		pos--
		s = string(rune('A'+pos%26)) + s
		pos /= 26
	}
	return s
}

var shortMonthsFR = []string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}

// FormatShortDate writes a day without its year, for a chart's ticks:
// "9 Apr" / "9 avr.".
func FormatShortDate(lang string, t time.Time) string {
	t = t.UTC()
	if lang == "fr" {
		return frenchDay(t.Day()) + " " + shortMonthsFR[t.Month()-1]
	}
	return t.Format("2 Jan")
}

// frenchDay writes a day of the month as French does: the first is an
// ordinal, "1er décembre"; the others are cardinals, "2 décembre".
func frenchDay(d int) string {
	if d == 1 {
		return "1er"
	}
	return strconv.Itoa(d)
}

var monthsFR = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// FormatDate writes a date the way each language does.
func FormatDate(lang string, t time.Time) string {
	t = t.UTC()
	if lang == "fr" {
		return fmt.Sprintf("%s %s %d", frenchDay(t.Day()), monthsFR[t.Month()-1], t.Year())
	}
	return t.Format("2 January 2006")
}

// FormatMoment writes an instant on the clock of the IANA zone, in lang:
// "14 May 2018, 17:00 (Europe/Paris)" (UTC when the zone is unknown).
func FormatMoment(lang string, t time.Time, zone string) string {
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		loc = time.UTC
	}
	return formatMomentIn(lang, t, loc)
}

// formatMomentIn is FormatMoment on the clock of a loaded zone.
func formatMomentIn(lang string, t time.Time, loc *time.Location) string {
	lt := t.In(loc)
	day := FormatDate(lang, time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC))
	return day + ", " + lt.Format("15:04") + " (" + loc.String() + ")"
}

// FormatNumber writes a count the way each language does: "100,000" in
// English, "100 000" with a narrow no-break space (U+202F) in French
// (i18n.FormatNumber, the one formatter of numbers).
func FormatNumber(lang string, n int) string { return i18n.FormatNumber(lang, n) }

// FormatPercent writes a percentage: "12%" / "12 %" (i18n.FormatPercent).
func FormatPercent(lang string, p int) string { return i18n.FormatPercent(lang, p) }

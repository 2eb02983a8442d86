package i18n

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/language"

	"repertoire"
)

// Content written by organizers (a campaign's title, a petition's text, a
// pledge's action) lives in its table's columns in the content's own
// language, and in the other languages as Translations: one shared shape,
// one rule of which version a reader sees.

// Translations are a piece of content's versions in the languages other
// than its own, field by field: language → field → text. Stored as JSON in
// a column of the content's own table (its owner's SQL), and given as is
// by the API as `translations`, keyed by BCP 47 tag.
type Translations map[string]map[string]string

// Pick is the version of a field a reader of lang sees: theirs when it
// exists, else the content's own (own is its language, ownText its
// text), else any other language's, so that nothing written is hidden.
func (t Translations) Pick(lang, own, field, ownText string) string {
	if lang != own {
		if v := t[lang][field]; v != "" {
			return v
		}
	}
	if ownText != "" {
		return ownText
	}
	for _, l := range Languages {
		if v := t[l][field]; v != "" && l != own {
			return v
		}
	}
	return ""
}

// Get is the translation of field in lang, "" when none.
func (t Translations) Get(lang, field string) string { return t[lang][field] }

// Set writes the translation of field in lang; an empty text removes it.
func (t *Translations) Set(lang, field, text string) {
	if text == "" {
		if (*t)[lang] != nil {
			delete((*t)[lang], field)
			if len((*t)[lang]) == 0 {
				delete(*t, lang)
			}
		}
		return
	}
	if *t == nil {
		*t = Translations{}
	}
	if (*t)[lang] == nil {
		(*t)[lang] = map[string]string{}
	}
	(*t)[lang][field] = text
}

// Languages lists the languages with at least one translated field, sorted.
func (t Translations) Languages() []string {
	out := make([]string, 0, len(t))
	for l := range t {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Document is t as an API document gives it: an object, never null.
func (t Translations) Document() Translations {
	if t == nil {
		return Translations{}
	}
	return t
}

// Clone copies t, so a patch never changes what a cache holds.
func (t Translations) Clone() Translations {
	if t == nil {
		return nil
	}
	out := make(Translations, len(t))
	for l, fs := range t {
		m := make(map[string]string, len(fs))
		for f, v := range fs {
			m[f] = v
		}
		out[l] = m
	}
	return out
}

// Normalize checks t against the fields a content translates (field →
// its cleaning and its checks, given the error field name), its own
// language own: keys become supported languages (ParseLanguage), the own
// language's entries are dropped (the columns hold them), empty texts are
// removed. Errors name translations.<lang>.<field>.
func (t *Translations) Normalize(own string, fields map[string]func(field, v string) (string, []*repertoire.Error)) error {
	var es repertoire.Errors
	out := Translations{}
	for tag, fs := range *t {
		lang, ok := ParseLanguage(tag)
		if !ok {
			es = append(es, repertoire.Invalid("translations", "field.bad_language", map[string]any{"Tag": tag}))
			continue
		}
		if lang == own {
			continue
		}
		for f, v := range fs {
			check, ok := fields[f]
			if !ok {
				es = append(es, repertoire.Invalid("translations."+lang+"."+f, "field.unknown", nil))
				continue
			}
			v, errs := check("translations."+lang+"."+f, v)
			es = append(es, errs...)
			out.Set(lang, f, v)
		}
	}
	if len(out) == 0 {
		out = nil
	}
	*t = out
	return es.Err()
}

// Value stores t as JSON ("" when empty, as the columns' default).
func (t Translations) Value() (driver.Value, error) {
	if len(t) == 0 {
		return "", nil
	}
	b, err := json.Marshal(map[string]map[string]string(t))
	return string(b), err
}

// Scan reads the JSON of a translations column.
func (t *Translations) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("i18n: translations from %T", src)
	}
	*t = nil
	if len(b) == 0 {
		return nil
	}
	var m map[string]map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if len(m) > 0 {
		*t = m
	}
	return nil
}

var supportedTags = func() []language.Tag {
	out := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		out[i] = language.Make(l)
	}
	return out
}()

// ParseLanguage reads a BCP 47 tag a person or a client gave (`fr`,
// `en-GB`, `FR-ca`) and gives the supported language it names (`fr`,
// `en`); ok is false for anything else: a malformed tag, or a language
// this instance does not speak.
func ParseLanguage(tag string) (lang string, ok bool) {
	tag = strings.TrimSpace(tag)
	if tag == "" || len(tag) > 35 {
		return "", false
	}
	t, err := language.Parse(tag)
	if err != nil {
		return "", false
	}
	base, conf := t.Base()
	if conf != language.Exact { // "und" guesses English: not a language given

		return "", false
	}
	for _, s := range supportedTags {
		if b, _ := s.Base(); b == base {
			return b.String(), true
		}
	}
	return "", false
}

// CheckLanguage is ParseLanguage as a field's check: it gives the
// supported language, or the error naming field. Required says whether
// an empty value is refused (else it gives "").
func CheckLanguage(field, tag string, required bool) (string, *repertoire.Error) {
	if strings.TrimSpace(tag) == "" {
		if required {
			return "", repertoire.Invalid(field, "field.required", nil)
		}
		return "", nil
	}
	lang, ok := ParseLanguage(tag)
	if !ok {
		return "", repertoire.Invalid(field, "field.bad_language", map[string]any{"Tag": tag})
	}
	return lang, nil
}

// Message is a text the system writes (a timeline entry), kept as its
// message id and arguments and rendered in each reader's language when
// read. An argument may itself be a text in several languages (a map of
// language → text, e.g. a petition's title): the reader's is picked.
type Message struct {
	ID   string         `json:"id"`
	Args map[string]any `json:"args,omitempty"`
}

// Msg builds a message from key, value pairs, as T takes them.
func Msg(id string, args ...any) Message {
	m := Message{ID: id}
	for i := 0; i+1 < len(args); i += 2 {
		if m.Args == nil {
			m.Args = map[string]any{}
		}
		k, _ := args[i].(string)
		m.Args[k] = args[i+1]
	}
	return m
}

// Versions is a text in every language it exists in (own language first
// among equals: Pick falls back to it), as a message argument.
func Versions(own, ownText string, t Translations, field string) map[string]string {
	out := map[string]string{own: ownText}
	for l, fs := range t {
		if v := fs[field]; v != "" && l != own {
			out[l] = v
		}
	}
	if own != "" {
		out[""] = own // which one is its own, for the fallback
	}
	return out
}

// Render writes m in l's language; number formats numbers (the page's
// typography) and may be nil.
func (m Message) Render(l *Localizer, number func(lang string, n int) string) string {
	data := make(map[string]any, len(m.Args))
	lang := Languages[0]
	if l != nil {
		lang = l.Lang
	}
	for k, v := range m.Args {
		switch a := v.(type) {
		case map[string]string:
			data[k] = pickVersion(a, lang)
		case map[string]any:
			s := make(map[string]string, len(a))
			for kk, vv := range a {
				s[kk], _ = vv.(string)
			}
			data[k] = pickVersion(s, lang)
		case float64: // numbers come back from JSON so
			if k == "Count" || number == nil {
				data[k] = int(a)
			} else {
				data[k] = number(lang, int(a))
			}
		case int:
			if k == "Count" || number == nil {
				data[k] = a
			} else {
				data[k] = number(lang, a)
			}
		default:
			data[k] = v
		}
	}
	return l.TMap(m.ID, data)
}

func pickVersion(v map[string]string, lang string) string {
	if s := v[lang]; s != "" {
		return s
	}
	if s := v[v[""]]; s != "" {
		return s
	}
	for _, l := range Languages {
		if s := v[l]; s != "" {
			return s
		}
	}
	return ""
}

// CheckTag is the check of a field naming the language of something
// outside the site (a press article's): any well-formed BCP 47 tag, given
// back in its canonical form (`ES` → `es`, `pt-br` → `pt-BR`); "" is left
// empty. Content written here takes CheckLanguage instead.
func CheckTag(field, tag string) (string, *repertoire.Error) {
	tag = strings.TrimSpace(tag)
	if tag == "" {
		return "", nil
	}
	t, err := language.Parse(tag)
	if err != nil || len(tag) > 35 {
		return "", repertoire.Invalid(field, "field.bad_tag", map[string]any{"Tag": tag})
	}
	return t.String(), nil
}

// CheckLanguages is CheckLanguage for a list ("fr, en", "en-GB fr"): each
// tag one of the instance's languages, given back as "fr, en", once each,
// in the order given; "" stays empty.
func CheckLanguages(field, list string) (string, *repertoire.Error) {
	var out []string
	seen := map[string]bool{}
	for _, tag := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '/' }) {
		lang, err := CheckLanguage(field, tag, true)
		if err != nil {
			return "", err
		}
		if !seen[lang] {
			seen[lang] = true
			out = append(out, lang)
		}
	}
	return strings.Join(out, ", "), nil
}

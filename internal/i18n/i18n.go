// Package i18n holds every string a person reads, in English and French, and
// picks the language of a request. Messages live in locales/<area>.<lang>.json,
// one file per capability so each area keeps its own words.
package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"repertoire"
)

//go:embed locales/*.json
var locales embed.FS

// Languages are the languages Repertoire speaks, the default first.
var Languages = []string{"en", "fr"}

// Catalog is the loaded set of messages.
type Catalog struct {
	bundle     *goi18n.Bundle
	matcher    language.Matcher
	ids        map[string]map[string]bool // lang → message IDs, for checks
	localizers map[string]*Localizer      // one per language, shared: they only read
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{bundle: b, ids: map[string]map[string]bool{}}
	for _, l := range Languages {
		c.ids[l] = map[string]bool{}
	}
	err := fs.WalkDir(locales, "locales", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := locales.ReadFile(path)
		if err != nil {
			return err
		}
		mf, err := b.ParseMessageFileBytes(data, path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		lang := mf.Tag.String()
		if c.ids[lang] == nil {
			return fmt.Errorf("%s: language %q is not one of %v", path, lang, Languages)
		}
		for _, m := range mf.Messages {
			if c.ids[lang][m.ID] {
				return fmt.Errorf("%s: message %q defined twice", path, m.ID)
			}
			c.ids[lang][m.ID] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.Make(l)
	}
	c.matcher = language.NewMatcher(tags)
	c.localizers = map[string]*Localizer{}
	for _, l := range Languages {
		c.localizers[l] = &Localizer{Lang: l, l: goi18n.NewLocalizer(b, l)}
	}
	return c, nil
}

// MustLoad is Load for tests and start-up.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Match picks the language: a supported override (the switcher's cookie)
// wins, then the Accept-Language header, then English.
func (c *Catalog) Match(override, acceptLanguage string) string {
	if Supported(override) {
		return override
	}
	tags, _, _ := language.ParseAcceptLanguage(acceptLanguage)
	_, idx, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return Languages[0]
	}
	return Languages[idx]
}

// Missing lists message IDs present in one language and absent from another.
func (c *Catalog) Missing() []string {
	var out []string
	for _, a := range Languages {
		for id := range c.ids[a] {
			for _, b := range Languages {
				if !c.ids[b][id] {
					out = append(out, fmt.Sprintf("%s: missing in %s (present in %s)", id, b, a))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether the message exists in every language.
func (c *Catalog) Has(id string) bool {
	for _, l := range Languages {
		if !c.ids[l][id] {
			return false
		}
	}
	return true
}

// Localizer speaks one language.
type Localizer struct {
	Lang string
	l    *goi18n.Localizer
}

// For returns the localizer of a supported language (English otherwise).
func (c *Catalog) For(lang string) *Localizer {
	if l, ok := c.localizers[lang]; ok {
		return l
	}
	return c.localizers[Languages[0]]
}

// T translates id. Args are key, value pairs for the message template; a
// "Count" key also selects the plural form. Integer arguments are written
// in the language's typography (figures). A missing message shows its ID,
// so it is seen (and the catalog test fails) rather than hidden.
func (l *Localizer) T(id string, args ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		k, _ := args[i].(string)
		data[k] = args[i+1]
	}
	return l.TMap(id, data)
}

// TMap is T with the template data as a map.
func (l *Localizer) TMap(id string, data map[string]any) string {
	if l == nil {
		return id // no catalog in reach: seen, as a missing message is
	}
	cfg := &goi18n.LocalizeConfig{MessageID: id, TemplateData: figures(l.Lang, data)}
	if n, ok := data["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := l.l.Localize(cfg)
	if err != nil {
		var nf *goi18n.MessageNotFoundErr
		if errors.As(err, &nf) || s == "" {
			return id
		}
	}
	return s
}

// Error localizes a domain error; foreign errors read as internal ones.
func (l *Localizer) Error(err error) string {
	e := repertoire.AsError(err)
	id := e.MessageID
	if id == "" {
		id = "error." + e.Code
	}
	return l.TMap(id, e.Args)
}

// Tag returns the BCP 47 tag of the language (for <html lang>).
func (l *Localizer) Tag() string {
	if l == nil {
		return Languages[0]
	}
	return strings.ToLower(l.Lang)
}

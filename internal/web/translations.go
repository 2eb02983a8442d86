package web

import (
	"strings"

	"repertoire/internal/i18n"
)

// An organizer writes a content's other-language versions (i18n.Translations)
// in the same form as its own, one fieldset per language (the "translations"
// partial), each input named translations.<lang>.<field>, as the API's
// translations object is keyed.

// TranslatedField is one field of a content offered in the other
// languages: its name (title, summary), its label's message id, and its
// rows when it is a textarea (0: one line).
type TranslatedField struct {
	Name  string
	Label string
	Rows  int
}

// TranslationField is the form input of field's version in lang.
func TranslationField(lang, field string) string { return "translations." + lang + "." + field }

// Translations reads the form's versions of fields in the languages
// langs (the content's own excluded by the caller).
func (f *Form) Translations(langs []string, fields ...string) i18n.Translations {
	var t i18n.Translations
	for _, lang := range langs {
		for _, name := range fields {
			t.Set(lang, name, strings.TrimSpace(f.Get(TranslationField(lang, name))))
		}
	}
	return t
}

// SetTranslations fills the form's translation inputs from t.
func (f *Form) SetTranslations(t i18n.Translations) {
	for lang, fs := range t {
		for name, v := range fs {
			f.Values.Set(TranslationField(lang, name), v)
		}
	}
}

// LanguagesData is what a form with a content's language and its other
// versions needs: the languages to choose from, the fields translated.
type LanguagesData struct {
	Fields []TranslatedField
}

// All are the instance's languages, for the language's select.
func (LanguagesData) All() []string { return i18n.Languages }

// Unknown is what was typed in the form's language field when it is none
// of the instance's (kept, so a refused form shows it), else "".
func (LanguagesData) Unknown(f *Form) string {
	v := f.Get("language")
	for _, l := range i18n.Languages {
		if v == l {
			return ""
		}
	}
	return v
}

// Others are the languages the form's other versions are offered in: all
// but the one its own fields were shown as (own_language).
func (LanguagesData) Others(f *Form) []string {
	own := f.Get("own_language")
	var out []string
	for _, l := range i18n.Languages {
		if l != own {
			out = append(out, l)
		}
	}
	return out
}

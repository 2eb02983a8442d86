package i18n_test

import (
	"testing"

	"repertoire"
	"repertoire/internal/i18n"
)

func TestParseLanguageTakesTheInstanceLanguagesOnly(t *testing.T) {
	for tag, want := range map[string]string{"fr": "fr", "en": "en", "EN-gb": "en", "fr-CA": "fr", " fr ": "fr", "fr_FR": "fr"} {
		if got, ok := i18n.ParseLanguage(tag); !ok || got != want {
			t.Errorf("ParseLanguage(%q) = %q, %v; want %q", tag, got, ok, want)
		}
	}
	for _, tag := range []string{"", "de", "es-ES", "french", "f", "x-klingon", "fr--CA", "und"} {
		if got, ok := i18n.ParseLanguage(tag); ok {
			t.Errorf("ParseLanguage(%q) = %q, want refused", tag, got)
		}
	}
	_, err := i18n.CheckLanguage("language", "de", true)
	if err == nil || err.Field != "language" || err.MessageID != "field.bad_language" || err.Args["Tag"] != "de" {
		t.Fatalf("CheckLanguage(de) = %#v", err)
	}
	if got, err := i18n.CheckLanguages("languages", "FR-ca, en-GB fr"); err != nil || got != "fr, en" {
		t.Fatalf("CheckLanguages = %q, %v", got, err)
	}
	if _, err := i18n.CheckLanguages("languages", "fr, klingon"); err == nil || err.Args["Tag"] != "klingon" {
		t.Fatalf("CheckLanguages(klingon) = %v", err)
	}
	if got, err := i18n.CheckTag("language", "pt-br"); err != nil || got != "pt-BR" {
		t.Fatalf("CheckTag(pt-br) = %q, %v", got, err)
	}
	if _, err := i18n.CheckTag("language", "not a tag"); err == nil || err.MessageID != "field.bad_tag" {
		t.Fatalf("CheckTag(not a tag) = %v", err)
	}
}

func TestTranslationsPickTheReadersVersion(t *testing.T) {
	var tr i18n.Translations
	tr.Set("fr", "title", "Grève des usagers")
	if got := tr.Pick("fr", "en", "title", "Users’ strike"); got != "Grève des usagers" {
		t.Errorf("French reader: %q", got)
	}
	if got := tr.Pick("en", "en", "title", "Users’ strike"); got != "Users’ strike" {
		t.Errorf("English reader: %q", got)
	}
	if got := tr.Pick("fr", "en", "summary", "Only in English"); got != "Only in English" {
		t.Errorf("no French summary: %q", got)
	}
	// Only the translation written: every reader sees it.
	if got := tr.Pick("en", "en", "title", ""); got != "Grève des usagers" {
		t.Errorf("own version empty: %q", got)
	}
	tr.Set("fr", "title", "")
	if tr != nil && len(tr) != 0 {
		t.Errorf("emptied translations kept: %v", tr)
	}
}

func TestTranslationsNormalize(t *testing.T) {
	fields := map[string]func(field, v string) (string, []*repertoire.Error){
		"title": func(field, v string) (string, []*repertoire.Error) {
			if len(v) > 10 {
				return v, []*repertoire.Error{repertoire.Invalid(field, "field.too_long", nil)}
			}
			return v, nil
		}}
	tr := i18n.Translations{"FR-ca": {"title": "Grève"}, "en": {"title": "Strike"}}
	if err := tr.Normalize("en", fields); err != nil {
		t.Fatal(err)
	}
	if len(tr) != 1 || tr.Get("fr", "title") != "Grève" {
		t.Fatalf("normalized: %v", tr)
	}
	bad := i18n.Translations{"de": {"title": "Streik"}, "fr": {"title": "Une grève bien trop longue", "body": "x"}}
	es := repertoire.FieldErrors(bad.Normalize("en", fields))
	got := map[string]string{}
	for _, e := range es {
		got[e.Field] = e.MessageID
	}
	want := map[string]string{"translations": "field.bad_language", "translations.fr.title": "field.too_long", "translations.fr.body": "field.unknown"}
	for f, id := range want {
		if got[f] != id {
			t.Errorf("%s: %q, want %q (all: %v)", f, got[f], id, got)
		}
	}
}

// A message kept for later is written in each reader's language, its
// arguments in theirs too.
func TestMessageRendersInTheReadersLanguage(t *testing.T) {
	cat := i18n.MustLoad()
	m := i18n.Msg("petition.timeline.delivered", "Title", i18n.Versions("en", "Stop tracking us", i18n.Translations{"fr": {"title": "Arrêtez de nous pister"}}, "title"), "Total", 1234)
	number := func(lang string, n int) string {
		if lang == "fr" {
			return "1 234"
		}
		return "1,234"
	}
	en, fr := m.Render(cat.For("en"), number), m.Render(cat.For("fr"), number)
	if en != cat.For("en").T("petition.timeline.delivered", "Title", "Stop tracking us", "Total", "1,234") {
		t.Errorf("English: %q", en)
	}
	if fr != cat.For("fr").T("petition.timeline.delivered", "Title", "Arrêtez de nous pister", "Total", "1 234") {
		t.Errorf("French: %q", fr)
	}
	if en == fr {
		t.Errorf("one text for both languages: %q", en)
	}
}

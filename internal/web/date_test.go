package web

import (
	"testing"
	"time"

	"repertoire/internal/i18n"
)

// French writes the first of a month as an ordinal: "1er décembre".
func TestFrenchDatesSayTheFirst(t *testing.T) {
	for _, tc := range []struct {
		lang string
		t    time.Time
		want string
	}{
		{"fr", time.Date(2026, time.December, 1, 9, 0, 0, 0, time.UTC), "1er décembre 2026"},
		{"fr", time.Date(2026, time.December, 2, 9, 0, 0, 0, time.UTC), "2 décembre 2026"},
		{"en", time.Date(2026, time.December, 1, 9, 0, 0, 0, time.UTC), "1 December 2026"},
	} {
		if got := FormatDate(tc.lang, tc.t); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.want)
		}
	}
	if got := FormatShortDate("fr", time.Date(2026, time.May, 1, 0, 0, 0, 0, time.UTC)); got != "1er mai" {
		t.Errorf("short date: %q", got)
	}
}

// A list of language tags reads as the languages' names in the reader's
// language, its first letter capital; a tag the instance does not speak
// stays as written.
func TestLanguageNames(t *testing.T) {
	cat := i18n.MustLoad()
	for _, tc := range []struct{ lang, tags, want string }{
		{"en", "fr, en", "French, English"},
		{"fr", "fr, en", "Français, anglais"},
		{"fr", "en-GB", "Anglais"},
		{"en", "fr, tlh", "French, tlh"},
		{"en", "", ""},
	} {
		if got := LanguageNames(cat.For(tc.lang), tc.tags); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.lang, tc.tags, got, tc.want)
		}
	}
}

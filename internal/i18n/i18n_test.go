package i18n_test

import (
	"strings"
	"testing"

	"repertoire"
	"repertoire/internal/i18n"
)

func TestEveryMessageExistsInBothLanguages(t *testing.T) {
	c := i18n.MustLoad()
	if missing := c.Missing(); len(missing) > 0 {
		t.Fatalf("%d messages missing:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

func TestMatchPrefersSwitcherThenHeader(t *testing.T) {
	c := i18n.MustLoad()
	cases := []struct{ override, accept, want string }{
		{"", "fr-FR,fr;q=0.9,en;q=0.8", "fr"},
		{"", "en-GB", "en"},
		{"", "de-DE", "en"},
		{"", "", "en"},
		{"en", "fr-FR", "en"},
		{"fr", "en", "fr"},
		{"xx", "fr", "fr"},
	}
	for _, tc := range cases {
		if got := c.Match(tc.override, tc.accept); got != tc.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tc.override, tc.accept, got, tc.want)
		}
	}
}

func TestLocalizesErrorsWithArguments(t *testing.T) {
	c := i18n.MustLoad()
	err := repertoire.Invalid("title", "field.too_long", map[string]any{"Max": 200})
	if got := c.For("fr").Error(err); got != "200 caractères au plus." {
		t.Fatalf("fr: %q", got)
	}
	if got := c.For("en").Error(err); got != "At most 200 characters." {
		t.Fatalf("en: %q", got)
	}
	if got := c.For("en").T("no.such.message"); got != "no.such.message" {
		t.Fatalf("missing message shows %q", got)
	}
}

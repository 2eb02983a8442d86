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

// Counts people read take their language's plural form: English's one is
// 1 only, French's is 0 and 1.
func TestCountsTakeTheirLanguagesPluralForms(t *testing.T) {
	c := i18n.MustLoad()
	for _, tc := range []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 0, "0 signatures"}, {"en", 1, "1 signature"}, {"en", 2, "2 signatures"},
		{"fr", 0, "0 signature"}, {"fr", 1, "1 signature"}, {"fr", 2, "2 signatures"},
	} {
		got := c.For(tc.lang).T("campaign.tactic.petition.count", "Count", tc.count, "Total", tc.count)
		if got != tc.want {
			t.Errorf("%s, %d: %q, want %q", tc.lang, tc.count, got, tc.want)
		}
	}
	if got := c.For("fr").T("community.dashboard.requests", "Count", 1, "Total", 1); got != "1 personne demande à rejoindre" {
		t.Errorf("French request count: %q", got)
	}
}

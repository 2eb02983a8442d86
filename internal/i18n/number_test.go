package i18n

import "testing"

// Counts and percentages in each language's typography: English groups by
// commas and sets the percent sign close; French groups by narrow
// no-break spaces (U+202F, CLDR since version 34) and sets one before the
// percent sign.
func TestNumbersInEachLanguagesTypography(t *testing.T) {
	for _, c := range []struct {
		lang    string
		n, p    int
		num, pc string
	}{
		{"en", 100000, 12, "100,000", "12%"},
		{"en", 999, 100, "999", "100%"},
		{"en", -1234567, 0, "-1,234,567", "0%"},
		{"fr", 100000, 12, "100\u202f000", "12\u202f%"},
		{"fr", 999, 100, "999", "100\u202f%"},
		{"fr", 1234567, 7, "1\u202f234\u202f567", "7\u202f%"},
		{"de", 1000, 5, "1,000", "5%"}, // a language Repertoire does not speak reads as English
	} {
		if got := FormatNumber(c.lang, c.n); got != c.num {
			t.Errorf("FormatNumber(%s, %d) = %q, want %q", c.lang, c.n, got, c.num)
		}
		if got := FormatPercent(c.lang, c.p); got != c.pc {
			t.Errorf("FormatPercent(%s, %d) = %q, want %q", c.lang, c.p, got, c.pc)
		}
	}
}

// A message's integer arguments read in the language's typography, the
// plural form is chosen from the number, and Percent is a percentage;
// strings pass as they are.
func TestMessageArgumentsAreFigures(t *testing.T) {
	cat := MustLoad()
	for _, c := range []struct {
		lang, count, percent, many string
	}{
		{"en", "1 member", "12% of the threshold", "12,000 members"},
		{"fr", "1 membre", "12\u202f% du seuil", "12\u202f000 membres"},
	} {
		l := cat.For(c.lang)
		if got := l.T("community.members_count", "Count", 1); got != c.count {
			t.Errorf("%s: one: %q, want %q", c.lang, got, c.count)
		}
		if got := l.T("community.members_count", "Count", 12000); got != c.many {
			t.Errorf("%s: many: %q, want %q", c.lang, got, c.many)
		}
		if got := l.T("pledge.percent", "Percent", 12); got != c.percent {
			t.Errorf("%s: percent: %q, want %q", c.lang, got, c.percent)
		}
		if got := l.T("community.members_count", "Count", int64(12000)); got != c.many {
			t.Errorf("%s: int64: %q, want %q", c.lang, got, c.many)
		}
	}
}

// A count of a thousand or more reaches a message as a number, grouped by
// the message itself: grouped beforehand, as text, it could not choose a
// plural form and the message's id showed instead.
func TestLargeCountsReadGrouped(t *testing.T) {
	cat := MustLoad()
	for lang, want := range map[string]string{"en": "Send now to 12,345 people", "fr": "Envoyer maintenant à 12\u202f345 personnes"} {
		if got := cat.For(lang).T("message.send_now", "Count", 12345); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

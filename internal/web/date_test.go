package web

import (
	"testing"
	"time"
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

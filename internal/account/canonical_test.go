package account

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCanonicalEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Ana@Example.org", "ana@example.org"},
		{"  ana@example.org ", "ana@example.org"},
		{"ana@EXAMPLE.org.", "ana@example.org"},
		// Gmail: dots and +tags ignored, googlemail.com is gmail.com.
		{"J.Doe+petition@gmail.com", "jdoe@gmail.com"},
		{"jdoe@googlemail.com", "jdoe@gmail.com"},
		{"j.d.o.e@GoogleMail.com", "jdoe@gmail.com"},
		// Proton: +tags ignored, dots kept, domains apart.
		{"j.doe+x@proton.me", "j.doe@proton.me"},
		{"j.doe+x@protonmail.com", "j.doe@protonmail.com"},
		// Elsewhere a +tag or a dot names another mailbox.
		{"j.doe+x@example.org", "j.doe+x@example.org"},
		{"j.doe+x@outlook.com", "j.doe+x@outlook.com"},
		// A leading "+" is the whole name.
		{"+x@gmail.com", "+x@gmail.com"},
		// NFKC: fullwidth letters, ligatures.
		{"ＡＮＡ@example.org", "ana@example.org"},
		{"ﬁ@example.org", "fi@example.org"},
		// IDNA: the domain in ASCII, from any of its Unicode spellings.
		{"ana@bücher.de", "ana@xn--bcher-kva.de"},
		{"ana@BÜCHER.de", "ana@xn--bcher-kva.de"},
		{"ana@xn--bcher-kva.de", "ana@xn--bcher-kva.de"},
		{"ana@ｂüｃｈｅｒ.de", "ana@xn--bcher-kva.de"},
	} {
		if got := CanonicalEmail(tc.in); got != tc.want {
			t.Errorf("CanonicalEmail(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzCanonicalEmail: the canonical form is a fixed point, keeps one "@"
// for an address with one, is valid UTF-8 for valid input, and never
// tells apart two spellings that differ only by case.
func FuzzCanonicalEmail(f *testing.F) {
	for _, seed := range []string{"ana@example.org", "J.Doe+tag@GoogleMail.com", "x+y@proton.me", "ana@bücher.de",
		"ＡＮＡ@ｅｘａｍｐｌｅ.org", "a＠b@c.com", "x@c＠d.com", "@", "", "no-at", "a@b..", "ǅ@example.org", "ß@example.org",
		"İ@example.org", "a@xn--", "+@gmail.com", ".@gmail.com"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CanonicalEmail(s)
		if again := CanonicalEmail(c); again != c {
			t.Errorf("CanonicalEmail(%q) = %q, and again %q", s, c, again)
		}
		if utf8.ValidString(s) && !utf8.ValidString(c) {
			t.Errorf("CanonicalEmail(%q) = %q is not UTF-8", s, c)
		}
		if strings.Count(s, "@") == 1 && !strings.ContainsAny(s, "\uFF20\uFE6B") && !strings.Contains(c, "@") {
			t.Errorf("CanonicalEmail(%q) = %q lost its @", s, c)
		}
		if up := CanonicalEmail(strings.ToUpper(s)); utf8.ValidString(s) && s == strings.ToLower(s) && isASCII(s) && up != c {
			t.Errorf("CanonicalEmail(%q) = %q but of its upper case %q", s, c, up)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

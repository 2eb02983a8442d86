package legal

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Sniff knows a file by its first bytes only, whatever the rest.
func FuzzSniff(f *testing.F) {
	for _, s := range []string{"%PDF-1.7", "\x89PNG\r\n\x1a\n", "\xff\xd8\xff\xe0", "GIF89a", "<html>", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k := Sniff(b)
		if k != "" && ContentType(k) == "" {
			t.Fatalf("kind %q has no content type", k)
		}
		if k == "pdf" && !strings.HasPrefix(string(b), "%PDF-") {
			t.Fatalf("%q taken for a PDF", b)
		}
	})
}

// A shown file name is never a path, never carries a control character
// nor a quote, and stays short valid UTF-8.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"../../etc/passwd", "a\\b\\c.pdf", "x\r\nContent-Type: text/html", `"q".pdf`, ".", "/", "\xff\xfe.png"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		c := cleanName(name)
		if strings.ContainsAny(c, "/\\\"\r\n\x00") || !utf8.ValidString(c) || utf8.RuneCountInString(c) > 100 || c == "." || c == ".." {
			t.Fatalf("cleanName(%q) = %q", name, c)
		}
	})
}

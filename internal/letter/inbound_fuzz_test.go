package letter

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// ParseMail reads whatever a sender puts on the wire: it never panics,
// and what it keeps is valid UTF-8 within the letters' limits, the
// subject on one line, the sender lower-cased.
func FuzzParseMail(f *testing.F) {
	for _, seed := range []string{
		"From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n",
		"From: =?utf-8?q?J=C3=B6rg?= <J@B.example>\nSubject: =?iso-8859-1?q?R=E9ponse?=\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nR=E9ponse\n",
		"From: a@b.example\nContent-Type: multipart/alternative; boundary=x\n\n--x\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\nPHA+aGk8L3A+\n--x--\n",
		"From: a@b.example\nContent-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nnested\n--b--\n--a--\n",
		"From: a@b.example\nContent-Type: text/html\n\n<script>x</script><p>a<br>b</p>",
		"From: <>\n\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		rc, err := ParseMail(bytes.NewReader(raw))
		if err != nil {
			return
		}
		for name, v := range map[string]string{"from": rc.From, "subject": rc.Subject, "text": rc.Text} {
			if !utf8.ValidString(v) {
				t.Errorf("%s is not UTF-8: %q", name, v)
			}
		}
		if rc.From == "" || rc.From != strings.ToLower(rc.From) {
			t.Errorf("sender %q", rc.From)
		}
		if strings.ContainsAny(rc.Subject, "\r\n") || utf8.RuneCountInString(rc.Subject) > MaxSubject {
			t.Errorf("subject %q", rc.Subject)
		}
		if utf8.RuneCountInString(rc.Text) > MaxBody || strings.Contains(rc.Text, "\r") {
			t.Errorf("text of %d characters, or with CR", utf8.RuneCountInString(rc.Text))
		}
	})
}

// The address of a letter campaign is recognised whatever the case of
// its domain and local part; any other is not.
func TestInboundToken(t *testing.T) {
	tok := strings.Repeat("ab", 16)
	for _, c := range []struct {
		addr string
		ok   bool
	}{
		{"answers+" + tok + "@answers.example.org", true},
		{"ANSWERS+" + strings.ToUpper(tok) + "@Answers.Example.org", true},
		{"answers+" + tok + "@example.org", false},
		{"answers+" + tok[:31] + "@answers.example.org", false},
		{"answers+" + tok[:31] + "g@answers.example.org", false},
		{"other+" + tok + "@answers.example.org", false},
		{"answers" + tok + "@answers.example.org", false},
	} {
		got, ok := InboundToken(c.addr, "answers.example.org")
		if ok != c.ok || (ok && got != tok) {
			t.Errorf("%s: %q %v, want %v", c.addr, got, ok, c.ok)
		}
	}
}

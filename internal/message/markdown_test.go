package message_test

import (
	"strings"
	"testing"

	"repertoire/internal/message"
)

func TestRenderKeepsOnlySafeHTML(t *testing.T) {
	cases := []struct {
		name, src         string
		html, text, never []string
	}{
		{name: "emphasis and a web link", src: "Read *this*: [the site](https://riders.example/a?b=1&c=2).",
			html: []string{"<em>this</em>", `<a href="https://riders.example/a?b=1&amp;c=2">the site</a>`},
			text: []string{"Read this: the site <https://riders.example/a?b=1&c=2>."}},
		{name: "mailto stays a link", src: "[Write to us](mailto:union@riders.example)",
			html: []string{`href="mailto:union@riders.example"`}},
		{name: "other schemes become their text", src: "[click](javascript:alert(1)) [file](file:///etc/passwd) [rel](/admin) <data:text/html,x>",
			html: []string{"click", "file", "rel"}, never: []string{"javascript:", "file:", `href="/admin"`, "<a"}},
		{name: "raw HTML is shown as typed", src: "Hi <b onclick=\"x()\">there</b>\n\n<div><script>alert(1)</script></div>",
			html: []string{"&lt;b onclick=", "&lt;script&gt;"}, never: []string{"<b ", "<script", "<div"}},
		{name: "images are not sent", src: "![a pixel](https://tracker.example/p.gif)",
			html: []string{"a pixel"}, never: []string{"<img", "tracker.example"}},
		{name: "lists in plain text", src: "Demands:\n\n- pay per hour\n- sick pay\n\n1. sign\n2. share",
			html: []string{"<li>pay per hour</li>"}, text: []string{"- pay per hour\n- sick pay", "1. sign\n2. share"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := message.Render(c.src)
			for _, w := range c.html {
				if !strings.Contains(r.HTML, w) {
					t.Errorf("HTML lacks %q:\n%s", w, r.HTML)
				}
			}
			for _, w := range c.text {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
			}
			for _, n := range c.never {
				if strings.Contains(r.HTML, n) {
					t.Errorf("HTML has %q:\n%s", n, r.HTML)
				}
			}
		})
	}
}

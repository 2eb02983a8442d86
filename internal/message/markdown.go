package message

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	gmtext "github.com/yuin/goldmark/text"
)

// A message's body is Markdown, mailed as HTML with its plain-text
// alternative. What an organizer writes is not trusted as HTML: goldmark
// without its unsafe option never passes raw HTML through, and here raw
// HTML is turned into text (shown, escaped, as typed); links keep only
// the http, https and mailto schemes (others become their text); images
// become their text, so a message carries no remote image (no tracking
// pixel, nothing fetched when it is read).

var markdown = goldmark.New()

// Rendered is one body in both forms.
type Rendered struct {
	HTML string
	Text string
}

// Render turns a Markdown body into sanitized HTML and plain text.
func Render(src string) Rendered {
	source := []byte(src)
	doc := markdown.Parser().Parse(gmtext.NewReader(source))
	sanitize(doc, source)
	var h bytes.Buffer
	if err := markdown.Renderer().Render(&h, source, doc); err != nil {
		// The HTML renderer only fails on a failing writer.
		h.Reset()
	}
	var t strings.Builder
	plain(&t, doc, source, "")
	return Rendered{HTML: h.String(), Text: strings.TrimSpace(collapseBlank(t.String())) + "\n"}
}

// allowedLink reports whether a link's destination may stay a link.
func allowedLink(dest string) bool {
	u, err := url.Parse(strings.TrimSpace(dest))
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}

// sanitize rewrites the document in place: raw HTML becomes text, links
// to other schemes become their text, images their alternative text.
func sanitize(doc ast.Node, source []byte) {
	var edits []func()
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.RawHTML:
			var b []byte
			for i := 0; i < n.Segments.Len(); i++ {
				seg := n.Segments.At(i)
				b = append(b, seg.Value(source)...)
			}
			edits = append(edits, func() { replace(n, ast.NewString(b)) })
			return ast.WalkSkipChildren, nil
		case *ast.HTMLBlock:
			var b []byte
			for i := 0; i < n.Lines().Len(); i++ {
				line := n.Lines().At(i)
				b = append(b, line.Value(source)...)
			}
			if n.HasClosure() {
				b = append(b, n.ClosureLine.Value(source)...)
			}
			p := ast.NewParagraph()
			p.AppendChild(p, ast.NewString(bytes.TrimRight(b, "\n")))
			edits = append(edits, func() { replace(n, p) })
			return ast.WalkSkipChildren, nil
		case *ast.Link:
			if !allowedLink(string(n.Destination)) {
				edits = append(edits, func() { unwrap(n) })
			}
		case *ast.AutoLink:
			if !allowedLink(autoURL(n, source)) {
				edits = append(edits, func() { replace(n, ast.NewString(n.Label(source))) })
			}
		case *ast.Image:
			edits = append(edits, func() { unwrap(n) })
		}
		return ast.WalkContinue, nil
	})
	for _, e := range edits {
		e()
	}
}

// autoURL is where an autolink goes (an address's is mailto:).
func autoURL(n *ast.AutoLink, source []byte) string {
	u := string(n.URL(source))
	if n.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(u), "mailto:") {
		u = "mailto:" + u
	}
	return u
}

// replace puts with in the place of n.
func replace(n, with ast.Node) {
	n.Parent().ReplaceChild(n.Parent(), n, with)
}

// unwrap puts n's children in its place.
func unwrap(n ast.Node) {
	parent := n.Parent()
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, n, c)
		c = next
	}
	parent.RemoveChild(parent, n)
}

// plain writes the plain-text form of n: paragraphs apart, list items
// with their marks, a link's address after its text.
func plain(b *strings.Builder, n ast.Node, source []byte, indent string) {
	switch n := n.(type) {
	case *ast.Text:
		b.Write(n.Value(source))
		switch {
		case n.HardLineBreak(), n.SoftLineBreak():
			b.WriteString("\n" + indent)
		}
		return
	case *ast.String:
		b.Write(n.Value)
		return
	case *ast.AutoLink:
		b.WriteString(strings.TrimPrefix(autoURL(n, source), "mailto:"))
		return
	case *ast.Link:
		var inner strings.Builder
		children(&inner, n, source, indent)
		b.WriteString(inner.String())
		if dest := string(n.Destination); dest != inner.String() {
			b.WriteString(" <" + dest + ">")
		}
		return
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			line := lines.At(i)
			b.WriteString(indent + "    " + string(line.Value(source)))
		}
		b.WriteString("\n")
		return
	case *ast.ThematicBreak:
		b.WriteString(indent + "----\n\n")
		return
	case *ast.ListItem:
		mark := "- "
		if l, ok := n.Parent().(*ast.List); ok && l.IsOrdered() {
			pos := l.Start
			for s := n.PreviousSibling(); s != nil; s = s.PreviousSibling() {
				pos++
			}
			mark = strconv.Itoa(pos) + ". "
		}
		b.WriteString(indent + mark)
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if c != n.FirstChild() {
				b.WriteString(indent + "  ")
			}
			plain(b, c, source, indent+"  ")
			if _, isText := c.(*ast.TextBlock); isText {
				b.WriteString("\n")
			}
		}
		return
	case *ast.Blockquote:
		var inner strings.Builder
		children(&inner, n, source, "")
		for _, line := range strings.Split(strings.TrimRight(inner.String(), "\n"), "\n") {
			b.WriteString(indent + "> " + line + "\n")
		}
		b.WriteString("\n")
		return
	}
	children(b, n, source, indent)
	switch n.(type) {
	case *ast.Paragraph, *ast.Heading:
		b.WriteString("\n\n")
	case *ast.List:
		b.WriteString("\n")
	}
}

func children(b *strings.Builder, n ast.Node, source []byte, indent string) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		plain(b, c, source, indent)
	}
}

// collapseBlank keeps at most one blank line between blocks.
func collapseBlank(s string) string {
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return s
}

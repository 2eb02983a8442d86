package web

import (
	_ "embed"
	"strings"
	"time"

	"github.com/signintech/gopdf"
)

// dejaVuSans is the font of printed letters (fonts/SOURCE.md): a UTF-8
// TrueType font, so accented text prints as written; a PDF embeds only
// the glyphs it uses.
//
//go:embed fonts/DejaVuSans.ttf
var dejaVuSans []byte

// PrintedLetter is one letter laid out for post, on pages of its own:
// the sender's address block at the top left, the recipient's to the
// right (where a window envelope shows it), the place and date, the
// subject, the text and the signature.
type PrintedLetter struct {
	Sender    []string // name and address, a line each
	Recipient []string // name, office and postal address, a line each
	Date      string   // already written in the letter's language ("1 décembre 2026")
	Subject   string   // with its label ("Objet : …")
	Body      string
	Signature string
}

// A4 in points, and the letter's margins and sizes.
const (
	pdfMargin     = 64.0
	pdfWidth      = 595.28
	pdfHeight     = 841.89
	pdfLine       = 15.0
	pdfFontSize   = 11
	pdfRecipientX = 320.0
	pdfRecipientY = 150.0
)

// LettersPDF writes letters as one PDF, each starting on a new page.
func LettersPDF(title string, letters []PrintedLetter, created time.Time) ([]byte, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	pdf.SetInfo(gopdf.PdfInfo{Title: title, Creator: "Repertoire", Producer: "Repertoire", CreationDate: created})
	if err := pdf.AddTTFFontDataWithOption("sans", dejaVuSans, gopdf.TtfOption{
		OnGlyphNotFoundSubstitute: func(rune) rune { return '?' },
	}); err != nil {
		return nil, err
	}
	if err := pdf.SetFont("sans", "", pdfFontSize); err != nil {
		return nil, err
	}
	w := &pdfWriter{pdf: pdf}
	for _, l := range letters {
		pdf.AddPage()
		w.y = pdfMargin
		for _, line := range l.Sender {
			if err := w.line(pdfMargin, line); err != nil {
				return nil, err
			}
		}
		w.y = max(w.y, pdfRecipientY)
		for _, line := range l.Recipient {
			if err := w.wrapped(pdfRecipientX, line); err != nil {
				return nil, err
			}
		}
		w.y += 2 * pdfLine
		if l.Date != "" {
			if err := w.line(pdfRecipientX, l.Date); err != nil {
				return nil, err
			}
			w.y += pdfLine
		}
		if l.Subject != "" {
			if err := w.wrapped(pdfMargin, l.Subject); err != nil {
				return nil, err
			}
			w.y += pdfLine
		}
		for _, line := range strings.Split(strings.ReplaceAll(l.Body+"\n\n"+l.Signature, "\r\n", "\n"), "\n") {
			if err := w.wrapped(pdfMargin, line); err != nil {
				return nil, err
			}
		}
	}
	return pdf.GetBytesPdf(), nil
}

type pdfWriter struct {
	pdf *gopdf.GoPdf
	y   float64
}

// line writes one line at x, on a new page when this one is full.
func (w *pdfWriter) line(x float64, s string) error {
	if w.y+pdfLine > pdfHeight-pdfMargin {
		w.pdf.AddPage()
		w.y = pdfMargin
	}
	if strings.TrimSpace(s) != "" {
		w.pdf.SetXY(x, w.y)
		if err := w.pdf.Cell(nil, s); err != nil {
			return err
		}
	}
	w.y += pdfLine
	return nil
}

// wrapped writes a paragraph's line from x to the right margin, wrapped
// at spaces.
func (w *pdfWriter) wrapped(x float64, s string) error {
	s = strings.TrimRight(strings.ReplaceAll(s, "\t", "    "), " ")
	if s == "" {
		return w.line(x, "")
	}
	lines, err := w.pdf.SplitTextWithWordWrap(s, pdfWidth-pdfMargin-x)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if err := w.line(x, l); err != nil {
			return err
		}
	}
	return nil
}

package web_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
	"repertoire/internal/web"
)

// A printed letter is a valid PDF whose text reads back as written,
// French accents and typographic quotes included, one page per letter
// at least, long texts flowing onto further pages.
func TestLettersPDF(t *testing.T) {
	long := strings.Repeat("Une phrase assez longue pour remplir la ligne et passer à la suivante. ", 200)
	pdf, err := web.LettersPDF("Lettre", []web.PrintedLetter{
		{Sender: []string{"Anne Écrivain", "12 rue de l’Église", "75011 Paris"},
			Recipient: []string{"Commission nationale de l’informatique et des libertés", "3 place de Fontenoy", "75007 Paris"},
			Date:      "1 décembre 2026", Subject: "Objet : « J’aime » et le pistage", Body: "Madame, Monsieur,\n\nÇa suffit : où sont nos données ?\n\n" + long,
			Signature: "Anne Écrivain 🙂"},
		{Sender: []string{"Bob"}, Recipient: []string{"FTC"}, Date: "1 December 2026", Subject: "Subject: tracking", Body: "Dear Chairman,", Signature: "Bob"},
	}, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	text := testkit.PDFText(t, pdf)
	for _, want := range []string{"Anne Écrivain", "12 rue de l’Église", "l’informatique et des libertés", "1 décembre 2026",
		"Objet : « J’aime » et le pistage", "Ça suffit : où sont nos données ?", "Dear Chairman,", "1 December 2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text[:min(len(text), 2000)])
		}
	}
	if pages := strings.Count(text, "\f"); pages < 3 {
		t.Errorf("%d pages, want the long letter on two and the short one on its own", pages)
	}
}

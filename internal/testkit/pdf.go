package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// PDFText extracts a PDF's text with poppler's pdftotext (pages separated
// by form feeds), which also checks that the file is a valid PDF. The
// test is skipped where poppler-utils is not installed.
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	path := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

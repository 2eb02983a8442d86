package e2e

import (
	"os"
	"testing"
)

// TestMain ends the package's one Chromium after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	stopChromium()
	os.Exit(code)
}

package i18n_test

import (
	"sync"
	"testing"

	"repertoire/internal/i18n"
)

// Localizers are shared by every request: translating from many goroutines
// at once must be safe (run with -race).
func TestLocalizersAreSafeToShare(t *testing.T) {
	c := i18n.MustLoad()
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if got := c.For("fr").T("field.too_long", "Max", 7); got != "7 caractères au plus." {
					t.Errorf("got %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

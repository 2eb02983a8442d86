package web

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"sync"
	"testing"
	"time"
)

// A share card is a 1200×630 PNG, drawn once per TTL however many ask at
// once, and drawn again once it is older.
func TestShareCardsDrawOncePerTTL(t *testing.T) {
	cards := NewShareCards(200 * time.Millisecond)
	var mu sync.Mutex
	draws := 0
	build := func() (ShareCard, error) {
		mu.Lock()
		draws++
		mu.Unlock()
		return ShareCard{Kicker: "May 1st, 2018: Facebook users’ terms", Title: "Facebook: accept the users’ terms, all seventeen of them, " +
			"with a title long enough to need three lines and then some more words that cannot fit", Count: "559", CountLabel: "signatures",
			Percent: 55, Goal: "Goal: 1,000", Site: "Repertoire · example.org"}, nil
	}
	var wg sync.WaitGroup
	results := make([][]byte, 20)
	for i := range results {
		wg.Go(func() {
			b, err := cards.PNG("petition/en", build)
			if err != nil {
				t.Error(err)
			}
			results[i] = b
		})
	}
	wg.Wait()
	if draws != 1 {
		t.Fatalf("20 readers at once drew the card %d times", draws)
	}
	img, err := png.Decode(bytes.NewReader(results[0]))
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s.X != 1200 || s.Y != 630 {
		t.Fatalf("card size %v", s)
	}
	// The accent band on top, the page's background below it, and the
	// bar's filled part in the accent colour.
	if r, g, b, _ := img.At(600, 5).RGBA(); r>>8 != 0xb3 || g>>8 != 0x26 || b>>8 != 0x1e {
		t.Errorf("top band is %x %x %x", r>>8, g>>8, b>>8)
	}
	if _, err := cards.PNG("petition/fr", build); err != nil || draws != 2 {
		t.Fatalf("another language is another card: %d draws, %v", draws, err)
	}
	time.Sleep(250 * time.Millisecond)
	if _, err := cards.PNG("petition/en", build); err != nil || draws != 3 {
		t.Fatalf("an old card is drawn again: %d draws, %v", draws, err)
	}
}

func TestShortenCutsAtASpace(t *testing.T) {
	for in, want := range map[string]string{
		"short":                       "short",
		"one two three four five six": "one two three…",
		"  spaced\n\nout  ":           "spaced out",
	} {
		if got := Shorten(in, 16); got != want {
			t.Errorf("Shorten(%q) = %q, want %q", in, got, want)
		}
	}
}

// A French count's narrow no-break spaces are drawn narrower than a space
// (the Go fonts have no glyph for them: without care, a missing glyph's
// box would stand between the groups).
func TestShareCardDrawsNarrowSpaces(t *testing.T) {
	cards := NewShareCards(time.Minute)
	f, err := cards.face(cards.bold, 84)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 1200, 200))
	width := func(s string) int { return drawText(img, f, color.Black, 0, 100, s) }
	joined, narrow, spaced := width("1234"), width("1\u202f234"), width("1 234")
	if !(joined < narrow && narrow < spaced) {
		t.Fatalf("widths: 1234 %d, 1 234 (U+202F) %d, 1 234 %d", joined, narrow, spaced)
	}
}

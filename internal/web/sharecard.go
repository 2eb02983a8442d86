package web

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"repertoire/internal/i18n"
)

// ShareCard is the picture a link to an action's page shows on social
// sites (og:image): its title, its count and its progress, 1200×630.
type ShareCard struct {
	Kicker     string // above the title: the campaign
	Title      string
	Count      string // the count, formatted
	CountLabel string // what is counted: "signatures"
	Percent    int    // the progress bar's fill; -1 for no bar
	Goal       string // under the bar: "Goal: 1,000"; "" for none
	Site       string // at the bottom: the site's name and host
}

// Share card size: what Facebook, Mastodon and X crop least.
const (
	ShareCardWidth  = 1200
	ShareCardHeight = 630
)

// ShareCards renders share cards and keeps each for a while: a viral
// page's card is fetched by every site its link is posted on, and is
// drawn once per TTL, one drawing at a time, however many ask.
type ShareCards struct {
	ttl           time.Duration
	regular, bold *opentype.Font
	err           error

	mu    sync.Mutex // one drawing at a time; guards cards
	cards map[string]cachedCard
}

type cachedCard struct {
	png []byte
	at  time.Time
}

// NewShareCards parses the Go fonts (they ship inside golang.org/x/image,
// so no font file has to be installed on the server).
func NewShareCards(ttl time.Duration) *ShareCards {
	c := &ShareCards{ttl: ttl, cards: map[string]cachedCard{}}
	if c.regular, c.err = opentype.Parse(goregular.TTF); c.err == nil {
		c.bold, c.err = opentype.Parse(gobold.TTF)
	}
	return c
}

// Serve writes the PNG of key, drawn from build when it is not cached or
// older than the TTL. shared says whether caches between the server and
// the reader may keep it (a public community's page).
func (c *ShareCards) Serve(w http.ResponseWriter, key string, shared bool, build func() (ShareCard, error)) error {
	b, err := c.PNG(key, build)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	if shared {
		w.Header().Set("Cache-Control", "public, max-age=300")
	} else {
		w.Header().Set("Cache-Control", "private, max-age=300")
	}
	w.Write(b)
	return nil
}

// CardSite is the line naming the site at the bottom of a card:
// "Repertoire · example.org".
func CardSite(l *i18n.Localizer, baseURL string) string {
	return l.T("app.name") + " · " + strings.TrimPrefix(strings.TrimPrefix(baseURL, "https://"), "http://")
}

// PNG returns the card of key, from the cache when it is fresh.
func (c *ShareCards) PNG(key string, build func() (ShareCard, error)) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.cards[key]; ok && time.Since(cc.at) < c.ttl {
		return cc.png, nil
	}
	card, err := build()
	if err != nil {
		return nil, err
	}
	b, err := c.draw(card)
	if err != nil {
		return nil, err
	}
	if len(c.cards) > 1000 {
		clear(c.cards)
	}
	c.cards[key] = cachedCard{png: b, at: time.Now()}
	return b, nil
}

var (
	cardInk    = color.RGBA{0x1d, 0x1d, 0x1f, 0xff}
	cardMuted  = color.RGBA{0x5b, 0x5b, 0x66, 0xff}
	cardLine   = color.RGBA{0xd9, 0xd9, 0xe0, 0xff}
	cardBg     = color.RGBA{0xfb, 0xfb, 0xfd, 0xff}
	cardAccent = color.RGBA{0xb3, 0x26, 0x1e, 0xff}
)

func (c *ShareCards) face(f *opentype.Font, size float64) (font.Face, error) {
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// draw lays the card out: the kicker, up to three lines of title, the
// count, the bar and the goal, the site at the bottom.
func (c *ShareCards) draw(card ShareCard) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, ShareCardWidth, ShareCardHeight))
	draw.Draw(img, img.Bounds(), image.NewUniform(cardBg), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, ShareCardWidth, 14), image.NewUniform(cardAccent), image.Point{}, draw.Src)
	const left, width = 72, ShareCardWidth - 2*72

	small, err := c.face(c.regular, 30)
	if err != nil {
		return nil, err
	}
	title, err := c.face(c.bold, 60)
	if err != nil {
		return nil, err
	}
	big, err := c.face(c.bold, 84)
	if err != nil {
		return nil, err
	}
	label, err := c.face(c.regular, 42)
	if err != nil {
		return nil, err
	}
	text := func(f font.Face, col color.Color, x, y int, s string) int {
		return drawText(img, f, col, x, y, s)
	}

	y := 84
	if card.Kicker != "" {
		text(small, cardMuted, left, y, fit(small, card.Kicker, width))
		y += 24
	}
	for _, line := range wrap(title, card.Title, width, 3) {
		y += 70
		text(title, cardInk, left, y, line)
	}
	y = max(y+110, 400)
	x := text(big, cardAccent, left, y, card.Count)
	text(label, cardInk, x+18, y, card.CountLabel)
	if card.Percent >= 0 {
		bar := image.Rect(left, y+30, left+width, y+66)
		roundRect(img, bar, cardLine)
		if card.Percent > 0 {
			fill := bar
			fill.Max.X = bar.Min.X + max(bar.Dy(), bar.Dx()*min(card.Percent, 100)/100)
			roundRect(img, fill, cardAccent)
		}
		if card.Goal != "" {
			text(small, cardMuted, left, y+106, card.Goal)
		}
	}
	if card.Site != "" {
		text(small, cardMuted, left, ShareCardHeight-36, fit(small, card.Site, width))
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// drawText draws s at x, y and returns where it ends. The Go fonts have
// no narrow no-break space (U+202F, between a French number's groups):
// it is drawn as two thirds of a space rather than a missing glyph's box.
func drawText(img draw.Image, f font.Face, col color.Color, x, y int, s string) int {
	d := font.Drawer{Dst: img, Src: image.NewUniform(col), Face: f, Dot: fixed.P(x, y)}
	for i, part := range strings.Split(s, "\u202f") {
		if i > 0 {
			space, _ := f.GlyphAdvance(' ')
			d.Dot.X += space * 2 / 3
		}
		d.DrawString(part)
	}
	return d.Dot.X.Round()
}

// wrap breaks s into at most lines lines of width, the last one cut with
// an ellipsis when s does not fit.
func wrap(f font.Face, s string, width, lines int) []string {
	var out []string
	cur := ""
	words := strings.Fields(s)
	for i, w := range words {
		next := strings.TrimSpace(cur + " " + w)
		if cur == "" || font.MeasureString(f, next).Round() <= width {
			cur = next
			continue
		}
		out = append(out, cur)
		if len(out) == lines {
			out[lines-1] = fit(f, cur+" "+strings.Join(words[i:], " "), width)
			return out
		}
		cur = w
	}
	if cur != "" {
		out = append(out, fit(f, cur, width))
	}
	return out
}

// fit cuts s with an ellipsis to fit width.
func fit(f font.Face, s string, width int) string {
	if font.MeasureString(f, s).Round() <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && font.MeasureString(f, string(r)+"…").Round() > width {
		r = r[:len(r)-1]
	}
	return strings.TrimRight(string(r), " ") + "…"
}

// roundRect fills r with rounded ends (a pill), the shape of the page's
// progress bars.
func roundRect(img *image.RGBA, r image.Rectangle, col color.RGBA) {
	rad := r.Dy() / 2
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cx := x
			switch {
			case x < r.Min.X+rad:
				cx = r.Min.X + rad
			case x >= r.Max.X-rad:
				cx = r.Max.X - rad - 1
			}
			dx, dy := x-cx, y-(r.Min.Y+rad)
			if dx*dx+dy*dy <= rad*rad {
				img.SetRGBA(x, y, col)
			}
		}
	}
}

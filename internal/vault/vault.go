// Package vault keeps a member's own data, deposited by them (an import of
// a platform's export, a CSV or JSON file, or what they enter), grouped in
// categories, each with the member's consent: share, do not share, ask me.
// Nothing is shared until the member says so. The gateway reads what may
// be shared through Shared and Sharing; the member sees, downloads and
// deletes every item from their pages.
package vault

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Consent is what a member says of a category of their data.
type Consent string

const (
	Share      Consent = "share"
	DoNotShare Consent = "do_not_share" // every category's default
	AskMe      Consent = "ask_me"
)

// Consents are the choices, in the order a page offers them: do not share
// first, the default.
var Consents = []Consent{DoNotShare, Share, AskMe}

// Valid reports whether c is one of the three consents.
func (c Consent) Valid() bool { return slices.Contains(Consents, c) }

// Categories are the kinds of data a vault holds, in order.
var Categories = []string{"profile", "posts", "comments", "reactions", "ads_interests", "off_platform_activity", "other"}

// ValidCategory reports whether c is one of Categories.
func ValidCategory(c string) bool { return slices.Contains(Categories, c) }

// Sources of items.
const (
	SourceFacebook = "facebook"
	SourceCSV      = "csv"
	SourceJSON     = "json"
	SourceEntered  = "entered"
)

// Item is one piece of a member's data.
type Item struct {
	ID, PersonID, Category, Source, Kind string
	// Time is when the thing happened on the platform (zero: unknown).
	Time time.Time
	// Data is the item's fields, normalized (a JSON object).
	Data    json.RawMessage
	Created time.Time
}

// Hash is the item's content key, unique per person: the same item
// imported twice is kept once, whichever file or source brought it. It
// begins with the item's time (16 hex digits of Unix seconds, zeros when
// unknown), then the first 128 bits of the SHA-256 of its category, kind,
// time and fields: an archive's items come in time order, so each batch
// writes to a few neighbouring pages of the unique index, where a bare
// hash scattered every row of a batch over the whole index.
func (it *Item) Hash() string {
	h := sha256.New()
	for _, s := range []string{it.Category, it.Kind, timeKey(it.Time)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(it.Data)
	var secs uint64
	if !it.Time.IsZero() && it.Time.Unix() > 0 {
		secs = uint64(it.Time.Unix())
	}
	return fmt.Sprintf("%016x", secs) + hex.EncodeToString(h.Sum(nil)[:16])
}

// document is the item as the API, the download and the export give it.
func (it *Item) document() map[string]any {
	doc := map[string]any{"id": it.ID, "category": it.Category, "source": it.Source, "kind": it.Kind,
		"data": it.Data, "created_date": api.Time(it.Created)}
	if !it.Time.IsZero() {
		doc["time"] = api.Time(it.Time)
	} else {
		doc["time"] = nil
	}
	return doc
}

func timeKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// checkCategories refuses an unknown category, naming the field.
func checkCategories(field string, categories []string) error {
	for _, c := range categories {
		if !ValidCategory(c) {
			return repertoire.Invalid(field, "vault.category_unknown", map[string]any{"Category": c})
		}
	}
	return nil
}

// MaxPage is the most items one read returns.
const MaxPage = 1000

// Handler serves a member's vault pages and API.
type Handler struct {
	Store    *Store
	importer *Importer
	pages    *web.Renderer
	log      *slog.Logger
	baseURL  string
	uploads  string // where uploads are spooled, inside the data directory
	limit    *web.Limiter
	// Asks lists the gateway's questions to a member (the policies that
	// cover a category they set to ask me); nil: none. The server wires
	// the gateway's.
	Asks func(ctx context.Context, personID string) ([]Ask, error)
}

//go:embed templates/*.html
var Templates embed.FS

// New builds the vault's handler. dataDir is the data directory: uploads
// are spooled in its vault-uploads/ while they are imported, and what a
// crash left there is removed now.
func New(db *store.DB, pages *web.Renderer, log *slog.Logger, baseURL, dataDir string, limits Limits) *Handler {
	s := NewStore(db)
	h := &Handler{Store: s, importer: &Importer{Store: s, Limits: limits}, pages: pages, log: log,
		baseURL: strings.TrimRight(baseURL, "/"), uploads: filepath.Join(dataDir, "vault-uploads"),
		limit: web.NewLimiter(10*time.Second, 6)}
	// An import or upload older than an import may last was left by a
	// crash; a younger one may be another instance's, at work.
	if n, err := s.Recover(context.Background(), importTime); err != nil {
		log.Error("vault: undoing the imports a crash stopped", "err", err)
	} else if n > 0 {
		log.Info("vault: undid the imports a crash stopped", "imports", n)
	}
	if left, err := filepath.Glob(filepath.Join(h.uploads, "upload-*")); err == nil {
		for _, f := range left {
			if st, err := os.Stat(f); err == nil && time.Since(st.ModTime()) > importTime {
				os.Remove(f)
			}
		}
	}
	return h
}

// Routes mounts the member's pages and API.
func (h *Handler) Routes(mux *http.ServeMux) {
	h.webRoutes(mux)
	h.apiRoutes(mux)
}

// AccountLinks puts the vault on the account page.
func (h *Handler) AccountLinks() []account.PageLink {
	return []account.PageLink{{Path: "/account/vault", Label: "vault.title", Lead: "vault.account_lead"}}
}

// PersonData is the vault's part of a person's export (every item and
// consent) and its step of their erasure (nothing stays).
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: exportSections(), Erase: erase}
}

// Entered is an item the member typed (kind "note").
func Entered(category, text string, at time.Time) Item {
	data, _ := json.Marshal(map[string]string{"text": text})
	return Item{Category: category, Source: SourceEntered, Kind: "note", Time: at, Data: data}
}

// Package vault keeps a member's own data, deposited by them (an import of
// a platform's export, a CSV or JSON file, or what they enter), grouped in
// categories, each with the member's consent: share, do not share, ask me.
// Nothing is shared until the member says so. The gateway reads what may
// be shared through Shared and Sharing; the member sees, downloads and
// deletes every item from their pages.
package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"repertoire"
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

// Hash is the item's content hash, unique per person: the same item
// imported twice is kept once, whichever file or source brought it.
func (it *Item) Hash() string {
	h := sha256.New()
	for _, s := range []string{it.Category, it.Kind, timeKey(it.Time)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(it.Data)
	return hex.EncodeToString(h.Sum(nil))
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

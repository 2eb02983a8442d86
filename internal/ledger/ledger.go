// Package ledger is a campaign's public ledger (bilan numérique): the
// funding it received and the paid promotion it bought, each dated, with
// its source or channel, amount and currency, and purpose, totalled per
// channel and per month in each currency — the transparency the seed asks
// of political parties, practised by the campaigns themselves.
package ledger

import (
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are the ledger's page and its campaign block.
//
//go:embed templates/*.html
var Templates embed.FS

// Kinds of entry.
const (
	KindFunding   = "funding"   // money received: donations, grants
	KindPromotion = "promotion" // money spent on paid promotion
)

// Kinds are the kinds of entry, in the order forms list them.
var Kinds = []string{KindFunding, KindPromotion}

// Entry is one line of a campaign's ledger.
type Entry struct {
	ID         string
	CampaignID string
	Date       string // YYYY-MM-DD
	Kind       string
	Channel    string // the source of funding, or the channel of promotion
	Amount     int64  // in the currency's minor units (cents)
	Currency   string // ISO 4217, upper case
	Purpose    string
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// Input is an entry as an organizer writes it.
type Input struct {
	Date     string `json:"date"`
	Kind     string `json:"kind"`
	Channel  string `json:"channel"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Purpose  string `json:"purpose"`
}

// Limits of an entry.
const (
	MaxChannel = 200
	MaxPurpose = 500
	// MaxAmount keeps every sum of a ledger far from overflowing.
	MaxAmount = 1_000_000_000_000
)

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// Normalize trims and checks an entry, collecting every field error.
func (in *Input) Normalize() error {
	var errs repertoire.Errors
	in.Date = strings.TrimSpace(in.Date)
	if _, err := time.Parse(time.DateOnly, in.Date); err != nil {
		errs = append(errs, repertoire.Invalid("date", "ledger.bad_date", nil))
	}
	in.Kind = strings.TrimSpace(in.Kind)
	if in.Kind != KindFunding && in.Kind != KindPromotion {
		errs = append(errs, repertoire.Invalid("kind", "field.bad_choice", nil))
	}
	for _, f := range []struct {
		field string
		v     *string
		max   int
	}{{"channel", &in.Channel, MaxChannel}, {"purpose", &in.Purpose, MaxPurpose}} {
		*f.v = strings.TrimSpace(*f.v)
		switch {
		case *f.v == "" && f.field == "channel":
			errs = append(errs, repertoire.Invalid(f.field, "field.required", nil))
		case account.TooLong(f.field, *f.v, f.max) != nil:
			errs = append(errs, account.TooLong(f.field, *f.v, f.max))
		case strings.IndexFunc(*f.v, unicode.IsControl) >= 0:
			errs = append(errs, repertoire.Invalid(f.field, "error.invalid", nil))
		}
	}
	if in.Amount <= 0 || in.Amount > MaxAmount {
		errs = append(errs, repertoire.Invalid("amount", "ledger.bad_amount", nil))
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if !currencyPattern.MatchString(in.Currency) {
		errs = append(errs, repertoire.Invalid("currency", "ledger.bad_currency", nil))
	}
	return errs.Err()
}

// exponent is the number of minor-unit digits of a currency (ISO 4217):
// two but for these.
func exponent(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

// ParseAmount reads an amount written for people ("1234.5", "1 234,50")
// into minor units of currency; ok is false when it is not one.
func ParseAmount(s, currency string) (int64, bool) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u202f' || r == '_' {
			return -1
		}
		return r
	}, s)
	s = strings.ReplaceAll(s, ",", ".")
	whole, frac, _ := strings.Cut(s, ".")
	exp := exponent(currency)
	if whole == "" || len(frac) > exp || strings.ContainsAny(frac, ".") {
		return 0, false
	}
	frac += strings.Repeat("0", exp-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, false
	}
	return n, true
}

// FormatAmount writes minor units of currency for people, in lang:
// "1,234.50 EUR" / "1 234,50 EUR".
func FormatAmount(lang string, amount int64, currency string) string {
	exp := exponent(currency)
	div := int64(1)
	for range exp {
		div *= 10
	}
	neg := ""
	if amount < 0 {
		neg, amount = "-", -amount
	}
	s := neg + web.FormatNumber(lang, int(amount/div))
	if exp > 0 {
		sep := "."
		if lang == "fr" {
			sep = ","
		}
		s += sep + fmt.Sprintf("%0*d", exp, amount%div)
	}
	return s + "\u00a0" + currency
}

// Total is a sum of entries in one currency: funding received and
// promotion paid.
type Total struct {
	Key       string // the channel, the month (YYYY-MM), or "" for the whole ledger
	Currency  string
	Funding   int64
	Promotion int64
}

// Totals are a ledger's sums per currency, channel and month.
type Totals struct {
	All       []Total // one per currency
	ByChannel []Total // by channel then currency
	ByMonth   []Total // newest month first, then currency
}

// Sum totals entries.
func Sum(entries []*Entry) Totals {
	add := func(m map[[2]string]*Total, key string, e *Entry) {
		k := [2]string{key, e.Currency}
		t := m[k]
		if t == nil {
			t = &Total{Key: key, Currency: e.Currency}
			m[k] = t
		}
		if e.Kind == KindFunding {
			t.Funding += e.Amount
		} else {
			t.Promotion += e.Amount
		}
	}
	all, channels, months := map[[2]string]*Total{}, map[[2]string]*Total{}, map[[2]string]*Total{}
	for _, e := range entries {
		add(all, "", e)
		add(channels, e.Channel, e)
		add(months, e.Date[:7], e)
	}
	list := func(m map[[2]string]*Total, newestFirst bool) []Total {
		out := make([]Total, 0, len(m))
		for _, t := range m {
			out = append(out, *t)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Key != out[j].Key {
				return (out[i].Key < out[j].Key) != newestFirst
			}
			return out[i].Currency < out[j].Currency
		})
		return out
	}
	return Totals{All: list(all, false), ByChannel: list(channels, false), ByMonth: list(months, true)}
}

// Handler serves the ledger's page, API and campaign block.
type Handler struct {
	*Store
	db          *store.DB
	pages       *web.Renderer
	log         *slog.Logger
	baseURL     string
	communities *community.Store
	campaigns   *campaign.Store
	access      campaign.Access
}

// New builds the ledger capability.
func New(db *store.DB, pages *web.Renderer, log *slog.Logger, baseURL string, communities *community.Store, campaigns *campaign.Store) *Handler {
	return &Handler{Store: NewStore(db), db: db, pages: pages, log: log, baseURL: baseURL, communities: communities, campaigns: campaigns,
		access: campaign.Access{Communities: communities, NotFound: repertoire.Errorf(repertoire.ENOTFOUND, "campaign.not_found"),
			OrganizersOnly: repertoire.Errorf(repertoire.EFORBIDDEN, "campaign.organizers_only")}}
}

// Routes mounts the ledger's page and API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{community}/{campaign}/ledger", h.page)
	mux.HandleFunc("POST /c/{community}/{campaign}/ledger", h.add)
	mux.HandleFunc("POST /c/{community}/{campaign}/ledger/{entry}/delete", h.remove)
	mux.HandleFunc("GET /api/v1/campaigns/{id}/ledger", h.apiList)
	mux.HandleFunc("POST /api/v1/campaigns/{id}/ledger", h.apiCreate)
	mux.HandleFunc("GET /api/v1/campaigns/{id}/ledger/{entry}", h.apiGet)
	mux.HandleFunc("DELETE /api/v1/campaigns/{id}/ledger/{entry}", h.apiDelete)
}

// CampaignSection is the ledger's block on a campaign's page.
func (h *Handler) CampaignSection() campaign.Block { return h }

// Package account is how people join and prove who they are: sign-up with
// a mailed confirmation, password (argon2id) or one-time-link sign-in,
// password reset, browser sessions and API tokens, and the OSDI people
// resource.
package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// SessionCookie names the browser session cookie.
const SessionCookie = "session"

// SessionLifetime is how long a browser stays signed in.
const SessionLifetime = 30 * 24 * time.Hour

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// Handler serves the account pages and the people API.
type Handler struct {
	db      *store.DB
	pages   *web.Renderer
	cat     *i18n.Catalog
	log     *slog.Logger
	baseURL string
	secure  bool         // cookies only over HTTPS when the site is HTTPS
	limit   *web.Limiter // public forms: sign-in, sign-up, reset, mailed links
	kept    []PersonData // what the other capabilities keep about people (Keep)

	// mailLimit bounds the account mails a stranger can have sent to one
	// address (sign-up, sign-in link, reset, address-change notices),
	// whatever the client: its keys are HMACs of the address under
	// mailKey, a secret of this process, so no address sits in memory.
	mailLimit *web.Limiter
	mailKey   []byte

	// dummyHash is checked when an address has no password to check, so
	// that signing in takes as long whether or not it has an account.
	dummyHash func() string
	// passwordChecked, when set (by tests), is told of every hash checked.
	passwordChecked atomic.Pointer[func(phc string)]
	// Reach is how organizers' tokens reach people, and Lists the
	// communities' tags for the signup helper (both wired in server.go).
	Reach Reach
	Lists Lists
	// Links are other capabilities' pages of the signed-in person's own
	// data, listed on the account page (wired in server.go).
	Links []PageLink
}

// PageLink is a link the account page shows to another capability's page
// of the person's own (their data vault): Label and Lead are message IDs.
type PageLink struct{ Path, Label, Lead string }

// MailsPerAddress is how many account mails one address may be sent per
// MailsPerAddressPeriod on a stranger's request; past it the forms answer
// as usual and send nothing.
const (
	MailsPerAddress       = 3
	MailsPerAddressPeriod = time.Hour
)

// PersonData is what a capability keeps about people, for the two rights
// a person has over it: its sections of their data export, and its step
// of their erasure, run in the erasing transaction before the person's row
// goes, in the reverse order of Keep (a tactic's before the core's it
// builds on); nil when its rows go with the person by the schema's
// cascades and count nowhere.
type PersonData struct {
	Export []ExportSection
	Erase  func(ctx context.Context, tx *store.Tx, personID string) error
}

// Keep adds a capability's part of what is kept about people (called while
// wiring the server, before it serves).
func (h *Handler) Keep(d PersonData) { h.kept = append(h.kept, d) }

// New builds the account handler.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string) *Handler {
	key := make([]byte, 32)
	rand.Read(key)
	return &Handler{db: db, pages: pages, cat: cat, log: log, baseURL: baseURL,
		secure:    strings.HasPrefix(baseURL, "https://"),
		limit:     web.NewLimiter(3*time.Second, 20),
		mailLimit: web.NewLimiter(MailsPerAddressPeriod/MailsPerAddress, MailsPerAddress),
		mailKey:   key,
		dummyHash: sync.OnceValue(func() string { return HashPassword(store.NewToken()) }),
	}
}

// mailAllowed reports whether one more account mail may go to a
// normalized address now, and counts it.
func (h *Handler) mailAllowed(email string) bool {
	m := hmac.New(sha256.New, h.mailKey)
	m.Write([]byte(email))
	return h.mailLimit.AllowKey(string(m.Sum(nil)))
}

// checkPassword reports whether password matches phc. With no hash to
// check (no account, or one without a password) it checks a dummy hash
// of the same cost and answers false, so the answer takes as long.
func (h *Handler) checkPassword(phc, password string) bool {
	check := phc
	if check == "" {
		check = h.dummyHash()
	}
	if f := h.passwordChecked.Load(); f != nil {
		(*f)(check)
	}
	return CheckPassword(check, password) && phc != ""
}

// NewUser is what `repertoire user create` and sign-up provide.
type NewUser struct {
	Email    string
	Name     string
	Password string // may be empty: the person signs in by mailed link
	Admin    bool
	Language string
}

func (u NewUser) validate() (string, error) {
	var errs repertoire.Errors
	email, err := CheckEmail("email", u.Email)
	if err != nil {
		errs = append(errs, repertoire.AsError(err))
	}
	name := strings.TrimSpace(u.Name)
	switch {
	case name == "":
		errs = append(errs, repertoire.Invalid("name", "field.required", nil))
	default:
		if e := TooLong("name", name, MaxName); e != nil {
			errs = append(errs, e)
		}
	}
	if u.Password != "" && utf8.RuneCountInString(u.Password) < MinPasswordLength {
		errs = append(errs, repertoire.Invalid("password", "account.password_short", map[string]any{"Min": MinPasswordLength}))
	}
	if utf8.RuneCountInString(u.Password) > 1000 {
		errs = append(errs, repertoire.Invalid("password", "field.too_long", map[string]any{"Max": 1000}))
	}
	return email, errs.Err()
}

// passwordHash hashes the password, "" for none. Callers hash before
// opening the transaction: argon2 is slow on purpose, and the SQLite writer
// should not wait for it.
func (u NewUser) passwordHash() string {
	if u.Password == "" {
		return ""
	}
	return HashPassword(u.Password)
}

// createAccount makes (or completes) the person and their account in tx,
// with the password already hashed. An existing account is a conflict on
// "email".
func createAccount(ctx context.Context, tx *store.Tx, u NewUser, hash string, confirmed bool) (string, error) {
	email, err := u.validate()
	if err != nil {
		return "", err
	}
	ids, err := UpsertPeople(ctx, tx, []PersonInput{{Email: email, GivenName: strings.TrimSpace(u.Name), Language: u.Language}})
	if err != nil {
		return "", err
	}
	if err := insertAccount(ctx, tx, ids[0], hash, confirmed, u.Admin); err != nil {
		return "", err
	}
	return ids[0], nil
}

// CreateUser creates a person with a confirmed account (for the CLI and
// tests: the operator vouches for the address).
func CreateUser(ctx context.Context, db *store.DB, u NewUser) (string, error) {
	if _, err := u.validate(); err != nil {
		return "", err
	}
	hash := u.passwordHash()
	var id string
	err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		id, err = createAccount(ctx, tx, u, hash, true)
		return err
	})
	return id, err
}

// CreateToken mints an API token for the account with that email and
// returns it; only its hash is stored.
func CreateToken(ctx context.Context, db *store.DB, email, name string) (string, error) {
	tok := "rpt_" + store.NewToken()
	err := db.Write(ctx, func(tx *store.Tx) error {
		id, err := accountOf(ctx, tx, NormalizeEmail(email))
		if err != nil {
			return err
		}
		return insertToken(ctx, tx, id, tok, name)
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}

// TokenUseResolution is how precisely a token's last use is kept: it is
// written at most once per this period, so a busy client costs one write a
// minute, not one per request.
const TokenUseResolution = time.Minute

// CheckToken resolves an API token (api.TokenChecker) and notes its use.
func (h *Handler) CheckToken(ctx context.Context, token string) (*api.Principal, error) {
	p, lastUsed, err := tokenPrincipal(ctx, h.db.Reader(), token)
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return nil, repertoire.Errorf(repertoire.EUNAUTHORIZED, "account.bad_token")
	}
	if err != nil {
		return nil, err
	}
	if now := store.Now(); lastUsed == nil || now.Sub(*lastUsed) >= TokenUseResolution {
		err := h.db.Write(ctx, func(tx *store.Tx) error { return touchToken(ctx, tx, token, tx.Now.Add(-TokenUseResolution)) })
		if err != nil { // a missed note of use is no reason to refuse the request
			h.log.Warn("account: noting a token's use", "err", err)
		}
	}
	return p, nil
}

// setSessionCookie hands the browser its session token.
func (h *Handler) setSessionCookie(w http.ResponseWriter, tok string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", MaxAge: int(SessionLifetime.Seconds()),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// startSession creates a session for the person and sets its cookie.
func (h *Handler) startSession(ctx context.Context, w http.ResponseWriter, personID string) error {
	var tok string
	err := h.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		tok, err = createSession(ctx, tx, personID)
		return err
	})
	if err != nil {
		return err
	}
	h.setSessionCookie(w, tok)
	return nil
}

// endSession deletes the session of the request and clears its cookie.
func (h *Handler) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		err := h.db.Write(ctx, func(tx *store.Tx) error { return deleteSession(ctx, tx, c.Value) })
		if err != nil {
			return err
		}
	}
	h.clearSessionCookie(w)
	return nil
}

func (h *Handler) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// Sessions gives the request the signed-in viewer of the session cookie,
// read when first asked for.
func (h *Handler) Sessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		// Read when first asked: the post of a public form never asks.
		ctx := r.Context()
		next.ServeHTTP(w, r.WithContext(web.WithSession(ctx, func() *web.Viewer {
			v, err := sessionViewer(ctx, h.db.Reader(), c.Value, store.Now())
			if err != nil {
				return nil // unknown or expired: a visitor
			}
			return v
		})))
	})
}

// Person is anyone Repertoire knows by an email address.
type Person struct {
	ID                string
	Email             string
	GivenName         string
	FamilyName        string
	Locality          string
	Region            string
	PostalCode        string
	Country           string
	PreferredLanguage string
	EmailStatus       string
	CustomFields      map[string]string
	OriginSystem      string
	CreatedAt         time.Time
	ModifiedAt        time.Time
	// Account, when the person has one.
	HasAccount  bool
	Confirmed   bool
	IsAdmin     bool
	HasPassword bool
}

// Name is how the person is shown.
func (p *Person) Name() string {
	return joinName(p.GivenName, p.FamilyName)
}

// joinName is how a person's names are shown together.
func joinName(given, family string) string {
	return strings.TrimSpace(given + " " + family)
}

// NormalizeEmail trims and lower-cases an address: the same person typing
// " Ana@Example.org " twice is one person.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// ValidEmail checks a normalized address.
func ValidEmail(email string) bool {
	if email == "" || len(email) > 254 || !utf8.ValidString(email) {
		return false
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(email, '@')
	return at > 0 && strings.Contains(email[at+1:], ".") && !strings.ContainsAny(email, " <>,;\"")
}

// CheckEmail normalizes and validates an address for the given field.
func CheckEmail(field, raw string) (string, error) {
	email := NormalizeEmail(raw)
	if email == "" {
		return "", repertoire.Invalid(field, "field.required", nil)
	}
	if !ValidEmail(email) {
		return "", repertoire.Invalid(field, "field.bad_email", nil)
	}
	return email, nil
}

// PersonInput is what an action says about a person (a signer, a member).
// Empty fields leave what is stored unchanged.
type PersonInput struct {
	Email      string
	GivenName  string
	FamilyName string
	Locality   string
	Region     string
	PostalCode string
	Country    string
	Language   string
	Origin     string
}

// The longest values a person's fields take, in characters: the one home
// of these rules, for the forms, the API and every action's sign-up.
const (
	MaxName         = 100 // given and family names, locality, region, country
	MaxPostalCode   = 20
	MaxOriginSystem = 100
)

// TooLong returns the field error of a value longer than max characters
// (nil when it fits), or of one that is not UTF-8 at all.
func TooLong(field, value string, max int) *repertoire.Error {
	switch {
	case !utf8.ValidString(value):
		return repertoire.Invalid(field, "error.invalid", nil)
	case utf8.RuneCountInString(value) > max:
		return repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max})
	}
	return nil
}

// Validate trims in's fields, normalizes its email and checks the address
// and every length, naming the fields as the sign-up forms do. UpsertPeople
// takes only inputs that passed it.
func (in *PersonInput) Validate() error {
	var errs repertoire.Errors
	email, err := CheckEmail("email", in.Email)
	if err != nil {
		errs = append(errs, repertoire.AsError(err))
	}
	in.Email = email
	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{{"given_name", &in.GivenName, MaxName}, {"family_name", &in.FamilyName, MaxName},
		{"locality", &in.Locality, MaxName}, {"country", &in.Country, MaxName},
		{"region", &in.Region, MaxName}, {"postal_code", &in.PostalCode, MaxPostalCode}} {
		*f.value = strings.TrimSpace(*f.value)
		if e := TooLong(f.name, *f.value, f.max); e != nil {
			errs = append(errs, e)
		}
	}
	return errs.Err()
}

// language is the stored language of a new person: French or English.
func (in *PersonInput) language() string {
	if in.Language == "fr" {
		return "fr"
	}
	return "en"
}

// origin is the system a new person came from.
func (in *PersonInput) origin() string {
	if in.Origin == "" {
		return "repertoire"
	}
	return in.Origin
}

// Package account is how people join and prove who they are: sign-up with
// a mailed confirmation, password (argon2id) or one-time-link sign-in,
// password reset, browser sessions and API tokens, and the OSDI people
// resource.
package account

import (
	"context"
	"embed"
	"log/slog"
	"net/http"

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

// Handler serves the account pages and the people API.
type Handler struct {
	db      *store.DB
	pages   *web.Renderer
	cat     *i18n.Catalog
	log     *slog.Logger
	baseURL string
}

// New builds the account handler.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string) *Handler {
	return &Handler{db: db, pages: pages, cat: cat, log: log, baseURL: baseURL}
}

// Routes mounts the account pages and the people API.
func (h *Handler) Routes(mux *http.ServeMux) {}

// Sessions loads the signed-in viewer from the session cookie.
func (h *Handler) Sessions(next http.Handler) http.Handler { return next }

// CheckToken resolves an API token (api.TokenChecker).
func (h *Handler) CheckToken(ctx context.Context, token string) (*api.Principal, error) {
	return nil, repertoire.Errorf(repertoire.EUNAUTHORIZED, "error.unauthorized")
}

// NewUser is what `repertoire user create` and sign-up provide.
type NewUser struct {
	Email    string
	Name     string
	Password string // may be empty: the person signs in by mailed link
	Admin    bool
	Language string
}

// CreateUser creates a person with a confirmed account (for the CLI).
func CreateUser(ctx context.Context, db *store.DB, u NewUser) (string, error) {
	return "", repertoire.Errorf(repertoire.EINTERNAL, "error.internal")
}

// CreateToken mints an API token for the person with that email and
// returns it; only its hash is stored.
func CreateToken(ctx context.Context, db *store.DB, email, name string) (string, error) {
	return "", repertoire.Errorf(repertoire.EINTERNAL, "error.internal")
}

// SessionCookie names the browser session cookie.
const SessionCookie = "session"

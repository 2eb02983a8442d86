// Package community is where people organize: communities with a join
// policy, members and their roles, invitations, and public or private
// visibility. Campaigns belong to a community.
package community

import (
	"embed"
	"log/slog"
	"net/http"

	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Store holds communities and memberships.
type Store struct{ db *store.DB }

// Handler serves community pages and the communities API.
type Handler struct {
	Store   *Store
	pages   *web.Renderer
	cat     *i18n.Catalog
	log     *slog.Logger
	baseURL string
}

// New builds the community handler.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string) *Handler {
	return &Handler{Store: &Store{db: db}, pages: pages, cat: cat, log: log, baseURL: baseURL}
}

// Routes mounts community pages and API.
func (h *Handler) Routes(mux *http.ServeMux) {}

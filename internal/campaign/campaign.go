// Package campaign is what a community fights for: a campaign with its
// targets, an optional ultimatum, its demands in ordered sections with a
// kept history of every status change, a timeline of updates, and the
// press coverage it received.
package campaign

import (
	"embed"
	"log/slog"
	"net/http"

	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Handler serves campaign pages and the campaigns API.
type Handler struct {
	db          *store.DB
	communities *community.Store
	pages       *web.Renderer
	cat         *i18n.Catalog
	log         *slog.Logger
	baseURL     string
}

// New builds the campaign handler.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string, communities *community.Store) *Handler {
	return &Handler{db: db, communities: communities, pages: pages, cat: cat, log: log, baseURL: baseURL}
}

// Routes mounts campaign pages and API.
func (h *Handler) Routes(mux *http.ServeMux) {}

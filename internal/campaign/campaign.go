// Package campaign is what a community fights for: a campaign with its
// targets, an optional ultimatum, its demands in ordered sections with a
// kept history of every status change, a timeline of updates, and the
// press coverage it received.
package campaign

import (
	"embed"
	"log/slog"
	"net/http"
	"repertoire"
	"strings"
	"time"

	"repertoire/internal/account"
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
	Store       *Store // also the community pages' community.CampaignLister
	communities *community.Store
	access      Access // the API's rule of who sees and organizes a campaign
	pages       *web.Renderer
	cat         *i18n.Catalog
	log         *slog.Logger
	baseURL     string

	// Tactics list the petitions, pledges… the campaign page links to.
	Tactics []TacticLister
}

// New builds the campaign handler.
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string, communities *community.Store) *Handler {
	return &Handler{Store: NewStore(db), communities: communities, pages: pages, cat: cat, log: log, baseURL: strings.TrimRight(baseURL, "/"),
		access: Access{Communities: communities, NotFound: errNotFound, OrganizersOnly: repertoire.Errorf(repertoire.EFORBIDDEN, "campaign.organizers_only")}}
}

// Routes mounts campaign pages and API. Page paths live under the
// community's /c/{community}/; POST paths of sub-items have six segments so
// they never overlap the community's own five-segment ones.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{community}/campaigns/new", h.newForm)
	mux.HandleFunc("POST /c/{community}/campaigns", h.create)
	mux.HandleFunc("GET /c/{community}/{campaign}", web.NewMicrocache(time.Second).Wrap(h.show))
	mux.HandleFunc("GET /c/{community}/{campaign}/edit", h.editForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/edit", h.edit)
	mux.HandleFunc("POST /c/{community}/{campaign}/delete", h.delete)
	mux.HandleFunc("POST /c/{community}/{campaign}/sections", h.addSection)
	mux.HandleFunc("POST /c/{community}/{campaign}/sections/{section}/edit", h.renameSection)
	mux.HandleFunc("POST /c/{community}/{campaign}/sections/{section}/move", h.moveSection)
	mux.HandleFunc("POST /c/{community}/{campaign}/sections/{section}/delete", h.deleteItem(h.Store.DeleteSection, "section", "#demands", "campaign.section_deleted"))
	mux.HandleFunc("POST /c/{community}/{campaign}/sections/{section}/demands", h.addDemands)
	mux.HandleFunc("GET /c/{community}/{campaign}/demands/{demand}", h.demandPage)
	mux.HandleFunc("POST /c/{community}/{campaign}/demands/{demand}/edit", h.editDemand)
	mux.HandleFunc("POST /c/{community}/{campaign}/demands/{demand}/move", h.moveDemand)
	mux.HandleFunc("POST /c/{community}/{campaign}/demands/{demand}/status", h.setStatus)
	mux.HandleFunc("POST /c/{community}/{campaign}/demands/{demand}/delete", h.deleteDemand)
	mux.HandleFunc("POST /c/{community}/{campaign}/updates", h.addUpdate)
	mux.HandleFunc("POST /c/{community}/{campaign}/updates/{item}/delete", h.deleteItem(h.Store.DeleteUpdate, "item", "#timeline", "campaign.deleted_item"))
	mux.HandleFunc("POST /c/{community}/{campaign}/coverage", h.addCoverage)
	mux.HandleFunc("POST /c/{community}/{campaign}/coverage/{item}/delete", h.deleteItem(h.Store.DeleteCoverage, "item", "#coverage", "campaign.deleted_item"))

	mux.HandleFunc("GET /api/v1/campaigns", h.apiList)
	mux.HandleFunc("POST /api/v1/campaigns", h.apiCreate)
	mux.HandleFunc("GET /api/v1/campaigns/{id}", h.apiGet)
	mux.HandleFunc("PUT /api/v1/campaigns/{id}", h.apiUpdate)
	mux.HandleFunc("DELETE /api/v1/campaigns/{id}", h.apiDelete)
	mux.HandleFunc("GET /api/v1/campaigns/{id}/demands", h.apiDemands)
	mux.HandleFunc("POST /api/v1/campaigns/{id}/demands", h.apiAddDemand)
	mux.HandleFunc("GET /api/v1/campaigns/{id}/demands/{demand}", h.apiDemand)
	mux.HandleFunc("PUT /api/v1/campaigns/{id}/demands/{demand}", h.apiEditDemand)
	mux.HandleFunc("DELETE /api/v1/campaigns/{id}/demands/{demand}", h.apiDeleteDemand)
	mux.HandleFunc("POST /api/v1/campaigns/{id}/coverage", h.apiAddCoverage)
	mux.HandleFunc("DELETE /api/v1/campaigns/{id}/coverage/{item}", h.apiDeleteCoverage)
	mux.HandleFunc("POST /api/v1/campaigns/{id}/updates", h.apiAddUpdate)
	mux.HandleFunc("DELETE /api/v1/campaigns/{id}/updates/{item}", h.apiDeleteUpdate)
}

// campaignPath is the campaign's page, or a page under it.
func campaignPath(c *Campaign, rest ...string) string {
	p := "/c/" + c.CommunitySlug + "/" + c.Slug
	for _, s := range rest {
		p += "/" + s
	}
	return p
}

// PersonData is what a campaign keeps about people, in their export: the
// campaigns they created, the demand statuses and updates they wrote.
// Erasure keeps those, unsigned (the schema sets their author to NULL).
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: ExportSections()}
}

// CampaignLister lists a community's campaigns on the community's page.
func (h *Handler) CampaignLister() community.CampaignLister { return h.Store }

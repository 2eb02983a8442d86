package campaign

import (
	"context"
	"net/http"
	"net/url"

	"repertoire"
	"repertoire/internal/community"
	"repertoire/internal/web"
)

// Place is a campaign as a request reaches it at /c/{community}/{campaign}:
// the campaign, its community, and whether the viewer organizes it. The
// campaign's pages and its tactics' pages (petitions, pledges) all start
// from it.
type Place struct {
	Community   *community.Community
	Campaign    *Campaign
	CanOrganize bool
}

// Locate resolves a community and campaign slug for a viewer ("" for a
// visitor). The campaigns of a private community are not found by
// outsiders, so that their existence does not leak; a draft campaign is
// found by its community's organizers only.
func Locate(ctx context.Context, communities *community.Store, campaigns *Store, communitySlug, campaignSlug, viewerID string) (*Place, error) {
	com, err := communities.Get(ctx, communitySlug)
	if err != nil {
		return nil, err
	}
	ok, err := communities.CanView(ctx, com, viewerID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, repertoire.Errorf(repertoire.ENOTFOUND, "campaign.community_not_found")
	}
	c, err := campaigns.GetBySlug(ctx, com.ID, campaignSlug)
	if err != nil {
		return nil, err
	}
	p := &Place{Community: com, Campaign: c}
	if viewerID != "" {
		if p.CanOrganize, err = communities.CanOrganize(ctx, com.ID, viewerID); err != nil {
			return nil, err
		}
	}
	if c.Draft && !p.CanOrganize {
		return nil, errNotFound // a draft is its organizers' only, with its tactics
	}
	return p, nil
}

// LocateRequest is Locate for the {community} and {campaign} of the URL
// and the signed-in viewer.
func LocateRequest(r *http.Request, communities *community.Store, campaigns *Store) (*Place, error) {
	return Locate(r.Context(), communities, campaigns, r.PathValue("community"), r.PathValue("campaign"), web.ViewerID(r))
}

// RequireOrganizer lets organizers through. A visitor is sent to sign in
// (coming back to the page, not to a post); anyone else gets the 403 page
// with messageID. It reports whether the handler may go on.
func (p *Place) RequireOrganizer(w http.ResponseWriter, r *http.Request, pages *web.Renderer, messageID string) bool {
	if p.CanOrganize {
		return true
	}
	if web.ViewerFrom(r.Context()) == nil {
		next := r.URL.Path
		if r.Method != http.MethodGet {
			next = "/c/" + p.Community.Slug + "/" + p.Campaign.Slug
		}
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
		return false
	}
	pages.Error(w, r, repertoire.Errorf(repertoire.EFORBIDDEN, messageID))
	return false
}

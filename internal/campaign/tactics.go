package campaign

import (
	"context"
	"html/template"
	"net/http"

	"repertoire"
	"repertoire/internal/i18n"
	"repertoire/internal/web"
)

// Tactic is one action a campaign's page links to: a petition, a pledge…
// Each tactic package describes its own; this package only shows them,
// so imports stay one-way (petition and pledge import campaign).
type Tactic struct {
	Kind    string // "petition", "pledge": also the prefix of its status messages (<kind>.status.<status>)
	Title   string
	Path    string // its public page
	Summary string // one line under the title (a pledge's action)
	Count   int    // counted participations: confirmed signatures, commitments
	Goal    int    // the goal or threshold; 0: none
	Status  string // "" when the kind has no status worth showing
}

// Percent is the progress toward the goal, 0 to 100.
func (t Tactic) Percent() int {
	if t.Goal <= 0 {
		return 0
	}
	return min(100, t.Count*100/t.Goal)
}

// TacticLister lists the tactics of one kind a campaign uses.
type TacticLister interface {
	CampaignTactics(ctx context.Context, campaignID string) ([]Tactic, error)
}

// TacticCloser closes the tactics of one kind a campaign uses that still
// take part (an open petition, a pledge collecting), each as its own
// closing does (its history, the people it tells). A TacticLister
// implements it when its kind can be closed. Closing what is closed
// already does nothing, so a closing that failed halfway can be retried.
type TacticCloser interface {
	CloseCampaignTactics(ctx context.Context, campaignID string) error
}

// Close closes a published campaign: first each of its tactics still
// taking part (every TacticCloser of h.Tactics), then the campaign itself
// (closed_at, last, with its timeline's entry written in each reader's
// language), so that a failure halfway leaves it open and the organizer
// can simply close it again. A draft is refused (it is deleted instead),
// and so is a campaign already closed; lang is the closer's, for the
// entry's stored wording.
func (h *Handler) Close(ctx context.Context, personID string, c *Campaign, lang string) error {
	if err := closable(c); err != nil {
		return err
	}
	for _, l := range h.Tactics {
		if cl, ok := l.(TacticCloser); ok {
			if err := cl.CloseCampaignTactics(ctx, c.ID); err != nil {
				return err
			}
		}
	}
	told := i18n.Msg("campaign.timeline.closed")
	return h.Store.Close(ctx, personID, c.ID, told, told.Render(h.cat.For(lang), web.FormatNumber))
}

// tactics gathers a campaign's tactics from every lister, in the order
// the listers were given. A lister that fails costs its block, not the
// page: the demands are still worth reading.
// A draft (Status TacticDraft) is listed to the campaign's organizers only.
func (h *Handler) tactics(r *http.Request, campaignID string, organizer bool) []Tactic {
	var out []Tactic
	for _, l := range h.Tactics {
		ts, err := l.CampaignTactics(r.Context(), campaignID)
		if err != nil {
			h.log.Error("campaign tactics", "err", err)
			continue
		}
		for _, t := range ts {
			if t.Status != TacticDraft || organizer {
				out = append(out, t)
			}
		}
	}
	return out
}

// errCounted refuses to delete a campaign some of whose tactics counted
// people's participation.
var errCounted = repertoire.Errorf(repertoire.ECONFLICT, "campaign.delete_counted")

// deletable refuses (errCounted) a campaign one of whose tactics counted
// anyone (Tactic.Count): deleting it would delete them with it, and they
// are leaves of the transparency log, given for its text, as a petition's
// or a pledge's (participation.DeleteUncounted) are. The page's delete
// and the API's ask it first; its tactics are closed instead. A
// participation confirmed between this check and the deletion goes with
// the campaign (the tactics' counters are not the campaign's to lock).
func (h *Handler) deletable(ctx context.Context, campaignID string) error {
	for _, l := range h.Tactics {
		ts, err := l.CampaignTactics(ctx, campaignID)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.Count > 0 {
				return errCounted
			}
		}
	}
	return nil
}

// TacticDraft is the Status of a tactic not yet published: not public,
// not counted, listed to its organizers only.
const TacticDraft = "draft"

// Block is a section another capability adds to a campaign's page (the
// case library's advice, the public ledger): it renders its own HTML from
// the campaign's place and tactics, so imports stay one-way.
type Block interface {
	CampaignBlock(r *http.Request, p *Place, tactics []Tactic) (template.HTML, error)
}

// blocks renders the blocks offered to the page, in the order given; one
// that fails costs its section only.
func (h *Handler) blocks(r *http.Request, p *Place, tactics []Tactic) []template.HTML {
	var out []template.HTML
	for _, b := range h.Blocks {
		html, err := b.CampaignBlock(r, p, tactics)
		if err != nil {
			h.log.Error("campaign block", "err", err)
			continue
		}
		out = append(out, html)
	}
	return out
}

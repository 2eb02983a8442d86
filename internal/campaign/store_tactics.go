package campaign

import (
	"context"
	"database/sql"
	"errors"

	"repertoire"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
)

// What a campaign's tactics (petitions, pledges) read and write of their
// campaign, without loading the whole campaign.

// VisibleCondition is an SQL condition true when the campaign whose id is
// in column is published (or a draft the person organizes: publishedCondition)
// and belongs to a community visible to the person bound at
// placeholder personArg (community.VisibleCondition, the one rule; bind ""
// for a visitor). Admins are not covered: callers that want them to see
// everything drop the condition.
func VisibleCondition(column, personArg string) string {
	return "(" + column + " IN (SELECT vc.id FROM campaigns vc WHERE " + community.VisibleCondition("vc.community_id", personArg) +
		" AND " + publishedCondition("vc", personArg) + "))"
}

// publishedCondition is true of the campaigns (aliased alias) that are
// published, or drafts of a community the person at personArg organizes.
func publishedCondition(alias, personArg string) string {
	return "(NOT " + alias + ".draft OR " + community.OrganizeCondition(alias+".community_id", personArg) + ")"
}

// DraftCondition is an SQL condition true when the campaign whose id is in
// column is a draft.
func DraftCondition(column string) string {
	return "(" + column + " IN (SELECT id FROM campaigns WHERE draft))"
}

// OrganizeCondition is an SQL condition true when the campaign whose id is
// in column belongs to a community the person bound at placeholder
// personArg organizes (community.OrganizeCondition). Admins are not covered.
func OrganizeCondition(column, personArg string) string {
	return "(" + column + " IN (SELECT id FROM campaigns WHERE " + community.OrganizeCondition("community_id", personArg) + "))"
}

// CheckPublished answers a.NotFound when the campaign is a draft that
// personID ("" for a visitor) does not organize: a draft campaign and its
// tactics are its organizers' only (and admins'), as if they did not exist.
func (s *Store) CheckPublished(ctx context.Context, a Access, campaignID, personID string, admin bool) error {
	if admin {
		return nil
	}
	var draft bool
	var communityID string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT draft, community_id FROM campaigns WHERE id = $1`, campaignID).Scan(&draft, &communityID)
	if errors.Is(err, sql.ErrNoRows) {
		return a.NotFound
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	if !draft {
		return nil
	}
	if personID != "" {
		ok, err := a.Communities.CanOrganize(ctx, communityID, personID)
		if err != nil || ok {
			return err
		}
	}
	return a.NotFound
}

// Parent is the campaign a tactic (a petition, a pledge) belongs to, and its
// community, as the tactic's pages and links name them.
type Parent struct {
	CampaignID    string
	CampaignSlug  string
	CampaignTitle string
	CommunityID   string
	CommunitySlug string
	CommunityName string
	// Language is the campaign's, its tactics' own language too: their
	// columns are written in it, their translations in the others.
	Language string
	// CampaignTranslations hold the campaign's title in other languages.
	CampaignTranslations i18n.Translations
}

// Parent is c as its tactics name it; c comes from Heads (or any read that
// fills its community).
func (c *Campaign) Parent() Parent {
	return Parent{CampaignID: c.ID, CampaignSlug: c.Slug, CampaignTitle: c.Title,
		CommunityID: c.CommunityID, CommunitySlug: c.CommunitySlug, CommunityName: c.CommunityName,
		Language: c.Language, CampaignTranslations: c.Translations}
}

// In is p with the campaign's title a reader of lang reads.
func (p Parent) In(lang string) Parent {
	p.CampaignTitle = p.CampaignTranslations.Pick(lang, p.Language, "title", p.CampaignTitle)
	return p
}

// Pick is a tactic's field as a reader of lang reads it: its version in
// lang, else its own (the campaign's language), from the tactic's
// translations t (i18n.Translations.Pick).
func (p Parent) Pick(t i18n.Translations, lang, field, own string) string {
	return t.Pick(lang, p.Language, field, own)
}

// WithoutOwn drops from a tactic's translations t the campaign's own
// language (the tactic's columns hold that version), reading it in tx.
func WithoutOwn(ctx context.Context, tx *store.Tx, campaignID string, t i18n.Translations) (i18n.Translations, error) {
	return withoutOwn(ctx, tx, campaignID, t)
}

// Heads reads the campaigns with the given ids from q (the read pool or a
// transaction) with their community's slug and name, without targets or
// demands: what a tactic shows of its campaign. Unknown ids are left out.
func Heads(ctx context.Context, q store.Queryer, ids []string) (map[string]*Campaign, error) {
	var cs []*Campaign
	err := store.EachByID(ctx, q, `SELECT `+campaignColumns+` FROM campaigns c WHERE c.id IN $ids`, ids, func(r store.Scanner) error {
		c, err := scanCampaign(r)
		if err != nil {
			return repertoire.Internal(err)
		}
		cs = append(cs, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cs, err = fillCommunities(ctx, q, cs); err != nil {
		return nil, err
	}
	out := make(map[string]*Campaign, len(cs))
	for _, c := range cs {
		out[c.ID] = c
	}
	return out, nil
}

// DemandsByID reads the demands of ids, of any campaign, in the order of
// their campaign's list (section, then number), without their histories;
// ids of no demand are left out. q may be a transaction.
func DemandsByID(ctx context.Context, q store.Queryer, ids []string) ([]Demand, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := store.In(ids, 1)
	return queryDemands(ctx, q, `d.id IN (`+in+`)`, args, "", false)
}

// RecordUpdate adds an entry to a campaign's timeline inside tx, the
// transaction of what the entry tells (a petition's delivery).
func RecordUpdate(ctx context.Context, tx *store.Tx, personID, campaignID string, in UpdateInput) error {
	if err := in.normalize(tx.Now); err != nil {
		return err
	}
	return insertUpdate(ctx, tx, personID, campaignID, Update{ID: store.NewID(), Title: in.Title, Body: in.Body, PublishedAt: in.PublishedAt, Told: in.Told})
}

// RecordDemandStatus records a status change of one of the campaign's
// demands inside tx (see Store.SetDemandStatus).
func RecordDemandStatus(ctx context.Context, tx *store.Tx, personID, campaignID, demandID string, change StatusChange) error {
	if err := change.normalize(tx.Now); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM demands WHERE id = $1 AND campaign_id = $2`, demandID, campaignID).Scan(&n); err != nil {
		return repertoire.Internal(err)
	}
	if n == 0 {
		return repertoire.Errorf(repertoire.ENOTFOUND, "campaign.demand_not_found")
	}
	if err := recordStatus(ctx, tx, personID, demandID, change); err != nil {
		return err
	}
	return touch(ctx, tx, campaignID)
}

// CampaignsOf is an SQL subquery selecting the ids of the campaigns of the
// communities the subquery communities selects (whose people an
// organizer reaches: its tactics' participants).
func CampaignsOf(communities string) string {
	return "SELECT id FROM campaigns WHERE community_id IN (" + communities + ")"
}

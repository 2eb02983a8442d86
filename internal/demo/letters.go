package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/letter"
	"repertoire/internal/participation"
	"repertoire/internal/store"
)

// Letters are the scenario's 2010 letters to the FTC and US senators
// about the "like" button, with their campaign.
type Letters struct {
	Campaign struct {
		Slug, Title, Summary string
		Targets              []string
		Opened               string
		Demands              []string
	}
	Slug, Title, Description, Subject, Body string
	Targets                                 []struct {
		Name, Title, Country string
		PostalAddress        string `json:"postal_address"`
		WebForm              string `json:"web_form"`
	}
	Daily []Day
}

// loadLetters adds the 2010 campaign against the "like" button social
// plugin and its letter to the FTC and the senators, and records the
// scenario's people writing it day by day through the participation
// core, each letter sent by post or web form by its writer (nobody is
// mailed).
func loadLetters(ctx context.Context, db *store.DB, cat *i18n.Catalog, log *slog.Logger, sc *Scenario, organizerID, communityID string) error {
	ls := sc.Letters
	opened, err := day(ls.Campaign.Opened)
	if err != nil {
		return err
	}
	opened = opened.Add(12 * time.Hour)
	in := campaign.CampaignInput{CommunityID: communityID, Title: ls.Campaign.Title, Slug: ls.Campaign.Slug, Summary: ls.Campaign.Summary,
		Targets: ls.Campaign.Targets, OpenedAt: &opened}
	sec := campaign.SectionInput{Title: "Privacy"}
	for _, d := range ls.Campaign.Demands {
		sec.Demands = append(sec.Demands, campaign.DemandInput{Text: d})
	}
	in.Sections = []campaign.SectionInput{sec}
	campaigns := campaign.NewStore(db)
	camp, err := campaigns.Create(ctx, organizerID, in)
	if err != nil {
		return fmt.Errorf("2010 campaign: %w", err)
	}
	parts := participation.New(db, nil, cat, "", log, participation.Limits{})
	letters := letter.New(db, nil, cat, log, "", community.NewStore(db), campaigns, parts)
	li := letter.Input{Title: ls.Title, Slug: ls.Slug, Description: ls.Description, Subject: ls.Subject, Body: ls.Body,
		Delivery: letter.DeliveryPost}
	for _, t := range ls.Targets {
		li.Targets = append(li.Targets, letter.TargetInput{Name: t.Name, Title: t.Title, Country: t.Country,
			PostalAddress: t.PostalAddress, WebForm: t.WebForm})
	}
	l, err := letters.Store.Create(ctx, organizerID, camp.ID, li)
	if err != nil {
		return fmt.Errorf("letter: %w", err)
	}
	written, err := taken(sc, participation.Outreach, l.ID, ls.Daily, 200)
	if err != nil {
		return fmt.Errorf("letters: %w", err)
	}
	for i := range written {
		written[i].PublicName, written[i].ShareWithTarget = false, false
	}
	if err := letters.Store.RecordPast(ctx, parts, l, written, letter.Writing{Subject: ls.Subject, Message: ls.Body}); err != nil {
		return fmt.Errorf("letters: %w", err)
	}
	return nil
}

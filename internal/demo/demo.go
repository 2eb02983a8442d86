// Package demo loads the seed's scenario — a community, the May 1st, 2018
// users' campaign against Facebook with its 17 demands, its press coverage
// and some demand history, a petition for its demands signed over several
// weeks and the May 25 – June 1 "log out" pledge that lapsed, the case
// library, the campaign's public ledger and members' data vaults — into an
// empty database, through the same store functions, with the same
// validation, as user input, and through the owners' functions that record
// the past for its 2018 dates (see loadTactics).
package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/cases"
	"repertoire/internal/community"
	"repertoire/internal/decision"
	"repertoire/internal/i18n"
	"repertoire/internal/ledger"
	"repertoire/internal/store"
)

//go:embed scenario.json
var scenarioJSON []byte

// Scenario is the demo, as kept in scenario.json.
type Scenario struct {
	Organizer struct {
		Email, Name, Password string
	}
	Community struct {
		Slug, Name, Description, Language string
		JoinPolicy                        string `json:"join_policy"`
		Visibility                        string
	}
	Campaign struct {
		Slug, Title, Summary string
		Targets              []string
		Ultimatum            string
		Sections             []struct {
			Title   string
			Demands []string
		}
		StatusChanges []struct {
			Section, Demand              int // 1-based, as the seed numbers them
			Status, Date, Note, Evidence string
		} `json:"status_changes"`
		Updates []struct {
			Date, Title, Body string
		}
		Coverage []struct {
			Date, Outlet, Title, Language, Kind, URL string
		}
		// Ledger is the campaign's public ledger; amounts as people
		// write them ("125.50").
		Ledger []struct {
			Date, Kind, Channel, Amount, Currency, Purpose string
		}
	}
	Tactics
	// Decision is the members' vote that ratified the demands, before they
	// were sent.
	Decision struct {
		Title, Body    string
		Opened, Closed time.Time
		Quorum         int
		Electorate     int
		Votes          map[string]int
	}
}

// Load fills an empty database with the demo and reports whether it did.
// A database that already holds a community is left alone.
func Load(ctx context.Context, db *store.DB, cat *i18n.Catalog, log *slog.Logger) error {
	empty, err := community.NewStore(db).Empty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		log.Info("demo not loaded: the database already has communities")
		return nil
	}
	var sc Scenario
	if err := json.Unmarshal(scenarioJSON, &sc); err != nil {
		return err
	}
	if err := load(ctx, db, cat, log, &sc); err != nil {
		return err
	}
	log.Info("demo loaded", "community", "/c/"+sc.Community.Slug, "campaign", "/c/"+sc.Community.Slug+"/"+sc.Campaign.Slug,
		"organizer", "see README")
	return nil
}

func day(s string) (time.Time, error) { return time.Parse("2006-01-02", s) }

func load(ctx context.Context, db *store.DB, cat *i18n.Catalog, log *slog.Logger, sc *Scenario) error {
	organizer, err := account.CreateUser(ctx, db, account.NewUser{
		Email: sc.Organizer.Email, Name: sc.Organizer.Name, Password: sc.Organizer.Password, Admin: true})
	if err != nil {
		return fmt.Errorf("organizer: %w", err)
	}
	c := sc.Community
	com, err := community.NewStore(db).Create(ctx, organizer, community.Input{
		Name: c.Name, Slug: c.Slug, Description: c.Description, Language: c.Language,
		JoinPolicy: c.JoinPolicy, Visibility: c.Visibility})
	if err != nil {
		return fmt.Errorf("community: %w", err)
	}

	cs := sc.Campaign
	ultimatum, err := day(cs.Ultimatum)
	if err != nil {
		return err
	}
	opened := time.Date(2018, 4, 9, 12, 0, 0, 0, time.UTC)
	in := campaign.CampaignInput{CommunityID: com.ID, Title: cs.Title, Slug: cs.Slug, Summary: cs.Summary,
		Targets: cs.Targets, UltimatumAt: &ultimatum, OpenedAt: &opened}
	for _, s := range cs.Sections {
		sec := campaign.SectionInput{Title: s.Title}
		for _, d := range s.Demands {
			sec.Demands = append(sec.Demands, campaign.DemandInput{Text: d})
		}
		in.Sections = append(in.Sections, sec)
	}
	campaigns := campaign.NewStore(db)
	camp, err := campaigns.Create(ctx, organizer, in)
	if err != nil {
		return fmt.Errorf("campaign: %w", err)
	}
	camp, err = campaigns.Get(ctx, camp.ID)
	if err != nil {
		return err
	}
	for _, ch := range cs.StatusChanges {
		when, err := day(ch.Date)
		if err != nil {
			return err
		}
		demand := camp.Sections[ch.Section-1].Demands[ch.Demand-1]
		err = campaigns.SetDemandStatus(ctx, organizer, demand.ID, campaign.StatusChange{
			Status: ch.Status, Note: ch.Note, EvidenceURL: ch.Evidence, ChangedAt: when.Add(12 * time.Hour)})
		if err != nil {
			return fmt.Errorf("demand %s: %w", demand.Number(), err)
		}
	}
	for _, u := range cs.Updates {
		when, err := day(u.Date)
		if err != nil {
			return err
		}
		if err := campaigns.AddUpdate(ctx, organizer, camp.ID, campaign.UpdateInput{Title: u.Title, Body: u.Body, PublishedAt: when.Add(9 * time.Hour)}); err != nil {
			return fmt.Errorf("update %q: %w", u.Title, err)
		}
	}
	for _, cv := range cs.Coverage {
		err := campaigns.AddCoverage(ctx, camp.ID, campaign.CoverageInput{Kind: cv.Kind, PublishedOn: cv.Date,
			Outlet: cv.Outlet, Title: cv.Title, Language: cv.Language, URL: cv.URL})
		if err != nil {
			return fmt.Errorf("coverage %q: %w", cv.Title, err)
		}
	}
	if err := loadTactics(ctx, db, cat, log, sc, organizer, camp); err != nil {
		return err
	}
	// The members' vote that made the demand list theirs, recorded closed
	// with its count (decision.RecordPast adopts the demands as its
	// closing would have).
	dc := sc.Decision
	_, err = decision.NewStore(db, nil, "", nil).RecordPast(ctx, organizer, com.ID, decision.Past{
		Input: decision.Input{Title: dc.Title, Body: dc.Body, Kind: decision.KindRatifyDemands, CampaignID: camp.ID,
			Threshold: decision.Majority, Quorum: dc.Quorum, Secret: true},
		OpenedAt: dc.Opened, ClosedAt: dc.Closed, Electorate: dc.Electorate, Votes: dc.Votes})
	if err != nil {
		return fmt.Errorf("decision: %w", err)
	}
	if err := loadLetters(ctx, db, cat, log, sc, organizer, com.ID); err != nil {
		return err
	}
	if err := loadLegal(ctx, db, cat, log, sc, organizer, camp); err != nil {
		return err
	}
	if err := loadSeminars(ctx, db, cat, log, organizer, com.ID); err != nil {
		return err
	}
	if err := loadVaults(ctx, db, sc, organizer, com.ID); err != nil {
		return err
	}
	if err := loadGateway(ctx, db, organizer, com.ID); err != nil {
		return err
	}
	return loadLibraryAndLedger(ctx, db, sc, camp)
}

// loadLibraryAndLedger makes sure the case library holds the seed's cases
// (the server seeds it at start too) and writes the campaign's ledger.
func loadLibraryAndLedger(ctx context.Context, db *store.DB, sc *Scenario, camp *campaign.Campaign) error {
	if err := cases.Seed(ctx, db); err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	ledgers := ledger.NewStore(db)
	for _, e := range sc.Campaign.Ledger {
		amount, ok := ledger.ParseAmount(e.Amount, e.Currency)
		if !ok {
			return fmt.Errorf("ledger: amount %q", e.Amount)
		}
		if _, err := ledgers.Add(ctx, camp.ID, ledger.Input{Date: e.Date, Kind: e.Kind, Channel: e.Channel, Amount: amount,
			Currency: e.Currency, Purpose: e.Purpose}); err != nil {
			return fmt.Errorf("ledger %s: %w", e.Date, err)
		}
	}
	return nil
}

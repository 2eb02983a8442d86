package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"repertoire/internal/campaign"
	"repertoire/internal/event"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
)

//go:embed seminars.json
var seminarsJSON []byte

// Seminars are the seed's seminars of 2018, kept in seminars.json: a
// campaign of their own, each séance with its time on Paris time, room and
// speakers, and the room change of 14 May kept as a change.
type Seminars struct {
	Campaign struct {
		Title, Slug, Summary string
	}
	Seminars []struct {
		Slug, Title, Speakers, Description, Venue, Room, Languages, Notes string
		Start, End                                                        time.Time
		Capacity                                                          int
		Changes                                                           []struct {
			Field, Before, After string
			At                   time.Time
		}
	}
}

// loadSeminars adds the seminars through the campaign's and the events'
// own functions; their changes are recorded as of 2018, mailing nobody.
func loadSeminars(ctx context.Context, db *store.DB, cat *i18n.Catalog, log *slog.Logger, organizerID, communityID string) error {
	var sm Seminars
	if err := json.Unmarshal(seminarsJSON, &sm); err != nil {
		return err
	}
	camp, err := campaign.NewStore(db).Create(ctx, organizerID, campaign.CampaignInput{CommunityID: communityID,
		Title: sm.Campaign.Title, Slug: sm.Campaign.Slug, Summary: sm.Campaign.Summary})
	if err != nil {
		return fmt.Errorf("seminars' campaign: %w", err)
	}
	events := event.NewStore(db, cat, "", log)
	for _, s := range sm.Seminars {
		e, err := events.Create(ctx, camp.ID, event.Input{Slug: s.Slug, Title: s.Title, Speakers: s.Speakers, Description: s.Description,
			Start: s.Start, End: s.End, Timezone: "Europe/Paris", Venue: s.Venue, Room: s.Room, Languages: s.Languages,
			Capacity: s.Capacity, Notes: s.Notes})
		if err != nil {
			return fmt.Errorf("seminar %s: %w", s.Slug, err)
		}
		for _, c := range s.Changes {
			if err := events.RecordChange(ctx, e.ID, event.Change{Field: c.Field, Before: c.Before, After: c.After}, c.At); err != nil {
				return fmt.Errorf("seminar %s: %w", s.Slug, err)
			}
		}
	}
	return nil
}

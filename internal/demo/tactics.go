package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/petition"
	"repertoire/internal/pledge"
	"repertoire/internal/store"
)

// Domain is the unroutable domain of every demo person: nothing mailed to
// them can reach anyone.
const Domain = "demo.repertoire.example"

// Day is a number of participations on one day of the scenario, kept in
// scenario.json as ["2018-04-09", 34].
type Day struct {
	Date string
	N    int
}

// UnmarshalJSON reads the [date, count] pair.
func (d *Day) UnmarshalJSON(b []byte) error {
	var pair [2]json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	if err := json.Unmarshal(pair[0], &d.Date); err != nil {
		return err
	}
	return json.Unmarshal(pair[1], &d.N)
}

// Tactics are the scenario's petition and pledge with the people who took
// part, day by day.
type Tactics struct {
	Petition struct {
		Slug, Title, Description, Text string
		Goal                           int
		Targets                        []string
		Opened                         string
		Daily                          []Day
		Withdrawn                      int // how many signers take their signature back a few days later
	}
	Pledge struct {
		Slug, Title, Action, Description string
		Threshold                        int
		Created                          string
		Deadline                         time.Time
		WindowStart                      time.Time `json:"window_start"`
		WindowEnd                        time.Time `json:"window_end"`
		Daily                            []Day
	}
	Letters Letters
	Signers struct {
		GivenNames  []string    `json:"given_names"`
		FamilyNames []string    `json:"family_names"`
		Places      [][2]string // locality, country
		Comments    []string
	}
}

// loadTactics adds the petition for the campaign's demands and the "log
// out" pledge, and records the scenario's people signing and committing
// through the participation core, with their 2018 dates: confirmed on
// the day of the scenario, withdrawn three days later for a few, counted
// in the counters and the chart's hourly buckets of those hours, nobody
// mailed. The owners record the rest of the past: the petition opened in
// 2018, and the pledge lapsed at its deadline below its threshold, without
// the lapse mails its deadline job would send to every committed person.
func loadTactics(ctx context.Context, db *store.DB, cat *i18n.Catalog, log *slog.Logger, sc *Scenario, organizerID string, camp *campaign.Campaign) error {
	// No rate limits: every demo person shares one email domain.
	parts := participation.New(db, nil, cat, "", log, participation.Limits{})
	communities, campaigns := community.NewStore(db), campaign.NewStore(db)
	petitions := petition.New(db, nil, cat, log, "", communities, campaigns, parts)
	pledges := pledge.New(db, nil, cat, log, "", communities, campaigns, parts, nil)

	tp := sc.Petition
	var demands []string
	for _, s := range camp.Sections {
		for _, d := range s.Demands {
			demands = append(demands, d.ID)
		}
	}
	in := petition.Input{CampaignID: camp.ID, Slug: tp.Slug, Title: tp.Title, Description: tp.Description, Text: tp.Text,
		Goal: tp.Goal, DemandIDs: demands}
	for _, t := range tp.Targets {
		in.Targets = append(in.Targets, petition.Target{Name: t})
	}
	pet, err := petitions.Store.Create(ctx, organizerID, in)
	if err != nil {
		return fmt.Errorf("petition: %w", err)
	}
	signed, err := taken(sc, participation.Signature, pet.ID, tp.Daily, 0)
	if err != nil {
		return fmt.Errorf("signatures: %w", err)
	}
	if tp.Withdrawn > 0 { // a few change their mind three days later: the chart dips
		step := len(signed) / tp.Withdrawn
		for i := 0; i < tp.Withdrawn; i++ {
			e := &signed[i*step+step/2]
			e.WithdrawnAt = e.ConfirmedAt.Add(72 * time.Hour)
		}
	}

	tl := sc.Pledge
	created, err := day(tl.Created)
	if err != nil {
		return err
	}
	pl, err := pledges.Store.Create(ctx, organizerID, camp.ID, pledge.Input{Title: tl.Title, Slug: tl.Slug, Action: tl.Action,
		Description: tl.Description, Threshold: tl.Threshold, Deadline: tl.Deadline, WindowStart: tl.WindowStart, WindowEnd: tl.WindowEnd},
		time.Time{}) // a zero now: a pledge of the past
	if err != nil {
		return fmt.Errorf("pledge: %w", err)
	}
	// Committers overlap the signers from number 400 on: the same people.
	committed, err := taken(sc, participation.Commitment, pl.ID, tl.Daily, 400)
	if err != nil {
		return fmt.Errorf("commitments: %w", err)
	}
	if _, err := parts.RecordPast(ctx, append(signed, committed...)); err != nil {
		return fmt.Errorf("participations: %w", err)
	}

	opened, err := day(tp.Opened)
	if err != nil {
		return err
	}
	if err := petitions.Store.Backdate(ctx, pet.ID, opened.Add(9*time.Hour)); err != nil {
		return fmt.Errorf("petition: %w", err)
	}
	if err := pledges.Store.RecordLapse(ctx, pl.ID, created.Add(9*time.Hour)); err != nil {
		return fmt.Errorf("pledge: %w", err)
	}
	return nil
}

// taken is one participation per person of the daily counts, numbering
// people from first, in scenario order: submitted twenty minutes before
// its confirmation, on its day, at an hour of the person's own.
func taken(sc *Scenario, kind participation.Kind, actionID string, days []Day, first int) ([]participation.Past, error) {
	var out []participation.Past
	n := 0
	for _, d := range days {
		date, err := day(d.Date)
		if err != nil {
			return nil, err
		}
		for j := 0; j < d.N; j++ {
			i := first + n
			at := date.Add(time.Duration(7+(i*5)%15)*time.Hour + time.Duration((i*17)%60)*time.Minute + time.Duration(j)*time.Second)
			out = append(out, participation.Past{Submission: person(sc, kind, actionID, i),
				SubmittedAt: at.Add(-20 * time.Minute), ConfirmedAt: at})
			n++
		}
	}
	return out, nil
}

// person is demo person number i: the same number is the same person in
// the petition and the pledge.
func person(sc *Scenario, kind participation.Kind, actionID string, i int) participation.Submission {
	s := sc.Signers
	place := s.Places[(i*3)%len(s.Places)]
	lang := "en"
	if place[1] == "France" || place[1] == "Belgium" || place[0] == "Montréal" {
		lang = "fr"
	}
	sub := participation.Submission{Kind: kind, ActionID: actionID, Lang: lang,
		Person: account.PersonInput{Email: fmt.Sprintf("supporter-%03d@%s", i, Domain),
			GivenName: s.GivenNames[i%len(s.GivenNames)], FamilyName: s.FamilyNames[(i*7)%len(s.FamilyNames)],
			Locality: place[0], Country: place[1]},
		PublicName: i%5 != 0, ContactOK: i%2 == 0, ShareWithTarget: kind == participation.Signature && i%3 != 0}
	if kind == participation.Signature && i%23 == 0 {
		sub.Comment = s.Comments[(i/23)%len(s.Comments)]
	}
	return sub
}

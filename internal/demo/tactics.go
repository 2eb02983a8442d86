package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/petition"
	"repertoire/internal/pledge"
	"repertoire/internal/schedule"
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
	Signers struct {
		GivenNames  []string    `json:"given_names"`
		FamilyNames []string    `json:"family_names"`
		Places      [][2]string // locality, country
		Comments    []string
	}
}

// taken is one demo participation: its id, its mailed token and when it
// happened in the scenario.
type taken struct {
	id, token string
	at        time.Time
	withdrawn *time.Time
}

// loadTactics adds the petition for the campaign's demands and the "log
// out" pledge, and has the scenario's people sign and commit through the
// participation core, exactly as from the public pages: Submit (pending,
// a confirmation mail queued), then Confirm with the mailed link's token,
// and Withdraw for a few. Three things cannot go through user input and
// are set directly, here only:
//   - the dates: the core stamps participations, counters and the hourly
//     chart buckets with the transaction's clock, so the 2018 dates are
//     written afterwards and the chart's buckets recomputed from them;
//   - the mails: the confirmation mails queued on the way were addressed to
//     unroutable demo people and are removed before any worker runs;
//   - the pledge's state: its deadline passed in 2018 below the threshold,
//     so it is lapsed with its jobs cancelled, without the lapse mails its
//     deadline job would send to every committed person.
func loadTactics(ctx context.Context, db *store.DB, log *slog.Logger, sc *Scenario, organizerID string, camp *campaign.Campaign) error {
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	started := store.Now()
	// No rate limits: every demo person shares one email domain.
	parts := participation.New(db, "", log, participation.Limits{})
	communities, campaigns := community.NewStore(db), campaign.NewStore(db)
	petitions := petition.New(db, nil, cat, log, "", communities, campaigns, parts)
	pledges := pledge.New(db, nil, cat, log, "", communities, campaigns, parts)

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
	signed, err := take(ctx, db, parts, sc, participation.Signature, pet.ID, tp.Daily, 0)
	if err != nil {
		return fmt.Errorf("signatures: %w", err)
	}
	if tp.Withdrawn > 0 { // a few change their mind three days later: the chart dips
		step := len(signed) / tp.Withdrawn
		for i := 0; i < tp.Withdrawn; i++ {
			e := &signed[i*step+step/2]
			if _, err := parts.Withdraw(ctx, e.token); err != nil {
				return fmt.Errorf("withdraw: %w", err)
			}
			at := e.at.Add(72 * time.Hour)
			e.withdrawn = &at
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
	committed, err := take(ctx, db, parts, sc, participation.Commitment, pl.ID, tl.Daily, 400)
	if err != nil {
		return fmt.Errorf("commitments: %w", err)
	}

	opened, err := day(tp.Opened)
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *store.Tx) error {
		if err := backdate(ctx, tx, pet.ID, signed); err != nil {
			return err
		}
		if err := backdate(ctx, tx, pl.ID, committed); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE petitions SET created_at = $2, modified_at = $2 WHERE id = $1`, pet.ID, opened.Add(9*time.Hour)); err != nil {
			return repertoire.Internal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pledges SET status = $2, created_at = $3, modified_at = $4 WHERE id = $1`,
			pl.ID, pledge.StatusLapsed, created.Add(9*time.Hour), tl.Deadline); err != nil {
			return repertoire.Internal(err)
		}
		if err := schedule.Cancel(ctx, tx, pl.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE to_address LIKE $1 AND created_at >= $2`, "%@"+Domain, started); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
}

// take submits and confirms one participation per person of the daily
// counts, numbering people from first; it returns them in scenario order.
func take(ctx context.Context, db *store.DB, parts *participation.Service, sc *Scenario, kind participation.Kind,
	actionID string, days []Day, first int) ([]taken, error) {
	var out []taken
	var subs []participation.Submission
	n := 0
	for _, d := range days {
		date, err := day(d.Date)
		if err != nil {
			return nil, err
		}
		for j := 0; j < d.N; j++ {
			i := first + n
			at := date.Add(time.Duration(7+(i*5)%15)*time.Hour + time.Duration((i*17)%60)*time.Minute + time.Duration(j)*time.Second)
			out = append(out, taken{at: at})
			subs = append(subs, person(sc, kind, actionID, i))
			n++
		}
	}
	// Submitted side by side, as a crowd does: the group commit writes them
	// in a few transactions.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 64)
	for i := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			res, err := parts.Submit(ctx, subs[i])
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			out[i].id = res.ID
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	// The token of each mailed link (the one in the queued mail is not
	// readable back: only its hash is kept), then the click on it.
	err := db.Write(ctx, func(tx *store.Tx) error {
		for i := range out {
			tok, _, err := parts.NewLink(ctx, tx, out[i].id)
			if err != nil {
				return err
			}
			out[i].token = tok
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		if _, err := parts.Confirm(ctx, e.token); err != nil {
			return nil, err
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

// backdate writes the scenario's dates on an action's participations and
// recomputes its hourly chart buckets from them: +1 in the hour of each
// confirmation, -1 in the hour of each withdrawal, as the core counts.
func backdate(ctx context.Context, tx *store.Tx, actionID string, entries []taken) error {
	update, err := tx.PrepareContext(ctx, `UPDATE participations SET created_at = $2, confirmed_at = $3, withdrawn_at = $4, modified_at = $5 WHERE id = $1`)
	if err != nil {
		return repertoire.Internal(err)
	}
	defer update.Close()
	buckets := map[time.Time]int{}
	var hours []time.Time
	add := func(t time.Time, n int) {
		h := t.Truncate(time.Hour)
		if _, ok := buckets[h]; !ok {
			hours = append(hours, h)
		}
		buckets[h] += n
	}
	for _, e := range entries {
		modified := e.at
		var withdrawn any
		add(e.at, 1)
		if e.withdrawn != nil {
			modified, withdrawn = *e.withdrawn, *e.withdrawn
			add(*e.withdrawn, -1)
		}
		if _, err := update.ExecContext(ctx, e.id, e.at.Add(-20*time.Minute), e.at, withdrawn, modified); err != nil {
			return repertoire.Internal(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM action_count_buckets WHERE action_id = $1`, actionID); err != nil {
		return repertoire.Internal(err)
	}
	for _, h := range hours {
		if _, err := tx.ExecContext(ctx, `INSERT INTO action_count_buckets (action_id, bucket, confirmed) VALUES ($1, $2, $3)`,
			actionID, h, buckets[h]); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

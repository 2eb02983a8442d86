package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/legal"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/target"
)

// The legal actions of the demo, through the legal package's functions:
// the 2011 complaints of Europe v Facebook to the Irish Data Protection
// Commissioner, and a drive of access requests to Meta Platforms Ireland
// whose requests stand at every point of their legal clock.

const dpcStory = `In 2011, the association Europe versus Facebook, founded by Austrian law students around Max Schrems, filed 22 complaints with the Irish Data Protection Commissioner (DPC) against Facebook Ireland, the controller of the data of every Facebook user outside North America. The complaints rested on what the students found in the data Facebook gave them under their right of access: deleted messages and pokes still kept, tags made without consent, shadow profiles of non-users, and more. The DPC audited Facebook Ireland in December 2011; the case then went to the Court of Justice of the European Union.`

const dpcMandate = `I mandate the community to lodge this complaint on my behalf with the Irish Data Protection Commissioner, and to exercise on my behalf the rights referred to in Articles 77 to 79 of the GDPR, as its Article 80(1) allows.`

const driveStory = `Each of us asks Meta Platforms Ireland for a copy of our data and the information Article 15 of the GDPR gives us the right to, and for our data in a portable format (Article 20). Meta has one month to answer, three when it says it needs them. We keep the clocks together: whoever is left without a complete answer lodges a complaint with the Irish Data Protection Commission, Meta's lead authority, and with their own.`

func loadLegal(ctx context.Context, db *store.DB, cat *i18n.Catalog, log *slog.Logger, sc *Scenario, organizerID string, camp *campaign.Campaign) error {
	if _, err := target.LoadEmbedded(ctx, db); err != nil {
		return fmt.Errorf("targets: %w", err)
	}
	dir := target.NewStore(db)
	meta, err := dir.BySlug(ctx, target.SourceDatenanfragen, "facebook")
	if err != nil {
		return fmt.Errorf("targets: Meta Platforms Ireland: %w", err)
	}
	dpc, err := dir.BySlug(ctx, target.SourceDatenanfragen, "iedpc")
	if err != nil {
		return fmt.Errorf("targets: the DPC: %w", err)
	}
	parts := participation.New(db, nil, cat, "", log, participation.Limits{})
	actions := legal.New(db, nil, cat, log, "", community.NewStore(db), campaign.NewStore(db), dir, parts, nil, "")

	filed := time.Date(2011, 8, 18, 10, 0, 0, 0, time.UTC)
	complaint, err := actions.Store.Create(ctx, organizerID, camp.ID, legal.Input{Kind: legal.KindComplaint, Slug: "europe-v-facebook",
		Title: "Europe v Facebook: complaints to the Irish DPC", Description: dpcStory, Mandate: dpcMandate,
		Questions: []string{"Did you use Facebook in 2011?"}, Company: legal.Contact{TargetID: meta.ID}, AuthorityID: dpc.ID}, &filed)
	if err != nil {
		return fmt.Errorf("legal: complaint: %w", err)
	}
	var past []participation.Past
	for i := range 12 {
		at := filed.AddDate(0, 0, -40+3*i)
		past = append(past, participation.Past{Submission: person(sc, participation.Enrolment, complaint.ID, 900+i),
			SubmittedAt: at.Add(-20 * time.Minute), ConfirmedAt: at})
	}
	res, err := parts.RecordPast(ctx, past)
	if err != nil {
		return fmt.Errorf("legal: enrolments: %w", err)
	}
	for _, r := range res {
		if err := actions.Store.Keep(ctx, r.ID, complaint.ID, []string{"yes"}, 1, false); err != nil {
			return err
		}
	}

	drive, err := actions.Store.Create(ctx, organizerID, camp.ID, legal.Input{Kind: legal.KindAccessRequests, Slug: "ask-meta",
		Title: "Ask Meta Platforms Ireland for our data", Description: driveStory, Portability: true,
		Questions: []string{"Do you have a Facebook or Instagram account?"}, Company: legal.Contact{TargetID: meta.ID}, AuthorityID: dpc.ID}, nil)
	if err != nil {
		return fmt.Errorf("legal: drive: %w", err)
	}
	now := store.Now()
	// Each enrolee's request, by days since it was sent (0: not sent),
	// whether Meta extended, and its answer with the days since.
	states := []struct {
		sentAgo  int
		extended bool
		answer   string
		answered int
	}{
		{0, false, "", 0}, {0, false, "", 0}, {3, false, "", 0}, {12, false, "", 0}, {26, false, "", 0},
		{50, true, "", 0}, {40, false, legal.AnswerComplete, 15}, {35, false, legal.AnswerComplete, 10},
		{45, false, legal.AnswerIncomplete, 10}, {60, false, legal.AnswerComplete, 2}, {38, false, "", 0}, {70, false, legal.AnswerNone, 30},
	}
	past = past[:0]
	for i := range states {
		at := now.AddDate(0, 0, -80+i)
		past = append(past, participation.Past{Submission: person(sc, participation.Enrolment, drive.ID, 950+i),
			SubmittedAt: at.Add(-20 * time.Minute), ConfirmedAt: at})
	}
	if res, err = parts.RecordPast(ctx, past); err != nil {
		return fmt.Errorf("legal: drive enrolments: %w", err)
	}
	for i, r := range res {
		s := states[i]
		if err := actions.Store.Keep(ctx, r.ID, drive.ID, []string{"yes"}, 0, false); err != nil {
			return err
		}
		if s.sentAgo == 0 {
			continue
		}
		if _, err := actions.Store.Sent(ctx, r.ID, now.AddDate(0, 0, -s.sentAgo).Truncate(24*time.Hour)); err != nil {
			return fmt.Errorf("legal: sent: %w", err)
		}
		if s.extended {
			if _, err := actions.Store.Extend(ctx, r.ID); err != nil {
				return err
			}
		}
		if s.answer != "" {
			if _, err := actions.Store.Answered(ctx, r.ID, s.answer, now.AddDate(0, 0, -s.answered)); err != nil {
				return err
			}
		}
	}
	return nil
}

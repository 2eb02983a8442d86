package letter

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/target"
)

// Store holds letter campaigns, their targets, the letters written and
// the targets' answers. It is the participation core's Action (and
// Mover, and Stater) for outreaches.
type Store struct {
	db      *store.DB
	cat     *i18n.Catalog
	baseURL string
	log     *slog.Logger
	// Directory is the targets directory letters may write to (nil:
	// none, every target is given in full).
	Directory *target.Store
	// InboundDomain is the domain of the letter campaigns' inbound
	// addresses, where targets' answers are mailed ("": none).
	InboundDomain string
}

// NewStore builds the store.
func NewStore(db *store.DB, cat *i18n.Catalog, baseURL string, log *slog.Logger) *Store {
	return &Store{db: db, cat: cat, baseURL: strings.TrimRight(baseURL, "/"), log: log}
}

const letterColumns = `l.id, l.campaign_id, l.slug, l.title, l.description, l.subject, l.body, l.by_country, l.delivery, l.digest,
	l.origin_system, COALESCE(l.inbound_token, ''), l.created_at, l.modified_at, l.closed_at`

const letterFrom = ` FROM letter_campaigns l`

func scanLetter(row store.Scanner) (*Letter, error) {
	var l Letter
	var closed sql.NullTime
	err := row.Scan(&l.ID, &l.CampaignID, &l.Slug, &l.Title, &l.Description, &l.Subject, &l.Body, &l.ByCountry, &l.Delivery,
		&l.Digest, &l.OriginSystem, &l.InboundToken, &l.CreatedAt, &l.ModifiedAt, &closed)
	if err != nil {
		return nil, err
	}
	l.CreatedAt, l.ModifiedAt, l.ClosedAt = l.CreatedAt.UTC(), l.ModifiedAt.UTC(), store.TimePtr(closed)
	return &l, nil
}

var errNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "letter.not_found")

// fill sets the letters' campaign and community, counts, and targets with
// their counts of confirmed letters. A letter whose campaign is gone is
// left out.
func fill(ctx context.Context, q store.Queryer, ls []*Letter) ([]*Letter, error) {
	if len(ls) == 0 {
		return ls, nil
	}
	ids := make([]string, len(ls))
	var campaignIDs []string
	seen := map[string]bool{}
	byID := map[string]*Letter{}
	for i, l := range ls {
		ids[i] = l.ID
		byID[l.ID] = l
		if !seen[l.CampaignID] {
			seen[l.CampaignID] = true
			campaignIDs = append(campaignIDs, l.CampaignID)
		}
	}
	campaigns, err := campaign.Heads(ctx, q, campaignIDs)
	if err != nil {
		return nil, err
	}
	counts, err := participation.CountsOfMany(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	err = store.EachByID(ctx, q, `SELECT t.letter_campaign_id, t.id, t.name, t.title, t.email, t.country, t.postal_address, t.web_form,
			(SELECT COUNT(*) FROM outreach_targets o WHERE o.target_id = t.id AND o.confirmed_at IS NOT NULL)
		FROM letter_targets t WHERE t.letter_campaign_id IN $ids ORDER BY t.position`, ids,
		func(r store.Scanner) error {
			var lid string
			var t Target
			if err := r.Scan(&lid, &t.ID, &t.Name, &t.Title, &t.Email, &t.Country, &t.PostalAddress, &t.WebForm, &t.Outreaches); err != nil {
				return err
			}
			byID[lid].Targets = append(byID[lid].Targets, t)
			return nil
		})
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	kept := ls[:0]
	for _, l := range ls {
		c := campaigns[l.CampaignID]
		if c == nil {
			continue
		}
		l.Parent = c.Parent()
		l.Counts = counts[l.ID]
		kept = append(kept, l)
	}
	return kept, nil
}

func (s *Store) get(ctx context.Context, q store.Queryer, where string, args ...any) (*Letter, error) {
	l, err := scanLetter(q.QueryRowContext(ctx, `SELECT `+letterColumns+letterFrom+` WHERE `+where, args...))
	if err != nil {
		return nil, store.NotFound(err, "letter.not_found")
	}
	ls, err := fill(ctx, q, []*Letter{l})
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, errNotFound
	}
	return ls[0], nil
}

// Get finds a letter campaign by id.
func (s *Store) Get(ctx context.Context, id string) (*Letter, error) {
	return s.get(ctx, s.db.Reader(), `l.id = $1`, id)
}

// GetBySlug finds a campaign's letter campaign by its slug.
func (s *Store) GetBySlug(ctx context.Context, campaignID, slug string) (*Letter, error) {
	return s.get(ctx, s.db.Reader(), `l.campaign_id = $1 AND l.slug = $2`, campaignID, slug)
}

// ListQuery selects letter campaigns for the API (campaign.TacticQuery).
type ListQuery = campaign.TacticQuery

// List returns a page of letter campaigns, newest first, and the total.
func (s *Store) List(ctx context.Context, lq ListQuery) ([]*Letter, int, error) {
	q := s.db.Reader()
	out, total, err := store.SelectPage(ctx, q, letterColumns, letterFrom, "l.created_at DESC, l.id DESC", lq.Page("l"), scanLetter)
	if err != nil {
		return nil, 0, err
	}
	out, err = fill(ctx, q, out)
	return out, total, err
}

// CampaignTactics lists a campaign's letter campaigns for its page
// (campaign.TacticLister), newest first.
func (s *Store) CampaignTactics(ctx context.Context, campaignID string) ([]campaign.Tactic, error) {
	ls, _, err := s.List(ctx, ListQuery{CampaignID: campaignID, Admin: true})
	if err != nil {
		return nil, err
	}
	out := make([]campaign.Tactic, len(ls))
	for i, l := range ls {
		out[i] = campaign.Tactic{Kind: "letter", Title: l.Title, Path: l.Path(), Summary: l.Subject, Count: l.Total()}
		if l.ClosedAt != nil {
			out[i].Status = "closed"
		}
	}
	return out, nil
}

// CloseCampaign closes the campaign's letter campaigns still open, in one
// transaction: they take no new letter, and the letters written before
// (a pending one whose link is followed later included) are sent as
// ever. Closing them again does nothing.
func (s *Store) CloseCampaign(ctx context.Context, campaignID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE letter_campaigns SET closed_at = $2, modified_at = $2 WHERE campaign_id = $1 AND closed_at IS NULL`,
			campaignID, tx.Now); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
}

// Create adds a letter campaign with its targets to a campaign.
func (s *Store) Create(ctx context.Context, personID, campaignID string, in Input) (*Letter, error) {
	if err := s.fromDirectory(ctx, campaignID, in.Targets); err != nil {
		return nil, err
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var creator any
		if personID != "" {
			creator = personID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO letter_campaigns (id, campaign_id, slug, title, description, subject, body, by_country,
			delivery, digest, origin_system, created_by, created_at, modified_at, inbound_token)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)`,
			id, campaignID, in.Slug, in.Title, in.Description, in.Subject, in.Body, in.ByCountry, in.Delivery, in.Digest,
			in.OriginSystem, creator, tx.Now, newInboundToken())
		if store.IsUniqueViolation(err) {
			return repertoire.Invalid("slug", "letter.slug_taken", nil)
		}
		if err != nil {
			return repertoire.Internal(err)
		}
		for i, t := range in.Targets {
			if err := insertTarget(ctx, tx, id, i, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// insertTarget adds a target to a letter campaign at a position.
func insertTarget(ctx context.Context, tx *store.Tx, letterID string, position int, t TargetInput) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO letter_targets (id, letter_campaign_id, position, name, title, email, country,
		postal_address, web_form, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		store.NewID(), letterID, position, t.Name, t.Title, t.Email, t.Country, t.PostalAddress, t.WebForm, tx.Now)
	return internalErr(err)
}

// Titles names letter campaigns, for a person's data export.
func (s *Store) Titles(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error) {
	return participation.TitlesOf(ctx, q, `SELECT id, title FROM letter_campaigns WHERE id IN $ids`, ids)
}

// Page gives the letter campaign's title and page, for the confirm and
// withdraw pages.
func (s *Store) Page(ctx context.Context, actionID, lang string) (string, string, error) {
	l, err := s.Get(ctx, actionID)
	if err != nil {
		return "", "", err
	}
	return l.Title, l.Path(), nil
}

// Counted: a letter campaign's count moves nothing else.
func (s *Store) Counted(context.Context, *store.Tx, string, participation.Counts) error { return nil }

// ActionsOf is an SQL subquery selecting the ids of the letter campaigns
// of the campaigns the subquery campaigns selects: whose writers the
// organizers of those campaigns reach through the people API.
func ActionsOf(campaigns string) string {
	return "SELECT id FROM letter_campaigns WHERE campaign_id IN (" + campaigns + ")"
}

// Outreach is one person's letter as kept against their participation.
type Outreach struct {
	ParticipationID string
	LetterID        string
	Subject         string
	Message         string
	ReplyOK         bool
	Targets         []OutreachTarget
	CreatedAt       time.Time
}

// OutreachTarget is a letter's target and where the letter stands for it.
type OutreachTarget struct {
	Target
	State  string
	SentAt *time.Time
}

// keep writes the letter a participation's link just confirmed (its
// payload) against it, with its targets, waiting to be sent; an
// organizer's import was sent elsewhere and is kept as sent. A letter
// already sent, or in the digest, stays as it went: what reached a
// target does not change. An empty payload (a letter written before
// payloads were kept with their links) keeps what outreaches holds.
func keep(ctx context.Context, tx *store.Tx, p *participation.Participation) error {
	if p.Payload == "" {
		return nil
	}
	var k letterPayload
	if err := json.Unmarshal([]byte(p.Payload), &k); err != nil {
		return repertoire.Internal(err)
	}
	var sent int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outreach_targets WHERE participation_id = $1 AND state <> 'waiting'`,
		p.ID).Scan(&sent); err != nil {
		return repertoire.Internal(err)
	}
	if sent > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outreaches (participation_id, letter_campaign_id, subject, message, reply_ok, created_at, modified_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (participation_id) DO UPDATE SET subject = excluded.subject, message = excluded.message,
			reply_ok = excluded.reply_ok, modified_at = excluded.modified_at`,
		p.ID, p.ActionID, k.Subject, k.Text, k.ReplyOK, tx.Now); err != nil {
		return repertoire.Internal(err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM outreach_targets WHERE participation_id = $1`, p.ID); err != nil {
		return repertoire.Internal(err)
	}
	state, at := StateWaiting, any(nil)
	if p.OriginSystem != "" {
		state, at = StateSent, tx.Now
	}
	for _, id := range k.Targets {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outreach_targets (participation_id, target_id, letter_campaign_id, state, confirmed_at, sent_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, p.ID, id, p.ActionID, state, at); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// outreachesOf reads the letters of participations with their targets
// (in the given states, or all), from q.
func outreachesOf(ctx context.Context, q store.Queryer, ids []string, states ...string) (map[string]*Outreach, error) {
	out := map[string]*Outreach{}
	err := store.EachByID(ctx, q, `SELECT participation_id, letter_campaign_id, subject, message, reply_ok, created_at
		FROM outreaches WHERE participation_id IN $ids`, ids, func(r store.Scanner) error {
		var o Outreach
		if err := r.Scan(&o.ParticipationID, &o.LetterID, &o.Subject, &o.Message, &o.ReplyOK, &o.CreatedAt); err != nil {
			return err
		}
		out[o.ParticipationID] = &o
		return nil
	})
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	err = store.EachByID(ctx, q, `SELECT o.participation_id, t.id, t.name, t.title, t.email, t.country, t.postal_address, t.web_form,
			o.state, o.sent_at
		FROM outreach_targets o JOIN letter_targets t ON t.id = o.target_id
		WHERE o.participation_id IN $ids ORDER BY t.position`, ids, func(r store.Scanner) error {
		var pid string
		var t OutreachTarget
		var sent sql.NullTime
		if err := r.Scan(&pid, &t.ID, &t.Name, &t.Title, &t.Email, &t.Country, &t.PostalAddress, &t.WebForm, &t.State, &sent); err != nil {
			return err
		}
		t.SentAt = store.TimePtr(sent)
		if o := out[pid]; o != nil && (len(states) == 0 || contains(states, t.State)) {
			o.Targets = append(o.Targets, t)
		}
		return nil
	})
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// setState moves a letter's targets from one state to another.
func setState(ctx context.Context, tx *store.Tx, participationID, from, to string, confirmed bool) error {
	q := `UPDATE outreach_targets SET state = $1`
	args := []any{to, participationID, from}
	if confirmed {
		q += `, confirmed_at = $4`
		args = append(args, tx.Now)
	}
	if to == StateMailed || to == StateSent {
		q += `, sent_at = $` + strconv.Itoa(len(args)+1)
		args = append(args, tx.Now)
	}
	if _, err := tx.ExecContext(ctx, q+` WHERE participation_id = $2 AND state = $3`, args...); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// confirmedTo lists the participations whose letter to a target was
// confirmed (sent, mailed, in a digest or to post), oldest first, at most
// limit.
func confirmedTo(ctx context.Context, q store.Queryer, letterID, targetID string, limit int) ([]string, error) {
	return store.Strings(ctx, q, `SELECT participation_id FROM outreach_targets
		WHERE letter_campaign_id = $1 AND target_id = $2 AND state <> 'waiting' AND confirmed_at IS NOT NULL
		ORDER BY confirmed_at, participation_id LIMIT $3`, letterID, targetID, limit)
}

// setPostToken keeps the hash of the printable page's link.
func setPostToken(ctx context.Context, tx *store.Tx, participationID, hash string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE outreaches SET post_token_hash = $1 WHERE participation_id = $2`, hash, participationID); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// postTokenHash reads the hash of a letter's printable page link.
func postTokenHash(ctx context.Context, q store.Queryer, participationID string) (string, error) {
	var h sql.NullString
	err := q.QueryRowContext(ctx, `SELECT post_token_hash FROM outreaches WHERE participation_id = $1`, participationID).Scan(&h)
	if err != nil || !h.Valid {
		return "", errLink
	}
	return h.String, nil
}

// digestRow is a letter waiting in a target's daily digest.
type digestRow struct {
	participationID string
	target          Target
}

// waitingDigest lists the letters of a letter campaign waiting for their
// digest, by target then age.
func waitingDigest(ctx context.Context, tx *store.Tx, letterID string) ([]digestRow, error) {
	rows, err := tx.QueryContext(ctx, `SELECT o.participation_id, t.id, t.name, t.title, t.email
		FROM outreach_targets o JOIN letter_targets t ON t.id = o.target_id
		WHERE o.letter_campaign_id = $1 AND o.state = 'digest' ORDER BY t.position, o.confirmed_at, o.participation_id`, letterID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []digestRow
	for rows.Next() {
		var d digestRow
		if err := rows.Scan(&d.participationID, &d.target.ID, &d.target.Name, &d.target.Title, &d.target.Email); err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, d)
	}
	return out, internalErr(rows.Err())
}

// markDigested marks a letter campaign's waiting digest letters mailed.
func markDigested(ctx context.Context, tx *store.Tx, letterID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE outreach_targets SET state = 'mailed', sent_at = $1
		WHERE letter_campaign_id = $2 AND state = 'digest'`, tx.Now, letterID)
	return internalErr(err)
}

func internalErr(err error) error {
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// insertAnswer records a target's answer (byMail: received at the
// inbound address).
func insertAnswer(ctx context.Context, tx *store.Tx, personID, letterID string, in AnswerInput, byMail bool) (string, error) {
	id := store.NewID()
	var by any
	if personID != "" {
		by = personID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO target_answers (id, letter_campaign_id, target_id, answered_on, body, demand_id,
		demand_status, recorded_by, created_at, by_mail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		id, letterID, in.TargetID, in.AnsweredOn, in.Body, in.DemandID, in.DemandStatus, by, tx.Now, byMail)
	return id, internalErr(err)
}

// Answers lists a letter campaign's recorded answers, newest first.
func (s *Store) Answers(ctx context.Context, letterID string) ([]Answer, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT a.id, a.target_id, t.name, a.answered_on, a.body, a.demand_id, a.demand_status, a.created_at,
			a.by_mail
		FROM target_answers a JOIN letter_targets t ON t.id = a.target_id
		WHERE a.letter_campaign_id = $1 ORDER BY a.answered_on DESC, a.id DESC`, letterID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Answer
	for rows.Next() {
		var a Answer
		if err := rows.Scan(&a.ID, &a.TargetID, &a.TargetName, &a.AnsweredOn, &a.Body, &a.DemandID, &a.DemandStatus, &a.CreatedAt, &a.ByMail); err != nil {
			return nil, repertoire.Internal(err)
		}
		a.AnsweredOn = a.AnsweredOn.UTC()
		out = append(out, a)
	}
	return out, internalErr(rows.Err())
}

// RecordPast records letters of the past (the demo's 2010 letters):
// their participations through the core's RecordPast, then each letter,
// with text w, as sent to every target of l on the day it was confirmed.
// Nobody is mailed: it is history. A person who had already written is
// left as they were.
func (s *Store) RecordPast(ctx context.Context, parts *participation.Service, l *Letter, past []participation.Past, w Writing) error {
	results, err := parts.RecordPast(ctx, past)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		for i, res := range results {
			if res.Existing {
				continue
			}
			at := past[i].ConfirmedAt
			if _, err := tx.ExecContext(ctx, `INSERT INTO outreaches (participation_id, letter_campaign_id, subject, message, reply_ok, created_at, modified_at)
				VALUES ($1, $2, $3, $4, FALSE, $5, $5)`, res.ID, l.ID, w.Subject, w.text(), at); err != nil {
				return repertoire.Internal(err)
			}
			for _, t := range l.Targets {
				if _, err := tx.ExecContext(ctx, `INSERT INTO outreach_targets (participation_id, target_id, letter_campaign_id, state, confirmed_at, sent_at)
					VALUES ($1, $2, $3, 'sent', $4, $4)`, res.ID, t.ID, l.ID, at); err != nil {
					return repertoire.Internal(err)
				}
			}
		}
		return nil
	})
}

// fromDirectory fills the targets naming a directory target with its name
// and channels, where the organizer left a field empty. The target must be
// global or one of the campaign's community.
func (s *Store) fromDirectory(ctx context.Context, campaignID string, ts []TargetInput) error {
	var es repertoire.Errors
	var communityID string
	for i := range ts {
		ref := strings.TrimSpace(ts[i].Directory)
		if ref == "" {
			continue
		}
		if communityID == "" {
			heads, err := campaign.Heads(ctx, s.db.Reader(), []string{campaignID})
			if err != nil {
				return err
			}
			if c := heads[campaignID]; c != nil {
				communityID = c.CommunityID
			}
		}
		var t *target.Target
		var err error = errNotFound
		if s.Directory != nil {
			if t, err = s.Directory.BySlug(ctx, target.SourceDatenanfragen, ref); repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
				t, err = s.Directory.Get(ctx, ref)
			}
		}
		if err == nil && !t.Global() && t.CommunityID != communityID {
			err = errNotFound
		}
		if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
			es = append(es, repertoire.Invalid(targetField(i, "directory"), "letter.unknown_directory_target", nil))
			continue
		}
		if err != nil {
			return err
		}
		in := &ts[i]
		title := t.Title
		if t.Organization != "" && t.Organization != t.Name {
			title = strings.Trim(title+", "+t.Organization, ", ")
		}
		country := ""
		if len(t.Countries) == 1 {
			country = t.Countries[0]
		}
		for _, f := range []struct {
			dst *string
			v   string
		}{{&in.Name, t.Name}, {&in.Title, title}, {&in.Email, t.Email},
			{&in.Country, country}, {&in.PostalAddress, t.PostalAddress}, {&in.WebForm, t.WebForm}} {
			if strings.TrimSpace(*f.dst) == "" {
				*f.dst = f.v
			}
		}
	}
	return es.Err()
}

// Draft tells a letter campaign of a draft campaign (participation.Drafter): its
// count is not public until the campaign is published.
func (s *Store) Draft(ctx context.Context, q store.Queryer, id string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM letter_campaigns WHERE id = $1 AND `+campaign.DraftCondition("campaign_id"), id).Scan(&n); err != nil {
		return false, repertoire.Internal(err)
	}
	return n > 0, nil
}

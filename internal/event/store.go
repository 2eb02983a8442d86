package event

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Store holds events and their registrations' places. It is the
// participation core's Action for registrations.
type Store struct {
	db      *store.DB
	cat     *i18n.Catalog
	baseURL string
	log     *slog.Logger
}

// NewStore builds the store.
func NewStore(db *store.DB, cat *i18n.Catalog, baseURL string, log *slog.Logger) *Store {
	return &Store{db: db, cat: cat, baseURL: strings.TrimRight(baseURL, "/"), log: log}
}

// Jobs are the event's jobs by kind: an offer's deadline.
func (s *Store) Jobs() map[string]schedule.Handler {
	return map[string]schedule.Handler{jobOffer: s.onOfferDeadline}
}

func errNotFound() error { return repertoire.Errorf(repertoire.ENOTFOUND, "event.not_found") }

const eventColumns = `e.id, e.campaign_id, e.slug, e.title, e.description, e.speakers, e.starts_at, e.ends_at, e.timezone,
	e.venue, e.room, e.online_url, e.capacity, e.registration, e.languages, e.questions, e.notes, e.status, e.sequence, e.created_at, e.modified_at`

func scanEvent(row store.Scanner) (*Event, error) {
	var e Event
	var questions string
	err := row.Scan(&e.ID, &e.CampaignID, &e.Slug, &e.Title, &e.Description, &e.Speakers, &e.Start, &e.End, &e.Timezone,
		&e.Venue, &e.Room, &e.OnlineURL, &e.Capacity, &e.Registration, &e.Languages, &questions, &e.Notes, &e.Status, &e.Sequence, &e.CreatedAt, &e.ModifiedAt)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(questions), &e.Questions); err != nil {
		return nil, err
	}
	for _, t := range []*time.Time{&e.Start, &e.End, &e.CreatedAt, &e.ModifiedAt} {
		*t = t.UTC()
	}
	return &e, nil
}

// list reads the events matching where, with their campaign and counts.
func list(ctx context.Context, q store.Queryer, where string, args ...any) ([]*Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+eventColumns+` FROM events e WHERE `+where, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	var out []*Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			rows.Close()
			return nil, repertoire.Internal(err)
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return fill(ctx, q, out)
}

// fill sets the events' campaign and community and their places taken.
func fill(ctx context.Context, q store.Queryer, es []*Event) ([]*Event, error) {
	if len(es) == 0 {
		return es, nil
	}
	var ids []string
	for _, e := range es {
		ids = append(ids, e.CampaignID)
	}
	heads, err := campaign.Heads(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	kept := es[:0]
	for _, e := range es {
		c, ok := heads[e.CampaignID]
		if !ok {
			continue
		}
		e.Parent = c.Parent()
		if err := q.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN state IN ('accepted', 'offered') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = 'waitlisted' THEN 1 ELSE 0 END), 0)
			FROM event_registrations WHERE event_id = $1`, e.ID).Scan(&e.Accepted, &e.Waitlisted); err != nil {
			return nil, repertoire.Internal(err)
		}
		kept = append(kept, e)
	}
	return kept, nil
}

func one(ctx context.Context, q store.Queryer, where string, args ...any) (*Event, error) {
	es, err := list(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, errNotFound()
	}
	return es[0], nil
}

// Get reads one event.
func (s *Store) Get(ctx context.Context, id string) (*Event, error) {
	return one(ctx, s.db.Reader(), `e.id = $1`, id)
}

// GetBySlug reads a campaign's event by its slug.
func (s *Store) GetBySlug(ctx context.Context, campaignID, slug string) (*Event, error) {
	return one(ctx, s.db.Reader(), `e.campaign_id = $1 AND e.slug = $2`, campaignID, slug)
}

// OfCampaign lists a campaign's events by start.
func (s *Store) OfCampaign(ctx context.Context, campaignID string) ([]*Event, error) {
	return list(ctx, s.db.Reader(), `e.campaign_id = $1 ORDER BY e.starts_at, e.id`, campaignID)
}

// OfCampaigns lists the events of the campaigns campaigns selects (an SQL
// subquery of the campaign package), by start: a community's feed.
func (s *Store) OfCampaigns(ctx context.Context, campaigns string, args ...any) ([]*Event, error) {
	return list(ctx, s.db.Reader(), `e.campaign_id IN (`+campaigns+`) ORDER BY e.starts_at, e.id`, args...)
}

// List returns a page of the events the query selects, newest first, and
// the total.
func (s *Store) List(ctx context.Context, lq campaign.TacticQuery) ([]*Event, int, error) {
	q := s.db.Reader()
	out, total, err := store.SelectPage(ctx, q, eventColumns, "FROM events e", "e.created_at DESC, e.id DESC", lq.Page("e"), scanEvent)
	if err != nil {
		return nil, 0, err
	}
	out, err = fill(ctx, q, out)
	return out, total, err
}

func marshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Create adds an event to a campaign.
func (s *Store) Create(ctx context.Context, campaignID string, in Input) (*Event, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		return insert(ctx, tx, id, campaignID, in)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func insert(ctx context.Context, tx *store.Tx, id, campaignID string, in Input) error {
	if in.Questions == nil {
		in.Questions = []Question{}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO events (id, campaign_id, slug, title, description, speakers, starts_at, ends_at,
		timezone, venue, room, online_url, capacity, languages, questions, notes, status, sequence, created_at, modified_at, registration)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'scheduled', 0, $17, $17, $18)`,
		id, campaignID, in.Slug, in.Title, in.Description, in.Speakers, in.Start, in.End, in.Timezone, in.Venue, in.Room,
		in.OnlineURL, in.Capacity, in.Languages, marshal(in.Questions), in.Notes, tx.Now, in.Registration)
	if store.IsUniqueViolation(err) {
		return repertoire.Invalid("slug", "event.slug_taken", nil)
	}
	return internal(err)
}

func internal(err error) error {
	if err != nil {
		var e *repertoire.Error
		if errors.As(err, &e) {
			return err
		}
		return repertoire.Internal(err)
	}
	return nil
}

// Change is one changed field of an event, before and after, in the words
// of the change notice ("room": "Lombard" → "Salle 1").
type Change struct {
	Field, Before, After string
}

// changes lists what a registrant is told of: time, place, link.
func changes(old *Event, in Input) []Change {
	var out []Change
	add := func(field, before, after string) {
		if before != after {
			out = append(out, Change{field, before, after})
		}
	}
	loc := old.Location()
	if l, err := time.LoadLocation(in.Timezone); err == nil {
		add("start", old.Start.In(loc).Format(time.RFC3339), in.Start.In(l).Format(time.RFC3339))
		add("end", old.End.In(loc).Format(time.RFC3339), in.End.In(l).Format(time.RFC3339))
	}
	add("venue", old.Venue, in.Venue)
	add("room", old.Room, in.Room)
	add("online_url", old.OnlineURL, in.OnlineURL)
	return out
}

// Update changes an event. A change of time, place or link raises its
// sequence, is kept in event_changes and mailed to every registrant (those
// holding a place, offered one or waiting) in their language, in the same
// transaction; a raised capacity offers the freed places.
func (s *Store) Update(ctx context.Context, id string, edit func(*Input)) (*Event, error) {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		old, err := one(ctx, tx, `e.id = $1`, id)
		if err != nil {
			return err
		}
		in := old.input()
		edit(&in)
		if err := in.normalize(); err != nil {
			return err
		}
		cs := changes(old, in)
		seq := old.Sequence
		if len(cs) > 0 {
			seq++
		}
		res, err := tx.ExecContext(ctx, `UPDATE events SET slug = $1, title = $2, description = $3, speakers = $4, starts_at = $5,
			ends_at = $6, timezone = $7, venue = $8, room = $9, online_url = $10, capacity = $11, languages = $12, questions = $13,
			notes = $14, sequence = $15, modified_at = $16, registration = $17 WHERE id = $18`,
			in.Slug, in.Title, in.Description, in.Speakers, in.Start, in.End, in.Timezone, in.Venue, in.Room, in.OnlineURL,
			in.Capacity, in.Languages, marshal(in.Questions), in.Notes, seq, tx.Now, in.Registration, id)
		if store.IsUniqueViolation(err) {
			return repertoire.Invalid("slug", "event.slug_taken", nil)
		}
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound()
		}
		for _, c := range cs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_changes (id, event_id, field, before, after, changed_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, store.NewID(), id, c.Field, c.Before, c.After, tx.Now); err != nil {
				return repertoire.Internal(err)
			}
		}
		e, err := one(ctx, tx, `e.id = $1`, id)
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			if err := s.mailChange(ctx, tx, e, cs); err != nil {
				return err
			}
		}
		return s.settle(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Cancel cancels an event and mails everyone registered.
func (s *Store) Cancel(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		e, err := one(ctx, tx, `e.id = $1`, id)
		if err != nil || e.Status == StatusCancelled {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET status = 'cancelled', sequence = sequence + 1, modified_at = $1 WHERE id = $2`,
			tx.Now, id); err != nil {
			return repertoire.Internal(err)
		}
		e.Status, e.Sequence = StatusCancelled, e.Sequence+1
		if err := schedule.Cancel(ctx, tx, id, jobOffer); err != nil {
			return err
		}
		return s.mailCancelled(ctx, tx, e)
	})
}

// History lists an event's changes, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]Change, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT field, before, after FROM event_changes WHERE event_id = $1 ORDER BY changed_at, id`, id)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Field, &c.Before, &c.After); err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, c)
	}
	return out, internal(rows.Err())
}

// RecordChange keeps a change made before Repertoire knew the event (the
// demo's room change of 2018): kept and shown, mailed to nobody.
func (s *Store) RecordChange(ctx context.Context, id string, c Change, at time.Time) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO event_changes (id, event_id, field, before, after, changed_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, store.NewID(), id, c.Field, c.Before, c.After, at.UTC())
		if err != nil {
			return repertoire.Internal(err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE events SET sequence = sequence + 1 WHERE id = $1`, id)
		return internal(err)
	})
}

// Titles names the events of ids, for a person's export.
func (s *Store) Titles(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error) {
	out := map[string]string{}
	err := store.EachByID(ctx, q, `SELECT id, title FROM events WHERE id IN $ids`, ids, func(r store.Scanner) error {
		var id, title string
		if err := r.Scan(&id, &title); err != nil {
			return repertoire.Internal(err)
		}
		out[id] = title
		return nil
	})
	return out, err
}

// ActionsOf is an SQL subquery selecting the events of the campaigns the
// subquery campaigns selects (the reach of organizers' tokens).
func ActionsOf(campaigns string) string {
	return "SELECT id FROM events WHERE campaign_id IN (" + campaigns + ")"
}

// CampaignIDsOf is an SQL subquery selecting the campaign of an event id ($1).
func campaignOf(ctx context.Context, q store.Queryer, id string) (string, error) {
	var c string
	err := q.QueryRowContext(ctx, `SELECT campaign_id FROM events WHERE id = $1`, id).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNotFound()
	}
	return c, internal(err)
}

// CreateWithCampaign adds an event in a campaign of its own, made in the
// same transaction in a community (an OSDI event names no campaign).
func (s *Store) CreateWithCampaign(ctx context.Context, personID, communityID string, in Input) (*Event, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		for n := 1; ; n++ {
			ci := campaign.CampaignInput{CommunityID: communityID, Title: in.Title, Slug: in.Slug}
			if n > 1 {
				ci.Slug = in.Slug + "-" + itoa(n)
			}
			cid, err := campaign.Insert(ctx, tx, personID, ci)
			if e := repertoire.AsError(err); err != nil && e.Code == repertoire.ECONFLICT && e.Field == "slug" && n < 100 {
				continue // checked before writing: the transaction goes on
			}
			if err != nil {
				return err
			}
			return insert(ctx, tx, id, cid, in)
		}
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// lister shows a campaign's upcoming events on its page (and the past
// ones that keep notes or a recording).
type lister struct{ s *Store }

func (l lister) CampaignTactics(ctx context.Context, campaignID string) ([]campaign.Tactic, error) {
	es, err := l.s.OfCampaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	now := store.Now()
	var out []campaign.Tactic
	for _, e := range es {
		if e.Past(now) && e.Notes == "" {
			continue
		}
		summary := l.s.when(web.Localizer(ctx).Tag(), e, e.Start) // in the reader's language
		if e.Room != "" || e.Venue != "" {
			summary += " · " + strings.Trim(e.Room+", "+e.Venue, ", ")
		}
		status := "upcoming"
		switch {
		case e.Status == StatusCancelled:
			status = "cancelled"
		case e.Past(now):
			status = "past"
		}
		out = append(out, campaign.Tactic{Kind: "event", Title: e.Title, Path: e.Path(), Summary: summary,
			Count: e.Accepted, Goal: e.Capacity, Status: status})
	}
	return out, nil
}

// EventLister lists a community's upcoming events on its page.
func (h *Handler) EventLister() community.EventLister { return communityLister{h.Store} }

type communityLister struct{ s *Store }

// upcomingOnCommunity is how many events the community page shows.
const upcomingOnCommunity = 10

func (l communityLister) CommunityEvents(ctx context.Context, communityID, lang string) ([]community.EventSummary, error) {
	es, err := list(ctx, l.s.db.Reader(), `e.campaign_id IN (`+campaign.CampaignsOf("$1")+`) AND e.ends_at > $2 AND e.status = 'scheduled'
		ORDER BY e.starts_at, e.id LIMIT `+itoa(upcomingOnCommunity), communityID, store.Now())
	if err != nil {
		return nil, err
	}
	loc := l.s.cat.For(lang)
	var out []community.EventSummary
	for _, e := range es {
		out = append(out, community.EventSummary{Title: e.Title, Path: e.Path(), When: l.s.when(lang, e, e.Start), Place: l.s.place(loc, e)})
	}
	return out, nil
}

// Dashboard is the events' part of the organizer's dashboard: the
// upcoming events of the communities they organize.
func (h *Handler) Dashboard() community.Dashboarder { return dashboard{h.Store} }

type dashboard struct{ s *Store }

// upcomingOnDashboard is how many events the dashboard shows.
const upcomingOnDashboard = 50

func (d dashboard) DashboardItems(ctx context.Context, personID string) ([]community.DashboardItem, error) {
	es, err := list(ctx, d.s.db.Reader(), `e.campaign_id IN (`+campaign.CampaignsOf(community.OrganizedBy("$1"))+`) AND e.ends_at > $2
		AND e.status = 'scheduled' ORDER BY e.starts_at, e.id LIMIT `+itoa(upcomingOnDashboard), personID, store.Now())
	if err != nil {
		return nil, err
	}
	out := make([]community.DashboardItem, len(es))
	for i, e := range es {
		out[i] = community.DashboardItem{CommunityID: e.CommunityID, Scheduled: true, Label: "event.dashboard.upcoming",
			Title: e.Title, Count: e.Accepted, At: e.Start, Zone: e.Timezone, Path: e.Path()}
	}
	return out, nil
}

// Draft tells an event of a draft campaign (participation.Drafter): its
// count is not public until the campaign is published.
func (s *Store) Draft(ctx context.Context, q store.Queryer, id string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE id = $1 AND `+campaign.DraftCondition("campaign_id"), id).Scan(&n); err != nil {
		return false, repertoire.Internal(err)
	}
	return n > 0, nil
}

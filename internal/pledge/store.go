package pledge

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Store holds pledges and reacts to their commitments and their jobs. It
// is the participation core's Action for commitments.
type Store struct {
	db      *store.DB
	cat     *i18n.Catalog
	baseURL string
	log     *slog.Logger
	// Kick wakes the scheduler after an activation, so the activation mails
	// go out now rather than at its next poll. Nil: nothing to wake.
	Kick func()

	// What confirmation mails say of a pledge, read at most once a second:
	// the group commit renders the mail in every batch's transaction, and
	// reading the pledge there cost four round trips a batch on PostgreSQL.
	mailMu sync.Mutex
	mailed map[string]mailedPledge
}

type mailedPledge struct {
	p  *Pledge
	at time.Time
}

// NewStore builds the store.
func NewStore(db *store.DB, cat *i18n.Catalog, baseURL string, log *slog.Logger) *Store {
	return &Store{db: db, cat: cat, baseURL: strings.TrimRight(baseURL, "/"), log: log}
}

// Jobs are the pledge's jobs by kind: a deadline, an activation's mails,
// the reminder, the window's start and end.
func (s *Store) Jobs() map[string]schedule.Handler {
	return map[string]schedule.Handler{jobDeadline: s.onDeadline, jobActivated: s.onActivated,
		jobReminder: s.onReminder, jobStart: s.onStart, jobEnd: s.onEnd}
}

// pledgeColumns are the pledge's own; fill adds its campaign and community
// (from the campaign package) and its counts (the participation core's
// maintained counters).
const pledgeColumns = `p.id, p.campaign_id, p.slug, p.title, p.action, p.description, p.threshold, p.deadline, p.window_start,
	p.window_end, p.status, p.activated_at, p.progress_sent, p.checkins_held, p.checkins_broke, p.created_at, p.modified_at, p.translations`

const pledgeFrom = ` FROM pledges p`

func scanPledge(row store.Scanner) (*Pledge, error) {
	var p Pledge
	var activated sql.NullTime
	err := row.Scan(&p.ID, &p.CampaignID, &p.Slug, &p.Title, &p.Action, &p.Description, &p.Threshold, &p.Deadline,
		&p.WindowStart, &p.WindowEnd, &p.Status, &activated, &p.ProgressSent, &p.CheckinsHeld, &p.CheckinsBroke,
		&p.CreatedAt, &p.ModifiedAt, &p.Translations)
	if err != nil {
		return nil, err
	}
	p.ActivatedAt = store.TimePtr(activated)
	for _, t := range []*time.Time{&p.Deadline, &p.WindowStart, &p.WindowEnd, &p.CreatedAt, &p.ModifiedAt} {
		*t = t.UTC()
	}
	return &p, nil
}

// fill sets the pledges' campaign and community, and their counts: one
// read of their campaigns and one of their counters for all of them. A
// pledge whose campaign is gone meanwhile is left out.
func fill(ctx context.Context, q store.Queryer, ps []*Pledge) ([]*Pledge, error) {
	if len(ps) == 0 {
		return ps, nil
	}
	ids := make([]string, len(ps))
	var campaignIDs []string
	seen := map[string]bool{}
	for i, p := range ps {
		ids[i] = p.ID
		if !seen[p.CampaignID] {
			seen[p.CampaignID] = true
			campaignIDs = append(campaignIDs, p.CampaignID)
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
	kept := ps[:0]
	for _, p := range ps {
		c := campaigns[p.CampaignID]
		if c == nil {
			continue
		}
		p.Parent = c.Parent()
		p.Counts = counts[p.ID]
		kept = append(kept, p)
	}
	return kept, nil
}

var errNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "pledge.not_found")

func (s *Store) get(ctx context.Context, q store.Queryer, where string, args ...any) (*Pledge, error) {
	p, err := scanPledge(q.QueryRowContext(ctx, `SELECT `+pledgeColumns+pledgeFrom+` WHERE `+where, args...))
	if err != nil {
		return nil, store.NotFound(err, "pledge.not_found")
	}
	ps, err := fill(ctx, q, []*Pledge{p})
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, errNotFound
	}
	return ps[0], nil
}

// Get finds a pledge by id.
func (s *Store) Get(ctx context.Context, id string) (*Pledge, error) {
	return s.get(ctx, s.db.Reader(), `p.id = $1`, id)
}

// GetBySlug finds a campaign's pledge by its slug.
func (s *Store) GetBySlug(ctx context.Context, campaignID, slug string) (*Pledge, error) {
	return s.get(ctx, s.db.Reader(), `p.campaign_id = $1 AND p.slug = $2`, campaignID, slug)
}

// ListQuery selects pledges for the API (campaign.TacticQuery).
type ListQuery = campaign.TacticQuery

// List returns a page of pledges, newest first, and the total.
func (s *Store) List(ctx context.Context, lq ListQuery) ([]*Pledge, int, error) {
	q := s.db.Reader()
	lq.Draft = StatusDraft // listed to its organizers only
	out, total, err := store.SelectPage(ctx, q, pledgeColumns, pledgeFrom, "p.created_at DESC, p.id DESC", lq.Page("p"), scanPledge)
	if err != nil {
		return nil, 0, err
	}
	out, err = fill(ctx, q, out)
	return out, total, err
}

// CampaignTactics lists a campaign's pledges for its page
// (campaign.TacticLister), newest first, each summed up in one sentence in
// the reader's language. The campaign page has already checked that the
// viewer may see the campaign.
func (s *Store) CampaignTactics(ctx context.Context, campaignID string) ([]campaign.Tactic, error) {
	ps, _, err := s.List(ctx, ListQuery{CampaignID: campaignID, Admin: true})
	if err != nil {
		return nil, err
	}
	l := web.Localizer(ctx)
	out := make([]campaign.Tactic, len(ps))
	for i, p := range ps {
		p := p.In(l.Tag()) // the reader's language
		out[i] = campaign.Tactic{Kind: "pledge", Title: p.Title, Path: p.Path(), Summary: s.sentence(l, p),
			Count: p.Total(), Goal: p.Threshold, Status: p.Status}
	}
	return out, nil
}

func slugTaken() error { return repertoire.Invalid("slug", "pledge.slug_taken", nil) }

// Create adds a pledge to a campaign and schedules its deadline and window.
// With now set, a deadline already past is refused (the demo loads pledges
// of the past with a zero now, and schedules none of their jobs).
func (s *Store) Create(ctx context.Context, personID, campaignID string, in Input, now time.Time) (*Pledge, error) {
	if err := in.normalize(now); err != nil {
		return nil, err
	}
	id := store.NewID()
	status := StatusCollecting
	if in.Draft {
		status = StatusDraft
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var creator any
		if personID != "" {
			creator = personID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO pledges (id, campaign_id, slug, title, action, description, threshold, deadline,
			window_start, window_end, status, created_by, created_at, modified_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
			id, campaignID, in.Slug, in.Title, in.Action, in.Description, in.Threshold, in.Deadline, in.WindowStart, in.WindowEnd, status, creator, tx.Now)
		if store.IsUniqueViolation(err) {
			return slugTaken()
		}
		if err != nil {
			return repertoire.Internal(err)
		}
		if err := writeTranslations(ctx, tx, id, campaignID, in.Translations); err != nil {
			return err
		}
		if now.IsZero() || in.Draft {
			// A draft's jobs are scheduled when it is published (Publish).
			// A pledge of the past gets no jobs: its deadline job would be
			// due at once and race the lapse the demo records (RecordLapse).
			return nil
		}
		return scheduleJobs(ctx, tx, id, in)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// scheduleJobs writes the jobs of a pledge's dates. Each job checks the
// status when it runs, so the jobs of a lapsed pledge do nothing.
func scheduleJobs(ctx context.Context, tx *store.Tx, id string, in Input) error {
	for _, j := range []struct {
		kind string
		at   time.Time
	}{{jobDeadline, in.Deadline}, {jobReminder, in.WindowStart.Add(-ReminderBefore)}, {jobStart, in.WindowStart}, {jobEnd, in.WindowEnd}} {
		if err := schedule.Schedule(ctx, tx, j.kind, id, j.at); err != nil {
			return err
		}
	}
	return nil
}

var errLocked = repertoire.Errorf(repertoire.ECONFLICT, "pledge.locked")

// Update merges p into a draft, or a pledge still collecting commitments
// whose jobs it reschedules and whose history keeps what changed for the
// people committed (see recordChanges). Lowering the threshold to the
// count already reached activates it at once.
func (s *Store) Update(ctx context.Context, id string, patch Patch, now time.Time) (*Pledge, error) {
	return s.Edit(ctx, id, patch, "", now)
}

// Edit is Update, then the move to status ("": none) in the same
// transaction: a draft published (StatusCollecting: Publish), a pledge
// collecting closed (StatusClosed: Close). The page's forms and the API's
// PUT change pledges through here, so each change keeps its history and
// nothing is half written.
func (s *Store) Edit(ctx context.Context, id string, patch Patch, status string, now time.Time) (*Pledge, error) {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if !patch.empty() || status == "" {
			if err := s.update(ctx, tx, id, patch, now); err != nil {
				return err
			}
		}
		switch status {
		case "":
			return nil
		case StatusCollecting:
			return s.publish(ctx, tx, id, now)
		case StatusClosed:
			return s.close(ctx, tx, id)
		}
		return repertoire.Invalid("status", "pledge.bad_status", nil)
	})
	s.forgetMail(id)
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func (s *Store) update(ctx context.Context, tx *store.Tx, id string, patch Patch, now time.Time) error {
	cur, err := s.get(ctx, tx, `p.id = $1`, id)
	if err != nil {
		return err
	}
	if !cur.Editable() {
		return errLocked
	}
	in := cur.input()
	patch.apply(&in)
	if err := in.normalize(now); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE pledges SET slug = $1, title = $2, action = $3, description = $4, threshold = $5,
		deadline = $6, window_start = $7, window_end = $8, modified_at = $9 WHERE id = $10 AND status = $11`,
		in.Slug, in.Title, in.Action, in.Description, in.Threshold, in.Deadline, in.WindowStart, in.WindowEnd, tx.Now, id, cur.Status)
	if store.IsUniqueViolation(err) {
		return slugTaken()
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errLocked
	}
	if err := writeTranslations(ctx, tx, id, cur.CampaignID, in.Translations); err != nil {
		return err
	}
	if cur.Draft() {
		return nil // no jobs, nobody committed: nothing to tell
	}
	if err := recordChanges(ctx, tx, cur, in); err != nil {
		return err
	}
	if err := schedule.Cancel(ctx, tx, id, jobDeadline, jobReminder, jobStart, jobEnd); err != nil {
		return err
	}
	if err := scheduleJobs(ctx, tx, id, in); err != nil {
		return err
	}
	return s.Counted(ctx, tx, id, cur.Counts)
}

// Delete removes a pledge none of whose commitments counted, with its
// pending ones and its jobs; one with counted commitments is refused
// (errCounted: close it instead), as a petition is.
func (s *Store) Delete(ctx context.Context, id string) error {
	defer s.forgetMail(id)
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := participation.DeleteUncounted(ctx, tx, id, errCounted); err != nil {
			return err
		}
		if err := schedule.Cancel(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM pledges WHERE id = $1`, id)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

// Draft tells a pledge saved as a draft, or in a draft campaign
// (participation.Drafter): its count is not public.
func (s *Store) Draft(ctx context.Context, q store.Queryer, id string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM pledges WHERE id = $1 AND (status = $2 OR `+campaign.DraftCondition("campaign_id")+`)`,
		id, StatusDraft).Scan(&n); err != nil {
		return false, repertoire.Internal(err)
	}
	return n > 0, nil
}

// errCounted refuses to delete a pledge with counted commitments.
var errCounted = repertoire.Errorf(repertoire.ECONFLICT, "pledge.delete_counted")

// Counted is called by the participation core inside the transaction that
// changed the pledge's counts. Reaching the threshold by the deadline
// activates the pledge at once; the activation mails are fanned out by a
// job due now, so the transaction of the confirmation that crossed the
// threshold (shared with many others by the group commit) stays short.
// Passing 25, 50 or 75 % mails the organizers, once each. Once it is on,
// whoever is confirmed in this transaction gets the activation mail here.
func (s *Store) Counted(ctx context.Context, tx *store.Tx, actionID string, c participation.Counts) error {
	var status string
	var threshold, progress int
	var deadline time.Time
	err := tx.QueryRowContext(ctx, `SELECT status, threshold, progress_sent, deadline FROM pledges WHERE id = $1`, actionID).
		Scan(&status, &threshold, &progress, &deadline)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	switch {
	case status == StatusActivated || status == StatusUnderWay:
		// Latecomers join a strike that is on: they get the plan too.
		return s.mailLatecomers(ctx, tx, actionID)
	case status != StatusCollecting || tx.Now.After(deadline):
		return nil
	}
	total := c.Total()
	if total >= threshold {
		if _, err := tx.ExecContext(ctx, `UPDATE pledges SET status = 'activated', activated_at = $1, modified_at = $1
			WHERE id = $2 AND status = 'collecting'`, tx.Now, actionID); err != nil {
			return repertoire.Internal(err)
		}
		if err := schedule.Schedule(ctx, tx, jobActivated, actionID, tx.Now); err != nil {
			return err
		}
		if s.Kick != nil {
			s.Kick()
		}
		return nil
	}
	mark := 0
	for _, m := range progressMarks {
		if total*100 >= m*threshold {
			mark = m
		}
	}
	if mark <= progress {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pledges SET progress_sent = $1 WHERE id = $2`, mark, actionID); err != nil {
		return repertoire.Internal(err)
	}
	p, err := s.get(ctx, tx, `p.id = $1`, actionID)
	if err != nil {
		return err
	}
	p.Counts = c
	return s.mailOrganizers(ctx, tx, p, mark)
}

// ConfirmMail renders the mail that asks a committed person to confirm.
func (s *Store) ConfirmMail(ctx context.Context, q store.Queryer, actionID, lang string, links participation.Links) (string, string, error) {
	p, err := s.mailPledge(ctx, q, actionID)
	if err != nil {
		return "", "", err
	}
	l := s.cat.For(lang)
	p = p.In(l.Tag())
	subject := l.T("pledge.mail.confirm.subject", "Title", p.Title)
	body := l.T("pledge.mail.confirm.body", "Sentence", s.sentence(l, p), "Confirm", links.Confirm, "Choices", links.Choices, "Withdraw", links.Withdraw, "URL", s.baseURL+p.Path())
	return subject, body, nil
}

// mailPledge reads the pledge a confirmation mail describes, from a
// snapshot at most a second old (an edit here drops it at once).
func (s *Store) mailPledge(ctx context.Context, q store.Queryer, id string) (*Pledge, error) {
	now := time.Now()
	s.mailMu.Lock()
	c, ok := s.mailed[id]
	s.mailMu.Unlock()
	if ok && now.Sub(c.at) < time.Second {
		return c.p, nil
	}
	p, err := s.get(ctx, q, `p.id = $1`, id)
	if err != nil {
		return nil, err
	}
	s.mailMu.Lock()
	if s.mailed == nil || len(s.mailed) > 10_000 {
		s.mailed = map[string]mailedPledge{}
	}
	s.mailed[id] = mailedPledge{p: p, at: now}
	s.mailMu.Unlock()
	return p, nil
}

// forgetMail drops the mail's snapshot of a pledge that changed.
func (s *Store) forgetMail(id string) {
	s.mailMu.Lock()
	delete(s.mailed, id)
	s.mailMu.Unlock()
}

// Page gives the pledge's title and page, for the confirm and withdraw pages.
func (s *Store) Page(ctx context.Context, actionID, lang string) (string, string, error) {
	p, err := s.Get(ctx, actionID)
	if err != nil {
		return "", "", err
	}
	return p.In(lang).Title, p.Path(), nil
}

// load reads a pledge inside a job's transaction; a deleted pledge is no
// job left to do.
func (s *Store) load(ctx context.Context, tx *store.Tx, id string) (*Pledge, error) {
	p, err := s.get(ctx, tx, `p.id = $1`, id)
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return nil, nil
	}
	return p, err
}

func setStatus(ctx context.Context, tx *store.Tx, id, from, to string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE pledges SET status = $1, modified_at = $2 WHERE id = $3 AND status = $4`, to, tx.Now, id, from)
	if err != nil {
		return false, repertoire.Internal(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// onDeadline lapses a pledge that did not reach its threshold in time and
// tells the committed people.
func (s *Store) onDeadline(ctx context.Context, tx *store.Tx, j schedule.Job) error {
	p, err := s.load(ctx, tx, j.SubjectID)
	if p == nil || err != nil {
		return err
	}
	if p.Status != StatusCollecting {
		return nil
	}
	if ok, err := setStatus(ctx, tx, p.ID, StatusCollecting, StatusLapsed); !ok || err != nil {
		return err
	}
	if err := schedule.Cancel(ctx, tx, p.ID, jobReminder, jobStart, jobEnd); err != nil {
		return err
	}
	p.Status = StatusLapsed
	return s.fanOut(ctx, tx, p, mailLapsed)
}

// onActivated mails "it's on" to every committed person.
func (s *Store) onActivated(ctx context.Context, tx *store.Tx, j schedule.Job) error {
	p, err := s.load(ctx, tx, j.SubjectID)
	if p == nil || err != nil {
		return err
	}
	if p.Status == StatusCollecting || p.Status == StatusLapsed {
		return nil
	}
	return s.fanOut(ctx, tx, p, mailActivated)
}

// onReminder mails the committed people the day before the window.
func (s *Store) onReminder(ctx context.Context, tx *store.Tx, j schedule.Job) error {
	p, err := s.load(ctx, tx, j.SubjectID)
	if p == nil || err != nil {
		return err
	}
	if p.Status != StatusActivated || !tx.Now.Before(p.WindowStart) {
		return nil
	}
	return s.fanOut(ctx, tx, p, mailReminder)
}

// onStart puts an activated pledge under way.
func (s *Store) onStart(ctx context.Context, tx *store.Tx, j schedule.Job) error {
	_, err := setStatus(ctx, tx, j.SubjectID, StatusActivated, StatusUnderWay)
	return err
}

// onEnd ends the pledge and asks every committed person whether they held
// the line.
func (s *Store) onEnd(ctx context.Context, tx *store.Tx, j schedule.Job) error {
	p, err := s.load(ctx, tx, j.SubjectID)
	if p == nil || err != nil {
		return err
	}
	if p.Status != StatusUnderWay && p.Status != StatusActivated {
		return nil
	}
	if ok, err := setStatus(ctx, tx, p.ID, p.Status, StatusEnded); !ok || err != nil {
		return err
	}
	p.Status = StatusEnded
	return s.fanOut(ctx, tx, p, mailCheckin)
}

var errCheckinNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "pledge.checkin_not_found")

// Checkin is one committed person's answer to "did you hold the line?".
type Checkin struct {
	Pledge *Pledge
	Answer string // "" before answering, held or broke
}

// checkinLink finds the pledge and the participation a check-in link was
// mailed for.
func checkinLink(ctx context.Context, q store.Queryer, token string) (pledgeID, participationID string, err error) {
	err = q.QueryRowContext(ctx, `SELECT pledge_id, participation_id FROM pledge_checkins WHERE token_hash = $1`,
		store.HashToken(token)).Scan(&pledgeID, &participationID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", errCheckinNotFound
	}
	if err != nil {
		return "", "", repertoire.Internal(err)
	}
	return pledgeID, participationID, nil
}

// checkinNotFound reads a participation gone since its link was mailed as
// the link not found.
func checkinNotFound(err error) error {
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return errCheckinNotFound
	}
	return err
}

// CheckinFor finds the pledge and the current answer of a check-in link.
func (s *Store) CheckinFor(ctx context.Context, token string) (*Checkin, error) {
	q := s.db.Reader()
	pledgeID, partID, err := checkinLink(ctx, q, token)
	if err != nil {
		return nil, err
	}
	pa, err := participation.ByID(ctx, q, partID)
	if err != nil {
		return nil, checkinNotFound(err)
	}
	p, err := s.Get(ctx, pledgeID)
	if err != nil {
		return nil, err
	}
	return &Checkin{Pledge: p, Answer: pa.Checkin}, nil
}

// AnswerCheckin records a check-in answer (a later answer replaces the
// first) and keeps the pledge's compliance counters.
func (s *Store) AnswerCheckin(ctx context.Context, token, answer string) (*Checkin, error) {
	if answer != CheckinHeld && answer != CheckinBroke {
		return nil, repertoire.Invalid("answer", "field.bad_choice", nil)
	}
	var pledgeID string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var partID string
		var err error
		pledgeID, partID, err = checkinLink(ctx, tx, token)
		if err != nil {
			return err
		}
		prev, err := participation.SetCheckin(ctx, tx, partID, answer)
		if err != nil {
			return checkinNotFound(err)
		}
		if prev == answer {
			return nil
		}
		delta := map[string]int{CheckinHeld: 0, CheckinBroke: 0}
		delta[answer]++
		if prev != "" {
			delta[prev]--
		}
		_, err = tx.ExecContext(ctx, `UPDATE pledges SET checkins_held = checkins_held + $1, checkins_broke = checkins_broke + $2 WHERE id = $3`,
			delta[CheckinHeld], delta[CheckinBroke], pledgeID)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p, err := s.Get(ctx, pledgeID)
	if err != nil {
		return nil, err
	}
	return &Checkin{Pledge: p, Answer: answer}, nil
}

// DashboardItems are the deadlines of the pledges still collecting in the
// communities the person organizes, for their dashboard.
func (s *Store) DashboardItems(ctx context.Context, personID string) ([]community.DashboardItem, error) {
	ps, _, err := s.List(ctx, ListQuery{OrganizerID: personID, Admin: true})
	if err != nil {
		return nil, err
	}
	var out []community.DashboardItem
	for _, p := range ps {
		if p.Status != StatusCollecting {
			continue
		}
		out = append(out, community.DashboardItem{CommunityID: p.CommunityID, Scheduled: true, Label: "pledge.dashboard.deadline",
			Title: p.Title, Count: p.Total(), At: p.Deadline, Path: p.Path()})
	}
	return out, nil
}

// writeTranslations sets a pledge's other-language versions, without its
// campaign's own language (its columns hold that one).
func writeTranslations(ctx context.Context, tx *store.Tx, id, campaignID string, t i18n.Translations) error {
	t, err := campaign.WithoutOwn(ctx, tx, campaignID, t)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pledges SET translations = $1 WHERE id = $2`, t, id); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

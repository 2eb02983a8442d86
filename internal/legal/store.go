package legal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// Store is the legal actions' SQL: the only place naming legal_actions,
// legal_enrolments and legal_files.
type Store struct {
	db *store.DB
}

// NewStore is the store of legal actions on db.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

var errNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "legal.not_found")

const actionColumns = `a.id, a.campaign_id, a.slug, a.kind, a.title, a.description, a.questions, a.mandate, a.mandate_version,
	a.company_target_id, a.company_name, a.company_email, a.company_address, a.authority_target_id, a.portability, a.filed_at,
	a.created_at, a.modified_at, a.closed_at`

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func scanAction(r store.Scanner) (*Action, error) {
	var a Action
	var questions string
	var company, authority sql.NullString
	var portability int
	var filed, closed sql.NullTime
	if err := r.Scan(&a.ID, &a.CampaignID, &a.Slug, &a.Kind, &a.Title, &a.Description, &questions, &a.Mandate, &a.MandateVersion,
		&company, &a.Company.Name, &a.Company.Email, &a.Company.Address, &authority, &portability, &filed,
		&a.CreatedAt, &a.ModifiedAt, &closed); err != nil {
		return nil, err
	}
	a.Questions = lines(questions)
	a.Company.TargetID, a.AuthorityID, a.Portability = company.String, authority.String, portability != 0
	if filed.Valid {
		t := filed.Time.UTC()
		a.FiledAt = &t
	}
	a.CreatedAt, a.ModifiedAt, a.ClosedAt = a.CreatedAt.UTC(), a.ModifiedAt.UTC(), store.TimePtr(closed)
	return &a, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fill completes actions with their campaign, counts and status.
func fill(ctx context.Context, q store.Queryer, as []*Action) ([]*Action, error) {
	if len(as) == 0 {
		return as, nil
	}
	var ids, campaignIDs []string
	for _, a := range as {
		ids = append(ids, a.ID)
		campaignIDs = append(campaignIDs, a.CampaignID)
	}
	heads, err := campaign.Heads(ctx, q, campaignIDs)
	if err != nil {
		return nil, err
	}
	counts, err := participation.CountsOfMany(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	kept := as[:0]
	for _, a := range as {
		c := heads[a.CampaignID]
		if c == nil {
			continue
		}
		a.Parent, a.Counts = c.Parent(), counts[a.ID]
		if a.Requests() {
			if a.Status, err = status(ctx, q, a.ID, store.Now()); err != nil {
				return nil, err
			}
		}
		kept = append(kept, a)
	}
	return kept, nil
}

// status counts the requests of an action by where their clock stands.
func status(ctx context.Context, q store.Queryer, actionID string, now time.Time) (Status, error) {
	rows, err := q.QueryContext(ctx, `SELECT sent_at, due_at, answer, answered_at, overdue_at FROM legal_enrolments
		WHERE action_id = $1 AND sent_at IS NOT NULL`, actionID)
	if err != nil {
		return Status{}, internal(err)
	}
	defer rows.Close()
	var s Status
	for rows.Next() {
		var e Enrolment
		var sent, due, answered, overdue sql.NullTime
		if err := rows.Scan(&sent, &due, &e.Answer, &answered, &overdue); err != nil {
			return Status{}, internal(err)
		}
		e.SentAt, e.DueAt, e.AnsweredAt, e.OverdueAt = timePtr(sent), timePtr(due), timePtr(answered), timePtr(overdue)
		s.Requests++
		switch e.Clock(now) {
		case ClockInTime:
			s.InTime++
		case ClockLate:
			s.Late++
		case ClockIncomplete:
			s.Incomplete++
		case ClockOverdue:
			s.Overdue++
		default:
			s.Waiting++
		}
	}
	return s, internal(rows.Err())
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func (s *Store) get(ctx context.Context, q store.Queryer, cond string, args ...any) (*Action, error) {
	a, err := scanAction(q.QueryRowContext(ctx, `SELECT `+actionColumns+` FROM legal_actions a WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, internal(err)
	}
	as, err := fill(ctx, q, []*Action{a})
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, errNotFound
	}
	return as[0], nil
}

// Get finds an action by id.
func (s *Store) Get(ctx context.Context, id string) (*Action, error) {
	return s.get(ctx, s.db.Reader(), `a.id = $1`, id)
}

// GetBySlug finds a campaign's action by its slug.
func (s *Store) GetBySlug(ctx context.Context, campaignID, slug string) (*Action, error) {
	return s.get(ctx, s.db.Reader(), `a.campaign_id = $1 AND a.slug = $2`, campaignID, slug)
}

// ListQuery selects actions for the API (campaign.TacticQuery).
type ListQuery = campaign.TacticQuery

// List returns a page of actions, newest first, and the total.
func (s *Store) List(ctx context.Context, lq ListQuery) ([]*Action, int, error) {
	q := s.db.Reader()
	out, total, err := store.SelectPage(ctx, q, actionColumns, "FROM legal_actions a", "a.created_at DESC, a.id DESC", lq.Page("a"), scanAction)
	if err != nil {
		return nil, 0, err
	}
	out, err = fill(ctx, q, out)
	return out, total, err
}

// OfCampaign lists a campaign's actions, oldest first.
func (s *Store) OfCampaign(ctx context.Context, campaignID string) ([]*Action, error) {
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, `SELECT `+actionColumns+` FROM legal_actions a WHERE a.campaign_id = $1 ORDER BY a.created_at, a.id`, campaignID)
	if err != nil {
		return nil, internal(err)
	}
	var out []*Action
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			rows.Close()
			return nil, internal(err)
		}
		out = append(out, a)
	}
	rows.Close()
	return fill(ctx, q, out)
}

// Create adds an action to a campaign; in must be normalized.
func (s *Store) Create(ctx context.Context, actorID, campaignID string, in Input, filed *time.Time) (*Action, error) {
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO legal_actions (id, campaign_id, slug, kind, title, description, questions, mandate,
			mandate_version, company_target_id, company_name, company_email, company_address, authority_target_id, portability, filed_at,
			created_by, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)`,
			id, campaignID, in.Slug, in.Kind, in.Title, in.Description, strings.Join(in.Questions, "\n"), in.Mandate,
			nullable(in.Company.TargetID), in.Company.Name, in.Company.Email, in.Company.Address, nullable(in.AuthorityID),
			boolInt(in.Portability), filed, nullable(actorID), tx.Now)
		if store.IsUniqueViolation(err) {
			return repertoire.Invalid("slug", "legal.slug_taken", nil)
		}
		return internal(err)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Update rewrites an action; a changed mandate text gets a new version,
// which enrolees accept again.
func (s *Store) Update(ctx context.Context, a *Action, in Input) (*Action, error) {
	version := a.MandateVersion
	if in.Mandate != a.Mandate {
		version++
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE legal_actions SET slug = $1, kind = $2, title = $3, description = $4, questions = $5,
			mandate = $6, mandate_version = $7, company_target_id = $8, company_name = $9, company_email = $10, company_address = $11,
			authority_target_id = $12, portability = $13, modified_at = $14 WHERE id = $15`,
			in.Slug, in.Kind, in.Title, in.Description, strings.Join(in.Questions, "\n"), in.Mandate, version,
			nullable(in.Company.TargetID), in.Company.Name, in.Company.Email, in.Company.Address, nullable(in.AuthorityID),
			boolInt(in.Portability), tx.Now, a.ID)
		if store.IsUniqueViolation(err) {
			return repertoire.Invalid("slug", "legal.slug_taken", nil)
		}
		return internal(err)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a.ID)
}

// --- enrolments ---

const enrolmentColumns = `participation_id, action_id, answers, mandate_version, mandate_accepted_at, sent_at, due_at, extended,
	answer, answered_at, reminded_due, overdue_at, created_at`

func scanEnrolment(r store.Scanner) (*Enrolment, error) {
	var e Enrolment
	var answers string
	var accepted, sent, due, answered, reminded, overdue sql.NullTime
	var extended int
	if err := r.Scan(&e.ParticipationID, &e.ActionID, &answers, &e.MandateVersion, &accepted, &sent, &due, &extended,
		&e.Answer, &answered, &reminded, &overdue, &e.CreatedAt); err != nil {
		return nil, err
	}
	e.Answers = lines(answers)
	e.MandateAccepted, e.SentAt, e.DueAt, e.AnsweredAt = timePtr(accepted), timePtr(sent), timePtr(due), timePtr(answered)
	e.RemindedDue, e.OverdueAt, e.Extended = timePtr(reminded), timePtr(overdue), extended != 0
	return &e, nil
}

// enrolment reads one enrolment with its files; nil when there is none.
func enrolment(ctx context.Context, q store.Queryer, participationID string) (*Enrolment, error) {
	e, err := scanEnrolment(q.QueryRowContext(ctx, `SELECT `+enrolmentColumns+` FROM legal_enrolments WHERE participation_id = $1`, participationID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, internal(err)
	}
	e.Files, err = files(ctx, q, `participation_id = $1`, participationID)
	return e, err
}

// Enrolment reads the enrolment of a participation (nil: none).
func (s *Store) Enrolment(ctx context.Context, participationID string) (*Enrolment, error) {
	return enrolment(ctx, s.db.Reader(), participationID)
}

// Enrolments reads every enrolment of an action with its files.
func (s *Store) Enrolments(ctx context.Context, actionID string) ([]*Enrolment, error) {
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, `SELECT `+enrolmentColumns+` FROM legal_enrolments WHERE action_id = $1 ORDER BY created_at, participation_id`, actionID)
	if err != nil {
		return nil, internal(err)
	}
	var out []*Enrolment
	byID := map[string]*Enrolment{}
	for rows.Next() {
		e, err := scanEnrolment(rows)
		if err != nil {
			rows.Close()
			return nil, internal(err)
		}
		out = append(out, e)
		byID[e.ParticipationID] = e
	}
	rows.Close()
	fs, err := files(ctx, q, `action_id = $1`, actionID)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if e := byID[f.ParticipationID]; e != nil {
			e.Files = append(e.Files, f)
		}
	}
	return out, nil
}

// enrolmentPayload is what an enrolment form gave: the participation's
// payload, which the link mailed for it confirms and legal_enrolments
// receives only then (Handler.Moved).
type enrolmentPayload struct {
	Answers []string `json:"answers"`
	Mandate int      `json:"mandate,omitempty"` // the mandate's version accepted
}

func (k enrolmentPayload) String() string {
	b, _ := json.Marshal(k)
	return string(b)
}

// Keep writes an enrolment's answers and mandate outside a confirmation:
// the demo's history, or the empty row of an enrolment recorded without
// answers. With keepExisting, an enrolment's row already there is left
// as it is.
func (s *Store) Keep(ctx context.Context, participationID, actionID string, answers []string, mandateVersion int, keepExisting bool) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		return keep(ctx, tx, participationID, actionID, answers, mandateVersion, keepExisting)
	})
}

// keep writes an enrolment's answers and mandate inside tx (see Keep).
func keep(ctx context.Context, tx *store.Tx, participationID, actionID string, answers []string, mandateVersion int, keepExisting bool) error {
	var accepted any
	if mandateVersion > 0 {
		accepted = tx.Now
	}
	q := `INSERT INTO legal_enrolments (participation_id, action_id, answers, mandate_version, mandate_accepted_at, created_at, modified_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (participation_id) DO `
	if keepExisting {
		q += `NOTHING`
	} else {
		q += `UPDATE SET answers = excluded.answers, mandate_version = excluded.mandate_version,
			mandate_accepted_at = excluded.mandate_accepted_at, modified_at = excluded.modified_at`
	}
	_, err := tx.ExecContext(ctx, q, participationID, actionID, strings.Join(answers, "\n"), mandateVersion, accepted, tx.Now)
	return internal(err)
}

// Sent records the date the enrolee sent the request and schedules its
// reminder and due date in the same transaction.
func (s *Store) Sent(ctx context.Context, participationID string, sent time.Time) (*Enrolment, error) {
	return s.clock(ctx, participationID, func(tx *store.Tx, e *Enrolment) error {
		due := Due(sent, e.Extended)
		_, err := tx.ExecContext(ctx, `UPDATE legal_enrolments SET sent_at = $1, due_at = $2, overdue_at = NULL, modified_at = $3
			WHERE participation_id = $4`, sent, due, tx.Now, participationID)
		if err != nil {
			return internal(err)
		}
		return reschedule(ctx, tx, participationID, due)
	})
}

// Extend records that the company extended its time by two months.
func (s *Store) Extend(ctx context.Context, participationID string) (*Enrolment, error) {
	return s.clock(ctx, participationID, func(tx *store.Tx, e *Enrolment) error {
		if e.SentAt == nil {
			return repertoire.Invalid("extended", "legal.not_sent", nil)
		}
		due := Due(*e.SentAt, true)
		_, err := tx.ExecContext(ctx, `UPDATE legal_enrolments SET extended = 1, due_at = $1, overdue_at = NULL, modified_at = $2
			WHERE participation_id = $3`, due, tx.Now, participationID)
		if err != nil {
			return internal(err)
		}
		return reschedule(ctx, tx, participationID, due)
	})
}

// Answered records the company's answer: complete stops the clock.
func (s *Store) Answered(ctx context.Context, participationID, answer string, at time.Time) (*Enrolment, error) {
	return s.clock(ctx, participationID, func(tx *store.Tx, e *Enrolment) error {
		if e.SentAt == nil {
			return repertoire.Invalid("answer", "legal.not_sent", nil)
		}
		_, err := tx.ExecContext(ctx, `UPDATE legal_enrolments SET answer = $1, answered_at = $2, modified_at = $3 WHERE participation_id = $4`,
			answer, at, tx.Now, participationID)
		if err != nil {
			return internal(err)
		}
		if answer == AnswerComplete {
			return schedule.Cancel(ctx, tx, participationID, jobReminder, jobDue)
		}
		return nil
	})
}

func (s *Store) clock(ctx context.Context, participationID string, fn func(tx *store.Tx, e *Enrolment) error) (*Enrolment, error) {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		e, err := enrolment(ctx, tx, participationID)
		if err != nil {
			return err
		}
		if e == nil {
			return errNotFound
		}
		return fn(tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.Enrolment(ctx, participationID)
}

// reschedule replaces the clock's jobs: a reminder ReminderBefore the due
// date (at once when that is past) and the due date itself.
func reschedule(ctx context.Context, tx *store.Tx, participationID string, due time.Time) error {
	if err := schedule.Cancel(ctx, tx, participationID, jobReminder, jobDue); err != nil {
		return err
	}
	remind := due.Add(-ReminderBefore)
	if remind.Before(tx.Now) {
		remind = tx.Now
	}
	if err := schedule.Schedule(ctx, tx, jobReminder, participationID, remind); err != nil {
		return err
	}
	return schedule.Schedule(ctx, tx, jobDue, participationID, due)
}

// markReminded records that the reminder of due went out; false when it
// had already.
func markReminded(ctx context.Context, tx *store.Tx, participationID string, due time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE legal_enrolments SET reminded_due = $1 WHERE participation_id = $2
		AND (reminded_due IS NULL OR reminded_due <> $1)`, due, participationID)
	if err != nil {
		return false, internal(err)
	}
	n, err := res.RowsAffected()
	return n == 1, internal(err)
}

// markOverdue moves a request overdue once; false when it was already.
func markOverdue(ctx context.Context, tx *store.Tx, participationID string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE legal_enrolments SET overdue_at = $1, modified_at = $1 WHERE participation_id = $2
		AND overdue_at IS NULL`, tx.Now, participationID)
	if err != nil {
		return false, internal(err)
	}
	n, err := res.RowsAffected()
	return n == 1, internal(err)
}

// --- files ---

func files(ctx context.Context, q store.Queryer, cond string, arg string) ([]File, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, participation_id, action_id, kind, size, name, created_at FROM legal_files WHERE `+cond+
		` ORDER BY created_at, id`, arg)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.ID, &f.ParticipationID, &f.ActionID, &f.Kind, &f.Size, &f.Name, &f.CreatedAt); err != nil {
			return nil, internal(err)
		}
		out = append(out, f)
	}
	return out, internal(rows.Err())
}

// addFile records a file written to disk.
func (s *Store) addFile(ctx context.Context, f File) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM legal_files WHERE participation_id = $1`, f.ParticipationID).Scan(&n); err != nil {
			return internal(err)
		}
		if n >= MaxFiles {
			return repertoire.Invalid("file", "legal.too_many_files", map[string]any{"Max": MaxFiles})
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO legal_files (id, participation_id, action_id, kind, size, name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, f.ID, f.ParticipationID, f.ActionID, f.Kind, f.Size, f.Name, tx.Now)
		return internal(err)
	})
}

// forget deletes what an enrolment holds (withdrawal, erasure) inside tx
// and returns its files' ids, for their removal from disk.
func forget(ctx context.Context, tx *store.Tx, participationID string) ([]string, error) {
	fs, err := files(ctx, tx, `participation_id = $1`, participationID)
	if err != nil {
		return nil, err
	}
	for _, q := range []string{`DELETE FROM legal_files WHERE participation_id = $1`, `DELETE FROM legal_enrolments WHERE participation_id = $1`,
		`DELETE FROM legal_links WHERE participation_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, participationID); err != nil {
			return nil, internal(err)
		}
	}
	if err := schedule.Forget(ctx, tx, participationID); err != nil {
		return nil, err
	}
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	return ids, nil
}

// titles names actions for a person's export.
func titles(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error) {
	return participation.TitlesOf(ctx, q, `SELECT id, title FROM legal_actions WHERE id IN $ids`, ids)
}

// ActionsOf is the SQL listing the legal actions of the campaigns listed by
// the SQL campaigns (account.Reach).
func ActionsOf(campaigns string) string {
	return "SELECT id FROM legal_actions WHERE campaign_id IN (" + campaigns + ")"
}

// internal wraps an unexpected error; nil stays nil.
func internal(err error) error {
	if err == nil {
		return nil
	}
	return repertoire.Internal(err)
}

// file reads one file's row.
func (s *Store) file(ctx context.Context, id string) (File, error) {
	fs, err := files(ctx, s.db.Reader(), `id = $1`, id)
	if err != nil {
		return File{}, err
	}
	if len(fs) == 0 {
		return File{}, errNotFound
	}
	return fs[0], nil
}

// newLink mints a link to an enrolee's page, inside tx: "<participation
// id>.<secret>", only its hash kept. Earlier links keep working.
func newLink(ctx context.Context, tx *store.Tx, participationID string) (string, error) {
	token := participationID + "." + store.NewToken()
	_, err := tx.ExecContext(ctx, `INSERT INTO legal_links (token_hash, participation_id, created_at) VALUES ($1, $2, $3)`,
		store.HashToken(token), participationID, tx.Now)
	return token, internal(err)
}

// linked finds the participation a page link was minted for ("" when
// none): the lookup is by the token's hash.
func (s *Store) linked(ctx context.Context, token string) (string, error) {
	var id string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT participation_id FROM legal_links WHERE token_hash = $1`, store.HashToken(token)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, internal(err)
}

// CloseCampaign closes the enrolment of the campaign's legal actions
// still open, in one transaction. Closing them again does nothing.
func (s *Store) CloseCampaign(ctx context.Context, campaignID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE legal_actions SET closed_at = $2, modified_at = $2 WHERE campaign_id = $1 AND closed_at IS NULL`,
			campaignID, tx.Now); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
}

// Draft tells a legal action of a draft campaign (participation.Drafter): its
// count is not public until the campaign is published.
func (s *Store) Draft(ctx context.Context, q store.Queryer, id string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM legal_actions WHERE id = $1 AND `+campaign.DraftCondition("campaign_id"), id).Scan(&n); err != nil {
		return false, repertoire.Internal(err)
	}
	return n > 0, nil
}

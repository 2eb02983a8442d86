package pledge

import (
	"context"
	"errors"
	"strconv"
	"time"

	"repertoire"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// A pledge's history: what changed after it was published that matters to
// the people committed to it, kept as data so each reader reads it in
// their language (Change.Sentence).

// Fields of a change.
const (
	changeThreshold = "threshold"
	changeDeadline  = "deadline"
	changeWindow    = "window" // values "start/last day", both dates
	changeAction    = "action"
	changePublished = "published"
	changeClosed    = "closed"
)

// Change is one entry of a pledge's history.
type Change struct {
	Field    string
	Old, New string
	At       time.Time
}

func insertChange(ctx context.Context, tx *store.Tx, pledgeID, field, old, new string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO pledge_changes (id, pledge_id, changed_at, field, old_value, new_value)
		VALUES ($1, $2, $3, $4, $5, $6)`, store.NewID(), pledgeID, tx.Now, field, old, new)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

func windowValue(start, end time.Time) string {
	last := end.Add(-time.Nanosecond).UTC()
	return start.UTC().Format(time.DateOnly) + "/" + last.Format(time.DateOnly)
}

// recordChanges keeps, in the edit's transaction, the changes of a
// published pledge its committed people count on: the threshold, the
// deadline's day, the window's days and the action. The title, the
// description and the slug change nobody's commitment.
func recordChanges(ctx context.Context, tx *store.Tx, cur *Pledge, in Input) error {
	var changes [][3]string
	if in.Threshold != cur.Threshold {
		changes = append(changes, [3]string{changeThreshold, strconv.Itoa(cur.Threshold), strconv.Itoa(in.Threshold)})
	}
	if d0, d1 := cur.Deadline.UTC().Format(time.DateOnly), in.Deadline.UTC().Format(time.DateOnly); d0 != d1 {
		changes = append(changes, [3]string{changeDeadline, d0, d1})
	}
	if w0, w1 := windowValue(cur.WindowStart, cur.WindowEnd), windowValue(in.WindowStart, in.WindowEnd); w0 != w1 {
		changes = append(changes, [3]string{changeWindow, w0, w1})
	}
	if in.Action != cur.Action {
		changes = append(changes, [3]string{changeAction, cur.Action, in.Action})
	}
	for _, c := range changes {
		if err := insertChange(ctx, tx, cur.ID, c[0], c[1], c[2]); err != nil {
			return err
		}
	}
	return nil
}

// History lists a pledge's changes, oldest first.
func (s *Store) History(ctx context.Context, pledgeID string) ([]Change, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT field, old_value, new_value, changed_at FROM pledge_changes
		WHERE pledge_id = $1 ORDER BY changed_at, id`, pledgeID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Field, &c.Old, &c.New, &c.At); err != nil {
			return nil, repertoire.Internal(err)
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

var errNotDraft = repertoire.Errorf(repertoire.ECONFLICT, "pledge.not_draft")

// Publish opens a draft to commitments: its deadline must still be ahead,
// its jobs are scheduled, and its history starts there. A pledge never
// goes back to being a draft.
func (s *Store) Publish(ctx context.Context, id string, now time.Time) (*Pledge, error) {
	return s.Edit(ctx, id, Patch{}, StatusCollecting, now)
}

func (s *Store) publish(ctx context.Context, tx *store.Tx, id string, now time.Time) error {
	cur, err := s.get(ctx, tx, `p.id = $1`, id)
	if err != nil {
		return err
	}
	if !cur.Draft() {
		return errNotDraft
	}
	in := cur.input()
	if err := in.normalize(now); err != nil {
		return err
	}
	if ok, err := setStatus(ctx, tx, id, StatusDraft, StatusCollecting); err != nil {
		return err
	} else if !ok {
		return errNotDraft
	}
	if err := scheduleJobs(ctx, tx, id, in); err != nil {
		return err
	}
	return insertChange(ctx, tx, id, changePublished, "", "")
}

// Close stops a pledge still collecting: it takes no more commitments,
// none of its jobs runs, the committed people are told, and its history
// says so. Once activated it is a promise the organizers cannot take back
// alone.
func (s *Store) Close(ctx context.Context, id string) (*Pledge, error) {
	return s.Edit(ctx, id, Patch{}, StatusClosed, time.Time{})
}

// CloseCampaign closes each of the campaign's pledges still collecting
// through Close: their committed people are told and their histories say
// so. Each is its own transaction, so closing again after a failure
// closes those left; one that stopped collecting meanwhile (activated,
// lapsed) is left as it is.
func (s *Store) CloseCampaign(ctx context.Context, campaignID string) error {
	ids, err := store.Strings(ctx, s.db.Reader(), `SELECT id FROM pledges WHERE campaign_id = $1 AND status = $2`, campaignID, StatusCollecting)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := s.Close(ctx, id); err != nil && !errors.Is(err, errLocked) {
			return err
		}
	}
	return nil
}

func (s *Store) close(ctx context.Context, tx *store.Tx, id string) error {
	cur, err := s.get(ctx, tx, `p.id = $1`, id)
	if err != nil {
		return err
	}
	if ok, err := setStatus(ctx, tx, id, StatusCollecting, StatusClosed); err != nil {
		return err
	} else if !ok {
		return errLocked
	}
	if err := schedule.Cancel(ctx, tx, id); err != nil {
		return err
	}
	if err := insertChange(ctx, tx, id, changeClosed, "", ""); err != nil {
		return err
	}
	cur.Status = StatusClosed
	return s.fanOut(ctx, tx, cur, mailClosed)
}

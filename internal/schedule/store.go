package schedule

import (
	"context"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// insertJob adds a job unless the same kind, subject and time is there.
func insertJob(ctx context.Context, tx *store.Tx, kind, subjectID string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, kind, subject_id, run_at, status, attempts, created_at, modified_at)
		VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)
		ON CONFLICT (kind, subject_id, run_at) DO NOTHING`,
		store.NewID(), kind, subjectID, at, tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// deletePending removes a subject's jobs that have not run (of the given
// kinds, or all).
func deletePending(ctx context.Context, tx *store.Tx, subjectID string, kinds []string) error {
	q := `DELETE FROM jobs WHERE subject_id = $1 AND status IN ('pending', 'running')`
	args := []any{subjectID}
	if len(kinds) > 0 {
		in, more := store.In(kinds, 2)
		q += ` AND kind IN (` + in + `)`
		args = append(args, more...)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// deleteAll removes every job of a subject.
func deleteAll(ctx context.Context, tx *store.Tx, subjectID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE subject_id = $1`, subjectID); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// markDone records a job as run, if this claim still holds it.
func markDone(ctx context.Context, tx *store.Tx, id, claimID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET status = 'done', locked_until = NULL, last_error = '', modified_at = $1
		WHERE id = $2 AND claimed_by = $3 AND status = 'running'`, tx.Now, id, claimID)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errLeaseLost
	}
	return nil
}

// markFailed records a failed attempt: retried after until, or failed for good.
func markFailed(ctx context.Context, tx *store.Tx, id, claimID, status string, until time.Time, lastError string) error {
	_, err := tx.ExecContext(ctx, `UPDATE jobs SET status = $1, locked_until = $2, last_error = $3, modified_at = $4
		WHERE id = $5 AND claimed_by = $6 AND status = 'running'`,
		status, until, lastError, tx.Now, id, claimID)
	return err
}

// claimDue leases up to limit due jobs of the given kinds to claimID.
func claimDue(ctx context.Context, tx *store.Tx, kinds []string, limit int, lease time.Duration, claimID string) ([]Job, error) {
	in, kargs := store.In(kinds, 3)
	q := `SELECT id, kind, subject_id, run_at, attempts FROM jobs
		WHERE status IN ('pending', 'running') AND run_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
		AND kind IN (` + in + `) ORDER BY run_at LIMIT $2`
	if tx.Dialect == store.Postgres {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := tx.QueryContext(ctx, q, append([]any{tx.Now, limit}, kargs...)...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var jobs []Job
	for rows.Next() {
		var j Job
		if err := rows.Scan(&j.ID, &j.Kind, &j.SubjectID, &j.RunAt, &j.Attempts); err != nil {
			return nil, repertoire.Internal(err)
		}
		j.RunAt = j.RunAt.UTC()
		j.Attempts++
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	rows.Close()
	if len(jobs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	in, idArgs := store.In(ids, 4)
	_, err = tx.ExecContext(ctx, `UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = $1, claimed_by = $2, modified_at = $3
		WHERE id IN (`+in+`)`, append([]any{tx.Now.Add(lease), claimID, tx.Now}, idArgs...)...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	return jobs, nil
}

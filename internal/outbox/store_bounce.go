package outbox

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"

	"repertoire"
	"repertoire/internal/store"
)

// bouncedMail checks a bounce address's secret against its mail's and
// returns the mail's person ("" for a mail to an address).
func bouncedMail(ctx context.Context, q store.Queryer, mailID, secret string) (string, error) {
	var personID, stored sql.NullString
	err := q.QueryRowContext(ctx, `SELECT person_id, bounce_hash FROM outbox WHERE id = $1`, mailID).Scan(&personID, &stored)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!stored.Valid ||
		subtle.ConstantTimeCompare([]byte(stored.String), []byte(store.HashToken(secret))) != 1)) {
		return "", errUnknownToken
	}
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return personID.String, nil
}

// recordReport writes what a report says of one mail and its person.
func recordReport(ctx context.Context, tx *store.Tx, mailID, personID, kind string) error {
	var err error
	switch kind {
	case ReportHardBounce:
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET bounced_at = $1 WHERE id = $2 AND bounced_at IS NULL`, tx.Now, mailID)
		if err == nil && personID != "" {
			err = markBouncing(ctx, tx, personID)
		}
	case ReportSoftBounce:
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET soft_bounces = soft_bounces + 1 WHERE id = $1`, mailID)
	case ReportComplaint:
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET complained_at = $1 WHERE id = $2 AND complained_at IS NULL`, tx.Now, mailID)
		if err == nil && personID != "" {
			// Stronger than any other status: they told their provider.
			return SetEmailStatus(ctx, tx, personID, StatusComplained)
		}
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

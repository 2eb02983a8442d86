package pledge

import (
	"context"
	"strconv"
	"strings"

	"repertoire"
	"repertoire/internal/participation"
	"repertoire/internal/store"
)

// mailChunk is how many rows one statement of the fan-out writes.
const mailChunk = 1000

// notMailedActivation keeps the committed people who have not had the
// "it's on" mail yet (pledge_activation_mails), in their order: a
// primary-key read per chunk of them (store.EachByID).
func notMailedActivation(ctx context.Context, tx *store.Tx, people []participation.Recipient) ([]participation.Recipient, error) {
	ids := make([]string, len(people))
	for i, c := range people {
		ids[i] = c.ParticipationID
	}
	mailed := map[string]bool{}
	err := store.EachByID(ctx, tx, `SELECT participation_id FROM pledge_activation_mails WHERE participation_id IN $ids`, ids,
		func(r store.Scanner) error {
			var id string
			if err := r.Scan(&id); err != nil {
				return repertoire.Internal(err)
			}
			mailed[id] = true
			return nil
		})
	if err != nil {
		return nil, err
	}
	if len(mailed) == 0 {
		return people, nil
	}
	kept := make([]participation.Recipient, 0, len(people)-len(mailed))
	for _, c := range people {
		if !mailed[c.ParticipationID] {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// insertActivationMails records who got the "it's on" mail (in either
// wording), many rows a statement.
func insertActivationMails(ctx context.Context, tx *store.Tx, pledgeID string, people []participation.Recipient) error {
	for start := 0; start < len(people); start += mailChunk {
		part := people[start:min(start+mailChunk, len(people))]
		var b strings.Builder
		b.WriteString(`INSERT INTO pledge_activation_mails (participation_id, pledge_id, sent_at) VALUES `)
		args := make([]any, 0, len(part)+2)
		args = append(args, pledgeID, tx.Now)
		for i, c := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			args = append(args, c.ParticipationID)
			b.WriteString("($" + strconv.Itoa(len(args)) + ", $1, $2)")
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// insertCheckins stores the check-in tokens' hashes, many rows a statement.
func insertCheckins(ctx context.Context, tx *store.Tx, pledgeID string, tokens [][2]string) error {
	for start := 0; start < len(tokens); start += mailChunk {
		part := tokens[start:min(start+mailChunk, len(tokens))]
		var b strings.Builder
		b.WriteString(`INSERT INTO pledge_checkins (token_hash, pledge_id, participation_id, created_at) VALUES `)
		args := make([]any, 0, 2*len(part)+2)
		args = append(args, pledgeID, tx.Now)
		for i, t := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			b.WriteString("($" + strconv.Itoa(n+1) + ", $1, $" + strconv.Itoa(n+2) + ", $2)")
			args = append(args, t[0], t[1])
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

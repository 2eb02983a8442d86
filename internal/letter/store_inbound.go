package letter

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/store"
)

// Held is a mail received at a letter campaign's address from a sender
// none of its targets has, waiting for an organizer.
type Held struct {
	ID         string
	Sender     string
	Subject    string
	Body       string
	ReceivedAt time.Time
}

// byInboundToken finds the letter campaign of an inbound address's token.
func (s *Store) byInboundToken(ctx context.Context, token string) (string, error) {
	var id string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id FROM letter_campaigns WHERE inbound_token = $1`, token).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNotFound
	}
	return id, internalErr(err)
}

// Receive records a mail received at a letter campaign's address: the
// answer of the target whose address sent it, or, from anyone else, a
// mail held for the organizers, who are told either way, in the same
// transaction.
func (s *Store) Receive(ctx context.Context, letterID string, rc *Received) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		l, err := s.get(ctx, tx, `l.id = $1`, letterID)
		if err == errNotFound {
			return nil // deleted since RCPT
		}
		if err != nil {
			return err
		}
		body := rc.Text
		if body == "" {
			body = rc.Subject
		}
		var from *Target
		for i, t := range l.Targets {
			if t.Email != "" && strings.EqualFold(t.Email, rc.From) {
				from = &l.Targets[i]
				break
			}
		}
		if from == nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO inbound_mails (id, letter_campaign_id, sender, subject, body, received_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, store.NewID(), letterID, rc.From, rc.Subject, body, tx.Now); err != nil {
				return repertoire.Internal(err)
			}
			return s.mailInbound(ctx, tx, l, nil)
		}
		on := rc.Date
		if on.IsZero() || on.After(tx.Now) {
			on = tx.Now
		}
		if _, err := insertAnswer(ctx, tx, "", letterID, AnswerInput{TargetID: from.ID, AnsweredOn: on, Body: body}, true); err != nil {
			return err
		}
		return s.mailInbound(ctx, tx, l, from)
	})
}

// HeldMails lists a letter campaign's held mails, oldest first.
func (s *Store) HeldMails(ctx context.Context, letterID string) ([]Held, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, sender, subject, body, received_at FROM inbound_mails
		WHERE letter_campaign_id = $1 ORDER BY received_at, id`, letterID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Held
	for rows.Next() {
		var h Held
		if err := rows.Scan(&h.ID, &h.Sender, &h.Subject, &h.Body, &h.ReceivedAt); err != nil {
			return nil, repertoire.Internal(err)
		}
		h.ReceivedAt = h.ReceivedAt.UTC()
		out = append(out, h)
	}
	return out, internalErr(rows.Err())
}

var errNoHeld = repertoire.Errorf(repertoire.ENOTFOUND, "letter.held_not_found")

// takeHeld deletes a held mail of a letter campaign and returns it.
func takeHeld(ctx context.Context, tx *store.Tx, letterID, id string) (*Held, error) {
	var h Held
	err := tx.QueryRowContext(ctx, `SELECT id, sender, subject, body, received_at FROM inbound_mails WHERE id = $1 AND letter_campaign_id = $2`,
		id, letterID).Scan(&h.ID, &h.Sender, &h.Subject, &h.Body, &h.ReceivedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoHeld
	}
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM inbound_mails WHERE id = $1`, id); err != nil {
		return nil, repertoire.Internal(err)
	}
	return &h, nil
}

// Attribute records a held mail as the answer of one of the letter
// campaign's targets, on the day it was received.
func (s *Store) Attribute(ctx context.Context, personID string, l *Letter, heldID, targetID string) error {
	if targetName(l, targetID) == "" {
		return repertoire.Invalid("target", "letter.unknown_target", nil)
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		h, err := takeHeld(ctx, tx, l.ID, heldID)
		if err != nil {
			return err
		}
		_, err = insertAnswer(ctx, tx, personID, l.ID, AnswerInput{TargetID: targetID, AnsweredOn: h.ReceivedAt, Body: h.Body}, true)
		return err
	})
}

// Discard deletes a held mail.
func (s *Store) Discard(ctx context.Context, l *Letter, heldID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := takeHeld(ctx, tx, l.ID, heldID)
		return err
	})
}

// exportHeld is the data export's section of the mails a person sent to
// letter campaigns' addresses that wait for an organizer.
func exportHeld(ctx context.Context, q store.Queryer, personID string) ([]map[string]any, error) {
	people, err := account.Contacts(ctx, q, []string{personID})
	if err != nil {
		return nil, err
	}
	p, ok := people[personID]
	if !ok || p.Email == "" {
		return []map[string]any{}, nil
	}
	return account.QueryMaps(ctx, q, `SELECT letter_campaign_id, subject, body, received_at FROM inbound_mails
		WHERE sender = $1 ORDER BY received_at`, strings.ToLower(p.Email))
}

// eraseHeld deletes the held mails a person sent.
func eraseHeld(ctx context.Context, tx *store.Tx, personID string) error {
	people, err := account.Contacts(ctx, tx, []string{personID})
	if err != nil {
		return err
	}
	p, ok := people[personID]
	if !ok || p.Email == "" {
		return nil
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM inbound_mails WHERE sender = $1`, strings.ToLower(p.Email))
	return internalErr(err)
}

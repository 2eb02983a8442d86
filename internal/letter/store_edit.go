package letter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"repertoire"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// newInboundToken is the random part of a letter campaign's inbound
// address: 128 bits, lower-case hex (mail systems may fold the case of a
// local part).
func newInboundToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// errDeleteSent refuses to delete a letter campaign whose letters were
// sent: they reached their targets, are counted and are leaves of the
// transparency log.
var errDeleteSent = repertoire.Errorf(repertoire.ECONFLICT, "letter.delete_sent")

// written counts a letter campaign's letters (any state), and those sent
// or counted (any state but waiting).
func written(ctx context.Context, q store.Queryer, letterID string) (all, sent int, err error) {
	err = q.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(CASE WHEN state <> 'waiting' THEN 1 END) FROM outreach_targets
		WHERE letter_campaign_id = $1`, letterID).Scan(&all, &sent)
	return all, sent, internalErr(err)
}

// Update edits a letter campaign (see Patch). Once letters were written,
// its delivery and whether it goes by country stay (the letters waiting
// or sent were written for them), and a target with letters stays in
// the list; its name and channels may still be corrected.
func (s *Store) Update(ctx context.Context, id string, p Patch) (*Letter, error) {
	cur, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	in := cur.Input()
	p.apply(&in)
	if strings.TrimSpace(in.Slug) == "" {
		in.Slug = cur.Slug // an edit keeps the page's address unless given another
	}
	if err := s.fromDirectory(ctx, cur.CampaignID, in.Targets); err != nil {
		return nil, err
	}
	all, _, err := written(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, err
	}
	fixed := fixedOnceWritten(cur, &in, all)
	if err := in.normalize(); err != nil || len(fixed) > 0 {
		return nil, append(fixed, repertoire.FieldErrors(err)...)
	}
	current := map[string]bool{}
	for _, t := range cur.Targets {
		current[t.ID] = true
	}
	kept := map[string]bool{}
	var es repertoire.Errors
	for i, t := range in.Targets {
		switch {
		case t.ID != "" && (!current[t.ID] || kept[t.ID]):
			es = append(es, repertoire.Invalid(targetField(i, "id"), "letter.unknown_target", nil))
		case t.ID != "":
			kept[t.ID] = true
		}
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		all, _, err := written(ctx, tx, id)
		if err != nil {
			return err
		}
		es := fixedOnceWritten(cur, &in, all)
		for _, t := range cur.Targets {
			if kept[t.ID] {
				continue
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outreach_targets WHERE target_id = $1`, t.ID).Scan(&n); err != nil {
				return repertoire.Internal(err)
			}
			if n > 0 {
				es = append(es, repertoire.Invalid("targets", "letter.target_has_letters", map[string]any{"Target": t.Name}))
			}
		}
		if err := es.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE letter_campaigns SET slug = $1, title = $2, description = $3, subject = $4, body = $5,
			by_country = $6, delivery = $7, digest = $8, origin_system = $9, modified_at = $10 WHERE id = $11`,
			in.Slug, in.Title, in.Description, in.Subject, in.Body, in.ByCountry, in.Delivery, in.Digest, in.OriginSystem, tx.Now, id)
		if store.IsUniqueViolation(err) {
			return repertoire.Invalid("slug", "letter.slug_taken", nil)
		}
		if err != nil {
			return repertoire.Internal(err)
		}
		for _, t := range cur.Targets {
			if !kept[t.ID] {
				if _, err := tx.ExecContext(ctx, `DELETE FROM letter_targets WHERE id = $1`, t.ID); err != nil {
					return repertoire.Internal(err)
				}
			}
		}
		for i, t := range in.Targets {
			if t.ID == "" {
				if err := insertTarget(ctx, tx, id, i, t); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE letter_targets SET position = $1, name = $2, title = $3, email = $4, country = $5,
				postal_address = $6, web_form = $7 WHERE id = $8 AND letter_campaign_id = $9`,
				i, t.Name, t.Title, t.Email, t.Country, t.PostalAddress, t.WebForm, t.ID, id); err != nil {
				return repertoire.Internal(err)
			}
		}
		// Letters already waiting for a digest go with it even when the
		// digest is turned off: its job stays.
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// fixedOnceWritten refuses a change of delivery or of going by country
// once letters (all) were written.
func fixedOnceWritten(cur *Letter, in *Input, all int) repertoire.Errors {
	var es repertoire.Errors
	delivery := in.Delivery
	if delivery == "" {
		delivery = DeliveryEmail
	}
	if all > 0 && delivery != cur.Delivery {
		es = append(es, repertoire.Invalid("delivery", "letter.fixed_once_written", nil))
	}
	if all > 0 && in.ByCountry != cur.ByCountry {
		es = append(es, repertoire.Invalid("by_country", "letter.fixed_once_written", nil))
	}
	return es
}

// Delete removes a letter campaign that sent no letter, with its letters
// still waiting for their writers' confirmation, its targets, answers,
// held mails and digest job. Once a letter was sent (or imported) it is
// refused: letters that reached a target stay counted, under the letter
// they were written for.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		counts, err := participation.CountsOf(ctx, tx, id)
		if err != nil {
			return err
		}
		_, sent, err := written(ctx, tx, id)
		if err != nil {
			return err
		}
		if sent > 0 || counts.Total() > 0 {
			return errDeleteSent
		}
		if err := participation.DeleteAction(ctx, tx, id); err != nil {
			return err
		}
		if err := schedule.Cancel(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM letter_campaigns WHERE id = $1`, id)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

// HasSent tells whether a letter campaign sent or counted a letter: then
// it cannot be deleted.
func (s *Store) HasSent(ctx context.Context, l *Letter) (bool, error) {
	_, sent, err := written(ctx, s.db.Reader(), l.ID)
	return sent > 0 || l.Total() > 0, err
}

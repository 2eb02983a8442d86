package participation

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/translog"
)

// chunkRows bounds the rows of one multi-row statement. SQLite looks up
// numbered parameters by scanning, so statements with thousands of them
// get slow; fifty rows keep that cheap while sparing most per-statement
// overhead.
const chunkRows = 50

// fresh is a submission of the batch's fast path: the first time this
// person takes part in this action within the batch.
type fresh struct {
	p         *pending
	d         *counterDelta
	id        string
	personID  string
	status    string
	reason    string
	token     string
	tokenHash any
	logSalt   []byte
}

// writeBatch records a batch with a few multi-row statements: one upsert
// of the people, one insert of the participations, one insert of the
// confirmation mails (per fifty rows each). Submissions that meet an
// existing participation — the same person again, in this batch or
// before — then go one by one through writeOne, which knows every case.
func (s *Service) writeBatch(tx *store.Tx, batch []*pending) error {
	ctx := context.Background()
	deltas := map[string]*counterDelta{}
	var order []string
	var rows []*fresh
	var again []*pending
	seen := map[string]bool{}
	var moves []*pending
	for _, p := range batch {
		p.res, p.err, p.leaf, p.moved = Result{}, nil, nil, nil
		if p.move != nil {
			moves = append(moves, p)
			continue
		}
		d := deltas[p.sub.ActionID]
		if d == nil {
			d = &counterDelta{kind: p.sub.Kind}
			deltas[p.sub.ActionID] = d
			order = append(order, p.sub.ActionID)
		}
		key := p.sub.ActionID + "\x00" + p.sub.canonical
		if seen[key] {
			again = append(again, p)
			continue
		}
		seen[key] = true
		rows = append(rows, &fresh{p: p, d: d})
	}
	slices.SortStableFunc(rows, func(a, b *fresh) int { return lockOrder(&a.p.sub, &b.p.sub) })
	if err := upsertPeople(ctx, tx, rows, false); err != nil {
		return err
	}
	inserted, err := s.insertParticipations(ctx, tx, rows)
	if err != nil {
		return err
	}
	var mails []outbox.Message
	renders := map[string][2]string{}
	for _, r := range rows {
		if !inserted[r.id] {
			again = append(again, r.p)
			continue
		}
		r.p.res = Result{ID: r.id, Status: r.status}
		switch r.status {
		case StatusConfirmed:
			r.p.moved = r.p.sub.participation(r.id, r.personID, r.status)
			r.p.moved.logSalt = r.logSalt
			r.p.leaf = leaf(translog.Confirm, r.p.moved)
			r.p.leaf.New = true // just inserted: no receipt to read
			r.d.imported++
			r.d.bucket++
		case StatusFlagged:
			r.d.flagged++
		case StatusPending:
			r.d.pending++
			m, err := s.confirmationMail(ctx, tx, renders, r.p.sub, r.token)
			if err != nil {
				return err
			}
			mails = append(mails, m)
		}
	}
	if err := outbox.EnqueueBatch(ctx, tx, s.baseURL, mails); err != nil {
		return err
	}
	slices.SortStableFunc(again, func(a, b *pending) int { return lockOrder(&a.sub, &b.sub) })
	for _, p := range again {
		if err := s.writeOne(ctx, tx, p, deltas[p.sub.ActionID]); err != nil {
			if repertoire.ErrorCode(err) == repertoire.EINTERNAL {
				return err
			}
			p.err = err // an answer for this caller only
		}
	}
	slices.SortStableFunc(moves, func(a, b *pending) int { return strings.Compare(a.move.link, b.move.link) })
	var confirmed []*Participation
	for _, p := range moves {
		d, err := s.writeMove(ctx, tx, p, deltas)
		if err != nil {
			if repertoire.ErrorCode(err) == repertoire.EINTERNAL {
				return err
			}
			p.err = err
			continue
		}
		if d != "" && !slices.Contains(order, d) {
			order = append(order, d)
		}
		if p.move.applied {
			confirmed = append(confirmed, p.move.part)
		}
	}
	if err := applyPeople(ctx, tx, confirmed); err != nil {
		return err
	}
	if err := s.tellMoved(ctx, tx, batch); err != nil {
		return err
	}
	staged, err := s.stageLog(ctx, tx, batchLeaves(batch))
	if err != nil {
		return err
	}
	if err := s.applyDeltas(ctx, tx, deltas, order); err != nil {
		return err
	}
	// Last: on PostgreSQL the log's size row is locked until the commit,
	// after the counters, in every transaction that appends.
	return staged.Append(ctx, tx)
}

// tellMoved hands the participations the batch's imports and followed
// links moved to their tactic, when it is a Mover, in the batch's
// transaction, before the counters (Action.Counted) move: a tactic's rows
// are there when its count settles.
func (s *Service) tellMoved(ctx context.Context, tx *store.Tx, batch []*pending) error {
	byKind := map[Kind][]*Participation{}
	var kinds []Kind
	for _, p := range batch {
		if p.err != nil || p.moved == nil {
			continue
		}
		k := p.moved.Kind
		if _, ok := byKind[k]; !ok {
			kinds = append(kinds, k)
		}
		byKind[k] = append(byKind[k], p.moved)
	}
	for _, kind := range kinds {
		if mv, ok := s.action(kind).(Mover); ok {
			if err := mv.Moved(ctx, tx, byKind[kind]); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyPeople gives the people of participations just confirmed the name
// and place they confirmed (account.UpsertPeople: what they told us last
// wins, an empty field keeps what we had). Only now: an unconfirmed
// submission changes nothing about a person.
func applyPeople(ctx context.Context, tx *store.Tx, parts []*Participation) error {
	if len(parts) == 0 {
		return nil
	}
	ids := make([]string, len(parts))
	for i, p := range parts {
		ids[i] = p.PersonID
	}
	contacts, err := account.Contacts(ctx, tx, ids)
	if err != nil {
		return err
	}
	var people []account.PersonInput
	for _, p := range parts {
		c, ok := contacts[p.PersonID]
		if !ok {
			continue
		}
		people = append(people, account.PersonInput{Email: c.Email, GivenName: p.GivenName, FamilyName: p.FamilyName,
			Locality: p.Locality, Country: p.Country})
	}
	if len(people) == 0 {
		return nil
	}
	_, err = account.UpsertPeople(ctx, tx, people)
	return err
}

// writeMove follows one mailed link inside the batch's transaction. The
// UPDATE checks the status again, so two clicks count once on either
// engine; the counter changes join the batch's deltas. It returns the
// action whose counters changed, if any.
func (s *Service) writeMove(ctx context.Context, tx *store.Tx, p0 *pending, deltas map[string]*counterDelta) (string, error) {
	m := p0.move
	m.part, m.applied, m.leaf = nil, false, nil
	p, choices, err := byLink(ctx, tx, m.link)
	if err != nil {
		return "", err
	}
	m.part = p
	if m.to == StatusConfirmed && (p.Status == m.to || slices.Contains(m.from, p.Status)) {
		// Its tactic hears of every confirming link followed, the same
		// again included (a reopened registration waits for it), and
		// keeps what the link confirms.
		p0.moved = p
		// The link confirms what it was mailed for: its own choices when
		// it is not the first link (a confirmed participation takes them
		// too: the reader of the inbox chose them last).
		if choices != nil && *choices != p.choices() {
			if err := setChoices(ctx, tx, p.ID, *choices); err != nil {
				return "", err
			}
			p.setChoices(*choices)
			p.ModifiedAt = tx.Now
			m.applied = true
		}
	}
	if p.Status == m.to || !slices.Contains(m.from, p.Status) {
		return "", nil // already done, or not possible: the page says where it stands
	}
	moved, err := moveStatus(ctx, tx, p.ID, p.Status, m.to)
	if err != nil {
		return "", err
	}
	if !moved {
		// Another transaction moved it first (on PostgreSQL, another
		// writer's batch): show where it stands now.
		p0.moved = nil
		if m.part, _, err = byLink(ctx, tx, m.link); err != nil {
			return "", err
		}
		return "", nil
	}
	p0.moved = p
	m.applied = m.applied || m.to == StatusConfirmed
	prev := counterOf(p)
	p.Status, p.ModifiedAt = m.to, tx.Now
	if m.to == StatusConfirmed {
		p.ConfirmedAt, p.WithdrawnAt = &tx.Now, nil
	} else {
		p.WithdrawnAt = &tx.Now
	}
	d := deltas[p.ActionID]
	if d == nil {
		d = &counterDelta{kind: p.Kind}
		deltas[p.ActionID] = d
	}
	d.add(prev, counterOf(p))
	m.leaf = moveLeaf(p, prev)
	return p.ActionID, nil
}

// insertParticipations decides each row's status (imports count at once,
// the abuse checks may flag, the rest wait for their mailed link) and
// inserts them, returning the ids actually inserted: a missing one met an
// earlier participation of the same person.
func (s *Service) insertParticipations(ctx context.Context, tx *store.Tx, rows []*fresh) (map[string]bool, error) {
	now := tx.Now
	out := make([]*newRow, len(rows))
	from, err := s.logFrom(ctx, tx)
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		sub := &r.p.sub
		r.id, r.status = store.NewID(), StatusPending
		var confirmedAt any
		switch {
		case sub.OriginSystem != "":
			r.status, confirmedAt = StatusConfirmed, now
		default:
			if r.reason = s.limit(r.p, emailDomain(sub.Person.Email), now); r.reason != "" {
				r.status = StatusFlagged
			} else {
				r.token, r.tokenHash = newLink(r.id)
			}
		}
		out[i] = &newRow{id: r.id, personID: r.personID, status: r.status, reason: r.reason, tokenHash: r.tokenHash,
			confirmedAt: confirmedAt, sub: sub}
		out[i].logRow(from)
		r.logSalt = out[i].logSalt
	}
	return insertMany(ctx, tx, out)
}

// Placeholders the confirmation mail is rendered with once per action and
// language; each mail then gets its own links by substitution.
const (
	confirmMark  = "\x00confirm\x00"
	withdrawMark = "\x00withdraw\x00"
	choicesMark  = "\x00choices\x00"
	tokenMark    = "\x00token\x00"
)

func (s *Service) confirmationMail(ctx context.Context, tx *store.Tx, renders map[string][2]string, sub Submission, token string) (outbox.Message, error) {
	key := string(sub.Kind) + "\x00" + sub.ActionID + "\x00" + sub.Lang
	r, ok := renders[key]
	if !ok {
		subject, body, err := s.action(sub.Kind).ConfirmMail(ctx, tx, sub.ActionID, sub.Lang,
			Links{Confirm: confirmMark, Withdraw: withdrawMark, Choices: choicesMark, Token: tokenMark})
		if err != nil {
			return outbox.Message{}, err
		}
		r = [2]string{subject, body}
		renders[key] = r
	}
	links := s.links(token)
	body := strings.NewReplacer(confirmMark, links.Confirm, withdrawMark, links.Withdraw,
		choicesMark, s.choicesText(sub.Kind, sub.choices()), tokenMark, token).Replace(r[1])
	return outbox.Message{To: sub.Person.Email, Subject: r[0], Body: body, Lang: sub.Lang, Transactional: true}, nil
}

// query runs one of the batch's statements: on SQLite, prepared once
// (store.Tx.QueryContext); full chunks share their text.
func query(ctx context.Context, tx *store.Tx, q string, args []any) (*sql.Rows, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	return rows, nil
}

// upsertPeople records the people of rows (in lock order) with
// account.UpsertPeople and sets each row's person; confirmed rows (the
// past) tell their names and places, see personOf.
func upsertPeople(ctx context.Context, tx *store.Tx, rows []*fresh, confirmed bool) error {
	people := make([]account.PersonInput, len(rows))
	for i, r := range rows {
		people[i] = personOf(&r.p.sub, confirmed)
	}
	ids, err := account.UpsertPeople(ctx, tx, people)
	if err != nil {
		return err
	}
	for i, r := range rows {
		r.personID = ids[i]
	}
	return nil
}

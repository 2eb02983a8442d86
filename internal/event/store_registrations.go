package event

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// registration is a row of event_registrations.
type registration struct {
	ParticipationID string
	EventID         string
	PersonID        string
	State           string
	Answers         map[string]string
	TicketHash      string
	CheckinHash     string
	OfferHash       string
	OfferUntil      *time.Time
	AttendedAt      *time.Time
	QueuedAt        time.Time
}

const regColumns = `participation_id, event_id, person_id, state, answers, ticket_hash, checkin_hash, offer_hash, offer_until, attended_at, queued_at`

func scanReg(row interface{ Scan(...any) error }) (*registration, error) {
	var r registration
	var answers string
	var offer, attended sql.NullTime
	if err := row.Scan(&r.ParticipationID, &r.EventID, &r.PersonID, &r.State, &answers, &r.TicketHash, &r.CheckinHash,
		&r.OfferHash, &offer, &attended, &r.QueuedAt); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(answers), &r.Answers)
	r.OfferUntil, r.AttendedAt = store.TimePtr(offer), store.TimePtr(attended)
	return &r, nil
}

func regsWhere(ctx context.Context, q store.Queryer, where string, args ...any) ([]*registration, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+regColumns+` FROM event_registrations WHERE `+where, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*registration
	for rows.Next() {
		r, err := scanReg(rows)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, r)
	}
	return out, internal(rows.Err())
}

func regByID(ctx context.Context, q store.Queryer, pid string) (*registration, error) {
	r, err := scanReg(q.QueryRowContext(ctx, `SELECT `+regColumns+` FROM event_registrations WHERE participation_id = $1`, pid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errLink()
	}
	return r, internal(err)
}

func errLink() error { return repertoire.Errorf(repertoire.ENOTFOUND, "event.link_invalid") }

// Moved is the core's Mover: a registration confirmed by its link (or an
// import) keeps the answers that link confirms, its payload, and only
// then; one whose offered place expired, or that was cancelled, confirmed
// again from a new link (Reopens), waits for a place again, at the back.
// The places of the events touched follow (settle), in the same
// transaction.
func (s *Store) Moved(ctx context.Context, tx *store.Tx, parts []*participation.Participation) error {
	var events []string
	for _, p := range parts {
		if p.Status != participation.StatusConfirmed {
			continue
		}
		set := `modified_at = excluded.modified_at,
			state = CASE WHEN event_registrations.state IN ('expired', 'cancelled') THEN 'pending' ELSE event_registrations.state END`
		answers := p.Payload
		if answers == "" {
			answers = "{}" // an import, or a registration from before payloads: its answers stay
		} else {
			set += `, answers = excluded.answers`
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_registrations (participation_id, event_id, person_id, state, answers, queued_at, created_at, modified_at)
			VALUES ($1, $2, $3, 'pending', $4, $5, $5, $5)
			ON CONFLICT (participation_id) DO UPDATE SET `+set, p.ID, p.ActionID, p.PersonID, answers, tx.Now); err != nil {
			return repertoire.Internal(err)
		}
		if !slices.Contains(events, p.ActionID) {
			events = append(events, p.ActionID)
		}
	}
	for _, id := range events {
		e, err := one(ctx, tx, `e.id = $1`, id)
		if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.settle(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// Reopens is the core's Reopener: a confirmed registration whose offered
// place expired, or that was cancelled, may register again while the
// event is open (a new link is mailed, as for a first registration).
func (s *Store) Reopens(ctx context.Context, tx *store.Tx, p *participation.Participation) (bool, error) {
	r, err := regByID(ctx, tx, p.ID)
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return false, nil
	}
	if err != nil || (r.State != StateExpired && r.State != StateCancelled) {
		return false, err
	}
	e, err := one(ctx, tx, `e.id = $1`, r.EventID)
	if err != nil {
		return false, err
	}
	return e.Open(tx.Now), nil
}

func setState(ctx context.Context, tx *store.Tx, pid, state string) error {
	_, err := tx.ExecContext(ctx, `UPDATE event_registrations SET state = $1, offer_hash = '', offer_until = NULL, modified_at = $2
		WHERE participation_id = $3`, state, tx.Now, pid)
	return internal(err)
}

// Counted is the participation core's call inside every transaction that
// moves a registration's count (a confirmation, a withdrawal, an import):
// the places follow.
func (s *Store) Counted(ctx context.Context, tx *store.Tx, eventID string, _ participation.Counts) error {
	e, err := one(ctx, tx, `e.id = $1`, eventID)
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	return s.settle(ctx, tx, e)
}

// settle brings an event's places in line with its confirmed
// participations, inside tx: a withdrawn registration gives its place
// back; a freed place is offered to the first on the waitlist; a newly
// confirmed registration takes a free place, or waits behind the others.
// Each person is mailed what became of them.
func (s *Store) settle(ctx context.Context, tx *store.Tx, e *Event) error {
	return s.settleWithout(ctx, tx, e, "")
}

// settleWithout is settle as if the participations of the person gone
// (being erased) were no longer there.
func (s *Store) settleWithout(ctx context.Context, tx *store.Tx, e *Event, gone string) error {
	if e.Status == StatusCancelled {
		return nil
	}
	all, err := participation.ConfirmedRecipients(ctx, tx, e.ID, time.Time{})
	if err != nil {
		return err
	}
	confirmed := map[string]participation.Recipient{}
	var recips []participation.Recipient
	for _, r := range all {
		if r.PersonID != gone {
			confirmed[r.ParticipationID] = r
			recips = append(recips, r)
		}
	}
	regs, err := regsWhere(ctx, tx, `event_id = $1 ORDER BY queued_at, participation_id`, e.ID)
	if err != nil {
		return err
	}
	known := map[string]*registration{}
	held := 0
	var waiting []*registration
	for _, r := range regs {
		known[r.ParticipationID] = r
		live := r.State == StateAccepted || r.State == StateOffered || r.State == StateWaitlisted || r.State == StateRequested || r.State == StateApproved
		if _, ok := confirmed[r.ParticipationID]; live && !ok {
			if err := setState(ctx, tx, r.ParticipationID, StateCancelled); err != nil {
				return err
			}
			if err := schedule.Cancel(ctx, tx, r.ParticipationID, jobOffer); err != nil {
				return err
			}
			r.State = StateCancelled
			continue
		}
		switch r.State {
		case StateAccepted, StateOffered:
			held++
		case StateWaitlisted:
			waiting = append(waiting, r)
		}
	}
	free := func() bool { return e.Capacity == 0 || held < e.Capacity }
	open := e.Start.After(tx.Now)
	for _, r := range waiting {
		if !free() || !open {
			break
		}
		if err := s.offer(ctx, tx, e, r, confirmed[r.ParticipationID]); err != nil {
			return err
		}
		held++
	}
	for _, rc := range recips {
		r := known[rc.ParticipationID]
		if r != nil && r.State != StatePending && r.State != StateCancelled && r.State != StateApproved {
			continue
		}
		if r == nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_registrations (participation_id, event_id, person_id, state, queued_at, created_at, modified_at)
				VALUES ($1, $2, $3, 'pending', $4, $4, $4)`, rc.ParticipationID, e.ID, rc.PersonID, tx.Now); err != nil {
				return repertoire.Internal(err)
			}
		}
		if e.Registration == RegistrationApproval && (r == nil || r.State != StateApproved) {
			if err := setState(ctx, tx, rc.ParticipationID, StateRequested); err != nil {
				return err
			}
			if err := s.mailTo(ctx, tx, e, rc, "requested", nil); err != nil {
				return err
			}
			continue
		}
		if free() && len(waiting) == 0 {
			if err := s.accept(ctx, tx, e, rc); err != nil {
				return err
			}
			held++
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_registrations SET state = 'waitlisted', queued_at = $1, modified_at = $1
			WHERE participation_id = $2`, tx.Now, rc.ParticipationID); err != nil {
			return repertoire.Internal(err)
		}
		waiting = append(waiting, &registration{ParticipationID: rc.ParticipationID})
		if err := s.mailTo(ctx, tx, e, rc, "waitlisted", nil); err != nil {
			return err
		}
	}
	return nil
}

// ticketCode is the check-in code of a ticket's secret: short enough to
// read out at the door, derived so that only its hash is kept.
func ticketCode(secret string) string {
	sum := sha256.Sum256([]byte("checkin\x00" + secret))
	return base32.StdEncoding.EncodeToString(sum[:])[:8]
}

// normalizeCode reads a typed code: case, spaces and dashes aside.
func normalizeCode(code string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code)))
}

// accept gives a registration a place and mails its ticket: the link to
// the person's page (their check-in code, their calendar with the online
// link).
func (s *Store) accept(ctx context.Context, tx *store.Tx, e *Event, rc participation.Recipient) error {
	secret := store.NewToken()
	code := ticketCode(secret)
	if _, err := tx.ExecContext(ctx, `UPDATE event_registrations SET state = 'accepted', ticket_hash = $1, checkin_hash = $2,
		offer_hash = '', offer_until = NULL, modified_at = $3 WHERE participation_id = $4`,
		store.HashToken(secret), store.HashToken(code), tx.Now, rc.ParticipationID); err != nil {
		return repertoire.Internal(err)
	}
	if err := schedule.Cancel(ctx, tx, rc.ParticipationID, jobOffer); err != nil {
		return err
	}
	return s.mailTo(ctx, tx, e, rc, "accepted", map[string]any{"Ticket": s.baseURL + "/events/ticket/" + rc.ParticipationID + "." + secret, "Code": code})
}

// offer holds a freed place for the first on the waitlist until a
// deadline (OfferFor, at the latest the event's start), mailed with a
// single-use link; the deadline's job passes it on.
func (s *Store) offer(ctx context.Context, tx *store.Tx, e *Event, r *registration, rc participation.Recipient) error {
	secret := store.NewToken()
	until := tx.Now.Add(OfferFor)
	if e.Start.Before(until) {
		until = e.Start
	}
	if _, err := tx.ExecContext(ctx, `UPDATE event_registrations SET state = 'offered', offer_hash = $1, offer_until = $2, modified_at = $3
		WHERE participation_id = $4`, store.HashToken(secret), until, tx.Now, r.ParticipationID); err != nil {
		return repertoire.Internal(err)
	}
	if err := schedule.Schedule(ctx, tx, jobOffer, r.ParticipationID, until); err != nil {
		return err
	}
	return s.mailTo(ctx, tx, e, rc, "offer", map[string]any{"Accept": s.baseURL + "/events/offer/" + r.ParticipationID + "." + secret,
		"Until": s.when(rc.Lang, e, until)})
}

// byLinkHash finds the registration of a link "<participation id>.<secret>"
// whose secret's hash pick reads, compared in constant time.
func byLinkHash(ctx context.Context, q store.Queryer, token string, pick func(*registration) string) (*registration, string, error) {
	pid, secret, ok := strings.Cut(token, ".")
	if !ok || pid == "" || secret == "" {
		return nil, "", errLink()
	}
	r, err := regByID(ctx, q, pid)
	if err != nil {
		return nil, "", err
	}
	h := pick(r)
	if h == "" || subtle.ConstantTimeCompare([]byte(h), []byte(store.HashToken(secret))) != 1 {
		return nil, "", errLink()
	}
	return r, secret, nil
}

// Offered reads the registration and event of an offer link.
func (s *Store) Offered(ctx context.Context, token string) (*Event, string, error) {
	r, _, err := byLinkHash(ctx, s.db.Reader(), token, func(r *registration) string { return r.OfferHash })
	if err != nil {
		return nil, "", err
	}
	e, err := s.Get(ctx, r.EventID)
	return e, r.State, err
}

// AcceptOffer takes the place an offer link holds: once, before its
// deadline; the ticket is mailed.
func (s *Store) AcceptOffer(ctx context.Context, token string) (*Event, error) {
	var e *Event
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		r, _, err := byLinkHash(ctx, tx, token, func(r *registration) string { return r.OfferHash })
		if err != nil {
			return err
		}
		if r.State != StateOffered || r.OfferUntil == nil || !r.OfferUntil.After(tx.Now) {
			return repertoire.Errorf(repertoire.ECONFLICT, "event.offer_gone")
		}
		if e, err = one(ctx, tx, `e.id = $1`, r.EventID); err != nil {
			return err
		}
		recips, err := participation.ConfirmedRecipients(ctx, tx, e.ID, time.Time{})
		if err != nil {
			return err
		}
		for _, rc := range recips {
			if rc.ParticipationID == r.ParticipationID {
				return s.accept(ctx, tx, e, rc)
			}
		}
		return errLink()
	})
	return e, err
}

// onOfferDeadline passes on an offer not taken in time: the place goes to
// the next on the waitlist.
func (s *Store) onOfferDeadline(ctx context.Context, tx *store.Tx, job schedule.Job) error {
	r, err := regByID(ctx, tx, job.SubjectID)
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return nil
	}
	if err != nil || r.State != StateOffered {
		return err
	}
	if err := setState(ctx, tx, r.ParticipationID, StateExpired); err != nil {
		return err
	}
	e, err := one(ctx, tx, `e.id = $1`, r.EventID)
	if err != nil {
		return err
	}
	return s.settle(ctx, tx, e)
}

// Ticket reads the event and registration of a ticket link, with its
// check-in code.
func (s *Store) Ticket(ctx context.Context, token string) (*Event, *registration, string, error) {
	r, secret, err := byLinkHash(ctx, s.db.Reader(), token, func(r *registration) string { return r.TicketHash })
	if err != nil {
		return nil, nil, "", err
	}
	if r.State != StateAccepted {
		return nil, nil, "", errLink()
	}
	e, err := s.Get(ctx, r.EventID)
	return e, r, ticketCode(secret), err
}

// Decide approves or refuses the registrations awaiting the organizers'
// approval (pids), and returns how many it settled: an approved one takes
// a free place or the waitlist, a refused one is told.
func (s *Store) Decide(ctx context.Context, eventID string, pids []string, approve bool) (int, error) {
	n := 0
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		n = 0
		e, err := one(ctx, tx, `e.id = $1`, eventID)
		if err != nil {
			return err
		}
		state := StateRefused
		if approve {
			state = StateApproved
		}
		var refused []string
		for _, pid := range pids {
			res, err := tx.ExecContext(ctx, `UPDATE event_registrations SET state = $1, modified_at = $2
				WHERE participation_id = $3 AND event_id = $4 AND state = 'requested'`, state, tx.Now, pid, eventID)
			if err != nil {
				return repertoire.Internal(err)
			}
			if k, _ := res.RowsAffected(); k > 0 {
				n++
				refused = append(refused, pid)
			}
		}
		if !approve {
			recips, err := participation.ConfirmedRecipients(ctx, tx, e.ID, time.Time{})
			if err != nil {
				return err
			}
			for _, rc := range recips {
				if slices.Contains(refused, rc.ParticipationID) {
					if err := s.mailTo(ctx, tx, e, rc, "refused", nil); err != nil {
						return err
					}
				}
			}
			return nil
		}
		return s.settle(ctx, tx, e)
	})
	return n, err
}

// Attendee is an accepted registrant on the organizers' door list.
type Attendee struct {
	ParticipationID string
	Name            string
	Email           string
	Answers         map[string]string
	AttendedAt      *time.Time
	CheckinHash     string // the hash of their check-in code (a scanned ticket is found by it)
}

// Attendees lists an event's accepted registrants, for the door.
func (s *Store) Attendees(ctx context.Context, e *Event) ([]Attendee, error) {
	return s.inState(ctx, e, StateAccepted)
}

// Requests lists the registrations awaiting the organizers' approval.
func (s *Store) Requests(ctx context.Context, e *Event) ([]Attendee, error) {
	return s.inState(ctx, e, StateRequested)
}

func (s *Store) inState(ctx context.Context, e *Event, state string) ([]Attendee, error) {
	q := s.db.Reader()
	regs, err := regsWhere(ctx, q, `event_id = $1 AND state = $2 ORDER BY queued_at, participation_id`, e.ID, state)
	if err != nil {
		return nil, err
	}
	var out []Attendee
	for _, r := range regs {
		p, err := participation.ByID(ctx, q, r.ParticipationID)
		if err != nil {
			continue
		}
		out = append(out, Attendee{ParticipationID: r.ParticipationID, Name: strings.TrimSpace(p.GivenName + " " + p.FamilyName),
			Answers: r.Answers, AttendedAt: r.AttendedAt, CheckinHash: r.CheckinHash})
	}
	return out, nil
}

// CheckIn records that an accepted registrant came: by their participation
// id (the door list) or their code (typed or read from their phone).
// Checking in twice keeps the first time.
func (s *Store) CheckIn(ctx context.Context, eventID, pid, code string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		var res sql.Result
		var err error
		if pid != "" {
			res, err = tx.ExecContext(ctx, `UPDATE event_registrations SET attended_at = COALESCE(attended_at, $1), modified_at = $1
				WHERE event_id = $2 AND participation_id = $3 AND state = 'accepted'`, tx.Now, eventID, pid)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE event_registrations SET attended_at = COALESCE(attended_at, $1), modified_at = $1
				WHERE event_id = $2 AND checkin_hash = $3 AND state = 'accepted'`, tx.Now, eventID, store.HashToken(normalizeCode(code)))
		}
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return repertoire.Invalid("code", "event.checkin_unknown", nil)
		}
		return nil
	})
}

// States reads the states of participations (id → state), for the API.
func (s *Store) States(ctx context.Context, pids []string) (map[string]*registration, error) {
	out := map[string]*registration{}
	err := store.EachByID(ctx, s.db.Reader(), `SELECT `+regColumns+` FROM event_registrations WHERE participation_id IN $ids`, pids,
		func(row store.Scanner) error {
			r, err := scanReg(row)
			if err != nil {
				return repertoire.Internal(err)
			}
			out[r.ParticipationID] = r
			return nil
		})
	return out, err
}

// erase forgets a person's registrations' answers and places inside the
// erasing transaction (their participations go with the core's step, which
// runs after this one); the places they held are offered to the waitlist.
func (s *Store) erase(ctx context.Context, tx *store.Tx, personID string) error {
	regs, err := regsWhere(ctx, tx, `person_id = $1`, personID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_registrations WHERE person_id = $1`, personID); err != nil {
		return repertoire.Internal(err)
	}
	for _, r := range regs {
		if err := schedule.Cancel(ctx, tx, r.ParticipationID, jobOffer); err != nil {
			return err
		}
		if r.State != StateAccepted && r.State != StateOffered {
			continue
		}
		e, err := one(ctx, tx, `e.id = $1`, r.EventID)
		if err != nil {
			return err
		}
		if err := s.settleWithout(ctx, tx, e, personID); err != nil {
			return err
		}
	}
	return nil
}

const exportSQL = `SELECT r.state, r.answers, r.attended_at, r.created_at, e.title AS event_title, e.starts_at AS event_start
	FROM event_registrations r JOIN events e ON e.id = r.event_id WHERE r.person_id = $1 ORDER BY r.created_at`

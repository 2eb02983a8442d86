package decision

import (
	"cmp"
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/gateway"
	"repertoire/internal/i18n"
	"repertoire/internal/pledge"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// Store holds decisions, their options and counts, electorates and
// discussions.
type Store struct {
	db      *store.DB
	cat     *i18n.Catalog
	baseURL string
	kick    func() // wakes the scheduler; nil: nothing to wake
}

// NewStore builds the store. cat renders the ballot mails (nil: none are
// sent, as for the demo's decisions of the past).
func NewStore(db *store.DB, cat *i18n.Catalog, baseURL string, kick func()) *Store {
	return &Store{db: db, cat: cat, baseURL: strings.TrimRight(baseURL, "/"), kick: kick}
}

var (
	errNotDraft     = repertoire.Errorf(repertoire.ECONFLICT, "decision.not_draft")
	errNotOpen      = repertoire.Errorf(repertoire.ECONFLICT, "decision.not_open")
	errAlreadyVoted = repertoire.Errorf(repertoire.ECONFLICT, "decision.already_voted")
	errNotElector   = repertoire.Errorf(repertoire.EFORBIDDEN, "decision.not_elector")
	errBadLink      = repertoire.Errorf(repertoire.ENOTFOUND, "decision.bad_link")
)

const decisionColumns = `d.id, d.community_id, d.title, d.body, d.kind, d.campaign_id, d.pledge_id, d.policy_id, d.strike_id, d.threshold, d.quorum, d.secret,
	d.status, d.opens_at, d.closes_at, d.opened_at, d.closed_at, d.electorate, d.turnout, d.outcome, d.winner_id, d.created_at, d.modified_at`

func scanDecision(row store.Scanner) (*Decision, error) {
	var d Decision
	var campaignID, pledgeID, policyID, strikeID, winner sql.NullString
	var opens, opened, closed sql.NullTime
	err := row.Scan(&d.ID, &d.CommunityID, &d.Title, &d.Body, &d.Kind, &campaignID, &pledgeID, &policyID, &strikeID, &d.Threshold, &d.Quorum, &d.Secret,
		&d.Status, &opens, &d.ClosesAt, &opened, &closed, &d.Electorate, &d.Turnout, &d.Outcome, &winner, &d.CreatedAt, &d.ModifiedAt)
	if err != nil {
		return nil, err
	}
	d.CampaignID, d.PledgeID, d.WinnerID = campaignID.String, pledgeID.String, winner.String
	d.PolicyID, d.StrikeID = policyID.String, strikeID.String
	d.OpensAt, d.OpenedAt, d.ClosedAt = store.TimePtr(opens), store.TimePtr(opened), store.TimePtr(closed)
	for _, t := range []*time.Time{&d.ClosesAt, &d.CreatedAt, &d.ModifiedAt} {
		*t = t.UTC()
	}
	return &d, nil
}

// fill adds the decisions' options and communities. The counts of a
// secret ballot still open are not read at all: nothing above the store
// can show them by mistake.
func fill(ctx context.Context, q store.Queryer, ds []*Decision) ([]*Decision, error) {
	if len(ds) == 0 {
		return ds, nil
	}
	ids := make([]string, len(ds))
	byID := map[string]*Decision{}
	var comIDs []string
	for i, d := range ds {
		ids[i] = d.ID
		byID[d.ID] = d
		comIDs = append(comIDs, d.CommunityID)
	}
	err := store.EachByID(ctx, q, `SELECT id, decision_id, position, label, role, votes FROM decision_options WHERE decision_id IN $ids`, ids,
		func(r store.Scanner) error {
			var o Option
			var decisionID string
			if err := r.Scan(&o.ID, &decisionID, &o.Position, &o.Label, &o.Role, &o.Votes); err != nil {
				return repertoire.Internal(err)
			}
			d := byID[decisionID]
			if !d.ResultsShown() {
				o.Votes = 0
			}
			d.Options = append(d.Options, o)
			return nil
		})
	if err != nil {
		return nil, err
	}
	coms, err := community.ByIDs(ctx, q, comIDs)
	if err != nil {
		return nil, err
	}
	kept := ds[:0]
	for _, d := range ds {
		c := coms[d.CommunityID]
		if c == nil {
			continue
		}
		d.CommunitySlug, d.CommunityName = c.Slug, c.Name
		sortOptions(d.Options)
		if d.Secret && d.Status != StatusClosed {
			d.Turnout = 0
		}
		kept = append(kept, d)
	}
	return kept, nil
}

func sortOptions(os []Option) {
	for i := 1; i < len(os); i++ {
		for j := i; j > 0 && os[j].Position < os[j-1].Position; j-- {
			os[j], os[j-1] = os[j-1], os[j]
		}
	}
}

func (s *Store) get(ctx context.Context, q store.Queryer, id string) (*Decision, error) {
	d, err := scanDecision(q.QueryRowContext(ctx, `SELECT `+decisionColumns+` FROM decisions d WHERE d.id = $1`, id))
	if err != nil {
		return nil, store.NotFound(err, "decision.not_found")
	}
	ds, err := fill(ctx, q, []*Decision{d})
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, errNotFound
	}
	return ds[0], nil
}

// Get finds a decision by id, whoever asks: callers check its community.
func (s *Store) Get(ctx context.Context, id string) (*Decision, error) {
	return s.get(ctx, s.db.Reader(), id)
}

// ListQuery selects decisions: of one community, and for the API those of
// the communities the viewer may see (all for an admin).
type ListQuery struct {
	CommunityID string
	ViewerID    string
	Admin       bool
	// OrganizerID keeps the decisions of the communities this person
	// organizes (their dashboard).
	OrganizerID string
	Filter      api.Filter
	Offset      int
	Limit       int
}

// List returns a page of decisions, newest first, and the total.
func (s *Store) List(ctx context.Context, lq ListQuery) ([]*Decision, int, error) {
	p := &store.Page{Offset: lq.Offset, Limit: lq.Limit}
	if lq.CommunityID != "" {
		p.Cond("d.community_id = " + p.Args.Add(lq.CommunityID))
	}
	if !lq.Admin {
		p.Cond(community.VisibleCondition("d.community_id", p.Args.Add(lq.ViewerID)))
	}
	if lq.OrganizerID != "" {
		p.Cond(community.OrganizeCondition("d.community_id", p.Args.Add(lq.OrganizerID)))
	}
	p.Cond(lq.Filter.Where("d.created_at", "d.modified_at", p.Args.Add)...)
	q := s.db.Reader()
	out, total, err := store.SelectPage(ctx, q, decisionColumns, "FROM decisions d", "d.created_at DESC, d.id DESC", p, scanDecision)
	if err != nil {
		return nil, 0, err
	}
	out, err = fill(ctx, q, out)
	return out, total, err
}

// checkLinks refuses a campaign or pledge of another community.
func checkLinks(ctx context.Context, q store.Queryer, communityID string, in Input) error {
	if in.Kind == KindCallStrike {
		campaignID, err := pledge.CampaignOf(ctx, q, in.PledgeID)
		if err != nil {
			return err
		}
		if !campaignOfCommunity(ctx, q, campaignID, communityID) {
			return repertoire.Invalid("pledge", "decision.pledge_not_found", nil)
		}
	}
	if in.Kind == KindRatifyDemands && !campaignOfCommunity(ctx, q, in.CampaignID, communityID) {
		return repertoire.Invalid("campaign", "decision.campaign_not_found", nil)
	}
	if in.Kind == KindDataPolicy {
		if c, err := gateway.PolicyOf(ctx, q, in.PolicyID); err != nil || c != communityID {
			return cmp.Or[error](err, repertoire.Invalid("policy", "decision.policy_not_found", nil))
		}
	}
	if in.Kind == KindDataStrike {
		if c, err := gateway.StrikeOf(ctx, q, in.StrikeID); err != nil || c != communityID {
			return cmp.Or[error](err, repertoire.Invalid("strike", "decision.strike_not_found", nil))
		}
	}
	return nil
}

func campaignOfCommunity(ctx context.Context, q store.Queryer, campaignID, communityID string) bool {
	if campaignID == "" {
		return false
	}
	cs, err := campaign.Heads(ctx, q, []string{campaignID})
	return err == nil && cs[campaignID] != nil && cs[campaignID].CommunityID == communityID
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Create adds a decision to a community, a draft until it opens (at
// OpensAt when given, or when an organizer opens it), and schedules its
// opening and closing.
func (s *Store) Create(ctx context.Context, personID, communityID string, in Input, now time.Time) (*Decision, error) {
	if err := in.normalize(now); err != nil {
		return nil, err
	}
	if in.Kind != KindRatifyDemands {
		in.CampaignID = ""
	}
	if in.Kind != KindCallStrike {
		in.PledgeID = ""
	}
	if in.Kind != KindDataPolicy {
		in.PolicyID = ""
	}
	if in.Kind != KindDataStrike {
		in.StrikeID = ""
	}
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := checkLinks(ctx, tx, communityID, in); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO decisions (id, community_id, title, body, kind, campaign_id, pledge_id, policy_id, strike_id,
			threshold, quorum, secret, status, opens_at, closes_at, created_by, created_at, modified_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', $13, $14, $15, $16, $16)`,
			id, communityID, in.Title, in.Body, in.Kind, nullable(in.CampaignID), nullable(in.PledgeID), nullable(in.PolicyID),
			nullable(in.StrikeID), in.Threshold, in.Quorum, in.Secret, in.OpensAt, in.ClosesAt, nullable(personID), tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		options := standardOptions(in.Threshold)
		if len(in.Options) > 0 {
			options = options[:0]
			for _, l := range in.Options {
				options = append(options, Option{Label: l})
			}
		}
		for i, o := range options {
			if _, err := tx.ExecContext(ctx, `INSERT INTO decision_options (id, decision_id, position, label, role) VALUES ($1, $2, $3, $4, $5)`,
				store.NewID(), id, i+1, o.Label, o.Role); err != nil {
				return repertoire.Internal(err)
			}
		}
		return scheduleJobs(ctx, tx, id, in.OpensAt, in.ClosesAt)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func scheduleJobs(ctx context.Context, tx *store.Tx, id string, opens *time.Time, closes time.Time) error {
	if opens != nil {
		if err := schedule.Schedule(ctx, tx, jobOpen, id, *opens); err != nil {
			return err
		}
	}
	return schedule.Schedule(ctx, tx, jobClose, id, closes)
}

// Update changes a draft, and reschedules its opening and closing.
func (s *Store) Update(ctx context.Context, id string, p Patch, now time.Time) (*Decision, error) {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		d, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if d.Status != StatusDraft {
			return errNotDraft
		}
		in := Input{Title: d.Title, Body: d.Body, Kind: d.Kind, CampaignID: d.CampaignID, PledgeID: d.PledgeID, PolicyID: d.PolicyID,
			StrikeID: d.StrikeID, Threshold: d.Threshold,
			Quorum: d.Quorum, OpensAt: d.OpensAt, ClosesAt: d.ClosesAt}
		if p.Title != nil {
			in.Title = *p.Title
		}
		if p.Body != nil {
			in.Body = *p.Body
		}
		if p.OpensAt != nil {
			in.OpensAt = p.OpensAt
		}
		if p.ClosesAt != nil {
			in.ClosesAt = *p.ClosesAt
		}
		if err := in.normalize(now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE decisions SET title = $1, body = $2, opens_at = $3, closes_at = $4, modified_at = $5
			WHERE id = $6`, in.Title, in.Body, in.OpensAt, in.ClosesAt, tx.Now, id); err != nil {
			return repertoire.Internal(err)
		}
		if err := schedule.Cancel(ctx, tx, id, jobOpen, jobClose); err != nil {
			return err
		}
		return scheduleJobs(ctx, tx, id, in.OpensAt, in.ClosesAt)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Open opens a draft now.
func (s *Store) Open(ctx context.Context, id string) (*Decision, error) {
	err := s.db.Write(ctx, func(tx *store.Tx) error { return s.open(ctx, tx, id, false) })
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// open takes the electorate (the community's active members at this
// moment), mails each elector their single-use ballot link, and opens
// voting. Opened by hand (not by its job), its opening job is cancelled;
// a job never cancels itself (the runner marks it done).
func (s *Store) open(ctx context.Context, tx *store.Tx, id string, byJob bool) error {
	res, err := tx.ExecContext(ctx, `UPDATE decisions SET status = 'open', opened_at = $1, modified_at = $1 WHERE id = $2 AND status = 'draft'`, tx.Now, id)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errNotDraft
	}
	d, err := s.get(ctx, tx, id)
	if err != nil {
		return err
	}
	people, err := community.ActiveMemberIDs(ctx, tx, d.CommunityID)
	if err != nil {
		return err
	}
	links := make([]electorLink, 0, len(people))
	for start := 0; start < len(people); start += 50 {
		chunk := people[start:min(start+50, len(people))]
		args := make([]any, 0, len(chunk)*4)
		for _, p := range chunk {
			l := electorLink{id: store.NewID(), personID: p, secret: store.NewToken()}
			links = append(links, l)
			args = append(args, l.id, id, p, store.HashToken(l.secret))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO decision_electors (id, decision_id, person_id, token_hash) VALUES `+
			store.Rows(tx.Dialect, len(chunk), 4), args...); err != nil {
			return repertoire.Internal(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE decisions SET electorate = $1 WHERE id = $2`, len(people), id); err != nil {
		return repertoire.Internal(err)
	}
	if !byJob {
		if err := schedule.Cancel(ctx, tx, id, jobOpen); err != nil {
			return err
		}
	}
	d.Electorate = len(people)
	return s.mailElectors(ctx, tx, d, links)
}

// Close closes voting now, counts and applies the outcome.
func (s *Store) Close(ctx context.Context, id string) (*Decision, error) {
	err := s.db.Write(ctx, func(tx *store.Tx) error { return s.close(ctx, tx, id, false) })
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// close ends voting, counts the turnout from the electors who voted,
// decides, and acts on a decision that passed, all in one transaction.
func (s *Store) close(ctx context.Context, tx *store.Tx, id string, byJob bool) error {
	res, err := tx.ExecContext(ctx, `UPDATE decisions SET status = 'closed', closed_at = $1, modified_at = $1 WHERE id = $2 AND status = 'open'`, tx.Now, id)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errNotOpen
	}
	if !byJob {
		if err := schedule.Cancel(ctx, tx, id, jobClose); err != nil {
			return err
		}
	}
	return s.closeCounted(ctx, tx, id, tx.Now)
}

// closeCounted decides a decision just closed and acts on it when it
// passed; at is when it closed. Its turnout is the count of electors who
// voted, kept as they vote: an elector erased since still voted.
func (s *Store) closeCounted(ctx context.Context, tx *store.Tx, id string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE decisions SET status = 'closed', closed_at = $1, modified_at = $1 WHERE id = $2`, at, id); err != nil {
		return repertoire.Internal(err)
	}
	d, err := s.get(ctx, tx, id)
	if err != nil {
		return err
	}
	r := Tally(d)
	if _, err := tx.ExecContext(ctx, `UPDATE decisions SET outcome = $1, winner_id = $2 WHERE id = $3`,
		r.Outcome, nullable(r.WinnerID), id); err != nil {
		return repertoire.Internal(err)
	}
	if r.Outcome != Passed {
		return nil
	}
	switch {
	case d.Kind == KindCallStrike && d.PledgeID != "":
		activated, err := pledge.ActivateByVote(ctx, tx, d.PledgeID)
		if err != nil {
			return err
		}
		if activated && s.kick != nil {
			s.kick()
		}
	case d.Kind == KindRatifyDemands && d.CampaignID != "":
		return campaign.Adopt(ctx, tx, d.CampaignID, campaign.Adoption{At: at, For: d.Counted(RoleFor), Against: d.Counted(RoleAgainst),
			Turnout: d.Turnout, Electorate: d.Electorate})
	case d.Kind == KindDataPolicy && d.PolicyID != "":
		if err := gateway.AdoptPolicy(ctx, tx, d.PolicyID, d.ID, at); err != nil {
			return err
		}
		return gateway.AskMembers(ctx, tx, s.cat, s.baseURL, d.PolicyID) // those who said "ask me"
	case d.Kind == KindDataStrike && d.StrikeID != "":
		return gateway.CallStrike(ctx, tx, d.StrikeID, d.ID, at)
	}
	return nil
}

// onOpen opens a draft at its opening time.
func (s *Store) onOpen(ctx context.Context, tx *store.Tx, j schedule.Job) error {
	err := s.open(ctx, tx, j.SubjectID, true)
	if err == errNotDraft || repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return nil // opened by hand, or deleted
	}
	return err
}

// onClose closes an open decision at its closing time (a draft never
// opened stays a draft).
func (s *Store) onClose(ctx context.Context, tx *store.Tx, j schedule.Job) error {
	err := s.close(ctx, tx, j.SubjectID, true)
	if err == errNotOpen || repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return nil
	}
	return err
}

// Elector is a person's place in a decision's electorate.
type Elector struct {
	ID         string
	DecisionID string
	PersonID   string
	Voted      bool
	OptionID   string // an open ballot's choice; always "" for a secret one
}

const electorColumns = `id, decision_id, person_id, token_hash, voted, option_id`

func scanElector(row interface{ Scan(...any) error }) (*Elector, string, error) {
	var e Elector
	var hash string
	var option sql.NullString
	if err := row.Scan(&e.ID, &e.DecisionID, &e.PersonID, &hash, &e.Voted, &option); err != nil {
		return nil, "", err
	}
	e.OptionID = option.String
	return &e, hash, nil
}

// ElectorOf finds the person's place in the decision's electorate, nil
// when they are not an elector.
func (s *Store) ElectorOf(ctx context.Context, decisionID, personID string) (*Elector, error) {
	if personID == "" {
		return nil, nil
	}
	e, _, err := scanElector(s.db.Reader().QueryRowContext(ctx, `SELECT `+electorColumns+` FROM decision_electors
		WHERE decision_id = $1 AND person_id = $2`, decisionID, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	return e, nil
}

// electorByLink finds the elector a ballot link was mailed to:
// "<elector id>.<secret>", the row by key, its secret's hash compared in
// constant time.
func electorByLink(ctx context.Context, q store.Queryer, link string) (*Elector, error) {
	id, secret, ok := strings.Cut(link, ".")
	if !ok || id == "" || secret == "" {
		return nil, errBadLink
	}
	e, hash, err := scanElector(q.QueryRowContext(ctx, `SELECT `+electorColumns+` FROM decision_electors WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errBadLink
	}
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(store.HashToken(secret))) != 1 {
		return nil, errBadLink
	}
	return e, nil
}

// ByLink finds the decision and elector of a mailed ballot link.
func (s *Store) ByLink(ctx context.Context, link string) (*Decision, *Elector, error) {
	e, err := electorByLink(ctx, s.db.Reader(), link)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.Get(ctx, e.DecisionID)
	if err != nil {
		return nil, nil, err
	}
	return d, e, nil
}

// Ballot is one vote: by a signed-in elector (PersonID) or by the link
// mailed to them (Link), for one option.
type Ballot struct {
	DecisionID string
	PersonID   string
	Link       string
	OptionID   string
}

// Cast records a ballot. The elector is marked as having voted and the
// option's count moves in one transaction; a secret ballot writes nothing
// else, and every option row of the decision is rewritten alike, so not
// even the row a write touched tells the choice. An elector votes once: a
// secret ballot is final, an open one may be changed while voting is open
// by the elector signed in (a mailed link votes once).
func (s *Store) Cast(ctx context.Context, b Ballot) (*Decision, error) {
	var decisionID string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var e *Elector
		var err error
		if b.Link != "" {
			if e, err = electorByLink(ctx, tx, b.Link); err != nil {
				return err
			}
		} else {
			e, _, err = scanElector(tx.QueryRowContext(ctx, `SELECT `+electorColumns+` FROM decision_electors
				WHERE decision_id = $1 AND person_id = $2`, b.DecisionID, b.PersonID))
			if errors.Is(err, sql.ErrNoRows) {
				return errNotElector
			}
			if err != nil {
				return repertoire.Internal(err)
			}
		}
		decisionID = e.DecisionID
		d, err := s.get(ctx, tx, e.DecisionID)
		if err != nil {
			return err
		}
		if d.Status != StatusOpen || !tx.Now.Before(d.ClosesAt) {
			return errNotOpen
		}
		if d.Option(b.OptionID) == nil {
			return repertoire.Invalid("option", "decision.bad_option", nil)
		}
		if e.Voted && (d.Secret || b.Link != "") {
			return errAlreadyVoted
		}
		if e.Voted && e.OptionID == b.OptionID {
			return nil
		}
		var option, votedAt any
		if !d.Secret {
			option, votedAt = b.OptionID, tx.Now
		}
		res, err := tx.ExecContext(ctx, `UPDATE decision_electors SET voted = $1, option_id = $2, voted_at = $3
			WHERE id = $4 AND voted = $5`, true, option, votedAt, e.ID, e.Voted)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errAlreadyVoted
		}
		if _, err := tx.ExecContext(ctx, `UPDATE decision_options SET votes = votes + CASE WHEN id = $1 THEN 1 WHEN id = $2 THEN -1 ELSE 0 END
			WHERE decision_id = $3`, b.OptionID, e.OptionID, d.ID); err != nil {
			return repertoire.Internal(err)
		}
		// The turnout, kept as electors vote (hidden until close for a
		// secret ballot); the decision's modified date does not move.
		if !e.Voted {
			if _, err := tx.ExecContext(ctx, `UPDATE decisions SET turnout = turnout + 1 WHERE id = $1`, d.ID); err != nil {
				return repertoire.Internal(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, decisionID)
}

// Voters lists who voted what in an open ballot, by name, in the order
// they voted. A secret ballot has no such list.
func (s *Store) Voters(ctx context.Context, d *Decision) ([]Voter, error) {
	if d.Secret {
		return nil, nil
	}
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, `SELECT person_id, option_id, voted_at FROM decision_electors
		WHERE decision_id = $1 AND voted = $2 ORDER BY voted_at, person_id`, d.ID, true)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Voter
	var ids []string
	for rows.Next() {
		var v Voter
		var option sql.NullString
		var at sql.NullTime
		if err := rows.Scan(&v.PersonID, &option, &at); err != nil {
			return nil, repertoire.Internal(err)
		}
		v.OptionID, v.VotedAt = option.String, store.TimePtr(at)
		out = append(out, v)
		ids = append(ids, v.PersonID)
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	people, err := account.Contacts(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		p := people[out[i].PersonID]
		out[i].Name = strings.TrimSpace(p.GivenName + " " + p.FamilyName)
	}
	return out, nil
}

// AddComment adds a member's message to the discussion, or with a
// parentID a reply to one of its messages: one level of threading, so a
// reply to a reply answers the same message. It returns the message.
func (s *Store) AddComment(ctx context.Context, decisionID, personID, body, parentID string) (*Comment, error) {
	body = strings.TrimSpace(body)
	var es repertoire.Errors
	text(&es, "body", body, true, MaxComment)
	if err := es.Err(); err != nil {
		return nil, err
	}
	c := &Comment{ID: store.NewID(), DecisionID: decisionID, PersonID: personID, Body: body}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		c.CreatedAt = tx.Now
		var parent any
		if parentID != "" {
			var top sql.NullString
			err := tx.QueryRowContext(ctx, `SELECT parent_id FROM decision_comments WHERE id = $1 AND decision_id = $2`,
				parentID, decisionID).Scan(&top)
			if errors.Is(err, sql.ErrNoRows) {
				return repertoire.Invalid("in_reply_to", "decision.reply_unknown", nil)
			}
			if err != nil {
				return repertoire.Internal(err)
			}
			c.ParentID = parentID
			if top.Valid {
				c.ParentID = top.String
			}
			parent = c.ParentID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO decision_comments (id, decision_id, person_id, body, created_at, parent_id)
			VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, decisionID, personID, body, tx.Now, parent)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Comments is a page of the discussion of a decision: its messages, oldest
// first, each with its replies, oldest first, filtered on the messages'
// created_date and paged by message (limit 0: every message); with the
// number of messages the filter keeps.
func (s *Store) Comments(ctx context.Context, decisionID string, f api.Filter, limit, offset int) ([]Comment, int, error) {
	q := s.db.Reader()
	p := &store.Page{Limit: limit, Offset: offset}
	p.Cond("decision_id = "+p.Args.Add(decisionID), "parent_id IS NULL")
	p.Cond(f.Where("created_at", "created_at", p.Args.Add)...)
	top, total, err := store.SelectPage(ctx, q, commentColumns, "FROM decision_comments", "created_at, id", p, scanComment)
	if err == nil {
		top, err = withReplies(ctx, q, top)
	}
	if err != nil {
		return nil, 0, err
	}
	return top, total, nil
}

// Comment reads one message of a decision's discussion, with its replies.
func (s *Store) Comment(ctx context.Context, decisionID, id string) (*Comment, error) {
	q := s.db.Reader()
	p := &store.Page{}
	p.Cond("decision_id = "+p.Args.Add(decisionID), "id = "+p.Args.Add(id))
	cs, _, err := store.SelectPage(ctx, q, commentColumns, "FROM decision_comments", "id", p, scanComment)
	if err == nil && len(cs) == 0 {
		err = repertoire.Errorf(repertoire.ENOTFOUND, "decision.comment_not_found")
	}
	if err == nil {
		cs, err = withReplies(ctx, q, cs)
	}
	if err != nil {
		return nil, err
	}
	return &cs[0], nil
}

// withReplies gives messages their replies (a reply has none), and each
// its writer's name, in two reads.
func withReplies(ctx context.Context, q store.Queryer, top []Comment) ([]Comment, error) {
	var ids []string
	at := make(map[string]int, len(top))
	for i, c := range top {
		if c.ParentID == "" {
			ids = append(ids, c.ID)
			at[c.ID] = i
		}
	}
	var replies []Comment
	err := store.EachByID(ctx, q, `SELECT `+commentColumns+` FROM decision_comments WHERE parent_id IN $ids`, ids,
		func(r store.Scanner) error {
			c, err := scanComment(r)
			if err == nil {
				replies = append(replies, c)
			}
			return err
		})
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	slices.SortStableFunc(replies, func(a, b Comment) int { return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID)) })
	all := append(top, replies...)
	if err := named(ctx, q, all); err != nil {
		return nil, err
	}
	top, replies = all[:len(top)], all[len(top):]
	for _, c := range replies {
		top[at[c.ParentID]].Replies = append(top[at[c.ParentID]].Replies, c)
	}
	return top, nil
}

const commentColumns = `id, decision_id, person_id, body, created_at, COALESCE(parent_id, '')`

func scanComment(r store.Scanner) (Comment, error) {
	var c Comment
	err := r.Scan(&c.ID, &c.DecisionID, &c.PersonID, &c.Body, &c.CreatedAt, &c.ParentID)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// named gives each comment its writer's name, read at once.
func named(ctx context.Context, q store.Queryer, cs []Comment) error {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.PersonID
	}
	people, err := account.Contacts(ctx, q, ids)
	if err != nil {
		return err
	}
	for i := range cs {
		p := people[cs[i].PersonID]
		cs[i].Name = strings.TrimSpace(p.GivenName + " " + p.FamilyName)
	}
	return nil
}

// erase is decision's step of a person's erasure: their comments (the
// replies to them stay, unthreaded) and their elector rows go (a secret ballot's count stays: it was never tied
// to them); the decisions they created stay, without their creator.
func erase(ctx context.Context, tx *store.Tx, personID string) error {
	for _, q := range []string{
		`UPDATE decision_comments SET parent_id = NULL WHERE parent_id IN (SELECT id FROM decision_comments WHERE person_id = $1)`,
		`DELETE FROM decision_comments WHERE person_id = $1`,
		`DELETE FROM decision_electors WHERE person_id = $1`,
		`UPDATE decisions SET created_by = NULL WHERE created_by = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, personID); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// exportSections are a person's decisions in their data export: where
// they were an elector (whether they voted; an open ballot's choice; a
// secret one's choice is not known to anyone) and their comments.
func exportSections() []account.ExportSection {
	return []account.ExportSection{
		{Name: "decision_electorates", SQL: `SELECT d.title AS decision, d.secret, e.voted, o.label AS choice_label, o.role AS choice, e.voted_at
			FROM decision_electors e JOIN decisions d ON d.id = e.decision_id LEFT JOIN decision_options o ON o.id = e.option_id
			WHERE e.person_id = $1 ORDER BY d.created_at`},
		{Name: "decision_comments", SQL: `SELECT d.title AS decision, c.body, c.created_at FROM decision_comments c
			JOIN decisions d ON d.id = c.decision_id WHERE c.person_id = $1 ORDER BY c.created_at`},
	}
}

// electorLink is an elector's ballot link before it is mailed.
type electorLink struct{ id, personID, secret string }

// DashboardItems are the votes to open and to close in the communities the
// person organizes, for their dashboard.
func (s *Store) DashboardItems(ctx context.Context, personID string) ([]community.DashboardItem, error) {
	ds, _, err := s.List(ctx, ListQuery{OrganizerID: personID, Admin: true})
	if err != nil {
		return nil, err
	}
	var out []community.DashboardItem
	for _, d := range ds {
		// A vote opens and closes at its minute (a job): shown with its
		// hour on the instance's clock, as its own pages show it.
		it := community.DashboardItem{CommunityID: d.CommunityID, Scheduled: true, Instant: true, Title: d.Title, Count: d.Turnout,
			Path: d.Path()}
		switch {
		case d.Status == StatusDraft && d.OpensAt != nil:
			it.Label, it.At = "decision.dashboard.opens", *d.OpensAt
		case d.Status == StatusOpen:
			it.Label, it.At = "decision.dashboard.closes", d.ClosesAt
		default:
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

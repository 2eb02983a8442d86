package message

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// Store keeps messages, their versions and recipients.
type Store struct {
	db      *store.DB
	cat     *i18n.Catalog
	baseURL string
	parts   *participation.Service
	actions func(campaigns string) string
	kick    func()
	// Chunk is how many recipients one run of the sending job writes.
	Chunk int
}

// NewStore builds the store (see New for parts, actions and kick).
func NewStore(db *store.DB, cat *i18n.Catalog, baseURL string, parts *participation.Service, actions func(string) string, kick func()) *Store {
	if kick == nil {
		kick = func() {}
	}
	return &Store{db: db, cat: cat, baseURL: baseURL, parts: parts, actions: actions, kick: kick, Chunk: 5000}
}

const messageColumns = `m.id, m.community_id, m.from_name, m.reply_to, m.audience, m.status, m.scheduled_at, m.started_at, m.sent_at,
	m.total_targeted, m.origin, COALESCE(m.created_by, ''), m.created_at, m.modified_at`

func scanMessage(row store.Scanner) (*Message, error) {
	var m Message
	var audience string
	if err := row.Scan(&m.ID, &m.CommunityID, &m.FromName, &m.ReplyTo, &audience, &m.Status, &m.ScheduledAt, &m.StartedAt, &m.SentAt,
		&m.Targeted, &m.Origin, &m.CreatedBy, &m.CreatedAt, &m.ModifiedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(audience), &m.Audience); err != nil {
		return nil, err
	}
	return &m, nil
}

// fillVersions reads the versions of ms.
func fillVersions(ctx context.Context, q store.Queryer, ms []*Message) error {
	byID := map[string]*Message{}
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		byID[m.ID] = m
		ids = append(ids, m.ID)
	}
	err := store.EachByID(ctx, q, `SELECT message_id, lang, subject, body FROM message_versions WHERE message_id IN $ids`, ids,
		func(r store.Scanner) error {
			var id string
			var v Version
			if err := r.Scan(&id, &v.Lang, &v.Subject, &v.Body); err != nil {
				return repertoire.Internal(err)
			}
			byID[id].Versions = append(byID[id].Versions, v)
			return nil
		})
	if err != nil {
		return err
	}
	for _, m := range ms {
		var ordered []Version
		for _, l := range Languages {
			for _, v := range m.Versions {
				if v.Lang == l {
					ordered = append(ordered, v)
				}
			}
		}
		m.Versions = ordered
	}
	return nil
}

func get(ctx context.Context, q store.Queryer, id string) (*Message, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages m WHERE m.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	if err := fillVersions(ctx, q, []*Message{m}); err != nil {
		return nil, err
	}
	return m, nil
}

// Get reads a message.
func (s *Store) Get(ctx context.Context, id string) (*Message, error) {
	return get(ctx, s.db.Reader(), id)
}

// ListQuery selects messages: of one community, or of those the viewer
// organizes (everyone's for an administrator).
type ListQuery struct {
	CommunityID string
	ViewerID    string
	Admin       bool
	Filter      api.Filter
	Limit       int
	Offset      int
}

// List reads messages, newest first, with their total.
func (s *Store) List(ctx context.Context, lq ListQuery) ([]*Message, int, error) {
	p := &store.Page{Offset: lq.Offset, Limit: lq.Limit}
	if lq.CommunityID != "" {
		p.Cond("m.community_id = " + p.Args.Add(lq.CommunityID))
	}
	if !lq.Admin {
		p.Cond("m.community_id IN (" + community.OrganizedBy(p.Args.Add(lq.ViewerID)) + ")")
	}
	p.Cond(lq.Filter.Where("m.created_at", "m.modified_at", p.Args.Add)...)
	q := s.db.Reader()
	out, total, err := store.SelectPage(ctx, q, messageColumns, "FROM messages m", "m.created_at DESC, m.id DESC", p, scanMessage)
	if err != nil {
		return nil, 0, err
	}
	return out, total, fillVersions(ctx, q, out)
}

// communityActions is the SQL subquery of the actions of the campaigns
// of the community bound at communityArg.
func (s *Store) communityActions(communityArg string) string {
	if s.actions == nil {
		return "SELECT '' AS id WHERE 1 = 0"
	}
	return s.actions(campaign.CampaignsOf(communityArg))
}

// Actions lists the community's actions someone took part in: the parts
// a message may include or exclude.
func (s *Store) Actions(ctx context.Context, communityID string) ([]participation.ActionRef, error) {
	if s.parts == nil || s.actions == nil {
		return nil, nil
	}
	return s.parts.TakenActions(ctx, s.communityActions("$1"), communityID)
}

// checkActions refuses an audience naming an action of another community.
func (s *Store) checkActions(ctx context.Context, q store.Queryer, communityID string, a Audience) error {
	var ids []string
	for _, list := range [][]Part{a.Include, a.Exclude} {
		for _, p := range list {
			if p.Kind == PartParticipants {
				ids = append(ids, p.Action)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	in, args := store.In(ids, 2)
	found, err := store.Strings(ctx, q, `SELECT a.id FROM (`+s.communityActions("$1")+`) a WHERE a.id IN (`+in+`)`,
		append([]any{communityID}, args...)...)
	if err != nil {
		return err
	}
	if len(found) < len(uniq(ids)) {
		return repertoire.Invalid("audience", "message.bad_action", nil)
	}
	return nil
}

func uniq(ids []string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// audience is the SQL selecting the person ids a message is written to
// (column person_id), its arguments added to args: the people of its
// included parts, less those of its excluded parts and those no news
// mail goes to (unsubscribed, bouncing, complained).
func (s *Store) audience(m *Message, args *store.Args) string {
	communityArg := args.Add(m.CommunityID)
	part := func(p Part) string {
		if p.Kind == PartMembers {
			return community.ActiveMembersOf(communityArg)
		}
		return participation.ContactableIn(`SELECT a.id FROM (` + s.communityActions(communityArg) + `) a WHERE a.id = ` + args.Add(p.Action))
	}
	union := func(parts []Part) string {
		qs := make([]string, len(parts))
		for i, p := range parts {
			qs[i] = part(p)
		}
		return strings.Join(qs, " UNION ")
	}
	q := `SELECT r.person_id FROM (` + union(m.Audience.Include) + `) r WHERE r.person_id NOT IN (` + outbox.Unreachable() + `)`
	if len(m.Audience.Exclude) > 0 {
		q += ` AND r.person_id NOT IN (` + union(m.Audience.Exclude) + `)`
	}
	return q
}

// Reach counts the people a message would be written to now: what the
// confirmation shows before sending.
func (s *Store) Reach(ctx context.Context, m *Message) (int, error) {
	if len(m.Audience.Include) == 0 {
		return 0, nil
	}
	var args store.Args
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+s.audience(m, &args)+`) x`, args...).Scan(&n); err != nil {
		return 0, repertoire.Internal(err)
	}
	return n, nil
}

// writeVersions replaces a message's versions.
func writeVersions(ctx context.Context, tx *store.Tx, id string, vs []Version) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM message_versions WHERE message_id = $1`, id); err != nil {
		return repertoire.Internal(err)
	}
	for _, v := range vs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_versions (message_id, lang, subject, body) VALUES ($1, $2, $3, $4)`,
			id, v.Lang, v.Subject, v.Body); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Create adds a draft to a community.
func (s *Store) Create(ctx context.Context, personID, communityID string, in Input) (*Message, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	audience, _ := json.Marshal(in.Audience)
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.checkActions(ctx, tx, communityID, in.Audience); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO messages (id, community_id, from_name, reply_to, audience, status, origin, created_by,
			created_at, modified_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $8)`,
			id, communityID, in.FromName, in.ReplyTo, string(audience), in.Origin, nullable(personID), tx.Now); err != nil {
			return repertoire.Internal(err)
		}
		return writeVersions(ctx, tx, id, in.Versions)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Update rewrites a message not yet sending (a scheduled one stays
// scheduled).
func (s *Store) Update(ctx context.Context, id string, in Input) (*Message, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	audience, _ := json.Marshal(in.Audience)
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		m, err := get(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.checkActions(ctx, tx, m.CommunityID, in.Audience); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE messages SET from_name = $1, reply_to = $2, audience = $3, modified_at = $4
			WHERE id = $5 AND status IN ('draft', 'scheduled')`, in.FromName, in.ReplyTo, string(audience), tx.Now, id)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotEditable
		}
		return writeVersions(ctx, tx, id, in.Versions)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Send starts sending a message now (a scheduled one too): it moves to
// sending and its job is due at once. A message already sending or sent
// is refused (409): a message sends once.
func (s *Store) Send(ctx context.Context, id string) (*Message, error) {
	return s.start(ctx, id, nil)
}

// Schedule sets a message to be sent at a time to come.
func (s *Store) Schedule(ctx context.Context, id string, at time.Time) (*Message, error) {
	at = at.UTC().Truncate(time.Microsecond)
	if !at.After(store.Now()) {
		return nil, repertoire.Invalid("scheduled_at", "message.schedule_past", nil)
	}
	return s.start(ctx, id, &at)
}

func (s *Store) start(ctx context.Context, id string, at *time.Time) (*Message, error) {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		status, when := StatusSending, tx.Now
		if at != nil {
			status, when = StatusScheduled, *at
		}
		// The one conditional update decides, whoever else clicks.
		res, err := tx.ExecContext(ctx, `UPDATE messages SET status = $1, scheduled_at = $2, modified_at = $3
			WHERE id = $4 AND status IN ('draft', 'scheduled')`, status, at, tx.Now, id)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := get(ctx, tx, id); err != nil {
				return err
			}
			return repertoire.Errorf(repertoire.ECONFLICT, "message.already_sent")
		}
		if err := schedule.Cancel(ctx, tx, id, jobSend); err != nil {
			return err
		}
		return schedule.Schedule(ctx, tx, jobSend, id, when)
	})
	if err != nil {
		return nil, err
	}
	if at == nil {
		s.kick()
	}
	return s.Get(ctx, id)
}

// Unschedule takes a scheduled message back to its draft.
func (s *Store) Unschedule(ctx context.Context, id string) (*Message, error) {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'draft', scheduled_at = NULL, modified_at = $1
			WHERE id = $2 AND status = 'scheduled'`, tx.Now, id)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotEditable
		}
		return schedule.Cancel(ctx, tx, id, jobSend)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// onSend is the sending job. Its first run takes the audience into
// message_recipients (one INSERT … SELECT: the people of the audience at
// that moment, total_targeted); every run writes the mails of the next
// chunk of them after sent_through (in person id order), moves
// sent_through to the last, and schedules the next run; with nobody left
// the message is sent. All in the job's transaction: a crash rolls the
// chunk back whole and the retry writes it again, once.
func (s *Store) onSend(ctx context.Context, tx *store.Tx, j schedule.Job) error {
	m, err := get(ctx, tx, j.SubjectID)
	if errors.Is(err, errNotFound) {
		return nil // deleted with its community
	}
	if err != nil {
		return err
	}
	if m.Status != StatusScheduled && m.Status != StatusSending {
		return nil // taken back to its draft, or sent
	}
	var through string
	if err := tx.QueryRowContext(ctx, `SELECT sent_through FROM messages WHERE id = $1`, m.ID).Scan(&through); err != nil {
		return repertoire.Internal(err)
	}
	if m.StartedAt == nil {
		var args store.Args
		idArg := args.Add(m.ID)
		res, err := tx.ExecContext(ctx, `INSERT INTO message_recipients (message_id, person_id) SELECT `+idArg+`, r.person_id FROM (`+
			s.audience(m, &args)+`) r`, args...)
		if err != nil {
			return repertoire.Internal(err)
		}
		n, _ := res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'sending', started_at = $1, total_targeted = $2, modified_at = $1
			WHERE id = $3`, tx.Now, n, m.ID); err != nil {
			return repertoire.Internal(err)
		}
	}
	ids, err := store.Strings(ctx, tx, `SELECT person_id FROM message_recipients WHERE message_id = $1 AND person_id > $2
		ORDER BY person_id LIMIT $3`, m.ID, through, max(1, s.Chunk))
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		// The place of the send is no longer needed, nor the id it names.
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'sent', sent_at = $1, sent_through = '', modified_at = $1 WHERE id = $2`,
			tx.Now, m.ID); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	}
	people, err := account.Contacts(ctx, tx, ids)
	if err != nil {
		return err
	}
	if err := s.enqueue(ctx, tx, m, ids, people); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET sent_through = $1, modified_at = $2 WHERE id = $3`, ids[len(ids)-1], tx.Now, m.ID); err != nil {
		return repertoire.Internal(err)
	}
	// The next chunk, due now: the runner takes it as soon as this one
	// commits (a new time, so not the job this run marks done).
	return schedule.Schedule(ctx, tx, jobSend, m.ID, tx.Now)
}

// Counts are what became of a message's mails.
type Counts struct {
	Targeted int
	outbox.ListCounts
}

// Counts reads a message's counts.
func (s *Store) Counts(ctx context.Context, m *Message) (Counts, error) {
	c, err := s.CountsOf(ctx, []*Message{m})
	return c[m.ID], err
}

// CountsOf reads the counts of a page of messages in one query, by id.
func (s *Store) CountsOf(ctx context.Context, ms []*Message) (map[string]Counts, error) {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	lists, err := outbox.CountLists(ctx, s.db.Reader(), ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Counts, len(ms))
	for _, m := range ms {
		out[m.ID] = Counts{Targeted: m.Targeted, ListCounts: lists[m.ID]}
	}
	return out, nil
}

// erase is message's step of a person's erasure: the rows saying they
// were written to go, a send in progress no longer names them as its
// place, and the messages they created lose their creator. A message
// whose replies went to their address loses its Reply-To, and their name
// in its sender's name is erased as the outbox erases it (EraseName), so
// the chunks a send still has to write do not name them again (the mails
// already written lose them in the outbox's step).
func erase(ctx context.Context, tx *store.Tx, personID string) error {
	if err := eraseSender(ctx, tx, personID); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM message_recipients WHERE person_id = $1`,
		// A send going on whose last chunk ended with them goes on after
		// the recipient before them: the same place, without their id.
		`UPDATE messages SET sent_through = COALESCE((SELECT MAX(r.person_id) FROM message_recipients r
			WHERE r.message_id = messages.id AND r.person_id < $1), '') WHERE sent_through = $1`,
		`UPDATE messages SET created_by = NULL WHERE created_by = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, personID); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// eraseSender takes the erased person out of the messages' senders: a
// Reply-To that is their address, their name in the sender's name.
func eraseSender(ctx context.Context, tx *store.Tx, personID string) error {
	p, err := account.GetPerson(ctx, tx, personID)
	if err != nil {
		return err
	}
	if p.Email != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET reply_to = '' WHERE LOWER(reply_to) = $1`, strings.ToLower(p.Email)); err != nil {
			return repertoire.Internal(err)
		}
	}
	name := strings.TrimSpace(p.GivenName + " " + p.FamilyName)
	if len(name) < 2 {
		return nil
	}
	type sender struct{ id, name string }
	var changed []sender
	rows, err := tx.QueryContext(ctx, `SELECT id, from_name FROM messages WHERE from_name LIKE $1 ESCAPE '\'`, "%"+store.EscapeLike(name)+"%")
	if err != nil {
		return repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m sender
		if err := rows.Scan(&m.id, &m.name); err != nil {
			return repertoire.Internal(err)
		}
		if erased := outbox.EraseName(m.name, name); erased != m.name {
			changed = append(changed, sender{m.id, erased})
		}
	}
	if err := rows.Err(); err != nil {
		return repertoire.Internal(err)
	}
	rows.Close()
	for _, m := range changed {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET from_name = $1 WHERE id = $2`, m.name, m.id); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// exportSections are the messages written to a person, in their export.
func exportSections() []account.ExportSection {
	return []account.ExportSection{
		{Name: "messages_received", SQL: `SELECT (SELECT v.subject FROM message_versions v WHERE v.message_id = m.id ORDER BY v.lang LIMIT 1) AS subject,
			m.sent_at FROM message_recipients r JOIN messages m ON m.id = r.message_id
			WHERE r.person_id = $1 ORDER BY m.created_at`},
	}
}

package integrity

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/community"
	"repertoire/internal/store"
)

// The integrity review's SQL: integrity_groups, integrity_members,
// integrity_counts. Participations are read and changed through the
// participation core (participation.Service.Signals, ShadowFlag,
// ClearFlag, Invalidate).

const groupColumns = `g.id, g.community_id, g.kind, g.score, g.reasons, g.windows, g.persons, g.members, g.status,
	g.invalidated, g.created_at, g.modified_at, g.decided_at`

func scanGroup(r store.Scanner) (*StoredGroup, error) {
	var g StoredGroup
	var reasons, windows string
	var decided sql.NullTime
	if err := r.Scan(&g.ID, &g.CommunityID, &g.Kind, &g.Score, &reasons, &windows, &g.Accounts, &g.Members, &g.Status,
		&g.Invalidated, &g.CreatedAt, &g.ModifiedAt, &decided); err != nil {
		return nil, err
	}
	g.Reasons = strings.Fields(reasons)
	if err := json.Unmarshal([]byte(windows), &g.Windows); err != nil {
		return nil, err
	}
	g.CreatedAt, g.ModifiedAt = g.CreatedAt.UTC(), g.ModifiedAt.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		g.DecidedAt = &t
	}
	return &g, nil
}

// getGroup reads one group.
func getGroup(ctx context.Context, q store.Queryer, id string) (*StoredGroup, error) {
	g, err := scanGroup(q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM integrity_groups g WHERE g.id = $1`, id))
	if err != nil {
		return nil, store.NotFound(err, "integrity.group.not_found")
	}
	return g, nil
}

// lockGroup reads one group inside tx, locked on PostgreSQL (SQLite's
// single writer is already exclusive): two organizers deciding at once
// decide once.
func lockGroup(ctx context.Context, tx *store.Tx, id string) (*StoredGroup, error) {
	lock := ""
	if tx.Dialect == store.Postgres {
		lock = ` FOR UPDATE`
	}
	g, err := scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM integrity_groups g WHERE g.id = $1`+lock, id))
	if err != nil {
		return nil, store.NotFound(err, "integrity.group.not_found")
	}
	return g, nil
}

// GroupQuery selects groups for a queue or the API.
type GroupQuery struct {
	CommunityID string // one community's; "" for any the reader may see
	// OrganizerID, when set, keeps the groups of the communities that
	// person runs (an organizer's token).
	OrganizerID string
	Status      string // "" for any
	Filter      api.Filter
	Offset      int
	Limit       int
}

// listGroups reads a page of groups, most suspicious first (open ones
// before decided ones), and how many q selects in all.
func listGroups(ctx context.Context, r store.Queryer, q GroupQuery) ([]*StoredGroup, int, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	p := &store.Page{Offset: q.Offset, Limit: limit}
	if q.CommunityID != "" {
		p.Cond("g.community_id = " + p.Args.Add(q.CommunityID))
	}
	if q.OrganizerID != "" {
		p.Cond(community.OrganizeCondition("g.community_id", p.Args.Add(q.OrganizerID)))
	}
	if q.Status != "" {
		p.Cond("g.status = " + p.Args.Add(q.Status))
	}
	p.Cond(q.Filter.Where("g.created_at", "g.modified_at", p.Args.Add)...)
	return store.SelectPage(ctx, r, groupColumns, "FROM integrity_groups g",
		"CASE WHEN g.status = 'open' THEN 0 ELSE 1 END, g.score DESC, g.created_at, g.id", p, scanGroup)
}

// member is one participation of a group.
type member struct {
	participationID, personID, actionID string
}

// membersOf reads a group's participations, oldest first.
func membersOf(ctx context.Context, q store.Queryer, groupID string) ([]member, error) {
	rows, err := q.QueryContext(ctx, `SELECT participation_id, person_id, action_id FROM integrity_members
		WHERE group_id = $1 ORDER BY created_at, participation_id`, groupID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.participationID, &m.personID, &m.actionID); err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, m)
	}
	return out, internalErr(rows.Err())
}

// membership is the group a participation is already in, and its status.
type membership struct{ groupID, communityID, status string }

// memberships reads the groups some of ids are members of already.
func memberships(ctx context.Context, q store.Queryer, ids []string) (map[string]membership, error) {
	out := map[string]membership{}
	err := store.EachByID(ctx, q, `SELECT m.participation_id, g.id, g.community_id, g.status FROM integrity_members m
		JOIN integrity_groups g ON g.id = m.group_id WHERE m.participation_id IN $ids`, ids, func(r store.Scanner) error {
		var id string
		var m membership
		if err := r.Scan(&id, &m.groupID, &m.communityID, &m.status); err != nil {
			return repertoire.Internal(err)
		}
		out[id] = m
		return nil
	})
	return out, err
}

// grouped reads which of ids are members of a group already, in tx:
// another instance's run may have taken some since the readers looked.
func grouped(ctx context.Context, tx *store.Tx, ids []string) (map[string]bool, error) {
	out := make(map[string]bool)
	err := store.EachIn(ctx, tx, `SELECT participation_id FROM integrity_members WHERE participation_id IN $ids`, ids, func(r store.Scanner) error {
		var id string
		if err := r.Scan(&id); err != nil {
			return repertoire.Internal(err)
		}
		out[id] = true
		return nil
	})
	return out, err
}

// insertGroup writes a new group.
func insertGroup(ctx context.Context, tx *store.Tx, g *StoredGroup) error {
	windows, _ := json.Marshal(g.Windows)
	_, err := tx.ExecContext(ctx, `INSERT INTO integrity_groups (id, community_id, kind, score, reasons, windows, persons, members,
		status, invalidated, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', 0, $9, $9)`,
		g.ID, g.CommunityID, g.Kind, g.Score, strings.Join(g.Reasons, " "), string(windows), g.Accounts, g.Members, tx.Now)
	return internalErr(err)
}

// updateGroup writes what a later run found of an open group.
func updateGroup(ctx context.Context, tx *store.Tx, g *StoredGroup) error {
	windows, _ := json.Marshal(g.Windows)
	_, err := tx.ExecContext(ctx, `UPDATE integrity_groups SET kind = $2, score = $3, reasons = $4, windows = $5, persons = $6,
		members = $7, modified_at = $8 WHERE id = $1`,
		g.ID, g.Kind, g.Score, strings.Join(g.Reasons, " "), string(windows), g.Accounts, g.Members, tx.Now)
	return internalErr(err)
}

// addMembers writes a group's new participations: on PostgreSQL in one
// statement (arrays unnested), on SQLite fifty a statement.
func addMembers(ctx context.Context, tx *store.Tx, groupID string, ms []member) error {
	if tx.Dialect == store.Postgres {
		ids, people, actions := make([]string, len(ms)), make([]string, len(ms)), make([]string, len(ms))
		for i, m := range ms {
			ids[i], people[i], actions[i] = m.participationID, m.personID, m.actionID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO integrity_members (participation_id, group_id, person_id, action_id, created_at)
			SELECT m.participation_id, $1, m.person_id, m.action_id, $2 FROM unnest($3::text[], $4::text[], $5::text[])
			AS m (participation_id, person_id, action_id) ON CONFLICT DO NOTHING`, groupID, tx.Now, ids, people, actions)
		return internalErr(err)
	}
	const width, chunk = 5, 50
	for start := 0; start < len(ms); start += chunk {
		part := ms[start:min(start+chunk, len(ms))]
		args := make([]any, 0, len(part)*width)
		for _, m := range part {
			args = append(args, m.participationID, groupID, m.personID, m.actionID, tx.Now)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO integrity_members (participation_id, group_id, person_id, action_id, created_at)
			VALUES `+store.Rows(tx.Dialect, len(part), width)+` ON CONFLICT DO NOTHING`, args...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// peopleInGroup reads which of people have a participation in a group
// already, through the members' person index.
func peopleInGroup(ctx context.Context, tx *store.Tx, groupID string, people []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := store.EachIn(ctx, tx, `SELECT group_id, person_id FROM integrity_members WHERE person_id IN $ids`, people,
		func(r store.Scanner) error {
			var g, p string
			if err := r.Scan(&g, &p); err != nil {
				return repertoire.Internal(err)
			}
			if g == groupID {
				out[p] = true
			}
			return nil
		})
	return out, err
}

// countAccounts reads how many people a group's participations are of.
func countAccounts(ctx context.Context, tx *store.Tx, groupID string) (accounts, members int, err error) {
	err = tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT person_id), COUNT(*) FROM integrity_members WHERE group_id = $1`,
		groupID).Scan(&accounts, &members)
	return accounts, members, internalErr(err)
}

// decide settles a group: invalidated (with how many it took out of the
// counts) or dismissed.
func decide(ctx context.Context, tx *store.Tx, id, status string, invalidated int) error {
	_, err := tx.ExecContext(ctx, `UPDATE integrity_groups SET status = $2, invalidated = $3, decided_at = $4, modified_at = $4
		WHERE id = $1`, id, status, invalidated, tx.Now)
	return internalErr(err)
}

// addCounts adds to an action's set-aside figures.
func addCounts(ctx context.Context, tx *store.Tx, actionID string, held, invalidated int) error {
	if held == 0 && invalidated == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO integrity_counts (action_id, held, invalidated, modified_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (action_id) DO UPDATE SET held = integrity_counts.held + excluded.held,
		invalidated = integrity_counts.invalidated + excluded.invalidated, modified_at = excluded.modified_at`,
		actionID, held, invalidated, tx.Now)
	return internalErr(err)
}

// countsOf reads an action's set-aside figures: a primary-key lookup.
func countsOf(ctx context.Context, q store.Queryer, actionID string) (held, invalidated int, err error) {
	err = q.QueryRowContext(ctx, `SELECT held, invalidated FROM integrity_counts WHERE action_id = $1`, actionID).Scan(&held, &invalidated)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return held, invalidated, internalErr(err)
}

// countsOfMany reads the set-aside figures of several actions.
func countsOfMany(ctx context.Context, q store.Queryer, ids []string) (map[string][2]int, error) {
	out := map[string][2]int{}
	err := store.EachByID(ctx, q, `SELECT action_id, held, invalidated FROM integrity_counts WHERE action_id IN $ids`, ids,
		func(r store.Scanner) error {
			var id string
			var c [2]int
			if err := r.Scan(&id, &c[0], &c[1]); err != nil {
				return repertoire.Internal(err)
			}
			out[id] = c
			return nil
		})
	return out, err
}

// erasePerson deletes a person's memberships, their open groups' counts
// lowered as if they had never been flagged.
func erasePerson(ctx context.Context, tx *store.Tx, personID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT m.group_id, m.action_id, g.status FROM integrity_members m
		JOIN integrity_groups g ON g.id = m.group_id WHERE m.person_id = $1`, personID)
	if err != nil {
		return repertoire.Internal(err)
	}
	held := map[string]int{}
	groups := map[string]bool{}
	for rows.Next() {
		var groupID, actionID, status string
		if err := rows.Scan(&groupID, &actionID, &status); err != nil {
			rows.Close()
			return repertoire.Internal(err)
		}
		groups[groupID] = true
		if status == StatusOpen {
			held[actionID]--
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return repertoire.Internal(err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM integrity_members WHERE person_id = $1`, personID); err != nil {
		return repertoire.Internal(err)
	}
	for _, actionID := range sortedKeys(held) {
		if err := addCounts(ctx, tx, actionID, held[actionID], 0); err != nil {
			return err
		}
	}
	for groupID := range groups {
		accounts, members, err := countAccounts(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE integrity_groups SET persons = $2, members = $3, modified_at = $4 WHERE id = $1`,
			groupID, accounts, members, tx.Now); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// exportSQL is the integrity section of a person's data export: the groups
// their participations were found in, and what became of them.
const exportSQL = `SELECT m.action_id, g.kind, g.reasons, g.status, m.created_at AS flagged_at, g.decided_at
	FROM integrity_members m JOIN integrity_groups g ON g.id = m.group_id WHERE m.person_id = $1 ORDER BY m.created_at, m.participation_id`

func internalErr(err error) error {
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

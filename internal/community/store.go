package community

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/store"
)

// Store holds communities and memberships.
type Store struct {
	db       *store.DB
	mail     *mailer   // membership mails; nil sends none
	Removers []Remover // other capabilities' steps of a community's deletion (server wires them)
}

// Remover is a capability's step of a community's deletion, run in its
// transaction before the community's row goes: the rows of its tables
// that no cascade from communities reaches.
type Remover func(ctx context.Context, tx *store.Tx, communityID string) error

// NewStore returns the community store (the demo and other capabilities
// use it without the pages).
func NewStore(db *store.DB) *Store { return &Store{db: db} }

const communityColumns = `c.id, c.slug, c.name, c.description, c.language, c.join_policy, c.visibility, c.member_count, c.created_at, c.modified_at`

type scanner interface{ Scan(dest ...any) error }

func scanCommunity(row scanner) (*Community, error) {
	var c Community
	err := row.Scan(&c.ID, &c.Slug, &c.Name, &c.Description, &c.Language, &c.JoinPolicy, &c.Visibility, &c.TotalMembers, &c.CreatedAt, &c.ModifiedAt)
	if err != nil {
		return nil, err
	}
	c.CreatedAt, c.ModifiedAt = c.CreatedAt.UTC(), c.ModifiedAt.UTC()
	return &c, nil
}

// Create makes a community whose first owner is ownerID.
//
// A slug held by a community the creator can see is refused (409, naming
// the slug field). One held by a community they cannot see (another's
// private community) is not: the community gets the first free variant
// ("riders-2", "riders-3", …), as it would past any taken variant, so the
// answer never tells that a private community holds the slug asked for.
func (s *Store) Create(ctx context.Context, ownerID string, in Input) (*Community, error) {
	in.normalize()
	if err := in.validate(); err != nil {
		return nil, err
	}
	c := &Community{ID: store.NewID(), Slug: in.Slug, Name: in.Name, Description: in.Description,
		Language: in.Language, JoinPolicy: in.JoinPolicy, Visibility: in.Visibility, TotalMembers: 1}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		c.CreatedAt, c.ModifiedAt = tx.Now, tx.Now
		for n := 1; ; {
			c.Slug = in.Slug
			if n > 1 {
				c.Slug = slugVariant(in.Slug, n)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO communities
				(id, slug, name, description, language, join_policy, visibility, member_count, created_by, created_at, modified_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9) ON CONFLICT (slug) DO NOTHING`,
				c.ID, c.Slug, c.Name, c.Description, c.Language, c.JoinPolicy, c.Visibility, ownerID, tx.Now)
			if err != nil {
				return repertoire.Internal(err)
			}
			if added, err := res.RowsAffected(); err != nil {
				return repertoire.Internal(err)
			} else if added == 1 {
				break
			}
			if n == 1 {
				seen, err := slugSeenBy(ctx, tx, in.Slug, ownerID)
				if err != nil {
					return err
				}
				if seen {
					return &repertoire.Error{Code: repertoire.ECONFLICT, Field: "slug", MessageID: "community.slug_taken", Args: map[string]any{"Slug": in.Slug}}
				}
			}
			if n++; n > maxSlugVariant {
				return &repertoire.Error{Code: repertoire.ECONFLICT, Field: "slug", MessageID: "community.slug_taken", Args: map[string]any{"Slug": in.Slug}}
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO memberships (community_id, person_id, role, status, created_at, modified_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, c.ID, ownerID, RoleOwner, StatusActive, tx.Now)
		return internal(err)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// slugSeenBy reports whether the community holding slug is one the person
// can see (public, theirs, or they are an admin); false when none holds it.
func slugSeenBy(ctx context.Context, tx *store.Tx, slug, personID string) (bool, error) {
	var id, visibility string
	err := tx.QueryRowContext(ctx, `SELECT id, visibility FROM communities WHERE slug = $1`, slug).Scan(&id, &visibility)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, repertoire.Internal(err)
	}
	if visibility == Public {
		return true, nil
	}
	r, err := effectiveRank(ctx, tx, id, personID)
	return r > 0, err
}

// Update changes a community; only its owners (and admins) may.
func (s *Store) Update(ctx context.Context, actorID, communityID string, p Patch) (*Community, error) {
	var out *Community
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		c, err := lockCommunity(ctx, tx, communityID)
		if err != nil {
			return err
		}
		if err := require(ctx, tx, communityID, actorID, RoleOwner); err != nil {
			return err
		}
		in := p.apply(c)
		in.normalize()
		if err := in.validate(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE communities SET name = $1, description = $2, language = $3,
			join_policy = $4, visibility = $5, modified_at = $6 WHERE id = $7`,
			in.Name, in.Description, in.Language, in.JoinPolicy, in.Visibility, tx.Now, communityID)
		if err != nil {
			return repertoire.Internal(err)
		}
		c.Name, c.Description, c.Language, c.JoinPolicy, c.Visibility, c.ModifiedAt = in.Name, in.Description, in.Language, in.JoinPolicy, in.Visibility, tx.Now
		out = c
		return nil
	})
	return out, err
}

// Delete removes a community with everything in it; owners (and admins) only.
func (s *Store) Delete(ctx context.Context, actorID, communityID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := lockCommunity(ctx, tx, communityID); err != nil {
			return err
		}
		if err := require(ctx, tx, communityID, actorID, RoleOwner); err != nil {
			return err
		}
		for _, remove := range s.Removers {
			if err := remove(ctx, tx, communityID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM communities WHERE id = $1`, communityID)
		return internal(err)
	})
}

// Get finds a community by id or slug, whoever asks: callers check
// CanView before showing it.
func (s *Store) Get(ctx context.Context, idOrSlug string) (*Community, error) {
	row := s.db.Reader().QueryRowContext(ctx, `SELECT `+communityColumns+` FROM communities c
		WHERE c.id = $1 OR c.slug = $1 ORDER BY CASE WHEN c.id = $1 THEN 0 ELSE 1 END LIMIT 1`, idOrSlug)
	c, err := scanCommunity(row)
	if err != nil {
		return nil, store.NotFound(err, "community.not_found")
	}
	return c, nil
}

// Role returns the person's role, "" when not an active member.
func (s *Store) Role(ctx context.Context, communityID, personID string) (string, error) {
	role, status, err := s.Membership(ctx, communityID, personID)
	if status != StatusActive {
		role = ""
	}
	return role, err
}

// Membership returns the person's role and status, "" and "" when none.
func (s *Store) Membership(ctx context.Context, communityID, personID string) (role, status string, err error) {
	return membership(ctx, s.db.Reader(), communityID, personID)
}

func membership(ctx context.Context, q store.Queryer, communityID, personID string) (role, status string, err error) {
	if personID == "" {
		return "", "", nil
	}
	err = q.QueryRowContext(ctx, `SELECT role, status FROM memberships WHERE community_id = $1 AND person_id = $2`,
		communityID, personID).Scan(&role, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", repertoire.Internal(err)
	}
	return role, status, nil
}

// IsAdmin reports whether the person administers this Repertoire.
func (s *Store) IsAdmin(ctx context.Context, personID string) (bool, error) {
	return isAdmin(ctx, s.db.Reader(), personID)
}

func isAdmin(ctx context.Context, q store.Queryer, personID string) (bool, error) {
	return account.IsAdmin(ctx, q, personID)
}

// effectiveRank is what the person may do in the community: the rank of
// an active role, and an owner's for admins.
func effectiveRank(ctx context.Context, q store.Queryer, communityID, personID string) (int, error) {
	role, status, err := membership(ctx, q, communityID, personID)
	if err != nil {
		return 0, err
	}
	r := 0
	if status == StatusActive {
		r = rank(role)
	}
	if r < rank(RoleOwner) {
		admin, err := isAdmin(ctx, q, personID)
		if err != nil {
			return 0, err
		}
		if admin {
			r = rank(RoleOwner)
		}
	}
	return r, nil
}

// require refuses the action unless the person holds at least role.
func require(ctx context.Context, q store.Queryer, communityID, personID, role string) error {
	if personID == "" {
		return repertoire.Errorf(repertoire.EUNAUTHORIZED, "error.unauthorized")
	}
	r, err := effectiveRank(ctx, q, communityID, personID)
	if err != nil {
		return err
	}
	if r < rank(role) {
		if role == RoleOwner {
			return repertoire.Errorf(repertoire.EFORBIDDEN, "community.owners_only")
		}
		return repertoire.Errorf(repertoire.EFORBIDDEN, "community.organizers_only")
	}
	return nil
}

// CanView reports whether the person (or a visitor, "") may see the
// community: anyone for a public one, its active members and admins for a
// private one.
func (s *Store) CanView(ctx context.Context, c *Community, personID string) (bool, error) {
	if c.Visibility == Public {
		return true, nil
	}
	r, err := effectiveRank(ctx, s.db.Reader(), c.ID, personID)
	return r > 0, err
}

// CanOrganize reports whether the person is an owner or organizer of the
// community, or an admin.
func (s *Store) CanOrganize(ctx context.Context, communityID, personID string) (bool, error) {
	r, err := effectiveRank(ctx, s.db.Reader(), communityID, personID)
	return r >= rank(RoleOrganizer), err
}

// CanOwn reports whether the person is an owner of the community, or an admin.
func (s *Store) CanOwn(ctx context.Context, communityID, personID string) (bool, error) {
	r, err := effectiveRank(ctx, s.db.Reader(), communityID, personID)
	return r >= rank(RoleOwner), err
}

// VisibleCondition is an SQL condition true when the community whose id is
// in column is visible to the person bound at placeholder personArg (e.g.
// "$3"; bind "" for a visitor). Admins are not covered: callers that want
// them to see everything drop the condition.
func VisibleCondition(column, personArg string) string {
	return "(" + column + " IN (SELECT id FROM communities WHERE visibility = 'public') OR " +
		column + " IN (SELECT community_id FROM memberships WHERE person_id = " + personArg + " AND status = 'active'))"
}

// OrganizeCondition is an SQL condition true when the person bound at
// placeholder personArg is an active organizer or owner of the community
// whose id is in column. Admins are not covered, as in VisibleCondition.
func OrganizeCondition(column, personArg string) string {
	return "(" + column + " IN (SELECT community_id FROM memberships WHERE person_id = " + personArg +
		" AND status = 'active' AND role IN ('" + RoleOrganizer + "', '" + RoleOwner + "')))"
}

// OrganizedIDs lists the ids of the communities the person organizes or
// owns as an active member (an admin's rights aside).
func (s *Store) OrganizedIDs(ctx context.Context, personID string) ([]string, error) {
	return store.Strings(ctx, s.db.Reader(), `SELECT c.id FROM communities c WHERE `+OrganizeCondition("c.id", "$1")+` ORDER BY c.id`, personID)
}

// VisibleIDs lists the ids of the communities the person (or a visitor,
// "") may see.
func (s *Store) VisibleIDs(ctx context.Context, personID string) ([]string, error) {
	return store.Strings(ctx, s.db.Reader(), `SELECT c.id FROM communities c WHERE `+VisibleCondition("c.id", "$1")+` ORDER BY c.id`, personID)
}

// ListQuery selects communities for a list.
type ListQuery struct {
	ViewerID   string // "" for a visitor
	PublicOnly bool   // leave out the viewer's private communities
	Filter     api.Filter
	Limit      int
	Offset     int
}

// List returns one page of the communities the viewer may see, newest
// first, and how many there are in all.
func (s *Store) List(ctx context.Context, q ListQuery) ([]*Community, int, error) {
	where := `c.visibility = 'public'`
	args := []any{}
	if !q.PublicOnly && q.ViewerID != "" {
		admin, err := s.IsAdmin(ctx, q.ViewerID)
		if err != nil {
			return nil, 0, err
		}
		if admin {
			where = `TRUE`
		} else {
			where = VisibleCondition("c.id", "$1")
			args = append(args, q.ViewerID)
		}
	}
	for _, c := range q.Filter.Where("c.created_at", "c.modified_at", func(v any) string { args = append(args, v); return placeholder(len(args)) }) {
		where += " AND " + c
	}
	var total int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM communities c WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	n := len(args)
	args = append(args, q.Limit, q.Offset)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+communityColumns+` FROM communities c WHERE `+where+
		` ORDER BY c.created_at DESC, c.id DESC LIMIT `+placeholder(n+1)+` OFFSET `+placeholder(n+2), args...)
	if err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Community
	for rows.Next() {
		c, err := scanCommunity(rows)
		if err != nil {
			return nil, 0, repertoire.Internal(err)
		}
		out = append(out, c)
	}
	return out, total, internal(rows.Err())
}

// Join makes the person a member (open), or records a request (approval).
// It returns the status of the membership. Invite-only communities are
// joined through an invitation.
func (s *Store) Join(ctx context.Context, communityID, personID string) (string, error) {
	var status string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		c, err := lockCommunity(ctx, tx, communityID)
		if err != nil {
			return err
		}
		if c.Visibility == Private {
			// Outsiders do not see a private community; its members are
			// already in. Either way there is nothing to join here.
			if r, err := effectiveRank(ctx, tx, c.ID, personID); err != nil || r == 0 {
				return notFound(err)
			}
		}
		_, current, err := membership(ctx, tx, c.ID, personID)
		if err != nil {
			return err
		}
		switch current {
		case StatusActive:
			return repertoire.Errorf(repertoire.ECONFLICT, "community.already_member")
		case StatusRequested:
			return repertoire.Errorf(repertoire.ECONFLICT, "community.already_requested")
		}
		switch c.JoinPolicy {
		case PolicyOpen:
			status = StatusActive
		case PolicyApproval:
			status = StatusRequested
		default:
			return repertoire.Errorf(repertoire.EFORBIDDEN, "community.invite_only")
		}
		if err := addMember(ctx, tx, c.ID, personID, RoleMember, status); err != nil {
			return err
		}
		if status == StatusRequested {
			return s.mailRequest(ctx, tx, c, personID)
		}
		return nil
	})
	return status, err
}

// Leave ends the person's membership, or withdraws a request. The last
// owner cannot leave: a community always has someone to run it.
func (s *Store) Leave(ctx context.Context, communityID, personID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := lockCommunity(ctx, tx, communityID); err != nil {
			return err
		}
		return removeMember(ctx, tx, communityID, personID)
	})
}

// Approve turns a request into an active membership; organizers only.
func (s *Store) Approve(ctx context.Context, actorID, communityID, personID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.requestAction(ctx, tx, actorID, communityID, personID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE memberships SET status = $1, modified_at = $2 WHERE community_id = $3 AND person_id = $4`,
			StatusActive, tx.Now, communityID, personID); err != nil {
			return repertoire.Internal(err)
		}
		if err := countMembers(ctx, tx, communityID, +1); err != nil {
			return err
		}
		c, err := lockCommunity(ctx, tx, communityID)
		if err != nil {
			return err
		}
		return s.mailApproved(ctx, tx, c, personID)
	})
}

// Refuse deletes a request; organizers only.
func (s *Store) Refuse(ctx context.Context, actorID, communityID, personID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.requestAction(ctx, tx, actorID, communityID, personID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE community_id = $1 AND person_id = $2`, communityID, personID)
		return internal(err)
	})
}

func (s *Store) requestAction(ctx context.Context, tx *store.Tx, actorID, communityID, personID string) error {
	if _, err := lockCommunity(ctx, tx, communityID); err != nil {
		return err
	}
	if err := require(ctx, tx, communityID, actorID, RoleOrganizer); err != nil {
		return err
	}
	_, status, err := membership(ctx, tx, communityID, personID)
	if err != nil {
		return err
	}
	if status != StatusRequested {
		return repertoire.Errorf(repertoire.ENOTFOUND, "community.no_request")
	}
	return nil
}

// SetRole changes an active member's role; owners only. The last owner
// keeps the role until another owner is named.
func (s *Store) SetRole(ctx context.Context, actorID, communityID, personID, role string) error {
	if !oneOf(role, Roles) {
		return repertoire.Invalid("role", "field.bad_choice", nil)
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := lockCommunity(ctx, tx, communityID); err != nil {
			return err
		}
		if err := require(ctx, tx, communityID, actorID, RoleOwner); err != nil {
			return err
		}
		current, status, err := membership(ctx, tx, communityID, personID)
		if err != nil {
			return err
		}
		if status != StatusActive {
			return repertoire.Errorf(repertoire.ENOTFOUND, "community.no_member")
		}
		if current == role {
			return nil
		}
		if current == RoleOwner {
			if err := keepAnOwner(ctx, tx, communityID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE memberships SET role = $1, modified_at = $2 WHERE community_id = $3 AND person_id = $4`,
			role, tx.Now, communityID, personID)
		return internal(err)
	})
}

// Remove ends an active member's membership; owners only.
func (s *Store) Remove(ctx context.Context, actorID, communityID, personID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := lockCommunity(ctx, tx, communityID); err != nil {
			return err
		}
		if err := require(ctx, tx, communityID, actorID, RoleOwner); err != nil {
			return err
		}
		return removeMember(ctx, tx, communityID, personID)
	})
}

// MemberQuery selects memberships for a list.
type MemberQuery struct {
	Status string // "" for every status
	Filter api.Filter
	Limit  int // 0: no limit
	Offset int
}

// Members lists memberships, owners first then by name, and how many
// match in all. Callers check CanOrganize: member lists are not public.
// The names are account's: every matching membership is read, named with
// one read of the people a few hundred at a time, sorted and paged here.
func (s *Store) Members(ctx context.Context, communityID string, q MemberQuery) ([]Member, int, error) {
	where := `m.community_id = $1`
	args := []any{communityID}
	if q.Status != "" {
		where += ` AND m.status = $2`
		args = append(args, q.Status)
	}
	for _, c := range q.Filter.Where("m.created_at", "m.modified_at", func(v any) string { args = append(args, v); return placeholder(len(args)) }) {
		where += " AND " + c
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT m.person_id, m.role, m.status, m.created_at, m.modified_at
		FROM memberships m WHERE `+where, args...)
	if err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Member
	var ids []string
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.PersonID, &m.Role, &m.Status, &m.CreatedAt, &m.ModifiedAt); err != nil {
			return nil, 0, repertoire.Internal(err)
		}
		m.CreatedAt, m.ModifiedAt = m.CreatedAt.UTC(), m.ModifiedAt.UTC()
		out = append(out, m)
		ids = append(ids, m.PersonID)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	rows.Close()
	people, err := account.Contacts(ctx, s.db.Reader(), ids)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		p := people[out[i].PersonID]
		out[i].GivenName, out[i].FamilyName = p.GivenName, p.FamilyName
	}
	slices.SortFunc(out, func(a, b Member) int {
		return cmp.Or(cmp.Compare(rank(b.Role), rank(a.Role)), strings.Compare(a.GivenName, b.GivenName),
			strings.Compare(a.FamilyName, b.FamilyName), strings.Compare(a.PersonID, b.PersonID))
	})
	total := len(out)
	if q.Limit > 0 {
		out = out[min(q.Offset, total):min(q.Offset+q.Limit, total)]
	}
	return out, total, nil
}

// CreateInvitation makes a link to join as a member, valid for
// InvitationLifetime; organizers only. It returns the token, which is not
// stored and cannot be shown again.
func (s *Store) CreateInvitation(ctx context.Context, actorID, communityID string) (*Invitation, string, error) {
	var inv *Invitation
	var token string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		_, inv, token, err = createInvitation(ctx, tx, actorID, communityID)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return inv, token, nil
}

// MailInvitation makes an invitation link and mails it to email, in lang,
// in one transaction: the link exists only in that mail.
func (s *Store) MailInvitation(ctx context.Context, actorID, communityID, email, inviter, lang string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		c, _, token, err := createInvitation(ctx, tx, actorID, communityID)
		if err != nil {
			return err
		}
		return s.mailInvitation(ctx, tx, c, email, inviter, lang, token)
	})
}

func createInvitation(ctx context.Context, tx *store.Tx, actorID, communityID string) (*Community, *Invitation, string, error) {
	c, err := lockCommunity(ctx, tx, communityID)
	if err != nil {
		return nil, nil, "", err
	}
	if err := require(ctx, tx, communityID, actorID, RoleOrganizer); err != nil {
		return nil, nil, "", err
	}
	token := store.NewToken()
	inv := &Invitation{ID: store.NewID(), CommunityID: communityID, Role: RoleMember, CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(InvitationLifetime)}
	_, err = tx.ExecContext(ctx, `INSERT INTO invitations (id, community_id, token_hash, role, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, inv.ID, communityID, store.HashToken(token), inv.Role, actorID, inv.CreatedAt, inv.ExpiresAt)
	if err != nil {
		return nil, nil, "", internal(err)
	}
	return c, inv, token, nil
}

const invitationColumns = `i.id, i.community_id, i.role, i.created_at, i.expires_at, i.uses, i.revoked_at`

func scanInvitation(row scanner) (*Invitation, error) {
	var inv Invitation
	var revoked sql.NullTime
	if err := row.Scan(&inv.ID, &inv.CommunityID, &inv.Role, &inv.CreatedAt, &inv.ExpiresAt, &inv.Uses, &revoked); err != nil {
		return nil, err
	}
	inv.CreatedAt, inv.ExpiresAt, inv.RevokedAt = inv.CreatedAt.UTC(), inv.ExpiresAt.UTC(), store.TimePtr(revoked)
	return &inv, nil
}

// Invitations lists the links that still work, newest first.
func (s *Store) Invitations(ctx context.Context, communityID string) ([]*Invitation, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+invitationColumns+` FROM invitations i
		WHERE i.community_id = $1 AND i.revoked_at IS NULL AND i.expires_at > $2
		ORDER BY i.created_at DESC, i.id DESC`, communityID, store.Now())
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, inv)
	}
	return out, internal(rows.Err())
}

// RevokeInvitation stops a link from working; organizers only.
func (s *Store) RevokeInvitation(ctx context.Context, actorID, communityID, invitationID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := require(ctx, tx, communityID, actorID, RoleOrganizer); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND community_id = $3 AND revoked_at IS NULL`,
			tx.Now, invitationID, communityID)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return repertoire.Errorf(repertoire.ENOTFOUND, "community.invitation_invalid")
		}
		return nil
	})
}

// Invitation finds the community a working invitation link leads to.
func (s *Store) Invitation(ctx context.Context, token string) (*Invitation, *Community, error) {
	return invitationByToken(ctx, s.db.Reader(), token, store.Now())
}

func invitationByToken(ctx context.Context, q store.Queryer, token string, now time.Time) (*Invitation, *Community, error) {
	invalid := repertoire.Errorf(repertoire.ENOTFOUND, "community.invitation_invalid")
	if token == "" || len(token) > 100 {
		return nil, nil, invalid
	}
	inv, err := scanInvitation(q.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations i WHERE i.token_hash = $1`, store.HashToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, invalid
	}
	if err != nil {
		return nil, nil, repertoire.Internal(err)
	}
	if inv.RevokedAt != nil || !now.Before(inv.ExpiresAt) {
		return nil, nil, invalid
	}
	c, err := scanCommunity(q.QueryRowContext(ctx, `SELECT `+communityColumns+` FROM communities c WHERE c.id = $1`, inv.CommunityID))
	if err != nil {
		return nil, nil, store.NotFound(err, "community.invitation_invalid")
	}
	return inv, c, nil
}

// AcceptInvitation makes the person an active member through a working
// link, whatever the join policy; a pending request becomes a membership.
// Someone already in keeps their role.
func (s *Store) AcceptInvitation(ctx context.Context, token, personID string) (*Community, error) {
	var out *Community
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		inv, c, err := invitationByToken(ctx, tx, token, tx.Now)
		if err != nil {
			return err
		}
		if c, err = lockCommunity(ctx, tx, c.ID); err != nil {
			return err
		}
		out = c
		_, status, err := membership(ctx, tx, c.ID, personID)
		if err != nil {
			return err
		}
		switch status {
		case StatusActive:
			return nil
		case StatusRequested:
			if _, err := tx.ExecContext(ctx, `UPDATE memberships SET status = $1, role = $2, modified_at = $3 WHERE community_id = $4 AND person_id = $5`,
				StatusActive, inv.Role, tx.Now, c.ID, personID); err != nil {
				return repertoire.Internal(err)
			}
			if err := countMembers(ctx, tx, c.ID, +1); err != nil {
				return err
			}
		default:
			if err := addMember(ctx, tx, c.ID, personID, inv.Role, StatusActive); err != nil {
				return err
			}
		}
		out.TotalMembers++
		_, err = tx.ExecContext(ctx, `UPDATE invitations SET uses = uses + 1 WHERE id = $1`, inv.ID)
		return internal(err)
	})
	return out, err
}

// lockCommunity reads the community inside a write, holding its row on
// PostgreSQL so that concurrent membership changes (two owners leaving at
// once) run one after the other. SQLite already has a single writer.
func lockCommunity(ctx context.Context, tx *store.Tx, communityID string) (*Community, error) {
	q := `SELECT ` + communityColumns + ` FROM communities c WHERE c.id = $1`
	if tx.Dialect == store.Postgres {
		q += ` FOR UPDATE`
	}
	c, err := scanCommunity(tx.QueryRowContext(ctx, q, communityID))
	if err != nil {
		return nil, store.NotFound(err, "community.not_found")
	}
	return c, nil
}

func addMember(ctx context.Context, tx *store.Tx, communityID, personID, role, status string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO memberships (community_id, person_id, role, status, created_at, modified_at)
		VALUES ($1, $2, $3, $4, $5, $5)`, communityID, personID, role, status, tx.Now)
	if store.IsUniqueViolation(err) {
		return repertoire.Errorf(repertoire.ECONFLICT, "community.already_member")
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	if status == StatusActive {
		return countMembers(ctx, tx, communityID, +1)
	}
	return nil
}

// removeMember deletes a membership or a request, keeping an owner.
func removeMember(ctx context.Context, tx *store.Tx, communityID, personID string) error {
	role, status, err := membership(ctx, tx, communityID, personID)
	if err != nil {
		return err
	}
	if status == "" {
		return repertoire.Errorf(repertoire.ENOTFOUND, "community.no_member")
	}
	if status == StatusActive && role == RoleOwner {
		if err := keepAnOwner(ctx, tx, communityID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE community_id = $1 AND person_id = $2`, communityID, personID); err != nil {
		return repertoire.Internal(err)
	}
	if status == StatusActive {
		return countMembers(ctx, tx, communityID, -1)
	}
	return nil
}

// keepAnOwner refuses to take away an owner when they are the only one.
func keepAnOwner(ctx context.Context, tx *store.Tx, communityID string) error {
	var owners int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND role = $2 AND status = $3`,
		communityID, RoleOwner, StatusActive).Scan(&owners); err != nil {
		return repertoire.Internal(err)
	}
	if owners <= 1 {
		return repertoire.Errorf(repertoire.ECONFLICT, "community.last_owner")
	}
	return nil
}

// countMembers maintains the active member counter.
func countMembers(ctx context.Context, tx *store.Tx, communityID string, delta int) error {
	_, err := tx.ExecContext(ctx, `UPDATE communities SET member_count = member_count + $1 WHERE id = $2`, delta, communityID)
	return internal(err)
}

func placeholder(n int) string { return "$" + strconv.Itoa(n) }

func internal(err error) error {
	if err == nil {
		return nil
	}
	var e *repertoire.Error
	if errors.As(err, &e) {
		return e
	}
	return repertoire.Internal(err)
}

func notFound(err error) error {
	if err != nil {
		return err
	}
	return repertoire.Errorf(repertoire.ENOTFOUND, "community.not_found")
}

// Erase is the community's step of a person's erasure, inside the erasing
// transaction: their communities handed over (HandOver), then their
// memberships deleted and the member counts of the communities they were
// an active member of lowered, as a departure does.
func Erase(ctx context.Context, tx *store.Tx, personID string) error {
	if err := HandOver(ctx, tx, personID); err != nil {
		return err
	}
	ids, err := store.Strings(ctx, tx, `SELECT community_id FROM memberships WHERE person_id = $1 AND status = $2 ORDER BY community_id`,
		personID, StatusActive)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := countMembers(ctx, tx, id, -1); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM memberships WHERE person_id = $1`, personID)
	return internal(err)
}

// HandOver runs inside the transaction that erases a person (see Erase):
// each community they are the last active owner of passes to its
// longest-standing active organizer, or failing one its longest-standing
// active member, so that nobody's departure leaves a community no one can
// run. A community without other members keeps none.
func HandOver(ctx context.Context, tx *store.Tx, personID string) error {
	ids, err := store.Strings(ctx, tx, `SELECT m.community_id FROM memberships m
		WHERE m.person_id = $1 AND m.role = $2 AND m.status = $3 AND NOT EXISTS (
			SELECT 1 FROM memberships o WHERE o.community_id = m.community_id AND o.person_id <> $1
			AND o.role = $2 AND o.status = $3)
		ORDER BY m.community_id`, personID, RoleOwner, StatusActive)
	if err != nil {
		return err
	}
	for _, id := range ids {
		_, err := tx.ExecContext(ctx, `UPDATE memberships SET role = $3, modified_at = $5
			WHERE community_id = $1 AND person_id = (
				SELECT person_id FROM memberships WHERE community_id = $1 AND person_id <> $2 AND status = $4
				ORDER BY CASE role WHEN $6 THEN 0 ELSE 1 END, created_at, person_id LIMIT 1)`,
			id, personID, RoleOwner, StatusActive, tx.Now, RoleOrganizer)
		if err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

package community

import (
	"context"

	"repertoire"
	"repertoire/internal/store"
)

// ByIDs reads the communities with the given ids from q (the read pool or
// a transaction), for capabilities that show a community beside their own
// rows (a campaign's community slug and name). Unknown ids are left out.
func ByIDs(ctx context.Context, q store.Queryer, ids []string) (map[string]*Community, error) {
	out := make(map[string]*Community, len(ids))
	err := store.EachByID(ctx, q, `SELECT `+communityColumns+` FROM communities c WHERE c.id IN $ids`, ids, func(r store.Scanner) error {
		c, err := scanCommunity(r)
		if err != nil {
			return repertoire.Internal(err)
		}
		out[c.ID] = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OrganizerIDs lists the people who run a community, in id order: its
// active owners and organizers (those told of a tactic's progress).
func OrganizerIDs(ctx context.Context, q store.Queryer, communityID string) ([]string, error) {
	return store.Strings(ctx, q, `SELECT person_id FROM memberships
		WHERE community_id = $1 AND status = $2 AND role IN ($3, $4) ORDER BY person_id`, communityID, StatusActive, RoleOwner, RoleOrganizer)
}

// OrganizedBy is an SQL subquery selecting the ids of the communities the
// person bound at placeholder personArg runs (an active owner or
// organizer): the communities whose people an organizer's token reaches.
// Admins are not covered: they reach everyone.
func OrganizedBy(personArg string) string {
	return "SELECT community_id FROM memberships WHERE person_id = " + personArg +
		" AND status = '" + StatusActive + "' AND role IN ('" + RoleOwner + "', '" + RoleOrganizer + "')"
}

// MembersOf is an SQL subquery selecting the people with a membership
// (active or asked for) in the communities the subquery communities selects.
func MembersOf(communities string) string {
	return "SELECT person_id FROM memberships WHERE community_id IN (" + communities + ")"
}

// OrganizedIDs lists the ids of the communities the person runs, in id
// order (OrganizedBy).
func OrganizedIDs(ctx context.Context, q store.Queryer, personID string) ([]string, error) {
	return store.Strings(ctx, q, OrganizedBy("$1")+" ORDER BY community_id", personID)
}

// MemberOf is an SQL subquery selecting the ids of the communities the
// person bound at placeholder personArg is an active member of, whatever
// their role: what the community keeps for its own (organizers' targets).
func MemberOf(personArg string) string {
	return "SELECT community_id FROM memberships WHERE person_id = " + personArg + " AND status = '" + StatusActive + "'"
}

// ActiveMemberIDs lists a community's active members, in id order: the
// electorate of a decision as voting opens.
func ActiveMemberIDs(ctx context.Context, q store.Queryer, communityID string) ([]string, error) {
	return store.Strings(ctx, q, `SELECT person_id FROM memberships WHERE community_id = $1 AND status = $2 ORDER BY person_id`,
		communityID, StatusActive)
}

// ActiveMembersOf is an SQL subquery selecting the active members of the
// communities the subquery communities selects (not those who asked to
// join and wait): whom a message to a community's members writes to.
func ActiveMembersOf(communities string) string {
	return "SELECT person_id FROM memberships WHERE status = '" + StatusActive + "' AND community_id IN (" + communities + ")"
}

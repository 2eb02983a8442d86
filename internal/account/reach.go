package account

import (
	"context"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/store"
)

// Organizer tokens. Like an Action Network group's key, an organizer's
// token reaches the people of the communities its holder runs, and no one
// else: their members, the people confirmed in a tactic of one of their
// campaigns, the people tagged with one of their tags, and the contacts
// the organizers added through the signup helper (community_contacts; a
// contact is not a member: nobody joins a community without their
// consent). Administrators reach everyone.

// Reach is how an organizer's token reaches people, offered by their
// owners and wired in server.go: Communities is an SQL subquery selecting
// the communities a person runs, their id bound at the placeholder it is
// given (community.OrganizedBy); each of People is an SQL subquery
// selecting the people a capability relates to the communities a subquery
// selects (community.MembersOf, the participants of their tactics, the
// people tagged with their tags).
type Reach struct {
	Communities func(personArg string) string
	People      []func(communities string) string
}

// Lists is what the signup helper needs of the communities' tags (the tag
// package offers it, wired in server.go).
type Lists interface {
	// Community is the community a request acts in: the one given (id,
	// "repertoire:id" or slug) when its holder runs it, else the one
	// community they run; the error names field.
	Community(ctx context.Context, p *api.Principal, given, field string) (string, error)
	// CheckNames refuses tag names that cannot be, naming field[i].
	CheckNames(field string, names []string) repertoire.Errors
	// Apply tags the person with the add names (creating the tags missing
	// in the community) and untags them of the remove ones, in tx.
	Apply(ctx context.Context, tx *store.Tx, communityID, personID string, add, remove []string) error
}

// reachCondition is an SQL condition true when the person whose id is in
// personCol is reached by the organizer bound at organizerArg.
func (h *Handler) reachCondition(personCol, organizerArg string) string {
	if h.Reach.Communities == nil {
		return "FALSE"
	}
	communities := h.Reach.Communities(organizerArg)
	ties := []string{contactsOf(communities)}
	for _, people := range h.Reach.People {
		ties = append(ties, people(communities))
	}
	// One IN over the union: the engines look the few ids up by primary
	// key instead of testing every person against each tie.
	return "(" + personCol + " IN (" + strings.Join(ties, " UNION ") + "))"
}

// organizes reports whether the person runs a community.
func (h *Handler) organizes(ctx context.Context, q store.Queryer, personID string) (bool, error) {
	if h.Reach.Communities == nil {
		return false, nil
	}
	ids, err := store.Strings(ctx, q, h.Reach.Communities("$1"), personID)
	return len(ids) > 0, err
}

// Reaches reports whether the token's holder may read and update the
// person: an administrator, the person themselves, or an organizer who
// reaches them. An unknown person is not reached.
func (h *Handler) Reaches(ctx context.Context, q store.Queryer, p *api.Principal, personID string) (bool, error) {
	if p == nil {
		return false, nil
	}
	if p.IsAdmin || p.PersonID == personID {
		return personExists(ctx, q, personID)
	}
	return reached(ctx, q, h.reachCondition("p.id", "$2"), personID, p.PersonID)
}

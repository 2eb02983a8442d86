package community_test

import (
	"context"
	"strings"
	"testing"

	"repertoire"
	"repertoire/internal/community"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

var ctx = context.Background()

// person inserts a person (with an admin account when asked) and returns its id.
func person(t *testing.T, db *store.DB, name string, admin bool) string {
	t.Helper()
	id := store.NewID()
	err := db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, given_name, created_at, modified_at) VALUES ($1, $2, $3, $4, $4)`,
			id, strings.ToLower(name)+"@example.org", name, tx.Now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (person_id, is_admin, created_at) VALUES ($1, $2, $3)`, id, admin, tx.Now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func create(t *testing.T, s *community.Store, owner string, in community.Input) *community.Community {
	t.Helper()
	c, err := s.Create(ctx, owner, in)
	if err != nil {
		t.Fatalf("create %q: %v", in.Name, err)
	}
	return c
}

func wantCode(t *testing.T, what string, err error, code, messageID string) {
	t.Helper()
	if got := repertoire.ErrorCode(err); got != code {
		t.Fatalf("%s: want %s, got %v", what, code, err)
	}
	if messageID != "" && repertoire.AsError(err).MessageID != messageID {
		t.Fatalf("%s: want message %s, got %v", what, messageID, err)
	}
}

func mustNot(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func members(t *testing.T, s *community.Store, id string) int {
	t.Helper()
	c, err := s.Get(ctx, id)
	mustNot(t, "get", err)
	return c.TotalMembers
}

func TestCreateValidatesEveryField(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s := community.NewStore(db)
		owner := person(t, db, "Ada", false)
		cases := []struct {
			name   string
			in     community.Input
			fields []string
		}{
			{"name required", community.Input{Name: "  "}, []string{"name", "slug"}},
			{"name too long", community.Input{Name: strings.Repeat("n", 121), Slug: "ok"}, []string{"name"}},
			{"slug with capitals", community.Input{Name: "Riders", Slug: "Riders"}, []string{"slug"}},
			{"slug too short", community.Input{Name: "Riders", Slug: "r"}, []string{"slug"}},
			{"slug too long", community.Input{Name: "Riders", Slug: strings.Repeat("r", 61)}, []string{"slug"}},
			{"name without latin letters", community.Input{Name: "配達員"}, []string{"slug"}},
			{"description too long", community.Input{Name: "Riders", Description: strings.Repeat("d", 5001)}, []string{"description"}},
			{"bad choices", community.Input{Name: "Riders", Language: "de", JoinPolicy: "closed", Visibility: "secret"}, []string{"language", "join_policy", "visibility"}},
		}
		for _, tc := range cases {
			_, err := s.Create(ctx, owner, tc.in)
			var got []string
			for _, fe := range repertoire.FieldErrors(err) {
				got = append(got, fe.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("%s: fields %v, want %v (%v)", tc.name, got, tc.fields, err)
			}
		}
		var n int
		mustNot(t, "count", db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM communities`).Scan(&n))
		if n != 0 {
			t.Fatalf("refused input left %d communities", n)
		}
	})
}

func TestCreateDerivesSlugAndMakesOwner(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s := community.NewStore(db)
		owner := person(t, db, "Ada", false)
		c := create(t, s, owner, community.Input{Name: "  Café des Livreurs, Lyon!  ", Description: "Riders\r\n\r\nof Lyon"})
		if c.Slug != "cafe-des-livreurs-lyon" || c.Name != "Café des Livreurs, Lyon!" || c.Description != "Riders\n\nof Lyon" {
			t.Fatalf("created %+v", c)
		}
		if c.Language != "en" || c.JoinPolicy != community.PolicyOpen || c.Visibility != community.Public || c.TotalMembers != 1 {
			t.Fatalf("defaults: %+v", c)
		}
		got, err := s.Get(ctx, "cafe-des-livreurs-lyon")
		mustNot(t, "get by slug", err)
		if byID, err := s.Get(ctx, c.ID); err != nil || byID.ID != got.ID || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Fatalf("get by id: %+v %v (want %+v)", byID, err, got)
		}
		if role, _ := s.Role(ctx, c.ID, owner); role != community.RoleOwner {
			t.Fatalf("creator role %q", role)
		}
		_, err = s.Get(ctx, "nope")
		wantCode(t, "unknown slug", err, repertoire.ENOTFOUND, "community.not_found")
	})
}

func TestSlugIsUnique(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s := community.NewStore(db)
		owner := person(t, db, "Ada", false)
		create(t, s, owner, community.Input{Name: "Riders", Slug: "riders"})
		_, err := s.Create(ctx, owner, community.Input{Name: "Other riders", Slug: "riders"})
		wantCode(t, "same slug", err, repertoire.ECONFLICT, "community.slug_taken")
		if e := repertoire.AsError(err); e.Field != "slug" || e.Args["Slug"] != "riders" {
			t.Fatalf("conflict names %q %v", e.Field, e.Args)
		}
		// A derived slug conflicts the same way.
		_, err = s.Create(ctx, owner, community.Input{Name: "RIDERS"})
		wantCode(t, "derived slug", err, repertoire.ECONFLICT, "community.slug_taken")
	})
}

func TestJoinFollowsThePolicy(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s := community.NewStore(db)
		owner := person(t, db, "Owner", false)
		cases := []struct {
			policy     string
			wantStatus string
			wantCode   string
			wantCount  int
		}{
			{community.PolicyOpen, community.StatusActive, "", 2},
			{community.PolicyApproval, community.StatusRequested, "", 1},
			{community.PolicyInvite, "", repertoire.EFORBIDDEN, 1},
		}
		for _, tc := range cases {
			c := create(t, s, owner, community.Input{Name: "Community " + tc.policy, JoinPolicy: tc.policy})
			joiner := person(t, db, "Joiner"+tc.policy, false)
			status, err := s.Join(ctx, c.ID, joiner)
			if tc.wantCode != "" {
				wantCode(t, tc.policy, err, tc.wantCode, "community.invite_only")
			} else if err != nil || status != tc.wantStatus {
				t.Fatalf("%s: status %q, %v", tc.policy, status, err)
			}
			if n := members(t, s, c.ID); n != tc.wantCount {
				t.Fatalf("%s: %d members, want %d", tc.policy, n, tc.wantCount)
			}
			if tc.wantCode == "" {
				_, err = s.Join(ctx, c.ID, joiner)
				wantCode(t, tc.policy+" twice", err, repertoire.ECONFLICT, "")
			}
		}
	})
}

func TestRequestsAreApprovedOrRefusedByOrganizers(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s := community.NewStore(db)
		owner := person(t, db, "Owner", false)
		organizer := person(t, db, "Orga", false)
		member := person(t, db, "Member", false)
		c := create(t, s, owner, community.Input{Name: "Couriers", JoinPolicy: community.PolicyApproval})
		for _, p := range []string{organizer, member} {
			_, err := s.Join(ctx, c.ID, p)
			mustNot(t, "request", err)
			mustNot(t, "approve", s.Approve(ctx, owner, c.ID, p))
		}
		mustNot(t, "make organizer", s.SetRole(ctx, owner, c.ID, organizer, community.RoleOrganizer))

		a, b := person(t, db, "Alice", false), person(t, db, "Bob", false)
		for _, p := range []string{a, b} {
			if _, err := s.Join(ctx, c.ID, p); err != nil {
				t.Fatal(err)
			}
		}
		reqs, total, err := s.Members(ctx, c.ID, community.MemberQuery{Status: community.StatusRequested})
		mustNot(t, "requests", err)
		if total != 2 || len(reqs) != 2 || reqs[0].GivenName != "Alice" {
			t.Fatalf("requests %d %+v", total, reqs)
		}
		wantCode(t, "member approves", s.Approve(ctx, member, c.ID, a), repertoire.EFORBIDDEN, "community.organizers_only")
		mustNot(t, "organizer approves", s.Approve(ctx, organizer, c.ID, a))
		mustNot(t, "organizer refuses", s.Refuse(ctx, organizer, c.ID, b))
		wantCode(t, "approve twice", s.Approve(ctx, organizer, c.ID, a), repertoire.ENOTFOUND, "community.no_request")
		if role, _ := s.Role(ctx, c.ID, a); role != community.RoleMember {
			t.Fatalf("approved role %q", role)
		}
		if role, status, _ := s.Membership(ctx, c.ID, b); role != "" || status != "" {
			t.Fatalf("refused still %q %q", role, status)
		}
		if n := members(t, s, c.ID); n != 4 {
			t.Fatalf("%d members, want 4", n)
		}
		// A request withdrawn does not change the count.
		_, err = s.Join(ctx, c.ID, b)
		mustNot(t, "ask again", err)
		mustNot(t, "withdraw", s.Leave(ctx, c.ID, b))
		if n := members(t, s, c.ID); n != 4 {
			t.Fatalf("%d members after a withdrawn request, want 4", n)
		}
	})
}

func TestRolesAndTheLastOwner(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s := community.NewStore(db)
		owner := person(t, db, "Owner", false)
		other := person(t, db, "Other", false)
		organizer := person(t, db, "Orga", false)
		admin := person(t, db, "Admin", true)
		c := create(t, s, owner, community.Input{Name: "Drivers"})
		for _, p := range []string{other, organizer} {
			_, err := s.Join(ctx, c.ID, p)
			mustNot(t, "join", err)
		}

		wantCode(t, "last owner leaves", s.Leave(ctx, c.ID, owner), repertoire.ECONFLICT, "community.last_owner")
		wantCode(t, "last owner steps down", s.SetRole(ctx, owner, c.ID, owner, community.RoleMember), repertoire.ECONFLICT, "community.last_owner")
		wantCode(t, "bad role", s.SetRole(ctx, owner, c.ID, other, "king"), repertoire.EINVALID, "field.bad_choice")
		mustNot(t, "make organizer", s.SetRole(ctx, owner, c.ID, organizer, community.RoleOrganizer))
		wantCode(t, "organizer changes roles", s.SetRole(ctx, organizer, c.ID, other, community.RoleOwner), repertoire.EFORBIDDEN, "community.owners_only")
		wantCode(t, "organizer removes", s.Remove(ctx, organizer, c.ID, other), repertoire.EFORBIDDEN, "community.owners_only")

		checks := []struct {
			who           string
			organize, own bool
		}{{owner, true, true}, {organizer, true, false}, {other, false, false}, {admin, true, true}, {"", false, false}}
		for _, ck := range checks {
			org, err1 := s.CanOrganize(ctx, c.ID, ck.who)
			own, err2 := s.CanOwn(ctx, c.ID, ck.who)
			if err1 != nil || err2 != nil || org != ck.organize || own != ck.own {
				t.Fatalf("%q: organize %v own %v (%v %v), want %v %v", ck.who, org, own, err1, err2, ck.organize, ck.own)
			}
		}

		mustNot(t, "second owner", s.SetRole(ctx, owner, c.ID, other, community.RoleOwner))
		mustNot(t, "first owner leaves", s.Leave(ctx, c.ID, owner))
		wantCode(t, "now last owner", s.Leave(ctx, c.ID, other), repertoire.ECONFLICT, "community.last_owner")
		mustNot(t, "owner removes organizer", s.Remove(ctx, other, c.ID, organizer))
		wantCode(t, "remove a stranger", s.Remove(ctx, other, c.ID, owner), repertoire.ENOTFOUND, "community.no_member")
		if n := members(t, s, c.ID); n != 1 {
			t.Fatalf("%d members, want 1", n)
		}
		list, total, err := s.Members(ctx, c.ID, community.MemberQuery{})
		mustNot(t, "members", err)
		if total != 1 || list[0].PersonID != other || list[0].Role != community.RoleOwner {
			t.Fatalf("members %d %+v", total, list)
		}
	})
}

func TestUpdateChangesOnlyWhatIsGiven(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s := community.NewStore(db)
		owner := person(t, db, "Owner", false)
		member := person(t, db, "Member", false)
		c := create(t, s, owner, community.Input{Name: "Drivers", Description: "We drive."})
		_, err := s.Join(ctx, c.ID, member)
		mustNot(t, "join", err)
		name := "Drivers united"
		_, err = s.Update(ctx, member, c.ID, community.Patch{Name: &name})
		wantCode(t, "member edits", err, repertoire.EFORBIDDEN, "community.owners_only")
		bad := "closed"
		_, err = s.Update(ctx, owner, c.ID, community.Patch{Name: &name, JoinPolicy: &bad})
		wantCode(t, "bad policy", err, repertoire.EINVALID, "")
		private := community.Private
		got, err := s.Update(ctx, owner, c.ID, community.Patch{Name: &name, Visibility: &private})
		mustNot(t, "update", err)
		again, _ := s.Get(ctx, c.ID)
		if got.Name != name || again.Name != name || again.Visibility != private || again.Description != "We drive." || again.Slug != "drivers" || again.ModifiedAt.Before(c.ModifiedAt) {
			t.Fatalf("updated %+v", again)
		}
		wantCode(t, "member deletes", s.Delete(ctx, member, c.ID), repertoire.EFORBIDDEN, "")
		mustNot(t, "owner deletes", s.Delete(ctx, owner, c.ID))
		_, err = s.Get(ctx, c.ID)
		wantCode(t, "deleted", err, repertoire.ENOTFOUND, "")
	})
}

func TestInvitationLinksInTheStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s := community.NewStore(db)
		owner := person(t, db, "Owner", false)
		member := person(t, db, "Member", false)
		guest := person(t, db, "Guest", false)
		asker := person(t, db, "Asker", false)
		c := create(t, s, owner, community.Input{Name: "Closed circle", JoinPolicy: community.PolicyInvite, Visibility: community.Private})
		_, _, err := s.CreateInvitation(ctx, guest, c.ID)
		wantCode(t, "outsider invites", err, repertoire.EFORBIDDEN, "")

		inv, token, err := s.CreateInvitation(ctx, owner, c.ID)
		mustNot(t, "invite", err)
		if len(token) != 43 || inv.Role != community.RoleMember || inv.ExpiresAt.Sub(inv.CreatedAt) != community.InvitationLifetime {
			t.Fatalf("invitation %+v, token of %d chars", inv, len(token))
		}
		var stored int
		mustNot(t, "stored", db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM invitations WHERE token_hash = $1`, token).Scan(&stored))
		if stored != 0 {
			t.Fatal("the token itself is stored")
		}
		_, shown, err := s.Invitation(ctx, token)
		if err != nil || shown.ID != c.ID {
			t.Fatalf("invitation leads to %+v, %v", shown, err)
		}

		got, err := s.AcceptInvitation(ctx, token, member)
		if err != nil || got.ID != c.ID || got.TotalMembers != 2 {
			t.Fatalf("accept: %+v %v", got, err)
		}
		_, err = s.AcceptInvitation(ctx, token, member) // already in: nothing changes
		mustNot(t, "accept twice", err)
		if role, _ := s.Role(ctx, c.ID, member); role != community.RoleMember || members(t, s, c.ID) != 2 {
			t.Fatalf("after accepting: role %q, %d members", role, members(t, s, c.ID))
		}
		// Invitations also let in someone whose request was pending.
		open := community.PolicyApproval
		_, err = s.Update(ctx, owner, c.ID, community.Patch{JoinPolicy: &open})
		mustNot(t, "approval", err)
		mustNot(t, "make public", func() error {
			pub := community.Public
			_, err := s.Update(ctx, owner, c.ID, community.Patch{Visibility: &pub})
			return err
		}())
		_, err = s.Join(ctx, c.ID, asker)
		mustNot(t, "ask", err)
		_, err = s.AcceptInvitation(ctx, token, asker)
		mustNot(t, "accept after asking", err)
		if role, _ := s.Role(ctx, c.ID, asker); role != community.RoleMember || members(t, s, c.ID) != 3 {
			t.Fatalf("asker: role %q, %d members", role, members(t, s, c.ID))
		}
		list, err := s.Invitations(ctx, c.ID)
		if err != nil || len(list) != 1 || list[0].Uses != 2 {
			t.Fatalf("invitations %+v %v", list, err)
		}

		wantCode(t, "member revokes", s.RevokeInvitation(ctx, member, c.ID, inv.ID), repertoire.EFORBIDDEN, "")
		mustNot(t, "revoke", s.RevokeInvitation(ctx, owner, c.ID, inv.ID))
		_, err = s.AcceptInvitation(ctx, token, guest)
		wantCode(t, "revoked", err, repertoire.ENOTFOUND, "community.invitation_invalid")
		if list, _ := s.Invitations(ctx, c.ID); len(list) != 0 {
			t.Fatalf("revoked link still listed: %+v", list)
		}

		inv2, token2, err := s.CreateInvitation(ctx, owner, c.ID)
		mustNot(t, "second link", err)
		mustNot(t, "expire", db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE invitations SET expires_at = $1 WHERE id = $2`, tx.Now.Add(-1), inv2.ID)
			return err
		}))
		_, _, err = s.Invitation(ctx, token2)
		wantCode(t, "expired", err, repertoire.ENOTFOUND, "community.invitation_invalid")
		_, err = s.AcceptInvitation(ctx, "not-a-token", guest)
		wantCode(t, "unknown token", err, repertoire.ENOTFOUND, "community.invitation_invalid")
		if role, _ := s.Role(ctx, c.ID, guest); role != "" {
			t.Fatalf("guest got in as %q", role)
		}
	})
}

func TestPrivateCommunitiesAreSeenByMembersOnly(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s := community.NewStore(db)
		owner := person(t, db, "Owner", false)
		outsider := person(t, db, "Outsider", false)
		admin := person(t, db, "Admin", true)
		pub := create(t, s, owner, community.Input{Name: "Open forum"})
		priv := create(t, s, owner, community.Input{Name: "Back room", Visibility: community.Private, JoinPolicy: community.PolicyOpen})

		views := []struct {
			who  string
			c    *community.Community
			want bool
		}{
			{"", pub, true}, {outsider, pub, true},
			{"", priv, false}, {outsider, priv, false}, {owner, priv, true}, {admin, priv, true},
		}
		for _, v := range views {
			if ok, err := s.CanView(ctx, v.c, v.who); err != nil || ok != v.want {
				t.Fatalf("CanView(%s, %q) = %v %v, want %v", v.c.Slug, v.who, ok, err, v.want)
			}
		}
		_, err := s.Join(ctx, priv.ID, outsider)
		wantCode(t, "join unseen private", err, repertoire.ENOTFOUND, "community.not_found")

		lists := []struct {
			q     community.ListQuery
			slugs string
			total int
		}{
			{community.ListQuery{Limit: 10}, "open-forum", 1},
			{community.ListQuery{ViewerID: outsider, Limit: 10}, "open-forum", 1},
			{community.ListQuery{ViewerID: owner, Limit: 10}, "back-room,open-forum", 2},
			{community.ListQuery{ViewerID: owner, PublicOnly: true, Limit: 10}, "open-forum", 1},
			{community.ListQuery{ViewerID: admin, Limit: 10}, "back-room,open-forum", 2},
			{community.ListQuery{ViewerID: owner, Limit: 1, Offset: 1}, "open-forum", 2},
		}
		for _, l := range lists {
			got, total, err := s.List(ctx, l.q)
			mustNot(t, "list", err)
			var slugs []string
			for _, c := range got {
				slugs = append(slugs, c.Slug)
			}
			if strings.Join(slugs, ",") != l.slugs || total != l.total {
				t.Fatalf("%+v: %v (%d in all), want %s (%d)", l.q, slugs, total, l.slugs, l.total)
			}
		}
		ids, err := s.VisibleIDs(ctx, outsider)
		if err != nil || len(ids) != 1 || ids[0] != pub.ID {
			t.Fatalf("visible ids %v %v", ids, err)
		}
		ids, _ = s.VisibleIDs(ctx, owner)
		if len(ids) != 2 {
			t.Fatalf("owner sees %v", ids)
		}
	})
}

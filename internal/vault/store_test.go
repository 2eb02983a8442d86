package vault_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/vault"
)

// people makes one person per address and returns their ids.
func people(t testing.TB, db *store.DB, emails ...string) []string {
	t.Helper()
	var ids []string
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		var in []account.PersonInput
		for _, e := range emails {
			in = append(in, account.PersonInput{Email: e})
		}
		var err error
		ids, err = account.UpsertPeople(context.Background(), tx, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func item(category, kind, text string) vault.Item {
	data, _ := json.Marshal(map[string]string{"text": text})
	return vault.Item{Category: category, Source: vault.SourceEntered, Kind: kind, Data: data,
		Time: time.Date(2018, 3, 20, 10, 0, 0, 0, time.UTC)}
}

func add(t *testing.T, s *vault.Store, personID string, items ...vault.Item) int {
	t.Helper()
	n, err := s.Add(context.Background(), personID, items)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConsentStartsAtDoNotShare(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := vault.NewStore(db)
		id := people(t, db, "ada@example.org")[0]
		for _, cat := range vault.Categories {
			if c, err := s.Consent(ctx, id, cat); err != nil || c != vault.DoNotShare {
				t.Errorf("%s: consent %q, %v; want do_not_share", cat, c, err)
			}
		}
		if err := s.SetConsent(ctx, id, "posts", vault.Share); err != nil {
			t.Fatal(err)
		}
		if err := s.SetConsent(ctx, id, "comments", vault.AskMe); err != nil {
			t.Fatal(err)
		}
		if err := s.SetConsent(ctx, id, "posts", vault.DoNotShare); err != nil {
			t.Fatal(err)
		}
		all, err := s.Consents(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]vault.Consent{"posts": vault.DoNotShare, "comments": vault.AskMe, "profile": vault.DoNotShare}
		for cat, c := range want {
			if all[cat] != c {
				t.Errorf("%s: %q, want %q", cat, all[cat], c)
			}
		}
		if len(all) != len(vault.Categories) {
			t.Errorf("consents of %d categories, want %d", len(all), len(vault.Categories))
		}
		if err := s.SetConsent(ctx, id, "diaries", vault.Share); repertoire.ErrorCode(err) != repertoire.EINVALID {
			t.Errorf("unknown category: %v, want invalid", err)
		}
		if err := s.SetConsent(ctx, id, "posts", "sell"); repertoire.ErrorCode(err) != repertoire.EINVALID {
			t.Errorf("unknown consent: %v, want invalid", err)
		}
	})
}

func TestAddKeepsEachItemOnce(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := vault.NewStore(db)
		ids := people(t, db, "ada@example.org", "bob@example.org")
		batch := []vault.Item{item("posts", "post", "first"), item("posts", "post", "second"), item("comments", "comment", "first")}
		if n := add(t, s, ids[0], batch...); n != 3 {
			t.Fatalf("first import added %d, want 3", n)
		}
		if n := add(t, s, ids[0], batch...); n != 0 {
			t.Errorf("the same items again added %d, want 0", n)
		}
		// The same content in another batch with one new item.
		if n := add(t, s, ids[0], item("posts", "post", "second"), item("posts", "post", "third")); n != 1 {
			t.Errorf("one new among old added %d, want 1", n)
		}
		// Another person's identical items are theirs.
		if n := add(t, s, ids[1], batch...); n != 3 {
			t.Errorf("another person's import added %d, want 3", n)
		}
		counts, err := s.Counts(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if counts["posts"] != 3 || counts["comments"] != 1 || counts["profile"] != 0 {
			t.Errorf("counts %v", counts)
		}
		items, err := s.Items(ctx, ids[0], "posts", "", 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 2 {
			t.Fatalf("first page: %d items", len(items))
		}
		next, err := s.Items(ctx, ids[0], "posts", items[1].ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(next) != 1 || next[0].ID <= items[1].ID {
			t.Fatalf("second page: %+v", next)
		}
		got := items[0]
		if got.PersonID != ids[0] || got.Category != "posts" || got.Source != vault.SourceEntered || got.Kind != "post" ||
			!got.Time.Equal(time.Date(2018, 3, 20, 10, 0, 0, 0, time.UTC)) || got.Created.IsZero() {
			t.Errorf("item read back as %+v", got)
		}
		var data map[string]string
		if err := json.Unmarshal(got.Data, &data); err != nil || data["text"] == "" {
			t.Errorf("data %s: %v", got.Data, err)
		}
		if _, err := s.Add(ctx, ids[0], []vault.Item{item("diaries", "x", "y")}); repertoire.ErrorCode(err) != repertoire.EINVALID {
			t.Errorf("unknown category: %v", err)
		}
	})
}

func TestSharedFollowsEachConsent(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := vault.NewStore(db)
		ids := people(t, db, "ada@example.org", "bob@example.org", "cleo@example.org")
		ada, bob, cleo := ids[0], ids[1], ids[2]
		for i := range 3 {
			add(t, s, ada, item("posts", "post", fmt.Sprint("ada post ", i)))
		}
		add(t, s, ada, item("comments", "comment", "ada comment"))
		add(t, s, bob, item("posts", "post", "bob post"), item("comments", "comment", "bob comment"))
		add(t, s, cleo, item("posts", "post", "cleo post"))
		// Ada shares her posts, not her comments; Bob shares his comments
		// and is asked for his posts; Cleo shares posts she then
		// withdraws; nobody else says anything.
		set := func(id, cat string, c vault.Consent) {
			t.Helper()
			if err := s.SetConsent(ctx, id, cat, c); err != nil {
				t.Fatal(err)
			}
		}
		set(ada, "posts", vault.Share)
		set(bob, "comments", vault.Share)
		set(bob, "posts", vault.AskMe)
		set(cleo, "posts", vault.Share)
		set(cleo, "posts", vault.DoNotShare)
		set(cleo, "profile", vault.Share) // shares a category she has no items in

		owners := func(items []vault.Item) map[string]int {
			m := map[string]int{}
			for _, it := range items {
				m[it.PersonID+"/"+it.Category]++
			}
			return m
		}
		all, err := s.Shared(ctx, nil, []string{"posts", "comments", "profile"}, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := owners(all); len(got) != 2 || got[ada+"/posts"] != 3 || got[bob+"/comments"] != 1 {
			t.Errorf("shared with anyone: %v", got)
		}
		onlyBob, err := s.Shared(ctx, []string{bob, cleo}, []string{"posts", "comments"}, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := owners(onlyBob); len(got) != 1 || got[bob+"/comments"] != 1 {
			t.Errorf("shared among bob and cleo: %v", got)
		}
		if none, err := s.Shared(ctx, []string{}, []string{"posts"}, "", 100); err != nil || len(none) != 0 {
			t.Errorf("shared among nobody: %d items, %v", len(none), err)
		}
		// Bob is asked for his posts: served under the policy he allows,
		// only while he allows it, under no other; Cleo's answer does not
		// override her "do not share".
		answer := func(id, policy string, allow bool) {
			t.Helper()
			if err := s.SetAnswer(ctx, id, policy, "posts", allow); err != nil {
				t.Fatal(err)
			}
		}
		under := func(policy string) map[string]int {
			t.Helper()
			items, err := s.SharedWith(ctx, policy, nil, []string{"posts"}, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			return owners(items)
		}
		if got := under("policy-1"); got[bob+"/posts"] != 0 {
			t.Errorf("bob's posts before he answered: %v", got)
		}
		answer(bob, "policy-1", true)
		answer(cleo, "policy-1", true)
		if got := under("policy-1"); got[bob+"/posts"] == 0 || got[cleo+"/posts"] != 0 || got[ada+"/posts"] != 3 {
			t.Errorf("under the policy bob allowed: %v", got)
		}
		if got := under("policy-2"); got[bob+"/posts"] != 0 {
			t.Errorf("under another policy: %v", got)
		}
		if n, err := s.SharingWith(ctx, "policy-1", nil, []string{"posts"}); err != nil || n["posts"] != 2 {
			t.Errorf("sharing under the policy bob allowed: %v %v", n, err)
		}
		answer(bob, "policy-1", false)
		if got := under("policy-1"); got[bob+"/posts"] != 0 {
			t.Errorf("after bob refused: %v", got)
		}
		if a, err := s.Answers(ctx, bob); err != nil || len(a) != 1 || a["policy-1"]["posts"].Allow {
			t.Errorf("bob's answers: %v %v", a, err)
		}
		if onlyPosts, err := s.Shared(ctx, nil, []string{"comments"}, "", 100); err != nil || len(onlyPosts) != 1 {
			t.Errorf("shared comments: %d items, %v", len(onlyPosts), err)
		}
		// Paging: two, then the rest, in id order, nothing twice.
		first, err := s.Shared(ctx, nil, []string{"posts", "comments"}, "", 2)
		if err != nil || len(first) != 2 {
			t.Fatalf("first page: %d, %v", len(first), err)
		}
		rest, err := s.Shared(ctx, nil, []string{"posts", "comments"}, first[1].ID, 100)
		if err != nil || len(rest) != 2 || rest[0].ID <= first[1].ID {
			t.Fatalf("second page: %d, %v", len(rest), err)
		}

		sharing, err := s.Sharing(ctx, nil, []string{"posts", "comments", "profile"})
		if err != nil {
			t.Fatal(err)
		}
		if sharing["posts"] != 1 || sharing["comments"] != 1 || sharing["profile"] != 0 {
			t.Errorf("sharing: %v", sharing)
		}
		among, err := s.Sharing(ctx, []string{bob, cleo}, []string{"posts", "comments"})
		if err != nil {
			t.Fatal(err)
		}
		if among["posts"] != 0 || among["comments"] != 1 {
			t.Errorf("sharing among bob and cleo: %v", among)
		}
		if _, err := s.Shared(ctx, nil, []string{"diaries"}, "", 10); repertoire.ErrorCode(err) != repertoire.EINVALID {
			t.Errorf("unknown category: %v", err)
		}
	})
}

// A filter of more people than one statement binds still finds each.
func TestSharedAmongManyPeople(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := vault.NewStore(db)
		ids := people(t, db, "ada@example.org", "bob@example.org")
		for _, id := range ids {
			add(t, s, id, item("posts", "post", "hello"))
			if err := s.SetConsent(ctx, id, "posts", vault.Share); err != nil {
				t.Fatal(err)
			}
		}
		filter := make([]string, 0, 4500)
		filter = append(filter, ids[0])
		for i := range 4500 {
			filter = append(filter, fmt.Sprintf("00000000-0000-0000-0000-%012d", i))
		}
		filter = append(filter, ids[1])
		items, err := s.Shared(ctx, filter, []string{"posts"}, "", 10)
		if err != nil || len(items) != 2 {
			t.Fatalf("shared among 4502 ids: %d items, %v", len(items), err)
		}
		if n, err := s.Sharing(ctx, filter, []string{"posts"}); err != nil || n["posts"] != 2 {
			t.Fatalf("sharing among 4502 ids: %v, %v", n, err)
		}
	})
}

func TestDelete(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := vault.NewStore(db)
		ids := people(t, db, "ada@example.org", "bob@example.org")
		add(t, s, ids[0], item("posts", "post", "a"), item("posts", "post", "b"), item("comments", "comment", "c"), item("profile", "profile", "d"))
		add(t, s, ids[1], item("posts", "post", "a"))
		posts, _ := s.Items(ctx, ids[0], "posts", "", 10)
		bobs, _ := s.Items(ctx, ids[1], "", "", 10)
		if err := s.Delete(ctx, ids[0], bobs[0].ID); repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			t.Errorf("deleting another's item: %v, want not found", err)
		}
		if _, err := s.Get(ctx, ids[0], bobs[0].ID); repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			t.Errorf("reading another's item: %v, want not found", err)
		}
		if err := s.Delete(ctx, ids[0], posts[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, ids[0], posts[0].ID); repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			t.Errorf("deleting twice: %v", err)
		}
		if n, err := s.DeleteCategory(ctx, ids[0], "posts"); err != nil || n != 1 {
			t.Errorf("delete posts: %d, %v", n, err)
		}
		counts, _ := s.Counts(ctx, ids[0])
		if counts["posts"] != 0 || counts["comments"] != 1 || counts["profile"] != 1 {
			t.Errorf("after deleting posts: %v", counts)
		}
		if n, err := s.DeleteCategory(ctx, ids[0], ""); err != nil || n != 2 {
			t.Errorf("delete all: %d, %v", n, err)
		}
		if left, _ := s.Items(ctx, ids[0], "", "", 10); len(left) != 0 {
			t.Errorf("%d items left", len(left))
		}
		if left, _ := s.Items(ctx, ids[1], "", "", 10); len(left) != 1 {
			t.Errorf("bob has %d items after ada deleted hers", len(left))
		}
	})
}

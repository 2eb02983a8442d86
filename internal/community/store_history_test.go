package community_test

import (
	"testing"

	"repertoire/internal/community"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// A Repertoire is empty until its first community, private or public.
func TestEmpty(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s := community.NewStore(db)
		empty, err := s.Empty(ctx)
		if err != nil || !empty {
			t.Fatalf("fresh database: empty %v, %v", empty, err)
		}
		create(t, s, person(t, db, "Olga", false), community.Input{Name: "Hidden", Visibility: community.Private})
		if empty, err := s.Empty(ctx); err != nil || empty {
			t.Fatalf("after a private community: empty %v, %v", empty, err)
		}
	})
}

package petition_test

import (
	"context"
	"testing"
	"time"

	"repertoire"
	"repertoire/internal/petition"
	"repertoire/internal/testkit"
)

// A petition of the past is dated from the day it opened; a petition
// cannot open in the future, nor one that does not exist.
func TestBackdate(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		_, p, _ := setup(t, app)
		s := petition.NewStore(app.DB)
		opened := time.Date(2018, 4, 9, 9, 0, 0, 0, time.UTC)
		if err := s.Backdate(ctx, p.id(), opened); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, p.id())
		if err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(opened) || !got.ModifiedAt.Equal(opened) {
			t.Fatalf("created %s, modified %s; want %s", got.CreatedAt, got.ModifiedAt, opened)
		}
		if err := s.Backdate(ctx, p.id(), time.Now().Add(time.Hour)); err == nil {
			t.Fatal("a petition was dated in the future")
		}
		if err := s.Backdate(ctx, "missing", opened); repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			t.Fatalf("backdating a missing petition: %v", err)
		}
	})
}

package web_test

import (
	"context"
	"sync"
	"testing"

	"repertoire/internal/web"
)

// A session is read when someone first asks who is signed in, once
// however many ask, and never when nobody does.
func TestSessionIsReadOnFirstUseOnly(t *testing.T) {
	reads := 0
	find := func(v *web.Viewer) func() *web.Viewer { return func() *web.Viewer { reads++; return v } }

	web.WithSession(context.Background(), find(&web.Viewer{PersonID: "p1"}))
	if reads != 0 {
		t.Fatalf("%d session reads before anyone asked", reads)
	}

	ctx := web.WithSession(context.Background(), find(&web.Viewer{PersonID: "p1"}))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if v := web.ViewerFrom(ctx); v == nil || v.PersonID != "p1" {
				t.Errorf("viewer %+v, want p1", v)
			}
		})
	}
	wg.Wait()
	if reads != 1 {
		t.Fatalf("%d session reads for 8 questions, want 1", reads)
	}

	// An unknown or expired session is a visitor.
	ctx = web.WithSession(context.Background(), find(nil))
	if v := web.ViewerFrom(ctx); v != nil {
		t.Fatalf("unknown session: viewer %+v", v)
	}
}

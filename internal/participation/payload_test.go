package participation

import (
	"context"
	"strings"
	"sync"
	"testing"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// moverAction is a tactic keeping a payload: it records what its Mover
// hears and states payloads in its mails.
type moverAction struct {
	testAction
	mu    sync.Mutex
	heard []string // "status payload" of each participation told, in order
}

func (a *moverAction) Moved(ctx context.Context, tx *store.Tx, parts []*Participation) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range parts {
		a.heard = append(a.heard, p.Status+" "+p.Payload)
	}
	return nil
}

func (a *moverAction) Statement(lang, payload string) string { return "The text: " + payload }

func (a *moverAction) told() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.heard...)
}

// Each link mailed for a participation keeps the payload submitted with
// it, states it, and hands that payload to the tactic's Mover when it is
// followed, whatever was submitted since; nothing is told before. A
// withdrawal and an import are told too, an import with its payload.
func TestPayloadPerLink(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Limits{})
		a := &moverAction{}
		s.Register(Outreach, a)
		ctx := context.Background()
		sub := func(email, payload string) Submission {
			sub := signature("letter-1", email)
			sub.Kind, sub.Payload = Outreach, payload
			return sub
		}
		submit(t, s, sub("ann@example.org", "A"))
		submit(t, s, sub("ann@example.org", "B"))
		mails := mailsTo(t, db, "ann@example.org")
		if len(mails) != 2 || !strings.Contains(mails[0].Body, "The text: A") || !strings.Contains(mails[1].Body, "The text: B") {
			t.Fatalf("the mails do not state their own payload: %+v", mails)
		}
		if got := a.told(); len(got) != 0 {
			t.Fatalf("told before any link was followed: %q", got)
		}
		tokenA, tokenB := tokenOf(t, mails[0]), tokenOf(t, mails[1])
		if _, err := s.Confirm(ctx, tokenA); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Confirm(ctx, tokenB); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Withdraw(ctx, tokenA); err != nil {
			t.Fatal(err)
		}
		imp := sub("bob@example.org", "I")
		imp.OriginSystem = "paper"
		submit(t, s, imp)
		want := []string{"confirmed A", "confirmed B", "withdrawn B", "confirmed I"}
		if got := a.told(); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("the Mover heard %q, want %q", got, want)
		}
	})
}

package gateway

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"repertoire/internal/store"
)

// strikes is what this instance knows of the communities' strikes, kept
// current by the notifications of every instance (store.DB.Listen:
// PostgreSQL's LISTEN, or in process on SQLite). It answers the fast
// path: a request of a community on strike is denied without touching
// the database. Correctness does not rest on it: every allowed request's
// transaction reads the community's strike version (history.go).
type strikes struct {
	db        *store.DB
	log       *slog.Logger
	listening atomic.Bool
	mu        sync.RWMutex
	by        map[string]*strikeState // community id → state
	onChange  func()                  // drops the snapshots of keys and policies
}

func newStrikes(db *store.DB, log *slog.Logger) *strikes {
	return &strikes{db: db, log: log, by: map[string]*strikeState{}}
}

// run listens until ctx ends; until it listens, every request reads the
// state from the database.
func (s *strikes) run(ctx context.Context) error {
	err := s.db.Listen(ctx, notifyChannel, s.changed)
	if err != nil {
		return err
	}
	s.listening.Store(true)
	go func() { <-ctx.Done(); s.listening.Store(false) }()
	return nil
}

// changed is a notification: a community's strikes changed ("" : any).
func (s *strikes) changed(communityID string) {
	if s.onChange != nil {
		s.onChange()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if communityID == "" {
		s.mu.Lock()
		s.by = map[string]*strikeState{} // read again when next asked
		s.mu.Unlock()
		return
	}
	st, err := readState(ctx, s.db.Reader(), communityID)
	if err != nil {
		s.log.Warn("gateway: reading a strike state failed; reading it per request", "err", err)
		s.mu.Lock()
		delete(s.by, communityID)
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	if cur := s.by[communityID]; cur == nil || cur.version <= st.version {
		s.by[communityID] = st
	}
	s.mu.Unlock()
}

// state is the community's strike state: remembered while listening, read
// from the database otherwise.
func (s *strikes) state(ctx context.Context, communityID string) (*strikeState, error) {
	if s.listening.Load() {
		s.mu.RLock()
		st := s.by[communityID]
		s.mu.RUnlock()
		if st != nil {
			return st, nil
		}
	}
	st, err := readState(ctx, s.db.Reader(), communityID)
	if err != nil {
		return nil, err
	}
	if s.listening.Load() {
		s.mu.Lock()
		if cur := s.by[communityID]; cur == nil || cur.version <= st.version {
			s.by[communityID] = st
		}
		s.mu.Unlock()
	}
	return st, nil
}

// blocking is the strike of the whole community in force at t, nil when
// none.
func (st *strikeState) blocking(t time.Time) *Strike {
	for _, s := range st.strikes {
		if s.Scope == ScopeMembers && s.Active(t) {
			return s
		}
	}
	return nil
}

// striking tells whether a member is on a strike (of those who joined) in
// force at t, and which.
func (st *strikeState) striking(personID string, t time.Time) *Strike {
	for _, s := range st.strikes {
		if s.Scope == ScopeJoined && s.Active(t) && st.strikers[s.ID][personID] {
			return s
		}
	}
	return nil
}

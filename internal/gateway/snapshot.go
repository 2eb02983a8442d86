package gateway

import (
	"context"
	"slices"
	"sync"
	"time"

	"repertoire/internal/community"
	"repertoire/internal/store"
)

// snapshotFor is how long an instance answers from what it read of a
// key's consumer and policies, and of a policy's volume used today: the
// consumer API's hot path read them on every request, a third of its
// cost. A key revoked or a policy adopted is notified to every instance
// in its transaction (as a strike is), which drops them: it applies within
// the notification's delay, and at worst within a second. A policy's window is checked
// against the clock at each request; so are the community's members
// (activeMembers); consent and strikes are never taken from a snapshot.
// The volume kept here only trims a request's page: the limits are
// counted, and decide, in the access history's transaction (history.go).
const snapshotFor = time.Second

type keyEntry struct {
	c        *Consumer
	policies []*Policy
	at       time.Time
}

type usedEntry struct {
	day string
	n   int
	at  time.Time
}

type membersEntry struct {
	ids []string
	at  time.Time
}

type snapshots struct {
	mu      sync.Mutex
	keys    map[string]keyEntry // by the key's hash
	used    map[string]usedEntry
	members map[string]membersEntry // by community
	sharers map[string]sharersEntry // by policy + " " + category
}

// sharersEntry is who of a community's members shared a category under a
// policy at a version of the vault (vault.Store.SharersWith).
type sharersEntry struct {
	members []string // the active members it was read among (a snapshot's)
	version int64
	people  []string
}

func newSnapshots() *snapshots {
	return &snapshots{keys: map[string]keyEntry{}, used: map[string]usedEntry{}, members: map[string]membersEntry{},
		sharers: map[string]sharersEntry{}}
}

// forget drops the snapshots of keys and policies (a key revoked, a
// policy adopted).
func (s *snapshots) forget() {
	s.mu.Lock()
	s.keys = map[string]keyEntry{}
	s.mu.Unlock()
}

// activeMembers are the community's active members, read at most once a
// second per instance (a member who leaves is left out within the second;
// their consent is still read at each request).
func (h *Handler) activeMembers(ctx context.Context, communityID string) ([]string, error) {
	now := time.Now()
	h.snaps.mu.Lock()
	e, ok := h.snaps.members[communityID]
	h.snaps.mu.Unlock()
	if ok && now.Sub(e.at) < snapshotFor {
		return e.ids, nil
	}
	ids, err := community.ActiveMemberIDs(ctx, h.Store.db.Reader(), communityID)
	if err != nil {
		return nil, err
	}
	h.snaps.mu.Lock()
	if len(h.snaps.members) > 10000 {
		h.snaps.members = map[string]membersEntry{}
	}
	h.snaps.members[communityID] = membersEntry{ids: ids, at: now}
	h.snaps.mu.Unlock()
	return ids, nil
}

// consumer is the consumer a key opens and its adopted policies.
func (h *Handler) consumerOf(ctx context.Context, key string) (*Consumer, []*Policy, error) {
	hash := store.HashToken(key)
	now := time.Now()
	h.snaps.mu.Lock()
	e, ok := h.snaps.keys[hash]
	h.snaps.mu.Unlock()
	if ok && now.Sub(e.at) < snapshotFor {
		return e.c, e.policies, nil
	}
	c, err := h.Store.ConsumerByKey(ctx, key)
	if err != nil {
		return nil, nil, err
	}
	ps, err := h.Store.ConsumerPolicies(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	h.snaps.mu.Lock()
	if len(h.snaps.keys) > 10000 {
		h.snaps.keys = map[string]keyEntry{}
	}
	h.snaps.keys[hash] = keyEntry{c: c, policies: ps, at: now}
	h.snaps.mu.Unlock()
	return c, ps, nil
}

// used is how many items the policy served today, as this instance last
// read it or committed it.
func (h *Handler) used(ctx context.Context, policyID string, t time.Time) (int, error) {
	day := t.UTC().Format(time.DateOnly)
	now := time.Now()
	h.snaps.mu.Lock()
	e, ok := h.snaps.used[policyID]
	h.snaps.mu.Unlock()
	if ok && e.day == day && now.Sub(e.at) < snapshotFor {
		return e.n, nil
	}
	n, err := h.Store.Used(ctx, policyID, t)
	if err != nil {
		return 0, err
	}
	h.snaps.mu.Lock()
	h.snaps.used[policyID] = usedEntry{day: day, n: n, at: now}
	h.snaps.mu.Unlock()
	return n, nil
}

// sharers are the community's members (the active members, strikers
// included) who share the category under the policy now, and the vault's
// sharing version they hold at. They are kept while that version has not
// moved, so consent is still as of this request: one read of the version
// row, where reading them checked each member's consent and items.
func (h *Handler) sharers(ctx context.Context, p *Policy, members []string, category string) ([]string, int64, error) {
	v, err := h.vault.Version(ctx)
	if err != nil {
		return nil, 0, err
	}
	k := p.ID + " " + category
	h.snaps.mu.Lock()
	e, ok := h.snaps.sharers[k]
	h.snaps.mu.Unlock()
	if ok && e.version == v && slices.Equal(e.members, members) {
		return e.people, v, nil
	}
	people, keep, err := h.vault.SharersWith(ctx, v, p.ID, members, category)
	if err != nil {
		return nil, 0, err
	}
	if keep {
		h.snaps.mu.Lock()
		if len(h.snaps.sharers) > 10000 {
			h.snaps.sharers = map[string]sharersEntry{}
		}
		h.snaps.sharers[k] = sharersEntry{members: members, version: v, people: people}
		h.snaps.mu.Unlock()
	}
	return people, v, nil
}

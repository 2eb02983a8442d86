package participation

import (
	"context"
	"net/http"
	"sync"
	"time"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/web"
)

// placeTTL is how long a form post acts on a snapshot of its tactic's
// place before one post reads it anew; the others keep acting on the
// snapshot while that read is under way, for at most placeTTL more (so
// that no post waits on it). An action closed or a community made private
// on another instance thus takes participations for at most two seconds;
// here Forget drops the snapshots at once. The public page's microcache
// shows a second-old page likewise.
const placeTTL = time.Second

// places holds the snapshots LocatePost reads, by URL.
type places[T any] struct {
	mu  sync.Mutex
	m   map[placeKey]*place[T]
	gen int // Forget's count: a read started before it is not kept
}

// placeKey is the slugs of a form's URL.
type placeKey struct{ community, campaign, action string }

// place is what LocatePost shares between viewers: the community, and what
// Locate finds of the campaign and the action, or the error it would answer
// someone who may see the community.
type place[T any] struct {
	ready chan struct{}        // closed once loaded
	at    time.Time            // when its read started
	com   *community.Community // nil when there is no such community
	page  *Page[T]
	err   error
	next  *place[T] // the read replacing it, under way
}

// LocatePost resolves the URL of a tactic's participation form for the
// viewer, as Locate(w, r, true, false) does, but from a snapshot of the
// community, campaign and action at most placeTTL old and shared by every
// viewer: a viral action's form is posted thousands of times a second, and
// the whole campaign (its demands, timeline, coverage) is read once a
// second instead of for each. Visibility is still the viewer's: a private
// community's membership is read on every post. The page's CanOrganize is
// false (a participation needs no rights); a page rendered for the viewer
// (the form again with its errors) comes from Locate.
func (l *Locator[T]) LocatePost(w http.ResponseWriter, r *http.Request) *Page[T] {
	ctx := r.Context()
	p := l.snapshot(ctx, placeKey{r.PathValue("community"), r.PathValue("campaign"), r.PathValue(l.Param)})
	err := p.err
	if p.com != nil && p.com.Visibility != community.Public {
		// As Locate: an outsider learns nothing of what the community holds.
		switch ok, e := l.Communities.CanView(ctx, p.com, web.ViewerID(r)); {
		case e != nil:
			err = e
		case !ok:
			err = repertoire.Errorf(repertoire.ENOTFOUND, "campaign.community_not_found")
		}
	}
	if err != nil {
		l.Pages.Error(w, r, err)
		return nil
	}
	return p.page
}

// snapshot returns the place of key. A missing one, or an error, is read
// while the posts asking for it wait for that one read; a stale one is read
// anew by the post that finds it so, while the others keep the stale one
// for at most placeTTL more.
func (l *Locator[T]) snapshot(ctx context.Context, key placeKey) *place[T] {
	now := time.Now()
	l.places.mu.Lock()
	if l.places.m == nil || len(l.places.m) > 10_000 {
		l.places.m = map[placeKey]*place[T]{}
	}
	p := l.places.m[key]
	var old *place[T] // the stale place a read of mine replaces
	switch {
	case p == nil || (loaded(p) && p.err != nil):
		p = &place[T]{ready: make(chan struct{}), at: now}
		l.places.m[key] = p
		old = p
	case !loaded(p):
		// The first read is under way: wait for it.
	case now.Sub(p.at) < placeTTL:
		l.places.mu.Unlock()
		return p
	case p.next != nil: // another post reads it anew
		if now.Sub(p.at) < 2*placeTTL {
			l.places.mu.Unlock()
			return p
		}
		p = p.next
	default:
		old = p
		p = &place[T]{ready: make(chan struct{}), at: now}
		old.next = p
	}
	gen := l.places.gen
	l.places.mu.Unlock()
	if old != nil {
		// Others may wait for this read: it must not end with this request.
		l.load(context.WithoutCancel(ctx), p, key)
		close(p.ready)
		l.places.mu.Lock()
		if l.places.gen == gen && l.places.m[key] == old {
			l.places.m[key] = p
		}
		l.places.mu.Unlock()
	}
	<-p.ready
	return p
}

func loaded[T any](p *place[T]) bool {
	select {
	case <-p.ready:
		return true
	default:
		return false
	}
}

// load reads what Locate reads, as for a visitor but before visibility,
// which LocatePost checks for each viewer.
func (l *Locator[T]) load(ctx context.Context, p *place[T], key placeKey) {
	if p.com, p.err = l.Communities.Get(ctx, key.community); p.err != nil {
		p.com = nil
		return
	}
	c, err := l.Campaigns.GetBySlug(ctx, p.com.ID, key.campaign)
	if err != nil {
		p.err = err
		return
	}
	action, err := l.Get(ctx, c.ID, key.action)
	if err != nil {
		p.err = err
		return
	}
	p.page = &Page[T]{Place: &campaign.Place{Community: p.com, Campaign: c}, Tactic: action}
}

// Forget drops every snapshot after an organizer changed an action, so
// that its next post reads it anew (a closed petition refuses the next
// signature).
func (l *Locator[T]) Forget() {
	l.places.mu.Lock()
	clear(l.places.m)
	l.places.gen++
	l.places.mu.Unlock()
}

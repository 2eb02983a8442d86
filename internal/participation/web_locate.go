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

// placeTTL is how long a form post may act on a snapshot of its tactic's
// place: an action closed or a community made private on another instance
// takes participations for at most that long (here, Forget drops it at
// once). The public page's microcache shows the same second.
const placeTTL = time.Second

// places holds the snapshots LocatePost reads, by URL.
type places[T any] struct {
	mu sync.Mutex
	m  map[placeKey]*place[T]
}

// placeKey is the slugs of a form's URL.
type placeKey struct{ community, campaign, action string }

// place is what LocatePost shares between viewers: the community, and what
// Locate finds of the campaign and the action, or the error it would answer
// someone who may see the community.
type place[T any] struct {
	ready chan struct{} // closed once loaded
	at    time.Time
	com   *community.Community // nil when there is no such community
	page  *Page[T]
	err   error
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

// snapshot returns the place of key, loading it when it is missing, stale
// or was an error; concurrent misses wait for one load.
func (l *Locator[T]) snapshot(ctx context.Context, key placeKey) *place[T] {
	now := time.Now()
	l.places.mu.Lock()
	p := l.places.m[key]
	if p != nil {
		select {
		case <-p.ready:
			if now.Sub(p.at) >= placeTTL || p.err != nil {
				p = nil
			}
		default: // being loaded: wait for it below
		}
	}
	mine := p == nil
	if mine {
		if l.places.m == nil || len(l.places.m) > 10_000 {
			l.places.m = map[placeKey]*place[T]{}
		}
		p = &place[T]{ready: make(chan struct{}), at: now}
		l.places.m[key] = p
	}
	l.places.mu.Unlock()
	if mine {
		// Others wait for this load: it must not end with this request.
		l.load(context.WithoutCancel(ctx), p, key)
		close(p.ready)
	}
	<-p.ready
	return p
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
	l.places.mu.Unlock()
}

package integrity

import (
	"cmp"
	"context"
	"embed"
	"html/template"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are the review queue's pages and the set-aside figure.
//
//go:embed templates/*.html
var Templates embed.FS

// Group statuses.
const (
	StatusOpen        = "open"        // waiting for an organizer's review
	StatusInvalidated = "invalidated" // its participations rejected: they count no more
	StatusDismissed   = "dismissed"   // found honest: its flags taken off
)

// StoredGroup is a group the engine found, as kept for review: the
// participations of one community it holds (a group acting across
// communities is one row per community, each reviewed by its organizers).
type StoredGroup struct {
	ID, CommunityID string
	Kind            string
	Score           float64
	Reasons         []string // message ids
	Windows         []StoredWindow
	Accounts        int // people
	Members         int // participations
	Status          string
	Invalidated     int // participations taken out of the counts by its invalidation
	CreatedAt       time.Time
	ModifiedAt      time.Time
	DecidedAt       *time.Time
}

// StoredWindow is when a group acted on one action.
type StoredWindow struct {
	ActionID string    `json:"action"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}

// Handler runs the engine over participations and serves the review.
type Handler struct {
	db          *store.DB
	pages       *web.Renderer
	log         *slog.Logger
	baseURL     string
	communities *community.Store
	parts       *participation.Service
	// ActionsOf is an SQL subquery selecting the ids of the tactics'
	// actions of the campaigns a subquery selects, each tactic's written
	// by its owner (wired in server.go): a community's run reads those.
	ActionsOf func(campaigns string) string
	// Config is the engine's thresholds.
	Config Config
	// Every is how often the incremental run looks at Recent
	// participations (0: never; runs on demand only).
	Every, Recent time.Duration

	runMu      sync.Mutex // one run at a time in this instance
	writeChunk int        // under runMu; 0: writeChunk (tests write smaller chunks)
}

// New builds the integrity review.
func New(db *store.DB, pages *web.Renderer, log *slog.Logger, baseURL string, communities *community.Store,
	parts *participation.Service) *Handler {
	return &Handler{db: db, pages: pages, log: log, baseURL: baseURL, communities: communities, parts: parts,
		Config: DefaultConfig(), Every: 5 * time.Minute, Recent: 2 * time.Hour}
}

// Run is what one run read and found.
type Run struct {
	CommunityID string    // "" for the whole instance
	Since       time.Time // zero: every participation
	Events      int       // participations read
	Groups      []string  // ids of the groups it created or added to
	Flagged     int       // participations newly set aside for review
	StartedAt   time.Time
	FinishedAt  time.Time
}

// Detect runs the engine over the participations of a community (or of
// the whole instance, "") made since since (zero: all of them), and keeps
// what it finds for review: each group's participations are shadow-flagged
// (their people notice nothing) and held out of the public figure's
// "held" until an organizer decides. A participation is in one group at
// most: found again, it leaves its group as it is (a dismissed group's
// are not flagged again).
func (h *Handler) Detect(ctx context.Context, communityID string, since time.Time) (*Run, error) {
	h.runMu.Lock()
	defer h.runMu.Unlock()
	run := &Run{CommunityID: communityID, Since: since, StartedAt: store.Now()}
	q := participation.SignalQuery{Since: since}
	if communityID != "" {
		if h.ActionsOf == nil {
			return nil, repertoire.Errorf(repertoire.EINTERNAL, "error.internal")
		}
		q.Actions = func(column string, arg func(any) string) string {
			return column + " IN (" + h.ActionsOf(campaign.CampaignsOf(arg(communityID))) + ")"
		}
	}
	sigs, err := h.parts.Signals(ctx, q)
	if err != nil {
		return nil, err
	}
	created, err := account.Created(ctx, h.db.Reader(), peopleOf(sigs, nil))
	if err != nil {
		return nil, err
	}
	return run, h.detect(ctx, run, sigs, eventsOf(sigs, created), nil)
}

// eventsOf are the engine's events of sigs, with their people's creation
// times.
func eventsOf(sigs []participation.Signal, created map[string]time.Time) []Event {
	events := make([]Event, len(sigs))
	for i, sg := range sigs {
		events[i] = Event{Account: sg.PersonID, Target: sg.ActionID, Time: sg.CreatedAt.Unix(), IPPrefix: IPPrefix(sg.IP),
			Domain: strings.ToLower(sg.Domain), UserAgent: sg.UAFamily}
		if t, ok := created[sg.PersonID]; ok {
			events[i].AccountCreated = t.Unix()
		}
	}
	return events
}

// detect runs the engine over sigs (whose events are events) and keeps
// what it finds; grouped, when not nil, is what the incremental run knows
// of their groups already.
func (h *Handler) detect(ctx context.Context, run *Run, sigs []participation.Signal, events []Event,
	grouped map[string]membership) error {
	run.Events = len(sigs)
	found := Detect(events, h.Config)
	if len(found) > 0 {
		if err := h.keep(ctx, run, sigs, found, grouped); err != nil {
			return err
		}
	}
	run.FinishedAt = store.Now()
	return nil
}

// peopleOf lists the people of sigs not in known.
func peopleOf(sigs []participation.Signal, known map[string]time.Time) []string {
	var out []string
	seen := map[string]bool{}
	for _, sg := range sigs {
		if _, ok := known[sg.PersonID]; !ok && !seen[sg.PersonID] {
			seen[sg.PersonID] = true
			out = append(out, sg.PersonID)
		}
	}
	return out
}

// finding is one engine group's participations in one community.
type finding struct {
	communityID string
	group       Group
	sigs        []participation.Signal // its participations
	fresh       []participation.Signal // those in no group yet, as the readers saw them
	open        string                 // the community's open group holding some of the others
	actions     map[string]bool        // the actions of sigs
}

// keep stores what the engine found, in one transaction.
func (h *Handler) keep(ctx context.Context, run *Run, sigs []participation.Signal, found []Group, grouped map[string]membership) error {
	type pair struct{ person, action string }
	byPair := make(map[pair]participation.Signal, len(sigs))
	for _, sg := range sigs {
		byPair[pair{sg.PersonID, sg.ActionID}] = sg
	}
	places := map[string]string{} // action → community id ("" when none)
	var findings []finding
	for _, g := range found {
		perCommunity := map[string]*finding{}
		var order []string
		for _, target := range g.Targets {
			com, ok := places[target]
			if !ok {
				var err error
				if com, err = h.communityOf(ctx, byAction(sigs, target)); err != nil {
					return err
				}
				places[target] = com
			}
			if com == "" {
				continue
			}
			f := perCommunity[com]
			if f == nil {
				f = &finding{communityID: com, group: g, sigs: make([]participation.Signal, 0, len(g.Accounts))}
				perCommunity[com] = f
				order = append(order, com)
			}
			for _, a := range g.Accounts {
				if sg, ok := byPair[pair{a, target}]; ok {
					f.sigs = append(f.sigs, sg)
				}
			}
		}
		for _, com := range order {
			if f := perCommunity[com]; len(f.sigs) > 0 {
				f.actions = map[string]bool{}
				for _, sg := range f.sigs {
					f.actions[sg.ActionID] = true
				}
				findings = append(findings, *f)
			}
		}
	}
	// What is already in a group is read from the readers first: a run
	// finding its groups again (every run, while an attack lasts) then
	// writes nothing, and the writing transaction, which on SQLite holds
	// the single writer, reads only what is new.
	var unknown []string
	for _, f := range findings {
		for _, sg := range f.sigs {
			if _, ok := grouped[sg.ID]; !ok {
				unknown = append(unknown, sg.ID)
			}
		}
	}
	known, err := memberships(ctx, h.db.Reader(), unknown)
	if err != nil {
		return err
	}
	kept := findings[:0]
	for _, f := range findings {
		f.open = ""
		var fresh []participation.Signal
		for _, sg := range f.sigs {
			m, ok := known[sg.ID]
			if !ok {
				m, ok = grouped[sg.ID]
			}
			switch {
			case !ok:
				fresh = append(fresh, sg)
			case m.status == StatusOpen && m.communityID == f.communityID && f.open == "":
				f.open = m.groupID
			}
		}
		if len(fresh) > 0 {
			f.fresh = fresh
			kept = append(kept, f)
		}
	}
	findings = kept
	if len(findings) == 0 {
		return nil
	}
	// Written a chunk at a time, each its own transaction: on SQLite the
	// writer is single, and a run flagging thousands at once would hold
	// every submission behind it. Each chunk is whole (flags, members and
	// held counts together); the chunks after a group's first join it.
	run.Groups, run.Flagged = nil, 0
	chunk := cmp.Or(h.writeChunk, writeChunk)
	if h.writeChunk == 0 && h.db.Dialect == store.Postgres {
		chunk = pgWriteChunk
	}
	for _, f := range findings {
		fresh := f.fresh
		for start := 0; start < len(fresh); start += chunk {
			f.fresh = fresh[start:min(start+chunk, len(fresh))]
			var id string
			var flagged []participation.Signal
			if err := h.db.Write(ctx, func(tx *store.Tx) error {
				var err error
				id, flagged, err = h.save(ctx, tx, f)
				return err
			}); err != nil {
				return err
			}
			if grouped != nil {
				for _, sg := range f.fresh {
					grouped[sg.ID] = membership{status: settled} // in a group already, or settled: nothing to do again
				}
				for _, sg := range flagged {
					grouped[sg.ID] = membership{groupID: id, communityID: f.communityID, status: StatusOpen}
				}
			}
			if len(flagged) > 0 {
				if !slices.Contains(run.Groups, id) {
					run.Groups = append(run.Groups, id)
				}
				run.Flagged += len(flagged)
				f.open = id
			}
		}
	}
	return nil
}

// writeChunk is how many participations one transaction of a run flags:
// a few milliseconds of SQLite's writer.
const writeChunk = 500

// pgWriteChunk is writeChunk on PostgreSQL, which has no single writer:
// larger transactions, fewer statements and commits for the same flags
// (each row stays locked a fraction of a second, against a confirmation).
const pgWriteChunk = 2000

// settled marks, in the incremental run's memory, a participation there is
// nothing to do about: in a group of another instance's run, or withdrawn
// or rejected when its group was found.
const settled = "settled"

// byAction is the kind of participation an action's signals have.
func byAction(sigs []participation.Signal, actionID string) participation.Signal {
	for _, sg := range sigs {
		if sg.ActionID == actionID {
			return sg
		}
	}
	return participation.Signal{}
}

// communityOf is the community an action is in: every tactic's page lives
// under its community's, /c/{community}/…, so the first segment of the
// path its Action.Page gives names it. "" when it has none.
func (h *Handler) communityOf(ctx context.Context, sg participation.Signal) (string, error) {
	if sg.ActionID == "" {
		return "", nil
	}
	_, path, err := h.parts.ActionPage(ctx, sg.Kind, sg.ActionID, "en")
	if err != nil {
		if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
			return "", nil
		}
		return "", err
	}
	rest, ok := strings.CutPrefix(path, "/c/")
	if !ok {
		return "", nil
	}
	slug, _, _ := strings.Cut(rest, "/")
	c, err := h.communities.Get(ctx, slug)
	if err != nil {
		if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
			return "", nil
		}
		return "", err
	}
	return c.ID, nil
}

// save keeps one finding: its participations not in a group yet join the
// open group of the community some of the others are in, or a new one. It
// returns the group's id and the participations it set aside (none when
// nothing was new).
func (h *Handler) save(ctx context.Context, tx *store.Tx, f finding) (string, []participation.Signal, error) {
	ids := make([]string, len(f.fresh))
	for i, sg := range f.fresh {
		ids[i] = sg.ID
	}
	// Another run may have taken some since the readers looked.
	known, err := grouped(ctx, tx, ids)
	if err != nil {
		return "", nil, err
	}
	var fresh []string
	for _, id := range ids {
		if !known[id] {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) == 0 {
		return "", nil, nil
	}
	flagged, err := h.parts.ShadowFlag(ctx, tx, fresh)
	if err != nil || len(flagged) == 0 {
		return "", nil, err
	}
	actions := maps.Clone(f.actions)
	ms := make([]member, len(flagged))
	held := map[string]int{}
	for i, sg := range flagged {
		ms[i] = member{participationID: sg.ID, personID: sg.PersonID, actionID: sg.ActionID}
		held[sg.ActionID]++
		actions[sg.ActionID] = true
	}
	windows := storedWindows(f.group.Windows, actions)
	var g *StoredGroup
	if f.open != "" {
		if g, err = lockGroup(ctx, tx, f.open); err != nil {
			return "", nil, err
		}
		if g.Status != StatusOpen { // decided since the readers looked
			g = nil
		}
	}
	if g != nil {
		if f.group.Score > g.Score {
			g.Score, g.Kind = f.group.Score, f.group.Kind
		}
		for _, r := range f.group.Reasons {
			if !slices.Contains(g.Reasons, r) {
				g.Reasons = append(g.Reasons, r)
			}
		}
		g.Windows = mergeWindows(g.Windows, windows)
	} else {
		g = &StoredGroup{ID: store.NewID(), CommunityID: f.communityID, Kind: f.group.Kind, Score: f.group.Score,
			Reasons: slices.Clone(f.group.Reasons), Windows: windows}
		if err := insertGroup(ctx, tx, g); err != nil {
			return "", nil, err
		}
	}
	// The group's figures grow by what joins it, counted among the new
	// members only (a group of thousands is not counted again for each
	// chunk): people already in it through another participation are
	// found by the members' person index.
	people := map[string]bool{}
	for _, m := range ms {
		people[m.personID] = true
	}
	if g.Members > 0 {
		in, err := peopleInGroup(ctx, tx, g.ID, sortedKeys(people))
		if err != nil {
			return "", nil, err
		}
		for id := range in {
			delete(people, id)
		}
	}
	if err := addMembers(ctx, tx, g.ID, ms); err != nil {
		return "", nil, err
	}
	g.Accounts += len(people)
	g.Members += len(ms)
	if err := updateGroup(ctx, tx, g); err != nil {
		return "", nil, err
	}
	for _, a := range sortedKeys(held) {
		if err := addCounts(ctx, tx, a, held[a], 0); err != nil {
			return "", nil, err
		}
	}
	return g.ID, flagged, nil
}

// storedWindows are the engine's windows on the actions kept.
func storedWindows(ws []Window, actions map[string]bool) []StoredWindow {
	var out []StoredWindow
	for _, w := range ws {
		if actions[w.Target] {
			out = append(out, StoredWindow{ActionID: w.Target, From: time.Unix(w.From, 0).UTC(), To: time.Unix(w.To, 0).UTC()})
		}
	}
	return mergeWindows(nil, out)
}

// mergeWindows joins windows per action (the earliest start, the latest
// end), in the order of their start.
func mergeWindows(a, b []StoredWindow) []StoredWindow {
	by := map[string]StoredWindow{}
	for _, w := range append(slices.Clone(a), b...) {
		if o, ok := by[w.ActionID]; ok {
			if w.From.After(o.From) {
				w.From = o.From
			}
			if w.To.Before(o.To) {
				w.To = o.To
			}
		}
		by[w.ActionID] = w
	}
	out := make([]StoredWindow, 0, len(by))
	for _, w := range by {
		out = append(out, w)
	}
	slices.SortFunc(out, func(x, y StoredWindow) int {
		return cmp.Or(x.From.Compare(y.From), strings.Compare(x.ActionID, y.ActionID))
	})
	return out
}

// Invalidate settles an open group as coordinated: its participations
// still flagged are rejected through the participation core's review (the
// counts drop, each counted one appends an invalidate leaf to the
// transparency log), in one transaction with the group's status. A
// participation an organizer accepted since stays. The caller checks that
// the actor may review the group's community.
func (h *Handler) Invalidate(ctx context.Context, groupID string) (*StoredGroup, error) {
	return h.settle(ctx, groupID, StatusInvalidated)
}

// Dismiss settles an open group as honest: its participations lose the
// coordinated flag and are what they were before.
func (h *Handler) Dismiss(ctx context.Context, groupID string) (*StoredGroup, error) {
	return h.settle(ctx, groupID, StatusDismissed)
}

func (h *Handler) settle(ctx context.Context, groupID, status string) (*StoredGroup, error) {
	var out *StoredGroup
	err := h.db.Write(ctx, func(tx *store.Tx) error {
		g, err := lockGroup(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if g.Status != StatusOpen {
			return repertoire.Errorf(repertoire.ECONFLICT, "integrity.group.decided")
		}
		ms, err := membersOf(ctx, tx, groupID)
		if err != nil {
			return err
		}
		ids := make([]string, len(ms))
		held := map[string]int{}
		for i, m := range ms {
			ids[i] = m.participationID
			held[m.actionID]--
		}
		rejected := map[string]int{}
		if status == StatusInvalidated {
			if rejected, err = h.parts.Invalidate(ctx, tx, ids); err != nil {
				return err
			}
		} else if err := h.parts.ClearFlag(ctx, tx, ids); err != nil {
			return err
		}
		total := 0
		for _, a := range sortedKeys(held) {
			total += rejected[a]
			if err := addCounts(ctx, tx, a, held[a], rejected[a]); err != nil {
				return err
			}
		}
		if err := decide(ctx, tx, groupID, status, total); err != nil {
			return err
		}
		out, err = getGroup(ctx, tx, groupID)
		return err
	})
	return out, err
}

// Group reads one group.
func (h *Handler) Group(ctx context.Context, id string) (*StoredGroup, error) {
	return getGroup(ctx, h.db.Reader(), id)
}

// Groups reads a page of groups and how many q selects.
func (h *Handler) Groups(ctx context.Context, q GroupQuery) ([]*StoredGroup, int, error) {
	return listGroups(ctx, h.db.Reader(), q)
}

// CanReview reports whether a person may review a community's groups: its
// organizers and owners, and administrators.
func (h *Handler) CanReview(ctx context.Context, communityID, personID string) (bool, error) {
	if personID == "" {
		return false, nil
	}
	return h.communities.CanOrganize(ctx, communityID, personID)
}

// IPPrefix is the network an address belongs to, as the engine compares
// them: its /24 for IPv4, its /48 for IPv6; "" when unknown.
func IPPrefix(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

// Aside is how many of an action's participations are set aside, by
// general reason: held for review over the rate limits (the core's
// flagged counter), held for review as part of a group acting together,
// and invalidated on review as coordinated. A participation may be held
// for both reasons at once.
type Aside struct {
	RateHeld, GroupHeld, Invalidated int
}

// Any reports whether anything is set aside.
func (a Aside) Any() bool { return a.RateHeld+a.GroupHeld+a.Invalidated > 0 }

// Document is the figure as the API's resources carry it.
func (a Aside) Document() map[string]any {
	return map[string]any{"held_rate_limits": a.RateHeld, "held_coordinated": a.GroupHeld, "invalidated_coordinated": a.Invalidated}
}

// Aside reads the set-aside figure of an action whose counts are c: one
// primary-key read.
func (h *Handler) Aside(ctx context.Context, actionID string, c participation.Counts) (Aside, error) {
	held, inv, err := countsOf(ctx, h.db.Reader(), actionID)
	return Aside{RateHeld: c.Flagged, GroupHeld: max(held, 0), Invalidated: inv}, err
}

// Asides reads the figures of several actions at once (a page of them),
// given their counts.
func (h *Handler) Asides(ctx context.Context, counts map[string]participation.Counts) (map[string]Aside, error) {
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	got, err := countsOfMany(ctx, h.db.Reader(), ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Aside, len(counts))
	for id, c := range counts {
		out[id] = Aside{RateHeld: c.Flagged, GroupHeld: max(got[id][0], 0), Invalidated: got[id][1]}
	}
	return out, nil
}

// AsideBlock renders the figure for a tactic's public page, in the
// reader's language.
func (h *Handler) AsideBlock(r *http.Request, a Aside) template.HTML {
	out, err := h.pages.Fragment(r, "integrity_queue", "integrity_aside", a)
	if err != nil {
		h.log.Error("integrity aside", "err", err)
		return ""
	}
	return out
}

// PersonData is the integrity review's part of a person's export (the
// groups their participations were found in) and of their erasure.
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{
		Export: []account.ExportSection{{Name: "integrity_flags", SQL: exportSQL}},
		Erase:  erasePerson,
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Dashboard is the review's part of the organizer's dashboard: the groups
// waiting for their review in each community.
func (h *Handler) Dashboard() community.Dashboarder { return dashboard{h} }

type dashboard struct{ h *Handler }

func (d dashboard) DashboardItems(ctx context.Context, personID string) ([]community.DashboardItem, error) {
	counts, err := openGroups(ctx, d.h.db.Reader(), personID)
	if err != nil {
		return nil, err
	}
	var out []community.DashboardItem
	for id, n := range counts {
		c, err := d.h.communities.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, community.DashboardItem{CommunityID: id, Label: "integrity.dashboard.groups", Count: n, Path: "/c/" + c.Slug + "/integrity"})
	}
	return out, nil
}

// Command gateway measures the data gateway's consumer API under
// constant-rate load, four tiers side by side in one run, on one
// database (a fresh SQLite file, or the PostgreSQL of -db):
//
//   - none: the same items served with no checks at all (the members'
//     shared items read from their vaults and written as JSON);
//   - policy: the gateway with its key, policy, rate, strike and consent
//     checks, without the access history;
//   - full: the gateway as it serves, every access recorded through the
//     group commit and appended to the transparency log;
//   - aggregate: the full gateway's /gateway/v1/aggregates under a policy
//     of level aggregate with a minimum group (-mingroup): the members
//     sharing the category counted, the set of them named in the history.
//
// Each tier is first driven as fast as -clients clients can (its
// capacity), then at -rate requests a second whatever the answers' pace (an
// open loop; latency counts from when each request was due). Tiers take
// turns in phases of -phase, so each meets the same machine and the same
// noise. It prints each tier's capacity, the achieved rate and the p50 and
// p99 at the constant rate, the CPU time this process spent per request
// in each tier's phases (servers and load alike), beside it on PostgreSQL
// the database's backends' own (read from /proc: a server on this
// machine; its WAL writer and checkpointer not counted), and the full and policy tiers' share of
// the no-check capacity (the aggregate tier answers a count, not a page
// of items: its share is given beside, not compared).
//
// The full tier answers after its batch commits: with few clients its
// capacity is its commit's latency, with more (-clients 64) the batches
// fill and it shows what the gateway's work costs.
//
//	go run ./bench/gateway
//	go run ./bench/gateway -db 'postgres://postgres@127.0.0.1:5432/bench?sslmode=disable' -rate 300
//	go run ./bench/gateway -clients 64 -rate 50
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/decision"
	"repertoire/internal/gateway"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/vault"
)

func main() {
	dsn := flag.String("db", "", "database (empty: a fresh SQLite file; a PostgreSQL DSN's schema must be empty)")
	members := flag.Int("members", 200, "members sharing their posts")
	perMember := flag.Int("items", 20, "posts per member")
	limit := flag.Int("limit", 20, "items a request asks for")
	clients := flag.Int("clients", 16, "concurrent clients for the capacity runs")
	rate := flag.Float64("rate", 200, "requests a second of the constant-rate runs, per tier")
	duration := flag.Duration("duration", 6*time.Second, "how long each tier is measured, in each of the two runs")
	phase := flag.Duration("phase", 2*time.Second, "how long each phase lasts before the next tier's")
	minGroup := flag.Int("mingroup", gateway.DefaultMinGroup, "the aggregate policy's minimum group")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (servers and load) to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}

	ctx := context.Background()
	work, err := os.MkdirTemp("", "gateway-bench")
	check(err)
	defer os.RemoveAll(work)
	if *dsn == "" {
		*dsn = "sqlite:" + filepath.Join(work, "bench.db")
	}
	db, err := store.Open(*dsn)
	check(err)
	defer db.Close()
	check(db.Migrate(ctx))
	backends.db = db

	sd := seed(ctx, db, *members, *perMember, *minGroup)
	// The planner's statistics, as autovacuum would have them on a
	// database that grew over weeks (fresh tables plan as if empty).
	_, err = db.Writer().ExecContext(ctx, `ANALYZE`)
	check(err)
	key, communityID := sd.key, sd.communityID
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	full := serve(db, log, work, false)
	policy := serve(db, log, work, true)
	none := serveOpen(db, communityID, *limit)
	path := fmt.Sprintf("/gateway/v1/items?category=posts&limit=%d", *limit)
	tiers := []*tier{{name: "none", url: none + path}, {name: "policy", url: policy + path}, {name: "full", url: full + path},
		{name: "aggregate", url: full + "/gateway/v1/aggregates?category=posts"}}
	for _, t := range tiers {
		if st := once(t.url, key); st != 200 {
			fail(fmt.Sprintf("tier %s answers %d", t.name, st))
		}
	}
	fmt.Printf("gateway bench on %s: %d members × %d posts, %d items a request\n", db.Dialect, *members, *perMember, *limit)

	run(tiers, key, *duration, *phase, *clients, 0)
	capacity := map[string]float64{}
	cpuPer, dbPer := map[string]time.Duration{}, map[string]time.Duration{}
	for _, t := range tiers {
		capacity[t.name] = t.rate()
		cpuPer[t.name] = t.cpu / time.Duration(max(t.answered.Load(), 1))
		dbPer[t.name] = t.dbCPU / time.Duration(max(t.answered.Load(), 1))
		t.reset()
	}
	run(tiers, key, *duration, *phase, *clients, *rate)
	fmt.Printf("\n%-9s %14s %14s %10s %10s %8s %12s %12s\n", "tier", "capacity req/s", "at rate req/s", "p50", "p99", "errors", "CPU/req",
		"db CPU/req")
	for _, t := range tiers {
		p50, p99 := t.quantiles()
		fmt.Printf("%-9s %14.0f %14.0f %10s %10s %8d %12s %12s\n", t.name, capacity[t.name], t.rate(), p50.Round(10*time.Microsecond),
			p99.Round(10*time.Microsecond), t.errors.Load(), cpuPer[t.name].Round(time.Microsecond), dbPer[t.name].Round(time.Microsecond))
	}
	fmt.Printf("\nfull / none capacity: %.2f (target ≥ 0.80); policy / none: %.2f; aggregate / none: %.2f; full p99 at %.0f req/s: %s (target < 20ms)\n",
		capacity["full"]/capacity["none"], capacity["policy"]/capacity["none"], capacity["aggregate"]/capacity["none"], *rate,
		func() time.Duration { _, p := tiers[2].quantiles(); return p }().Round(10*time.Microsecond))

	// The strike: called on one instance while consumers read from another
	// (on SQLite, the one process).
	other := full
	if db.Dialect == store.Postgres {
		db2, err := store.Open(*dsn)
		check(err)
		defer db2.Close()
		other = serve(db2, log, work, false)
	}
	strike(ctx, db, sd, other+path, *rate)
}

// strike calls a data strike by the members' vote on this process's
// database while consumers read at rate a second from url, and prints the
// time from the commit to the first denial and the requests sent after the
// commit that were allowed.
func strike(ctx context.Context, db *store.DB, sd seeded, url string, rate float64) {
	gw := gateway.NewStore(db)
	now := time.Now().UTC()
	s, err := gw.ProposeStrike(ctx, sd.communityID, gateway.StrikeInput{Scope: gateway.ScopeMembers, Reason: "bench",
		StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)})
	check(err)
	decisions := decision.NewStore(db, nil, "", nil)
	d, err := decisions.Create(ctx, sd.org, sd.communityID, decision.Input{Title: "Data strike", Kind: decision.KindDataStrike, StrikeID: s.ID,
		Threshold: decision.Majority, ClosesAt: now.Add(time.Hour)}, now)
	check(err)
	d, err = decisions.Open(ctx, d.ID)
	check(err)
	var forID string
	for _, o := range d.Options {
		if o.Role == decision.RoleFor {
			forID = o.ID
		}
	}
	for _, m := range sd.members {
		_, err := decisions.Cast(ctx, decision.Ballot{DecisionID: d.ID, PersonID: m, OptionID: forID})
		check(err)
	}
	type answer struct {
		sent, got time.Time
		status    int
	}
	var mu sync.Mutex
	var answers []answer
	var wg sync.WaitGroup
	stop := time.Now().Add(2 * time.Second)
	var committed time.Time
	go func() {
		time.Sleep(500 * time.Millisecond)
		_, err := decisions.Close(ctx, d.ID)
		check(err)
		mu.Lock()
		committed = time.Now()
		mu.Unlock()
	}()
	every := time.Duration(float64(time.Second) / rate)
	for due := time.Now(); due.Before(stop); due = due.Add(every) {
		time.Sleep(time.Until(due))
		wg.Go(func() {
			sent := time.Now()
			st := once(url, sd.key)
			mu.Lock()
			answers = append(answers, answer{sent, time.Now(), st})
			mu.Unlock()
		})
	}
	wg.Wait()
	var first time.Time
	wrongly, allowed, denied := 0, 0, 0
	for _, a := range answers {
		switch {
		case a.status == 200 && a.sent.After(committed):
			wrongly++
		case a.status == 200:
			allowed++
		case a.status == 503:
			denied++
			if first.IsZero() || a.got.Before(first) {
				first = a.got
			}
		}
	}
	fmt.Printf("strike on %s: first denial %s after the commit returned; %d requests, %d allowed before, %d denied, %d wrongly allowed (target 0, < 1 s)\n",
		db.Dialect, first.Sub(committed).Round(100*time.Microsecond), len(answers), allowed, denied, wrongly)
}

// seeded is what seed made.
type seeded struct {
	key, communityID, org string
	members               []string
}

// seed makes a community with members sharing their posts, a consumer with
// a key, and the two policies the members adopted: pseudonymized items,
// and aggregates with a minimum group.
func seed(ctx context.Context, db *store.DB, members, perMember, minGroup int) seeded {
	org, err := account.CreateUser(ctx, db, account.NewUser{Email: "olga@example.org", Name: "Olga Organizer"})
	check(err)
	coms := community.NewStore(db)
	c, err := coms.Create(ctx, org, community.Input{Name: "Riders union", Slug: "riders"})
	check(err)
	vaults := vault.NewStore(db)
	var ids []string
	for i := range members {
		id, err := account.CreateUser(ctx, db, account.NewUser{Email: fmt.Sprintf("rider%d@example.org", i), Name: fmt.Sprintf("Rider%d Member", i)})
		check(err)
		_, err = coms.Join(ctx, c.ID, id)
		check(err)
		ids = append(ids, id)
		items := make([]vault.Item, perMember)
		for j := range items {
			items[j] = vault.Item{Category: "posts", Source: vault.SourceEntered, Kind: "post", Time: time.Date(2018, 4, 1+j%28, 10, 0, 0, 0, time.UTC),
				Data: json.RawMessage(fmt.Sprintf(`{"text":"post %d of member %d, about the new ranking of the feed"}`, j, i))}
		}
		_, err = vaults.Add(ctx, id, items)
		check(err)
		check(vaults.SetConsent(ctx, id, "posts", vault.Share))
	}
	gw := gateway.NewStore(db)
	consumer, err := gw.CreateConsumer(ctx, c.ID, gateway.ConsumerInput{Name: "Platform Lab", Purpose: "Ranking study", Licence: "DUA", Contact: "lab@example.edu"})
	check(err)
	key, err := gw.CreateKey(ctx, consumer.ID, "bench")
	check(err)
	now := time.Now().UTC()
	p, err := gw.ProposePolicy(ctx, c.ID, gateway.PolicyInput{ConsumerID: consumer.ID, Categories: []string{"posts"}, Level: gateway.LevelPseudonym,
		RatePerMin: gateway.MaxRate, ItemsPerDay: gateway.MaxVolume, Purpose: "Ranking study", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(24 * time.Hour)})
	check(err)
	_, err = decision.NewStore(db, nil, "", nil).RecordPast(ctx, org, c.ID, decision.Past{
		Input:    decision.Input{Title: "Let the lab read our posts", Kind: decision.KindDataPolicy, PolicyID: p.ID, Threshold: decision.Majority},
		OpenedAt: now.Add(-2 * time.Hour), ClosedAt: now.Add(-time.Hour), Electorate: members + 1, Votes: map[string]int{decision.RoleFor: members}})
	check(err)
	agg, err := gw.ProposePolicy(ctx, c.ID, gateway.PolicyInput{ConsumerID: consumer.ID, Categories: []string{"posts"}, Level: gateway.LevelAggregate,
		MinGroup: minGroup, RatePerMin: gateway.MaxRate, ItemsPerDay: gateway.MaxVolume, Purpose: "Ranking study", StartsAt: now.Add(-time.Hour),
		EndsAt: now.Add(24 * time.Hour)})
	check(err)
	_, err = decision.NewStore(db, nil, "", nil).RecordPast(ctx, org, c.ID, decision.Past{
		Input:    decision.Input{Title: "Let the lab count us", Kind: decision.KindDataPolicy, PolicyID: agg.ID, Threshold: decision.Majority},
		OpenedAt: now.Add(-2 * time.Hour), ClosedAt: now.Add(-time.Hour), Electorate: members + 1, Votes: map[string]int{decision.RoleFor: members}})
	check(err)
	return seeded{key: key, communityID: c.ID, org: org, members: ids}
}

// serve starts a whole Repertoire on the database, as it serves.
func serve(db *store.DB, log *slog.Logger, work string, noHistory bool) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	base := "http://" + ln.Addr().String()
	dir, err := os.MkdirTemp(work, "srv")
	check(err)
	srv, err := server.New(server.Config{Addr: ln.Addr().String(), BaseURL: base, MailDir: dir, DataDir: dir,
		LogKey: filepath.Join(work, "log.key"), GatewayNoHistory: noHistory}, db, log)
	check(err)
	go srv.Run(context.Background(), ln)
	return base
}

// serveOpen serves the same items with no checks: no key, no policy, the
// members read once, consent only as the vault applies it.
func serveOpen(db *store.DB, communityID string, limit int) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	vaults := vault.NewStore(db)
	people, err := community.ActiveMemberIDs(context.Background(), db.Reader(), communityID)
	check(err)
	c := &gateway.Consumer{}
	p := &gateway.Policy{Level: gateway.LevelItem}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gateway/v1/items", func(w http.ResponseWriter, r *http.Request) {
		items, err := vaults.Shared(r.Context(), people, []string{r.URL.Query().Get("category")}, r.URL.Query().Get("after"), limit)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		gateway.WriteItems(w, c, p, items, limit)
	})
	go http.Serve(ln, mux)
	return "http://" + ln.Addr().String()
}

type tier struct {
	name     string
	url      string
	mu       sync.Mutex
	lat      []time.Duration
	done     atomic.Int64
	answered atomic.Int64 // every answer, within its phase or not
	errors   atomic.Int64
	active   time.Duration // time its phases lasted
	cpu      time.Duration // this process's CPU time in its phases
	dbCPU    time.Duration // the database's backends' CPU time in its phases (PostgreSQL on this machine)
}

func (t *tier) reset() {
	t.mu.Lock()
	t.lat = t.lat[:0]
	t.mu.Unlock()
	t.done.Store(0)
	t.answered.Store(0)
	t.active = 0
	t.cpu = 0
	t.dbCPU = 0
}

func (t *tier) rate() float64 { return float64(t.done.Load()) / t.active.Seconds() }

func (t *tier) quantiles() (p50, p99 time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lat) == 0 {
		return 0, 0
	}
	slices.Sort(t.lat)
	return t.lat[len(t.lat)/2], t.lat[len(t.lat)*99/100]
}

var httpClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}, Timeout: 30 * time.Second}

func once(url, key string) int {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := httpClient.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// run drives the tiers in turns of phase, each for duration in all: with
// rate 0, clients send again as soon as answered; otherwise requests are
// sent at rate a second, each by a goroutine of its own, and latency counts
// from when it was due.
func run(tiers []*tier, key string, duration, phase time.Duration, clients int, rate float64) {
	for done := time.Duration(0); done < duration; done += phase {
		for _, t := range tiers {
			// The CPU times are read before the phase starts: reading the
			// backends' is a query and a file each, which must not delay
			// the first requests due (their latency counts from then).
			cpu0, db0 := cpuTime(), backends.cpu()
			start := time.Now()
			end := start.Add(phase)
			var wg sync.WaitGroup
			record := func(due time.Time) {
				st := once(t.url, key)
				got := time.Now()
				t.answered.Add(1)
				if st != 200 {
					t.errors.Add(1)
					return
				}
				if got.Before(end) {
					t.done.Add(1)
				}
				t.mu.Lock()
				t.lat = append(t.lat, got.Sub(due))
				t.mu.Unlock()
			}
			if rate == 0 {
				for range clients {
					wg.Go(func() {
						for now := time.Now(); now.Before(end); now = time.Now() {
							record(now)
						}
					})
				}
			} else {
				every := time.Duration(float64(time.Second) / rate)
				for due := start; due.Before(end); due = due.Add(every) {
					time.Sleep(time.Until(due))
					wg.Go(func() { record(due) })
				}
			}
			wg.Wait()
			t.active += min(time.Since(start), phase)
			t.cpu += cpuTime() - cpu0
			t.dbCPU += backends.cpu() - db0
		}
	}
}

// backends are the PostgreSQL backends serving the bench's database,
// when the server runs on this machine: their CPU time is read from
// /proc (none on SQLite, whose work is this process's).
var backends dbBackends

type dbBackends struct{ db *store.DB }

func (b dbBackends) cpu() time.Duration {
	if b.db == nil || b.db.Dialect != store.Postgres {
		return 0
	}
	rows, err := b.db.Reader().QueryContext(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return 0
	}
	defer rows.Close()
	var ticks int64
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The fields after the command's closing parenthesis: utime and
		// stime are the 12th and 13th.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + s
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ
}

// cpuTime is the CPU time this process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "gateway bench:", msg)
	os.Exit(1)
}

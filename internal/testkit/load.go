package testkit

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"repertoire/internal/participation"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// Submitter posts a form or a JSON body to the app the way many people
// do at once: benchmarks of a tactic run it on the form path and on the
// API side by side.
type Submitter struct {
	// Path is where it posts; Form, whether it posts as a browser posts
	// the page's form (urlencoded, with the page's Origin), else JSON.
	Path string
	Form bool
	// Body is the i-th submission's body (each a distinct person).
	Body func(i int64) []byte
	// Want is the answer of a submission taken: 303 for a form (not
	// followed), 202 for the API.
	Want int
	// Cookies are sent with each post (a signed-in browser's session).
	Cookies []*http.Cookie
}

// Load posts b.N submissions from clients goroutines, each on its own
// keep-alive connection, and reports submissions/s with the p50 and p99
// latencies. Any other answer than s.Want fails the benchmark.
func (a *App) Load(b *testing.B, clients int, s Submitter) {
	b.Helper()
	c := &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer c.CloseIdleConnections()
	var (
		next atomic.Int64
		mu   sync.Mutex
		lats []time.Duration
	)
	b.SetParallelism(max(1, clients/max(1, runtime.GOMAXPROCS(0))))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		defer func() { mu.Lock(); lats = append(lats, mine...); mu.Unlock() }()
		for pb.Next() {
			req, _ := http.NewRequest("POST", a.URL+s.Path, bytes.NewReader(s.Body(next.Add(1))))
			if s.Form {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", a.URL)
				req.Header.Set("Sec-Fetch-Site", "same-origin")
			} else {
				req.Header.Set("Content-Type", "application/json")
			}
			for _, c := range s.Cookies {
				req.AddCookie(c)
			}
			t0 := time.Now()
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != s.Want {
				b.Errorf("POST %s: %d, want %d\n%s", s.Path, resp.StatusCode, s.Want, body)
				return
			}
			mine = append(mine, time.Since(t0))
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submissions/s")
	slices.Sort(lats)
	if n := len(lats); n > 0 {
		b.ReportMetric(float64(lats[n/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lats[min(n-1, n*99/100)].Microseconds())/1000, "p99-ms")
	}
}

// BenchApps runs fn once per available engine (sub-benchmarks "sqlite",
// "postgres"), each on a fresh database and server whose participation
// rate limits flag nothing: a benchmark posts from one address.
func BenchApps(b *testing.B, fn func(b *testing.B, app *App)) {
	engines := map[string]func(testing.TB) *store.DB{"sqlite": storetest.OpenSQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines["postgres"] = storetest.OpenPostgres
	}
	for _, name := range []string{"sqlite", "postgres"} {
		if open := engines[name]; open != nil {
			b.Run(name, func(b *testing.B) {
				app := StartWith(b, open(b), func(c *server.Config) {
					c.Limits = &participation.Limits{KeepIPs: participation.DefaultLimits().KeepIPs}
				})
				fn(b, app)
			})
		}
	}
}

package translog_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
	"repertoire/internal/translog"
)

// BenchmarkAppend appends batches of 64 leaves (new people: a salt each),
// each in its own transaction as a group-commit batch does, from two
// goroutines as PostgreSQL's two writers do, with the integrator hashing
// them beside (every half second, as the server's) and once more at the
// end, inside the timing. It reports leaves/s on each engine.
//
//	go test -run '^$' -bench Append -benchtime 200x -count 5 ./internal/translog/
func BenchmarkAppend(b *testing.B) {
	const batch = 64
	engines := []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.OpenSQLite}}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, struct {
			name string
			open func(testing.TB) *store.DB
		}{"postgres", storetest.OpenPostgres})
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			db := e.open(b)
			ctx := context.Background()
			stop := make(chan struct{})
			var integrator sync.WaitGroup
			integrator.Go(func() {
				tick := time.NewTicker(500 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						if _, err := translog.Integrate(ctx, db); err != nil {
							b.Error(err)
							return
						}
					}
				}
			})
			var next sync.Mutex
			n := 0
			b.ResetTimer()
			var writers sync.WaitGroup
			for range 2 {
				writers.Go(func() {
					for {
						next.Lock()
						first := n * batch
						n++
						next.Unlock()
						if first >= b.N*batch {
							return
						}
						if err := appendLeavesErr(db, first, batch); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			writers.Wait()
			close(stop)
			integrator.Wait()
			size, err := translog.Integrate(ctx, db)
			b.StopTimer()
			if err != nil || size != int64(b.N*batch) {
				b.Fatalf("%d leaves integrated of %d (%v)", size, b.N*batch, err)
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "leaves/s")
		})
	}
}

// BenchmarkTiles serves a full hash tile, a full entry bundle and, for
// comparison, a petition's public page (kept a second in memory, the
// cached page of bench/run.sh's viewers) through the whole server, from
// 64 clients on keep-alive connections, and reports requests/s. Tiles
// are immutable: after the first, each is served from memory.
//
//	go test -run '^$' -bench Tiles -benchtime 20000x -count 5 ./internal/translog/
func BenchmarkTiles(b *testing.B) {
	testkit.BenchApps(b, func(b *testing.B, app *testkit.App) {
		s := newSite(b, app)
		appendLeaves(b, app.DB, 0, 300)
		var slug string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT slug FROM petitions WHERE id = $1`, s.petition).Scan(&slug)
		page := "/c/users/log-out/petitions/" + slug
		for _, path := range []string{page, "/log/checkpoint", "/log/tile/0/000", "/log/tile/entries/000"} {
			resp, err := http.Get(app.URL + path)
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatalf("GET %s: %v %v", path, resp, err)
			}
			resp.Body.Close()
		}
		for _, c := range []struct{ name, path string }{
			{"page", page}, {"tile", "/log/tile/0/000"}, {"entries", "/log/tile/entries/000"},
		} {
			b.Run(c.name, func(b *testing.B) {
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
				defer client.CloseIdleConnections()
				b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						resp, err := client.Get(app.URL + c.path)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusOK {
							b.Errorf("GET %s: %d", c.path, resp.StatusCode)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
			})
		}
	})
}

package translog_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
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

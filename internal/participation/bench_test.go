package participation

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"testing"

	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// benchSubmitters is how many submissions are in flight at once: a viral
// petition has many signers waiting on the same commit, which is what
// group commit shares.
const benchSubmitters = 256

// BenchmarkSubmit submits distinct signatures to one action through
// Service.Submit, from many goroutines, and reports signatures/s: each one
// committed (person, participation, confirmation mail, counters) before
// Submit returns.
//
//	go test -run '^$' -bench Submit -benchtime 20000x ./internal/participation/
func BenchmarkSubmit(b *testing.B) {
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
			s, _ := newTestService(b, db, Limits{})
			ctx := context.Background()
			var next atomic.Int64
			b.SetParallelism(max(1, benchSubmitters/max(1, runtime.GOMAXPROCS(0))))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1)
					sub := Submission{Kind: Signature, ActionID: "bench-petition", Lang: "en", IP: "192.0.2.1", PublicName: true,
						Person: account.PersonInput{Email: fmt.Sprintf("signer%d@example.org", i), GivenName: "Signer", Locality: "Lyon"}}
					if _, err := s.Submit(ctx, sub); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
			c, err := CountsOf(ctx, db.Reader(), "bench-petition")
			if err != nil {
				b.Fatal(err)
			}
			if c.Pending != b.N {
				b.Fatalf("%d pending after %d submissions", c.Pending, b.N)
			}
		})
	}
}

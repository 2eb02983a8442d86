package participation

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/translog"
)

// BenchmarkTransparencyLog submits signatures counted at once (imports:
// submitted and confirmed in one group commit, so every one is a leaf)
// from many goroutines, with the transparency log off and on, and reports
// signatures/s. With the log on, the integrator hashes the leaves
// beside the submitters, as the server's does (every integrateEvery), and
// once more at the end, inside the timing. The bound: on within
// 10 % of off.
//
//	go test -run '^$' -bench TransparencyLog -benchtime 3000x -count 5 ./internal/participation/
func BenchmarkTransparencyLog(b *testing.B) {
	engines := []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.OpenSQLite}}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, struct {
			name string
			open func(testing.TB) *store.DB
		}{"postgres", func(tb testing.TB) *store.DB {
			// Its backends are found by name, for their CPU time.
			return storetest.MustOpen(tb, storetest.PostgresDSN(tb)+"&application_name="+benchBackends)
		}})
	}
	for _, e := range engines {
		for _, logged := range []bool{false, true} {
			name := e.name + "/log=off"
			if logged {
				name = e.name + "/log=on"
			}
			b.Run(name, func(b *testing.B) {
				db := e.open(b)
				s, _ := newTestService(b, db, Limits{})
				if logged {
					s.KeepLog()
				}
				ctx := context.Background()
				stop := make(chan struct{})
				integrated := make(chan error, 1)
				if logged {
					go func() {
						tick := time.NewTicker(500 * time.Millisecond)
						defer tick.Stop()
						for {
							select {
							case <-stop:
								_, err := translog.Integrate(ctx, db)
								integrated <- err
								return
							case <-tick.C:
								if _, err := translog.Integrate(ctx, db); err != nil {
									integrated <- err
									return
								}
							}
						}
					}()
				} else {
					integrated <- nil
				}
				var next atomic.Int64
				b.SetParallelism(max(1, benchSubmitters/max(1, runtime.GOMAXPROCS(0))))
				cpu0 := cpuTime(b, db)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := next.Add(1)
						sub := Submission{Kind: Signature, ActionID: "bench-petition", Lang: "en", IP: "192.0.2.1", OriginSystem: "bench",
							Person: account.PersonInput{Email: fmt.Sprintf("signer%d@example.org", i), GivenName: "Signer"}}
						if _, err := s.Submit(ctx, sub); err != nil {
							b.Error(err)
							return
						}
					}
				})
				close(stop)
				if err := <-integrated; err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
				if cpu1 := cpuTime(b, db); cpu0 >= 0 && cpu1 >= 0 {
					b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/signature")
				}
				c, err := CountsOf(ctx, db.Reader(), "bench-petition")
				if err != nil || c.Imported != b.N {
					b.Fatalf("%d counted after %d submissions (%v)", c.Imported, b.N, err)
				}
				size, err := translog.Size(ctx, db.Reader())
				if err != nil {
					b.Fatal(err)
				}
				if want := map[bool]int64{false: 0, true: int64(b.N)}[logged]; size != want {
					b.Fatalf("%d leaves after %d submissions, want %d", size, b.N, want)
				}
				if n, err := translog.Integrated(ctx, db.Reader()); err != nil || n != size {
					b.Fatalf("%d leaves integrated of %d (%v)", n, size, err)
				}
			})
		}
	}
}

// benchBackends names the PostgreSQL connections of BenchmarkTransparencyLog.
const benchBackends = "repertoire_bench_log"

// cpuTime is the CPU time spent so far by this process (SQLite runs in
// it) and, on PostgreSQL, by the server's backends serving the benchmark
// (its connections are kept in the pool, so none is lost in between).
// On the shared machine, where the load of others makes the rate of one
// run differ from the next by half, a signature's CPU time is what tells
// two variants apart. It leaves out PostgreSQL's own background writers,
// and is -1 when the server's processes cannot be read (another host).
func cpuTime(b *testing.B, db *store.DB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	t := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if db.Dialect != store.Postgres {
		return t
	}
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, benchBackends)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return -1
		}
		// utime and stime: the 12th and 13th fields after the command's ")",
		// in clock ticks (100 a second on Linux).
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		for _, v := range f[11:13] {
			ticks, _ := strconv.ParseInt(v, 10, 64)
			t += time.Duration(ticks) * 10 * time.Millisecond
		}
	}
	return t
}

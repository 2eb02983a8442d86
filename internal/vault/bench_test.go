package vault_test

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/vault"
)

// benchArchive writes a Facebook archive of about mb megabytes (zipped)
// into dir: posts, comments and reactions of pseudo-random text with
// accents escaped the Facebook way, so that it compresses about as real
// text does.
func benchArchive(tb testing.TB, dir string, mb int) string {
	tb.Helper()
	path := filepath.Join(dir, "facebook-bench.zip")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	counted := &countingWriter{w: bufio.NewWriterSize(f, 1<<20)}
	zw := zip.NewWriter(counted)
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"grève", "plateforme", "données", "syndicat", "travailleurs", "déconnexion", "algorithme", "rémunération",
		"livreur", "course", "été", "pourboire", "commission", "client", "notation", "désactivation", "union", "strike", "data", "rider"}
	sentence := func(n int) string {
		b := make([]byte, 0, n*10)
		for i := range n {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, words[rng.IntN(len(words))]...)
			// A random tail, so that the JSON compresses about as people's
			// own words do (about 2:1), not as a list of twenty words.
			for range 3 {
				b = append(b, "abcdefghijklmnopqrstuvwxyz0123456789"[rng.IntN(36)])
			}
		}
		return string(b)
	}
	target := int64(mb) << 20
	files := []string{"your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_%d.json",
		"your_facebook_activity/comments_and_reactions/likes_and_reactions_%d.json"}
	t0 := time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for part := 1; counted.n < target; part++ {
		for i, name := range files {
			w, err := zw.Create("facebook-bench/" + fmt.Sprintf(name, part))
			if err != nil {
				tb.Fatal(err)
			}
			w.Write([]byte("["))
			for n := 0; n < 20000; n++ {
				var v any
				at := t0 + int64(part*20000+n)*600
				if i == 0 {
					v = map[string]any{"timestamp": at, "data": []any{map[string]any{"post": sentence(25)}}, "title": "Adèle updated her status."}
				} else {
					v = map[string]any{"timestamp": at, "data": []any{map[string]any{"reaction": map[string]any{"reaction": "LIKE", "actor": "Adèle"}}},
						"title": "Adèle likes " + sentence(3) + "'s post."}
				}
				data, _ := json.Marshal(v)
				if n > 0 {
					w.Write([]byte(","))
				}
				w.Write(vault.FacebookEscape(data))
			}
			w.Write([]byte("]"))
		}
		zw.Flush()
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	counted.w.(*bufio.Writer).Flush()
	return path
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type countingWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// BenchmarkImportFacebook imports a generated archive of 100 MB (zipped;
// REPERTOIRE_BENCH_VAULT_MB changes it) into an empty vault, on each
// engine: MB/s of the archive, items a second, MB of the archive per
// second of the process's CPU, and the peak of the Go heap in use during
// the import (sampled every 5 ms), which stays at one batch and one JSON
// element whatever the archive's size.
func BenchmarkImportFacebook(b *testing.B) {
	mb := 100
	if s := os.Getenv("REPERTOIRE_BENCH_VAULT_MB"); s != "" {
		mb, _ = strconv.Atoi(s)
	}
	path := benchArchive(b, b.TempDir(), mb)
	st, _ := os.Stat(path)
	engines := map[string]func(testing.TB) *store.DB{"sqlite": func(tb testing.TB) *store.DB { return storetest.OpenSQLite(tb) }}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines["postgres"] = func(tb testing.TB) *store.DB { return storetest.OpenPostgres(tb) }
	}
	for name, open := range engines {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(st.Size())
			var items int
			var peak uint64
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := open(b)
				id := people(b, db, fmt.Sprintf("bench%d@example.org", i))[0]
				im := &vault.Importer{Store: vault.NewStore(db), Limits: vault.DefaultLimits()}
				runtime.GC()
				var base runtime.MemStats
				runtime.ReadMemStats(&base)
				var top atomic.Uint64
				done := make(chan struct{})
				go func() {
					var m runtime.MemStats
					tick := time.NewTicker(5 * time.Millisecond)
					defer tick.Stop()
					for {
						select {
						case <-done:
							return
						case <-tick.C:
							runtime.ReadMemStats(&m)
							if m.HeapInuse > top.Load() {
								top.Store(m.HeapInuse)
							}
						}
					}
				}()
				before := cpuTime()
				b.StartTimer()
				res, err := im.ImportFile(context.Background(), id, path, vault.Generic{Format: vault.SourceFacebook})
				b.StopTimer()
				cpu += cpuTime() - before
				close(done)
				if err != nil {
					b.Fatal(err)
				}
				items = res.Added
				if p := top.Load() - min(top.Load(), base.HeapInuse); p > peak {
					peak = p
				}
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(items), "items")
			// The CPU the process spent (user and system): on a machine
			// shared with other work the wall clock says more about the
			// neighbours than about the import.
			b.ReportMetric(float64(st.Size())*float64(b.N)/(1<<20)/cpu.Seconds(), "MB/cpu-s")
		})
	}
}

// BenchmarkShared reads what the gateway serves: a page of 100 shared
// items among 200 members (each with 500 posts, half of them sharing
// their posts), paging on from where the last page stopped, for anyone
// and for the list of the 200.
func BenchmarkShared(b *testing.B) {
	engines := map[string]func(testing.TB) *store.DB{"sqlite": func(tb testing.TB) *store.DB { return storetest.OpenSQLite(tb) }}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines["postgres"] = func(tb testing.TB) *store.DB { return storetest.OpenPostgres(tb) }
	}
	for name, open := range engines {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db := open(b)
			s := vault.NewStore(db)
			emails := make([]string, 200)
			for i := range emails {
				emails[i] = fmt.Sprintf("member%d@example.org", i)
			}
			ids := people(b, db, emails...)
			for i, id := range ids {
				items := make([]vault.Item, 500)
				for j := range items {
					items[j] = vault.Item{Category: "posts", Source: vault.SourceEntered, Kind: "post",
						Time: time.Unix(int64(1500000000+j*60), 0), Data: []byte(fmt.Sprintf(`{"text":"post %d of member %d"}`, j, i))}
				}
				if _, err := s.Add(ctx, id, items); err != nil {
					b.Fatal(err)
				}
				if i%2 == 0 {
					if err := s.SetConsent(ctx, id, "posts", vault.Share); err != nil {
						b.Fatal(err)
					}
				}
			}
			// As an import of that size would (and autovacuum, later).
			if err := s.Analyze(ctx); err != nil {
				b.Fatal(err)
			}
			for _, filter := range []struct {
				name string
				ids  []string
			}{{"anyone", nil}, {"members", ids}} {
				b.Run(filter.name, func(b *testing.B) {
					after := ""
					for b.Loop() {
						page, err := s.Shared(ctx, filter.ids, []string{"posts", "comments"}, after, 100)
						if err != nil {
							b.Fatal(err)
						}
						if len(page) < 100 {
							after = ""
						} else {
							after = page[len(page)-1].ID
						}
					}
				})
			}
		})
	}
}

package message_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"syscall"
	"testing"
	"time"

	"repertoire/internal/outbox"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// benchRecipients is the audience of the send benchmark: the issue asks
// that 100,000 be handed to SMTP in under 30 s (REPERTOIRE_BENCH_RECIPIENTS
// sets another number, for a quicker look).
var benchRecipients = func() int {
	if n, err := strconv.Atoi(os.Getenv("REPERTOIRE_BENCH_RECIPIENTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}()

// BenchmarkSend sends one message to a community of benchRecipients
// members through the whole server, to a real SMTP server on 127.0.0.1
// that accepts each mail as fast as it can: from the organizer's "send"
// (the sending job writing the recipients and their mails into the
// outbox) until the outbox worker has handed the last one to SMTP and
// recorded it sent. It reports the seconds it took and mails a second.
//
//	go test -run '^$' -bench Send -benchtime 1x ./internal/message/
func BenchmarkSend(b *testing.B) {
	if os.Getenv("GOGC") == "" {
		// As `repertoire serve` runs (cmd/repertoire: serveGCPercent).
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	engines := map[string]func(testing.TB) *store.DB{"sqlite": storetest.OpenSQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines["postgres"] = storetest.OpenPostgres
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open := engines[name]
		if open == nil {
			continue
		}
		b.Run(name, func(b *testing.B) {
			sink := testkit.StartCountingSink(b)
			app := testkit.StartWith(b, open(b), func(c *server.Config) { c.SMTP = sink.URL() })
			f := &fixture{app: app, org: app.Token(b, "olga@example.org", "Olga Organizer", false)}
			var c struct {
				ID string `json:"id"`
			}
			if st := app.API(b, "POST", "/api/v1/communities", f.org, map[string]string{"name": "Riders union", "slug": "riders"}, &c); st != 201 {
				b.Fatalf("create community: %d", st)
			}
			f.community = c.ID
			addMembers(b, app.DB, c.ID, benchRecipients)
			var total, cpu time.Duration
			for i := range b.N {
				var m messageDoc
				body := map[string]any{"community": c.ID, "subject": fmt.Sprintf("News %d", i), "from": "Riders union",
					"body": "Hello **riders**,\n\nThe [meeting](https://riders.example/meeting) is on Friday.", "targets": parts("members", "")}
				if st := app.API(b, "POST", "/api/v1/messages", f.org, body, &m); st != http.StatusCreated {
					b.Fatalf("create: %d", st)
				}
				before := sink.Count()
				cpuBefore := cpuTime()
				start := time.Now()
				if st := app.API(b, "POST", "/api/v1/messages/"+m.ID+"/send", f.org, nil, nil); st != http.StatusAccepted {
					b.Fatalf("send: %d", st)
				}
				for {
					// The sink's count costs nothing; the outbox's is read
					// once the sink has them all, so that watching does
					// not weigh on what is watched.
					if sink.Count()-before < benchRecipients+1 {
						if time.Since(start) > 10*time.Minute {
							b.Fatalf("after 10 minutes: %d mails reached the sink", sink.Count()-before)
						}
						time.Sleep(50 * time.Millisecond)
						continue
					}
					counts, err := outbox.CountList(context.Background(), app.DB.Reader(), m.ID)
					if err != nil {
						b.Fatal(err)
					}
					if counts.Sent+counts.Failed >= benchRecipients+1 { // the members and Olga
						if counts.Failed > 0 {
							b.Fatalf("%d mails failed", counts.Failed)
						}
						break
					}
					if time.Since(start) > 10*time.Minute {
						b.Fatalf("after 10 minutes: %+v", counts)
					}
					time.Sleep(50 * time.Millisecond)
				}
				total += time.Since(start)
				cpu += cpuTime() - cpuBefore
				var status string
				var finished time.Time
				app.DB.Reader().QueryRowContext(context.Background(), `SELECT status, sent_at FROM messages WHERE id = $1`, m.ID).Scan(&status, &finished)
				b.Logf("all written to the outbox after %s, all delivered after %s", finished.Sub(start).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
				if got := sink.Count() - before; got != benchRecipients+1 {
					b.Fatalf("the SMTP server accepted %d mails, want %d", got, benchRecipients+1)
				}
			}
			secs := total.Seconds() / float64(b.N)
			b.ReportMetric(secs, "s/send")
			b.ReportMetric(float64(benchRecipients+1)/secs, "mails/s")
			// The whole process's CPU (server, database driver, the SMTP
			// server beside it; PostgreSQL's own is not counted): on a
			// shared machine the wall time says as much about the others.
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/send")
		})
	}
}

// addMembers makes n people active members of the community, a
// thousand rows a statement (the benchmark's setup, not what it measures).
func addMembers(b *testing.B, db *store.DB, communityID string, n int) {
	b.Helper()
	ctx := context.Background()
	const rows = 1000
	for start := 0; start < n; start += rows {
		k := min(rows, n-start)
		err := db.Write(ctx, func(tx *store.Tx) error {
			people := make([]any, 0, 4*k)
			members := make([]any, 0, 3*k)
			for i := start; i < start+k; i++ {
				id := store.NewID()
				people = append(people, id, fmt.Sprintf("rider%d@bench.example", i), tx.Now, tx.Now)
				members = append(members, communityID, id, tx.Now)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, created_at, modified_at) VALUES `+store.Rows(tx.Dialect, k, 4), people...); err != nil {
				return err
			}
			q := `INSERT INTO memberships (community_id, person_id, role, status, created_at, modified_at) VALUES `
			for i := range k {
				if i > 0 {
					q += ", "
				}
				q += fmt.Sprintf("($%d, $%d, 'member', 'active', $%d, $%d)", 3*i+1, 3*i+2, 3*i+3, 3*i+3)
			}
			_, err := tx.ExecContext(ctx, q, members...)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the CPU time this process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

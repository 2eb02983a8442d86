package petition_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// TestAcceptedSignaturesSurviveSIGKILL starts the real binary, signs
// concurrently, kills it with SIGKILL in the middle of the run, restarts
// it, and checks that every signature answered 202 is there, once, and
// that the counters equal a recount.
func TestAcceptedSignaturesSurviveSIGKILL(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "repertoire")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/repertoire").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			run := func(args ...string) string {
				cmd := exec.Command(bin, args...)
				cmd.Stdin = strings.NewReader("correct horse battery\n")
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%v: %v", args, err)
				}
				return strings.TrimSpace(string(out))
			}
			run("migrate", "--db", dsn)
			run("user", "create", "--db", dsn, "--email", organizer, "--name", "Organizer")
			token := run("token", "create", "--db", dsn, "--email", organizer)
			ln, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := ln.Addr().String()
			ln.Close()
			logKey := filepath.Join(t.TempDir(), "log.key") // one key across the restart
			serve := func() *exec.Cmd {
				cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", addr, "--mail-dir", t.TempDir(), "--no-rate-limits", "--log-key", logKey)
				cmd.Stderr = io.Discard
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				for range 200 {
					if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
						resp.Body.Close()
						if resp.StatusCode == 200 {
							return cmd
						}
					}
					time.Sleep(50 * time.Millisecond)
				}
				t.Fatal("server did not start")
				return nil
			}
			srv := serve()
			base := "http://" + addr
			post := func(path string, body any, out any) int {
				b, _ := json.Marshal(body)
				req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
				req.Header.Set("OSDI-API-Token", token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				json.NewDecoder(resp.Body).Decode(out)
				return resp.StatusCode
			}
			var com, camp struct{ ID string }
			var pet petitionDoc
			post("/api/v1/communities", map[string]any{"name": "Users", "slug": "users"}, &com)
			post("/api/v1/campaigns", map[string]any{"title": "Log out", "community": com.ID}, &camp)
			if st := post("/api/v1/petitions", map[string]any{"title": "Durable", "petition_text": "Text", "campaign": camp.ID}, &pet); st != 201 {
				t.Fatalf("petition: %d", st)
			}

			// Sign from 32 clients; kill once 300 were accepted, while
			// the others are in flight.
			var mu sync.Mutex
			var accepted []string
			var n atomic.Int64
			killed := make(chan struct{})
			var once sync.Once
			var wg sync.WaitGroup
			client := &http.Client{Timeout: 10 * time.Second}
			for w := range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-killed:
							return
						default:
						}
						i := n.Add(1)
						email := fmt.Sprintf("d%d-%d@example.org", w, i)
						body := fmt.Sprintf(`{"person":{"email_addresses":[{"address":%q}]}}`, email)
						resp, err := client.Post(base+"/api/v1/petitions/"+pet.id()+"/signatures", "application/json", strings.NewReader(body))
						if err != nil {
							continue // the server is gone: not answered, not promised
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == http.StatusAccepted {
							mu.Lock()
							accepted = append(accepted, email)
							if len(accepted) == 300 {
								once.Do(func() { srv.Process.Signal(syscall.SIGKILL); close(killed) })
							}
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			srv.Wait()
			srv = serve()
			defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()

			db, err := store.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			for _, email := range accepted {
				var c int
				db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM participations p JOIN people pe ON pe.id = p.person_id
					WHERE pe.email = $1 AND p.action_id = $2`, email, pet.id()).Scan(&c)
				if c != 1 {
					t.Errorf("accepted signature found %d times", c)
				}
			}
			var rows, pending, counter int
			db.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0)
				FROM participations WHERE action_id = $1`, pet.id()).Scan(&rows, &pending)
			db.Reader().QueryRowContext(ctx, `SELECT pending FROM action_counters WHERE action_id = $1`, pet.id()).Scan(&counter)
			if rows < len(accepted) || counter != pending || pending != rows {
				t.Errorf("accepted %d, rows %d, pending %d, counter %d", len(accepted), rows, pending, counter)
			}
			var mails int
			db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&mails)
			if mails != rows {
				t.Errorf("%d signatures but %d confirmation mails", rows, mails)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/translog"
)

// TestVerifyAcrossSIGKILL runs the real binary, imports signatures (each a
// leaf) from many clients, kills it with SIGKILL in the middle of a batch,
// restarts it, and runs `repertoire verify` as an outsider: the log after
// the restart extends the one seen before, every acknowledged signature
// is counted, the count agrees with a recount of the leaves, a receipt
// checks. Then it tampers with the database: verify catches a changed
// count and a changed root.
func TestVerifyAcrossSIGKILL(t *testing.T) {
	bin := binary(t) // the one the package's tests share
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			if err := run(ctx, []string{"user", "create", "--db", dsn, "--email", "organizer@example.org", "--name", "Organizer"},
				strings.NewReader("correct horse battery\n"), io.Discard, log); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := run(ctx, []string{"token", "create", "--db", dsn, "--email", "organizer@example.org"}, strings.NewReader(""), &out, log); err != nil {
				t.Fatal(err)
			}
			token := strings.TrimSpace(out.String())
			ln, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := ln.Addr().String()
			ln.Close()
			base := "http://" + addr
			dir := t.TempDir()
			logKey := filepath.Join(dir, "log.key")
			serve := func() *exec.Cmd {
				cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", addr, "--mail-dir", t.TempDir(), "--no-rate-limits", "--log-key", logKey)
				cmd.Stderr = io.Discard
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				for range 200 {
					if resp, err := http.Get(base + "/readyz"); err == nil {
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
			post := func(path string, body any, out any) int {
				b, _ := json.Marshal(body)
				req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
				req.Header.Set("OSDI-API-Token", token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return 0
				}
				defer resp.Body.Close()
				if out != nil {
					json.NewDecoder(resp.Body).Decode(out)
				}
				return resp.StatusCode
			}
			var com, camp struct{ ID string }
			var pet struct{ Identifiers []string }
			post("/api/v1/communities", map[string]any{"name": "Users", "slug": "users"}, &com)
			post("/api/v1/campaigns", map[string]any{"title": "Log out", "community": com.ID}, &camp)
			if st := post("/api/v1/petitions", map[string]any{"title": "Verified", "petition_text": "Text", "campaign": camp.ID}, &pet); st != 201 {
				t.Fatalf("petition: %d", st)
			}
			petition := strings.TrimPrefix(pet.Identifiers[0], "repertoire:")
			importOne := func(email string) int {
				return post("/api/v1/petitions/"+petition+"/signatures", map[string]any{"origin_system": "paper",
					"person": map[string]any{"email_addresses": []map[string]any{{"address": email}}}}, nil)
			}
			for i := range 10 {
				if st := importOne(fmt.Sprintf("first%d@example.org", i)); st != 201 && st != 202 {
					t.Fatalf("import: %d", st)
				}
			}
			state := filepath.Join(dir, "verify-state")
			verifyOut := func(args ...string) (string, error) {
				var b bytes.Buffer
				err := run(ctx, append([]string{"verify", "--log", base, "--state", state}, args...), nil, &b, log)
				return b.String(), err
			}
			if out, err := verifyOut(); err != nil || !strings.Contains(out, "trusting the log's key on first use") {
				t.Fatalf("first verify: %v\n%s", err, out)
			}
			if fi, err := os.Stat(logKey); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("the log key's mode: %v (%v)", fi.Mode(), err)
			}

			// Import from 16 clients; SIGKILL once 150 more were accepted.
			var accepted atomic.Int64
			var n atomic.Int64
			killed := make(chan struct{})
			var once sync.Once
			var wg sync.WaitGroup
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-killed:
							return
						default:
						}
						if st := importOne(fmt.Sprintf("k%d@example.org", n.Add(1))); st == 201 || st == 202 {
							if accepted.Add(1) == 150 {
								once.Do(func() { srv.Process.Signal(syscall.SIGKILL); close(killed) })
							}
						}
					}
				}()
			}
			wg.Wait()
			srv.Wait()
			srv = serve()
			defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()

			countOut, err := verifyOut("--count", petition)
			if err != nil {
				t.Fatalf("verify after SIGKILL: %v\n%s", err, countOut)
			}
			if !strings.Contains(countOut, "extends the one seen before (10)") {
				t.Errorf("verify did not check consistency with the checkpoint before the kill:\n%s", countOut)
			}
			pc, err := (&translog.Client{Base: base}).PublishedCount(ctx, petition)
			if err != nil {
				t.Fatal(err)
			}
			if int64(pc.Count) < 10+accepted.Load() {
				t.Errorf("count %d, but %d were acknowledged", pc.Count, 10+accepted.Load())
			}

			// A receipt.
			db, err := store.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var id string
			db.Reader().QueryRowContext(ctx, `SELECT id FROM participations WHERE action_id = $1 ORDER BY id LIMIT 1`, petition).Scan(&id)
			resp, err := http.Get(base + "/log/receipt/" + id)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("receipt: %v %v", resp, err)
			}
			receipt, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			receiptFile := filepath.Join(dir, "receipt")
			os.WriteFile(receiptFile, receipt, 0o600)
			if out, err := verifyOut("--receipt", receiptFile); err != nil || !strings.Contains(out, "is in the log") {
				t.Errorf("verify --receipt: %v\n%s", err, out)
			}
			proof, err := translog.ParseProof(receipt)
			if err != nil {
				t.Fatal(err)
			}
			proof.Index++ // someone else's place in the log
			os.WriteFile(receiptFile, proof.Format(), 0o600)
			if out, err := verifyOut("--receipt", receiptFile); err == nil {
				t.Errorf("verify accepted a forged receipt:\n%s", out)
			}

			// A count inflated in the database.
			if _, err := db.Writer().ExecContext(ctx, `UPDATE action_counters SET imported = imported + 1 WHERE action_id = $1`, petition); err != nil {
				t.Fatal(err)
			}
			if out, err := verifyOut("--count", petition); err == nil || !strings.Contains(err.Error(), "COUNT MISMATCH") {
				t.Errorf("verify accepted an inflated count: %v\n%s", err, out)
			}
			// A stored hash of the root changed: the log no longer extends
			// what verify saw.
			size, _ := translog.Size(ctx, db.Reader())
			level := 0
			for size>>(level+1) > 0 {
				level++
			}
			top := tlog.StoredHashIndex(level, 0)
			var hashes []byte // 32 stored hashes a row
			if err := db.Reader().QueryRowContext(ctx, `SELECT hashes FROM log_hashes WHERE idx = $1`, top/32).Scan(&hashes); err != nil {
				t.Fatal(err)
			}
			copy(hashes[top%32*32:], make([]byte, 32))
			if _, err := db.Writer().ExecContext(ctx, `UPDATE log_hashes SET hashes = $1 WHERE idx = $2`, hashes, top/32); err != nil {
				t.Fatal(err)
			}
			time.Sleep(translog.CheckpointAge + 100*time.Millisecond)
			if out, err := verifyOut(); err == nil || !strings.Contains(err.Error(), "INCONSISTENT") {
				t.Errorf("verify accepted a changed root: %v\n%s", err, out)
			}
		})
	}
}

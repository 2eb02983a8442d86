package main

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
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

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// testVersion is the version the test binary is built with.
const testVersion = "v9.8.7-test"

var (
	buildOnce sync.Once
	built     string
	buildErr  error
	buildDir  string
)

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds the command once, as the Dockerfile and
// scripts/release.sh do: static (CGO_ENABLED=0: the SQLite driver is pure
// Go), paths trimmed, the version set at link time.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "repertoire-bin-")
		if buildErr != nil {
			return
		}
		built = filepath.Join(buildDir, "repertoire")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version="+testVersion, "-o", built, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return built
}

// TestStaticBinaryTellsItsVersion builds the binary the image holds and
// release.sh publishes: it is statically linked (it runs on distroless
// or scratch, without a C library) and `repertoire version` prints the
// version given at link time.
func TestStaticBinaryTellsItsVersion(t *testing.T) {
	bin := binary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader: it would not run on scratch or distroless/static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links %v", libs)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "repertoire "+testVersion+" (go") {
		t.Errorf("version printed %q", out)
	}
	// Without a version at link time, the build's own record names it.
	if v := Version(); !strings.HasPrefix(v, "dev") && !strings.HasPrefix(v, "v") {
		t.Errorf("Version() without -X: %q", v)
	}
}

// freeAddr is a local address nothing listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// started runs `repertoire serve` and waits until its healthcheck
// subcommand (the image's HEALTHCHECK) says it is ready.
func started(t *testing.T, bin string, stderr io.Writer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var addr string
	for i, a := range args {
		if a == "--addr" {
			addr = args[i+1]
		}
	}
	for range 300 {
		if exec.Command(bin, "healthcheck", "--addr", addr).Run() == nil {
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("the server did not become ready")
	return nil
}

// exitsCleanly waits for the server sent SIGTERM to exit, with status 0,
// for at most a minute.
func exitsCleanly(t *testing.T, srv *exec.Cmd, logged *lockedBuffer) {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the server exited with %v after SIGTERM\n%s", err, logged.String())
		}
	case <-time.After(60 * time.Second):
		srv.Process.Kill()
		t.Fatalf("the server did not exit after SIGTERM\n%s", logged.String())
	}
}

// TestSIGTERMClosesSilentConnections: a connection a client opened and
// never sent a request on (a pooled spare) does not hold the drain: the
// server exits cleanly well before its drain deadline. (Requests sent
// during a drain are TestSIGTERMDrainsUnderLoad's.)
func TestSIGTERMClosesSilentConnections(t *testing.T) {
	bin := binary(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "repertoire.db")
	addr := freeAddr(t)
	var logged lockedBuffer
	srv := started(t, bin, &logged, "--db", dsn, "--addr", addr, "--mail-dir", t.TempDir(), "--drain-timeout", "4s")
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	time.Sleep(300 * time.Millisecond) // accepted before the listener closes
	start := time.Now()
	srv.Process.Signal(syscall.SIGTERM)
	exitsCleanly(t, srv, &logged)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the drain took %v for one silent connection", took)
	}
	if strings.Contains(logged.String(), "deadline passed") {
		t.Errorf("the drain ended on its deadline:\n%s", logged.String())
	}
}

// TestSIGTERMDrainsUnderLoad starts the real binary, signs from many
// clients, sends SIGTERM in the middle and keeps signing while it shuts
// down: the server exits cleanly within its drain deadline, and after a
// restart every signature it answered 202 is stored, once, with its
// confirmation mail queued.
func TestSIGTERMDrainsUnderLoad(t *testing.T) {
	bin := binary(t)
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctl := func(args ...string) string {
				cmd := exec.Command(bin, args...)
				cmd.Stdin = strings.NewReader("correct horse battery\n")
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%v: %v", args, err)
				}
				return strings.TrimSpace(string(out))
			}
			ctl("user", "create", "--db", dsn, "--email", "organizer@example.org", "--name", "Organizer", "--admin")
			token := ctl("token", "create", "--db", dsn, "--email", "organizer@example.org")
			addr := freeAddr(t)
			var logged lockedBuffer
			args := []string{"--db", dsn, "--addr", addr, "--mail-dir", t.TempDir(), "--no-rate-limits", "--drain-timeout", "5s"}
			srv := started(t, bin, &logged, args...)
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
			var pet struct{ Identifiers []string }
			post("/api/v1/communities", map[string]any{"name": "Riders", "slug": "riders"}, &com)
			post("/api/v1/campaigns", map[string]any{"title": "Fair pay", "community": com.ID}, &camp)
			if st := post("/api/v1/petitions", map[string]any{"title": "Drained", "petition_text": "Text", "campaign": camp.ID}, &pet); st != 201 {
				t.Fatalf("petition: %d", st)
			}
			petitionID := strings.TrimPrefix(pet.Identifiers[0], "repertoire:")

			var mu sync.Mutex
			var accepted []string
			var n atomic.Int64
			var termed atomic.Bool
			var after atomic.Int64 // answered 202 after SIGTERM
			stop := make(chan struct{})
			var once sync.Once
			var wg sync.WaitGroup
			client := &http.Client{Timeout: 10 * time.Second}
			for w := range 24 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						email := fmt.Sprintf("t%d-%d@example.org", w, n.Add(1))
						body := fmt.Sprintf(`{"person":{"email_addresses":[{"address":%q}]}}`, email)
						resp, err := client.Post(base+"/api/v1/petitions/"+petitionID+"/signatures", "application/json", strings.NewReader(body))
						if err != nil {
							if termed.Load() {
								once.Do(func() { close(stop) }) // the listener is closed: the server is draining
							}
							continue
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusAccepted {
							continue
						}
						mu.Lock()
						accepted = append(accepted, email)
						if termed.Load() {
							after.Add(1)
						}
						if len(accepted) == 300 {
							termed.Store(true)
							srv.Process.Signal(syscall.SIGTERM)
						}
						mu.Unlock()
					}
				}()
			}
			exitsCleanly(t, srv, &logged)
			once.Do(func() { close(stop) })
			wg.Wait()
			if !strings.Contains(logged.String(), "shutting down") {
				t.Errorf("the shutdown was not logged:\n%s", logged.String())
			}
			t.Logf("%d signatures answered 202, %d of them after SIGTERM", len(accepted), after.Load())

			srv = started(t, bin, io.Discard, args...)
			defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
			db, err := store.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			missing := 0
			for _, email := range accepted {
				var c int
				db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM participations p JOIN people pe ON pe.id = p.person_id
					WHERE pe.email = $1 AND p.action_id = $2`, email, petitionID).Scan(&c)
				if c != 1 {
					missing++
				}
			}
			if missing > 0 {
				t.Errorf("%d of %d signatures answered 202 are not stored once", missing, len(accepted))
			}
			var rows, mails int
			db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM participations WHERE action_id = $1`, petitionID).Scan(&rows)
			db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&mails)
			if rows < len(accepted) || mails != rows {
				t.Errorf("%d answered 202, %d stored, %d confirmation mails", len(accepted), rows, mails)
			}
		})
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// TestBackupUnderWriteLoadRestores takes a backup of a SQLite database
// while 16 clients sign, restores it into a new database, and finds there
// every signature answered 202 before the backup began; the restored
// database serves. A restore into a database that holds data is refused.
func TestBackupUnderWriteLoadRestores(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "live.db")
	app := testkit.StartOn(t, storetest.MustOpen(t, dsn))
	token := app.Token(t, "organizer@example.org", "Organizer", true)
	var com, camp struct{ ID string }
	var pet struct{ Identifiers []string }
	app.API(t, "POST", "/api/v1/communities", token, map[string]any{"name": "Riders", "slug": "riders"}, &com)
	app.API(t, "POST", "/api/v1/campaigns", token, map[string]any{"title": "Fair pay", "community": com.ID}, &camp)
	if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Backed up", "petition_text": "Text", "campaign": camp.ID}, &pet); st != 201 {
		t.Fatalf("petition: %d", st)
	}
	petitionID := strings.TrimPrefix(pet.Identifiers[0], "repertoire:")

	var mu sync.Mutex
	var accepted []string
	var n atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				email := fmt.Sprintf("b%d-%d@example.org", w, n.Add(1))
				resp, err := http.Post(app.URL+"/api/v1/petitions/"+petitionID+"/signatures", "application/json",
					strings.NewReader(fmt.Sprintf(`{"person":{"email_addresses":[{"address":%q}]}}`, email)))
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					mu.Lock()
					accepted = append(accepted, email)
					mu.Unlock()
				}
			}
		}()
	}
	for {
		mu.Lock()
		k := len(accepted)
		mu.Unlock()
		if k >= 300 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), accepted...) // answered before the backup began
	mu.Unlock()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	backupFile := filepath.Join(dir, "backup.db")
	err := run(ctx, []string{"backup", "--db", dsn, "--out", backupFile}, nil, io.Discard, quiet)
	mu.Lock()
	during := len(accepted) - len(before)
	mu.Unlock()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if during == 0 {
		t.Log("no signature was answered while the backup ran")
	}
	if err := run(ctx, []string{"backup", "--db", dsn, "--out", backupFile}, nil, io.Discard, quiet); err == nil {
		t.Error("a backup overwrote an existing file")
	}

	restored := "sqlite:" + filepath.Join(dir, "restored.db")
	if err := run(ctx, []string{"restore", "--from", backupFile, "--db", restored}, nil, io.Discard, quiet); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if err := run(ctx, []string{"restore", "--from", backupFile, "--db", restored}, nil, io.Discard, quiet); err == nil {
		t.Error("a restore overwrote a database holding data")
	}
	db := storetest.MustOpen(t, restored)
	missing := 0
	for _, email := range before {
		var c int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM participations p JOIN people pe ON pe.id = p.person_id
			WHERE pe.email = $1 AND p.action_id = $2`, email, petitionID).Scan(&c); err != nil {
			t.Fatal(err)
		}
		if c != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d signatures answered before the backup are missing from it", missing, len(before))
	}
	var rows, counted int
	db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM participations WHERE action_id = $1`, petitionID).Scan(&rows)
	db.Reader().QueryRowContext(ctx, `SELECT pending + flagged + confirmed + imported + withdrawn FROM action_counters WHERE action_id = $1`, petitionID).Scan(&counted)
	if rows != counted {
		t.Errorf("the backup holds %d signatures but its counter says %d: not one snapshot", rows, counted)
	}
	restoredApp := testkit.StartOn(t, db)
	if st := restoredApp.API(t, "GET", "/api/v1/petitions/"+petitionID, token, nil, nil); st != http.StatusOK {
		t.Errorf("the restored database answers %d for the petition", st)
	}
}

// TestBackupOnPostgresPointsToPgDump: Repertoire does not copy a
// PostgreSQL database itself; it says which tools do.
func TestBackupOnPostgresPointsToPgDump(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.Postgres {
			return
		}
		err := db.Backup(context.Background(), filepath.Join(t.TempDir(), "x"))
		if err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("backup on PostgreSQL: %v", err)
		}
	})
}

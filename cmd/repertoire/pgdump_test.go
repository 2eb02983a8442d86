package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// TestPostgresDumpRestores follows docs/deploy.md on PostgreSQL: pg_dump
// of a database that took signatures, pg_restore into an empty database,
// `repertoire migrate` on it (the check of the restored schema); every
// signature answered 202 is there.
func TestPostgresDumpRestores(t *testing.T) {
	base := os.Getenv(storetest.EnvPostgres)
	if base == "" {
		t.Skip("PostgreSQL not configured (" + storetest.EnvPostgres + ")")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	suffix := hex.EncodeToString(b)
	dsnOf := func(name string) string {
		u, _ := url.Parse(base)
		u.Path = "/" + name
		return u.String()
	}
	var dsns []string
	for _, name := range []string{"dump_" + suffix, "restore_" + suffix} {
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
		dsns = append(dsns, dsnOf(name))
	}
	live, empty := dsns[0], dsns[1]

	app := testkit.StartOn(t, storetest.MustOpen(t, live))
	token := app.Token(t, "organizer@example.org", "Organizer", true)
	var com, camp struct{ ID string }
	var pet struct{ Identifiers []string }
	app.API(t, "POST", "/api/v1/communities", token, map[string]any{"name": "Riders", "slug": "riders"}, &com)
	app.API(t, "POST", "/api/v1/campaigns", token, map[string]any{"title": "Fair pay", "community": com.ID}, &camp)
	if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Dumped", "petition_text": "Text", "campaign": camp.ID}, &pet); st != 201 {
		t.Fatalf("petition: %d", st)
	}
	petitionID := strings.TrimPrefix(pet.Identifiers[0], "repertoire:")
	var accepted []string
	for i := range 40 {
		email := fmt.Sprintf("dump-%d@example.org", i)
		if st := app.API(t, "POST", "/api/v1/petitions/"+petitionID+"/signatures", "",
			fmt.Sprintf(`{"person":{"email_addresses":[{"address":%q}]}}`, email), nil); st == http.StatusAccepted {
			accepted = append(accepted, email)
		}
	}

	dump := filepath.Join(t.TempDir(), "repertoire.dump")
	for _, cmd := range [][]string{
		{"pg_dump", "--format=custom", "--file=" + dump, live},
		{"pg_restore", "--no-owner", "--dbname=" + empty, dump},
	} {
		if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd[0], err, out)
		}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := run(context.Background(), []string{"migrate", "--db", empty}, nil, io.Discard, quiet); err != nil {
		t.Fatalf("migrate on the restored database: %v", err)
	}
	db := storetest.MustOpen(t, empty)
	for _, email := range accepted {
		var c int
		db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM participations p JOIN people pe ON pe.id = p.person_id
			WHERE pe.email = $1 AND p.action_id = $2`, email, petitionID).Scan(&c)
		if c != 1 {
			t.Errorf("a signature answered 202 is missing from the restored dump")
		}
	}
	if len(accepted) == 0 {
		t.Fatal("no signature was accepted")
	}
}

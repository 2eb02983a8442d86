package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/target"
)

// `migrate` loads the embedded directory once; `targets import DIR`
// rewrites the targets DIR names and says when nothing changed.
func TestTargetsImport(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			if err := run(ctx, []string{"migrate", "--db", dsn}, strings.NewReader(""), io.Discard, log); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "companies"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "companies", "facebook.json"), []byte(`{"slug": "facebook", "relevant-countries": ["all"],
				"name": "Meta Platforms Ireland Limited", "email": "privacy@meta.example"}`), 0o644); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := run(ctx, []string{"targets", "import", "--db", dsn, dir}, strings.NewReader(""), &out, log); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out.String(), "1 targets imported") {
				t.Fatalf("output: %q", out.String())
			}
			out.Reset()
			if err := run(ctx, []string{"targets", "import", "--db", dsn, dir}, strings.NewReader(""), &out, log); err != nil || !strings.HasPrefix(out.String(), "unchanged") {
				t.Fatalf("again: %q %v", out.String(), err)
			}
			if err := run(ctx, []string{"targets", "import", "--db", dsn}, strings.NewReader(""), io.Discard, log); err == nil {
				t.Fatal("import without a directory")
			}
			db, err := store.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			dirs := target.NewStore(db)
			fb, err := dirs.BySlug(ctx, target.SourceDatenanfragen, "facebook")
			if err != nil || fb.Email != "privacy@meta.example" {
				t.Fatalf("facebook: %+v %v", fb, err)
			}
			if _, total, err := dirs.Find(ctx, target.Query{All: true, Limit: 1}); err != nil || total != 3127 {
				t.Fatalf("directory: %d targets, %v", total, err)
			}
		})
	}
}

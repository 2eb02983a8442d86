package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"repertoire/internal/store"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3"
// (scripts/release.sh, the Dockerfile).
var version = ""

// Version is the release this binary was built from: the one set at build
// time, else what the Go toolchain recorded (a module version, or the
// commit of a checkout), else "dev".
func Version() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok && v == "" {
		if info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && v == "" {
				v = "dev-" + s.Value[:min(12, len(s.Value))]
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	return fmt.Sprintf("%s (%s %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// healthcheck asks a running server's /readyz, for a container's
// HEALTHCHECK (the image has no shell, no curl): it exits 0 on 200.
func healthcheck(ctx context.Context, args []string) error {
	fs, _ := serveFlags()
	target := fs.String("url", "", "the server's URL (default: http:// and --addr, 0.0.0.0 read as 127.0.0.1)")
	if err := parseSettings(fs, args); err != nil {
		return err
	}
	addr := fs.Lookup("addr").Value.String()
	u := *target
	if u == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return err
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		u = "http://" + net.JoinHostPort(host, port)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(u, "/")+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s", resp.Status)
	}
	return nil
}

// backup writes a consistent copy of a SQLite database, while it serves.
func backup(ctx context.Context, args []string, log *slog.Logger) error {
	fs, dsn := dbFlags("backup")
	out := fs.String("out", "", "the backup file to write (must not exist)")
	if err := parseSettings(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("backup: --out FILE is required")
	}
	db, err := store.Open(*dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Backup(ctx, *out); err != nil {
		return err
	}
	log.Info("backup written", "file", *out, "seconds", time.Since(start).Seconds())
	return nil
}

// restore copies a backup into a new SQLite database, then migrates it as
// serve would: an older backup is upgraded, a newer one refused.
func restore(ctx context.Context, args []string, log *slog.Logger) error {
	fs, dsn := dbFlags("restore")
	from := fs.String("from", "", "the backup file to restore")
	if err := parseSettings(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return fmt.Errorf("restore: --from FILE is required")
	}
	path, ok := strings.CutPrefix(*dsn, "sqlite:")
	if !ok {
		return store.ErrPostgresBackup
	}
	if err := store.RestoreSQLite(ctx, *from, path); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	v, _ := db.SchemaVersion(ctx)
	log.Info("backup restored", "file", *from, "schema_version", v)
	return nil
}

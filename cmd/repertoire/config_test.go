package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repertoire/internal/store/storetest"
	"repertoire/internal/vault"
)

// TestSettingsPrecedence: a flag given wins over its variable, the
// variable over the configuration file, the file over the default; the
// file's lists and durations read as the flags' do, and an unknown key is
// refused rather than ignored.
func TestSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "repertoire.toml")
	os.WriteFile(file, []byte(`
addr = "0.0.0.0:9000"
db = "sqlite:/data/from-file.db"
base-url = "https://file.example"
smtp = "smtp://mailer:s3cret@mail.example:587"
trusted-proxy = ["10.0.0.0/8", "192.0.2.1"]
drain-timeout = "25s"
demo = true
vault-max-upload-bytes = 1048576
vault-max-entries = 1000
`), 0o600)
	for _, name := range []string{"REPERTOIRE_ADDR", "REPERTOIRE_DB", "REPERTOIRE_BASE_URL", "REPERTOIRE_SMTP", "REPERTOIRE_TRUSTED_PROXIES", "REPERTOIRE_DRAIN_TIMEOUT", "REPERTOIRE_DEMO", "REPERTOIRE_CONFIG", "REPERTOIRE_VAULT_MAX_UPLOAD_BYTES", "REPERTOIRE_VAULT_MAX_ENTRIES", "REPERTOIRE_VAULT_MAX_ENTRY_BYTES"} {
		t.Setenv(name, "")
	}

	cfg, err := serveConfig([]string{"--config", file})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "0.0.0.0:9000" || cfg.DB != "sqlite:/data/from-file.db" || cfg.BaseURL != "https://file.example" ||
		cfg.SMTP != "smtp://mailer:s3cret@mail.example:587" || !cfg.Demo || cfg.DrainTimeout != 25*time.Second ||
		len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1].String() != "192.0.2.1/32" {
		t.Errorf("from the file: %+v", cfg)
	}
	if l := cfg.VaultLimits; l == nil || l.MaxUpload != 1<<20 || l.MaxEntries != 1000 || l.MaxUncompressed != vault.DefaultLimits().MaxUncompressed {
		t.Errorf("the vault's limits from the file: %+v", l)
	}

	t.Setenv("REPERTOIRE_CONFIG", file) // the file named by its variable
	t.Setenv("REPERTOIRE_BASE_URL", "https://env.example")
	t.Setenv("REPERTOIRE_VAULT_MAX_ENTRIES", "2000")
	t.Setenv("REPERTOIRE_VAULT_MAX_ENTRY_BYTES", "4096")
	cfg, err = serveConfig([]string{"--addr", "127.0.0.1:7000", "--vault-max-entry-bytes", "8192"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:7000" || cfg.BaseURL != "https://env.example" || cfg.DB != "sqlite:/data/from-file.db" {
		t.Errorf("flag > env > file: addr %q, base URL %q, db %q", cfg.Addr, cfg.BaseURL, cfg.DB)
	}
	if l := cfg.VaultLimits; l.MaxUpload != 1<<20 || l.MaxEntries != 2000 || l.MaxEntryBytes != 8192 {
		t.Errorf("the vault's limits, flag > env > file: %+v", l)
	}
	t.Setenv("REPERTOIRE_VAULT_MAX_ENTRIES", "")
	t.Setenv("REPERTOIRE_VAULT_MAX_ENTRY_BYTES", "")

	t.Setenv("REPERTOIRE_CONFIG", "")
	cfg, err = serveConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8080" || cfg.DB != defaultDB || cfg.DrainTimeout != 10*time.Second || cfg.Demo {
		t.Errorf("defaults: %+v", cfg)
	}
	if cfg.VaultLimits == nil || *cfg.VaultLimits != vault.DefaultLimits() {
		t.Errorf("the vault's default limits: %+v", cfg.VaultLimits)
	}
	if _, err := serveConfig([]string{"--vault-max-entries", "0"}); err == nil {
		t.Error("a vault limit of 0 was taken")
	}
	if cfg.TimeZone != "UTC" {
		t.Errorf("the default time zone %q, want UTC", cfg.TimeZone)
	}
	if cfg, err := serveConfig([]string{"--time-zone", "Europe/Paris"}); err != nil || cfg.TimeZone != "Europe/Paris" {
		t.Errorf("--time-zone Europe/Paris: %q, %v", cfg.TimeZone, err)
	}
	if _, err := serveConfig([]string{"--time-zone", "Mars/Olympus"}); err == nil || !strings.Contains(err.Error(), "--time-zone") {
		t.Errorf("an unknown time zone was taken: %v", err)
	}

	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("base_url = \"https://typo.example\"\n"), 0o600)
	if _, err := serveConfig([]string{"--config", bad}); err == nil || !strings.Contains(err.Error(), "base_url") {
		t.Errorf("a misspelt key: %v", err)
	}
	// The other commands read the same file for what they share (the
	// database), and ignore serve's other keys.
	fs, dsn := dbFlags("backup")
	if err := parseSettings(fs, []string{"--config", file}); err != nil || *dsn != "sqlite:/data/from-file.db" {
		t.Errorf("backup's database from the file: %q, %v", *dsn, err)
	}
}

// TestDeployDocListsEverySetting: docs/deploy.md's table of settings is
// the one the flags make, so the documentation cannot drift from them.
func TestDeployDocListsEverySetting(t *testing.T) {
	doc, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	table := settingsTable()
	if !strings.Contains(string(doc), table) {
		t.Errorf("docs/deploy.md lacks the table of settings, or holds an old one; put this one in:\n\n%s", table)
	}
	for _, s := range settings() {
		if !strings.Contains(usage, "--"+s.Name) && !strings.Contains(usage, s.Env) {
			t.Errorf("the usage text does not mention --%s", s.Name)
		}
	}
}

// TestOlderBinaryRefusesNewerDatabase: serve and migrate refuse a database
// a newer Repertoire migrated, and say what to do.
func TestOlderBinaryRefusesNewerDatabase(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			db := storetest.MustOpen(t, dsn)
			versions, _ := db.SchemaVersions()
			if _, err := db.Writer().ExecContext(context.Background(), `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, TRUE)`, versions[len(versions)-1]+1); err != nil {
				t.Fatal(err)
			}
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			for _, cmd := range [][]string{{"migrate", "--db", dsn}, {"serve", "--db", dsn, "--addr", "127.0.0.1:0"}} {
				err := run(context.Background(), cmd, nil, io.Discard, quiet)
				if err == nil || !strings.Contains(err.Error(), "newer than this binary") || !strings.Contains(err.Error(), "restore a backup") {
					t.Errorf("%s on a newer database: %v", cmd[0], err)
				}
			}
		})
	}
}

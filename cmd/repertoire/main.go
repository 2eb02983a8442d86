// Command repertoire runs Repertoire: `repertoire serve` starts the web
// server and API; `migrate`, `user create` and `token create` manage a
// database from the shell.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // events keep their zone on a host or image without a zone database

	"repertoire/internal/account"
	"repertoire/internal/demo"
	"repertoire/internal/participation"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/target"
	"repertoire/internal/vault"
	"repertoire/internal/web"
)

const usage = `usage:
  repertoire serve [--addr 127.0.0.1:8080] [--db sqlite:PATH | --db postgres://…]
                   [--base-url URL] [--smtp smtp://user:pass@host:port] [--mail-dir DIR] [--data-dir DIR] [--demo]
                   [--trusted-proxy CIDR]... [--drain-timeout 10s] [--integrity-every 5m] [--time-zone UTC] [--no-rate-limits] [--log-key FILE] [--no-log]
                   [--inbound-smtp-addr ADDR --inbound-domain DOMAIN] [--inbound-max-bytes N]
                   [--vault-max-upload-bytes N] [--vault-max-uncompressed-bytes N] [--vault-max-entries N] [--vault-max-entry-bytes N]
  repertoire migrate --db …
  repertoire user create --db … --email E --name N [--admin]   (password read from stdin when given)
  repertoire token create --db … --email E                      (prints a new API token)
  repertoire targets import --db … DIR                          (updates the targets directory from
                                                                  a copy of the datenanfragen data)
  repertoire backup --db sqlite:PATH --out FILE                 (a consistent copy, while serving)
  repertoire restore --from FILE --db sqlite:PATH               (into a new, empty database)
  repertoire healthcheck [--url http://127.0.0.1:8080]          (exit 0 when /readyz answers 200)
  repertoire version
  repertoire verify --log URL [--state FILE] [--key VKEY] [--receipt FILE] [--count ACTION]
                   (checks a site's transparency log: docs/transparency.md)
  repertoire detect --input events.csv [--output groups.csv]
                   (flags coordinated accounts in a file of account,target,unix_time
                    lines: docs/integrity.md)

Every command takes --config FILE (or REPERTOIRE_CONFIG): a TOML file whose
keys are serve's flags (base-url = "https://…"). Each flag is also a
variable: REPERTOIRE_ADDR, REPERTOIRE_DB, REPERTOIRE_BASE_URL, REPERTOIRE_SMTP,
REPERTOIRE_MAIL_DIR, REPERTOIRE_TRUSTED_PROXIES (comma-separated), …; a flag
given wins over the variable, the variable over the file. Without --smtp or
--mail-dir, mails are written into mail/ beside the SQLite database (./mail
for PostgreSQL). docs/deploy.md lists every setting.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, log); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "repertoire:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return flag.ErrHelp
	}
	switch cmd := strings.Join(args[:min(2, len(args))], " "); {
	case args[0] == "serve":
		return serve(ctx, args[1:], log)
	case args[0] == "migrate":
		fs, dsn := dbFlags("migrate")
		if err := parseSettings(fs, args[1:]); err != nil {
			return err
		}
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := loadDirectory(ctx, db, log); err != nil {
			return err
		}
		v, _ := db.SchemaVersion(ctx)
		log.Info("database is up to date", "schema_version", v)
		return nil
	case cmd == "user create":
		return userCreate(ctx, args[2:], stdin, log)
	case cmd == "token create":
		return tokenCreate(ctx, args[2:], stdout)
	case cmd == "targets import":
		return targetsImport(ctx, args[2:], stdout)
	case args[0] == "backup":
		return backup(ctx, args[1:], log)
	case args[0] == "restore":
		return restore(ctx, args[1:], log)
	case args[0] == "healthcheck":
		return healthcheck(ctx, args[1:])
	case args[0] == "version", args[0] == "--version":
		fmt.Fprintln(stdout, "repertoire", Version())
		return nil
	case args[0] == "verify":
		return verify(ctx, args[1:], stdout)
	case args[0] == "detect":
		return detect(args[1:], stdin, stdout)
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", strings.Join(args, " "))
	}
}

// defaultDB is the database without --db: a file in the working directory.
const defaultDB = "sqlite:repertoire.db"

func dbFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	dsn := fs.String("db", defaultDB, "database: sqlite:PATH or postgres://…")
	return fs, dsn
}

func openDB(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

// serveGCPercent is the collector's target while serving, unless GOGC says
// otherwise.
const serveGCPercent = 400

// serveOptions are serve's flags beside server.Config's.
type serveOptions struct {
	cfg      server.Config
	dsn      *string
	proxies  []string
	noLimits *bool
	vault    vault.Limits
}

// serveFlags declares serve's flags, with their defaults: the
// environment and the configuration file are applied by parseSettings.
func serveFlags() (*flag.FlagSet, *serveOptions) {
	fs, dsn := dbFlags("serve")
	o := &serveOptions{dsn: dsn}
	fs.StringVar(&o.cfg.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&o.cfg.BaseURL, "base-url", "", "public URL, as people reach it through the reverse proxy (default http://ADDR)")
	fs.StringVar(&o.cfg.SMTP, "smtp", "", "SMTP server, smtp://user:pass@host:port (smtps:// for TLS from the start)")
	fs.StringVar(&o.cfg.MailDir, "mail-dir", "", "write each mail as DIR/<id>.eml (default without --smtp: mail/ beside the SQLite database)")
	fs.StringVar(&o.cfg.DataDir, "data-dir", "", "keep the files people give (legal actions' documents) under DIR (default: beside the SQLite database, ./data for PostgreSQL)")
	fs.StringVar(&o.cfg.LogKey, "log-key", "", "the transparency log's signing key file, made at first start (default log.key beside the SQLite database, ./log.key for PostgreSQL)")
	fs.StringVar(&o.cfg.InboundSMTPAddr, "inbound-smtp-addr", "", "listen address of the SMTP server receiving targets' answers to letters, and bounces and complaints (needs --inbound-domain; empty: none)")
	fs.StringVar(&o.cfg.InboundDomain, "inbound-domain", "", "domain of letters' inbound addresses (answers+TOKEN@DOMAIN) and of mail's bounce addresses (bounces+…@DOMAIN, feedback@DOMAIN), whose MX points at --inbound-smtp-addr")
	fs.Int64Var(&o.cfg.InboundMaxBytes, "inbound-max-bytes", 10<<20, "largest inbound mail accepted, in bytes")
	fs.BoolVar(&o.cfg.NoLog, "no-log", false, "keep no transparency log (benchmarks: the same run with the log off and on); counts are then not verifiable")
	fs.BoolVar(&o.cfg.Demo, "demo", false, "load the demo into an empty database")
	fs.Func("trusted-proxy", "a reverse proxy's address range (CIDR; repeatable, or comma-separated): its Forwarded or X-Forwarded-For names the client", func(v string) error {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				o.proxies = append(o.proxies, p)
			}
		}
		return nil
	})
	fs.DurationVar(&o.cfg.DrainTimeout, "drain-timeout", 10*time.Second, "on SIGTERM, how long requests in flight get to finish")
	fs.StringVar(&o.cfg.TimeZone, "time-zone", "UTC", "the IANA time zone (Europe/Paris) whose clock pages show the times of audit tables on (access histories, integrity evidence)")
	fs.DurationVar(&o.cfg.IntegrityEvery, "integrity-every", 5*time.Minute, "how often to look for coordinated participations among the last hours' (0: only when organizers ask)")
	def := vault.DefaultLimits()
	fs.Int64Var(&o.vault.MaxUpload, "vault-max-upload-bytes", def.MaxUpload, "largest file a member uploads into their data vault, in bytes")
	fs.Int64Var(&o.vault.MaxUncompressed, "vault-max-uncompressed-bytes", def.MaxUncompressed, "most bytes inflated out of one vault archive, every entry together (a zip bomb stops there)")
	fs.IntVar(&o.vault.MaxEntries, "vault-max-entries", def.MaxEntries, "most entries of one vault archive")
	fs.Int64Var(&o.vault.MaxEntryBytes, "vault-max-entry-bytes", def.MaxEntryBytes, "largest entry of a vault archive read whole (a profile), in bytes")
	o.noLimits = fs.Bool("no-rate-limits", false, "flag no signature over the per-IP and per-domain limits (load tests from one machine)")
	return fs, o
}

// serveConfig reads serve's flags, then the environment and the
// configuration file for those not given.
func serveConfig(args []string) (server.Config, error) {
	fs, o := serveFlags()
	if err := parseSettings(fs, args); err != nil {
		return server.Config{}, err
	}
	cfg := o.cfg
	trusted, err := web.ParseTrustedProxies(o.proxies)
	if err != nil {
		return server.Config{}, err
	}
	cfg.TrustedProxies = trusted
	if o.vault.MaxUpload <= 0 || o.vault.MaxUncompressed <= 0 || o.vault.MaxEntries <= 0 || o.vault.MaxEntryBytes <= 0 {
		return server.Config{}, errors.New("the vault's limits (--vault-max-…) must be positive")
	}
	limits := o.vault
	cfg.VaultLimits = &limits
	if *o.noLimits {
		cfg.Limits = &participation.Limits{KeepIPs: participation.DefaultLimits().KeepIPs}
	}
	if cfg.IntegrityEvery == 0 {
		cfg.IntegrityEvery = -1 // 0 on the command line: runs on demand only
	}
	if _, err := time.LoadLocation(cfg.TimeZone); err != nil {
		return server.Config{}, fmt.Errorf("--time-zone: %w", err)
	}
	cfg.DB = *o.dsn
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	return cfg, nil
}

func serve(ctx context.Context, args []string, log *slog.Logger) error {
	cfg, err := serveConfig(args)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// The live heap is small (tens of MB) and a signing spike
		// allocates fast: at Go's default the collector took a tenth of
		// the CPU and its pauses lengthened the group commit's tail.
		// Four times the live heap costs a few tens of MB more.
		debug.SetGCPercent(serveGCPercent)
	}
	db, err := openDB(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := loadDirectory(ctx, db, log); err != nil {
		return err
	}
	srv, err := server.New(cfg, db, log)
	if err != nil {
		return err
	}
	if cfg.Demo {
		if err := demo.Load(ctx, db, srv.Catalog, log); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("repertoire is listening", "url", cfg.BaseURL, "db", string(db.Dialect))
	return srv.Run(ctx, ln)
}

func userCreate(ctx context.Context, args []string, stdin io.Reader, log *slog.Logger) error {
	fs, dsn := dbFlags("user create")
	email := fs.String("email", "", "email address")
	name := fs.String("name", "", "name")
	admin := fs.Bool("admin", false, "make the user an administrator")
	if err := parseSettings(fs, args); err != nil {
		return err
	}
	password := ""
	if f, ok := stdin.(*os.File); !ok || !isTerminal(f) {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := account.CreateUser(ctx, db, account.NewUser{Email: *email, Name: *name, Password: password, Admin: *admin}); err != nil {
		return err
	}
	log.Info("user created")
	return nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func tokenCreate(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dsn := dbFlags("token create")
	email := fs.String("email", "", "email address of the token's owner")
	if err := parseSettings(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	tok, err := account.CreateToken(ctx, db, *email, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// loadDirectory loads the embedded targets directory at first start, and
// again only when the binary carries a new one.
func loadDirectory(ctx context.Context, db *store.DB, log *slog.Logger) error {
	imp, err := target.LoadEmbedded(ctx, db)
	if err != nil {
		return fmt.Errorf("targets directory: %w", err)
	}
	if !imp.Unchanged {
		log.Info("targets directory loaded", "targets", imp.Rows, "took", imp.Took.Round(time.Millisecond))
	}
	return nil
}

// targetsImport updates the targets directory from a directory in the
// datenanfragen layout.
func targetsImport(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dsn := dbFlags("targets import")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("targets import: give the directory to import (companies/, supervisory-authorities/)")
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	imp, err := target.ImportDir(ctx, db, fs.Arg(0))
	if err != nil {
		return err
	}
	if imp.Unchanged {
		fmt.Fprintf(stdout, "unchanged since the last import (%s)\n", imp.Took.Round(time.Millisecond))
		return nil
	}
	fmt.Fprintf(stdout, "%d targets imported in %s\n", imp.Rows, imp.Took.Round(time.Millisecond))
	return nil
}

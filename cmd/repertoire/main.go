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

	"repertoire/internal/account"
	"repertoire/internal/demo"
	"repertoire/internal/participation"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

const usage = `usage:
  repertoire serve [--addr 127.0.0.1:8080] [--db sqlite:PATH | --db postgres://…]
                   [--base-url URL] [--smtp smtp://user:pass@host:port] [--mail-dir DIR] [--demo]
                   [--trusted-proxy CIDR]... [--log-key FILE]
  repertoire migrate --db …
  repertoire user create --db … --email E --name N [--admin]   (password read from stdin when given)
  repertoire token create --db … --email E                      (prints a new API token)
  repertoire verify --log URL [--state FILE] [--key VKEY] [--receipt FILE] [--count ACTION]
                   (checks a site's transparency log: docs/transparency.md)

Each flag can also be set in the environment: REPERTOIRE_ADDR, REPERTOIRE_DB,
REPERTOIRE_BASE_URL, REPERTOIRE_SMTP, REPERTOIRE_MAIL_DIR,
REPERTOIRE_TRUSTED_PROXIES (comma-separated), REPERTOIRE_LOG_KEY. Without --smtp or --mail-dir,
mails are written into mail/ beside the SQLite database (./mail for PostgreSQL).
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
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		log.Info("database is up to date")
		return nil
	case cmd == "user create":
		return userCreate(ctx, args[2:], stdin, log)
	case cmd == "token create":
		return tokenCreate(ctx, args[2:], stdout)
	case args[0] == "verify":
		return verify(ctx, args[1:], stdout)
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", strings.Join(args, " "))
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func dbFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	dsn := fs.String("db", env("REPERTOIRE_DB", "sqlite:repertoire.db"), "database: sqlite:PATH or postgres://…")
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

// serveConfig reads serve's flags, and the environment for those not given.
func serveConfig(args []string) (server.Config, error) {
	fs, dsn := dbFlags("serve")
	var cfg server.Config
	fs.StringVar(&cfg.Addr, "addr", env("REPERTOIRE_ADDR", "127.0.0.1:8080"), "listen address")
	fs.StringVar(&cfg.BaseURL, "base-url", env("REPERTOIRE_BASE_URL", ""), "public URL (default http://ADDR)")
	fs.StringVar(&cfg.SMTP, "smtp", env("REPERTOIRE_SMTP", ""), "SMTP server, smtp://user:pass@host:port")
	fs.StringVar(&cfg.MailDir, "mail-dir", env("REPERTOIRE_MAIL_DIR", ""), "write each mail as DIR/<id>.eml (default without --smtp: mail/ beside the SQLite database)")
	fs.BoolVar(&cfg.Demo, "demo", false, "load the demo into an empty database")
	fs.StringVar(&cfg.LogKey, "log-key", env("REPERTOIRE_LOG_KEY", ""), "the transparency log's signing key file, made at first start (default log.key beside the SQLite database, ./log.key for PostgreSQL)")
	var proxies []string
	fs.Func("trusted-proxy", "a reverse proxy's address range (CIDR; repeatable): its Forwarded or X-Forwarded-For names the client", func(v string) error {
		proxies = append(proxies, strings.Split(v, ",")...)
		return nil
	})
	noLimits := fs.Bool("no-rate-limits", false, "flag no signature over the per-IP and per-domain limits (load tests from one machine)")
	if err := fs.Parse(args); err != nil {
		return server.Config{}, err
	}
	if proxies == nil {
		proxies = strings.Split(os.Getenv("REPERTOIRE_TRUSTED_PROXIES"), ",")
	}
	trusted, err := web.ParseTrustedProxies(proxies)
	if err != nil {
		return server.Config{}, err
	}
	cfg.TrustedProxies = trusted
	if *noLimits {
		cfg.Limits = &participation.Limits{KeepIPs: participation.DefaultLimits().KeepIPs}
	}
	cfg.DB = *dsn
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
	if err := fs.Parse(args); err != nil {
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
	if err := fs.Parse(args); err != nil {
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

package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// TestUserAndTokenCreate drives the CLI as an operator would: create an
// administrator (password on stdin), mint a token, and use both against the
// running server.
func TestUserAndTokenCreate(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			err := run(ctx, []string{"user", "create", "--db", dsn, "--email", "Admin@Example.org", "--name", "Admin", "--admin"},
				strings.NewReader("correct horse battery\n"), io.Discard, log)
			if err != nil {
				t.Fatalf("user create: %v", err)
			}
			err = run(ctx, []string{"user", "create", "--db", dsn, "--email", "admin@example.org", "--name", "Again"}, strings.NewReader(""), io.Discard, log)
			if err == nil {
				t.Error("a second account with the same address was created")
			}
			var out bytes.Buffer
			if err := run(ctx, []string{"token", "create", "--db", dsn, "--email", "admin@example.org"}, strings.NewReader(""), &out, log); err != nil {
				t.Fatalf("token create: %v", err)
			}
			tok := strings.TrimSpace(out.String())
			if !strings.HasPrefix(tok, "rpt_") {
				t.Fatalf("token create printed %q", tok)
			}
			if err := run(ctx, []string{"token", "create", "--db", dsn, "--email", "nobody@example.org"}, strings.NewReader(""), io.Discard, log); err == nil {
				t.Error("a token was minted for an unknown address")
			}

			app := testkit.StartOn(t, storetest.MustOpen(t, dsn))
			if status := app.API(t, "GET", "/api/v1/people", tok, nil, nil); status != 200 {
				t.Errorf("the printed admin token answered %d on the people collection", status)
			}
			app.Browser().SignIn(t, "admin@example.org", "correct horse battery")
		})
	}
}

// --trusted-proxy is repeatable and takes the place of
// REPERTOIRE_TRUSTED_PROXIES, read when the flag is not given.
func TestTrustedProxiesFromFlagsAndEnvironment(t *testing.T) {
	ranges := func(args ...string) string {
		t.Helper()
		cfg, err := serveConfig(args)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, p := range cfg.TrustedProxies {
			s = append(s, p.String())
		}
		return strings.Join(s, " ")
	}
	t.Setenv("REPERTOIRE_TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::/32")
	if got := ranges(); got != "10.0.0.0/8 2001:db8::/32" {
		t.Errorf("from the environment: %q", got)
	}
	if got := ranges("--trusted-proxy", "192.0.2.0/24", "--trusted-proxy", "198.51.100.7"); got != "192.0.2.0/24 198.51.100.7/32" {
		t.Errorf("from the flags: %q", got)
	}
	if _, err := serveConfig([]string{"--trusted-proxy", "proxy.example"}); err == nil {
		t.Error("a host name was taken for a range")
	}
	t.Setenv("REPERTOIRE_TRUSTED_PROXIES", "")
	if got := ranges(); got != "" {
		t.Errorf("without either: %q", got)
	}
}

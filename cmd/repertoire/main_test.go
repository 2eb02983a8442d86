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

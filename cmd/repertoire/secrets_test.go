package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigFileSecretsStayOutOfTheLog serves from a configuration file
// whose SMTP URL carries a password, with the SMTP server unreachable so
// that every delivery fails and is logged: the password is never in the
// log.
func TestConfigFileSecretsStayOutOfTheLog(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "r.db")
	addr := freeAddr(t)
	dead := freeAddr(t) // nothing listens there
	const password = "s3cr3t-Pa55word"
	file := filepath.Join(dir, "repertoire.toml")
	os.WriteFile(file, []byte("db = \""+dsn+"\"\naddr = \""+addr+"\"\nsmtp = \"smtp://mailer:"+password+"@"+dead+"\"\n"), 0o600)
	for _, name := range []string{"REPERTOIRE_DB", "REPERTOIRE_ADDR", "REPERTOIRE_SMTP", "REPERTOIRE_MAIL_DIR", "REPERTOIRE_CONFIG"} {
		t.Setenv(name, "")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := run(context.Background(), []string{"user", "create", "--config", file, "--email", "ana@example.org", "--name", "Ana"},
		strings.NewReader("correct horse battery\n"), io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	var logged lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, []string{"--config", file}, slog.New(slog.NewTextHandler(&logged, nil))) }()
	defer func() { cancel(); <-done }()
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if i > 200 {
			t.Fatalf("server did not start\n%s", logged.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
	req, _ := http.NewRequest("POST", base+"/signin/link", strings.NewReader(url.Values{"link_email": {"ana@example.org"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logged.String(), "level=WARN") && !strings.Contains(logged.String(), "level=ERROR"); {
		if time.Now().After(deadline) {
			t.Fatalf("no failed delivery was logged:\n%s", logged.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(logged.String(), password) {
		t.Errorf("the log shows the SMTP password:\n%s", logged.String())
	}
}

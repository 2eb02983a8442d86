package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"repertoire/internal/store/storetest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Without --smtp or --mail-dir, serve writes each mail as a file of mail/
// beside the SQLite database (./mail for PostgreSQL) and logs the file's
// name only: the mail's links sign people in, and its address is personal.
func TestServeWithoutMailSetupWritesFiles(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			work := t.TempDir()
			t.Chdir(work)
			mailDir := filepath.Join(work, "mail")
			if engine == "sqlite" {
				mailDir = filepath.Join(filepath.Dir(strings.TrimPrefix(dsn, "sqlite:")), "mail")
			}
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			if err := run(context.Background(), []string{"user", "create", "--db", dsn, "--email", "ana@example.org", "--name", "Ana"},
				strings.NewReader("correct horse battery\n"), io.Discard, quiet); err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			var logged lockedBuffer
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- serve(ctx, []string{"--db", dsn, "--addr", addr}, slog.New(slog.NewTextHandler(&logged, nil)))
			}()
			defer func() {
				cancel()
				if err := <-done; err != nil && err != http.ErrServerClosed {
					t.Errorf("serve: %v", err)
				}
			}()
			base := "http://" + addr
			for i := 0; ; i++ {
				if resp, err := http.Get(base + "/readyz"); err == nil {
					resp.Body.Close()
					if resp.StatusCode == 200 {
						break
					}
				}
				if i > 200 {
					t.Fatal("server did not start")
				}
				time.Sleep(25 * time.Millisecond)
			}
			req, _ := http.NewRequest("POST", base+"/signin/link", strings.NewReader(url.Values{"link_email": {"ana@example.org"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", base)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			var files []os.DirEntry
			for deadline := time.Now().Add(10 * time.Second); len(files) == 0; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no mail in %s (sign-in link form: %d)\n%s", mailDir, resp.StatusCode, logged.String())
				}
				all, _ := os.ReadDir(mailDir)
				for _, f := range all {
					if strings.HasSuffix(f.Name(), ".eml") && !strings.HasPrefix(f.Name(), ".tmp-") {
						files = append(files, f) // written whole
					}
				}
			}
			raw, err := os.ReadFile(filepath.Join(mailDir, files[0].Name()))
			if err != nil || !bytes.Contains(raw, []byte("ana@example.org")) || !bytes.Contains(raw, []byte(base+"/signin/")) {
				t.Fatalf("%s holds %v:\n%s", files[0].Name(), err, raw)
			}
			var line string
			for l := range strings.SplitSeq(logged.String(), "\n") {
				if strings.Contains(l, files[0].Name()) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no log line names %s:\n%s", files[0].Name(), logged.String())
			}
			if strings.Contains(line, "@") || strings.Contains(line, "/signin/") {
				t.Errorf("the log line shows the address or the link: %s", line)
			}
			if regexp.MustCompile(`/signin/[A-Za-z0-9_-]`).MatchString(logged.String()) || strings.Contains(logged.String(), "ana@") {
				t.Errorf("the log shows a link or the address:\n%s", logged.String())
			}
		})
	}
}

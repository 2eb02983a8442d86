package testkit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"repertoire/internal/account"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// App is a whole Repertoire serving on 127.0.0.1, mailing to a Sink.
type App struct {
	URL    string
	DB     *store.DB
	Mail   *Sink
	Server *server.Server
}

// Apps runs fn once per available engine (subtests "sqlite", "postgres"),
// each with a fresh database and server.
func Apps(t *testing.T, fn func(t *testing.T, app *App)) {
	t.Helper()
	storetest.Engines(t, func(t *testing.T, db *store.DB) { fn(t, StartOn(t, db)) })
}

// Start starts an app on a fresh SQLite database.
func Start(t testing.TB) *App { return StartOn(t, storetest.OpenSQLite(t)) }

// StartOn starts the server on an open, migrated database.
func StartOn(t testing.TB, db *store.DB) *App {
	t.Helper()
	return StartWith(t, db, nil)
}

// StartWith starts the server on an open, migrated database, with the
// configuration changed by configure (when not nil) before the server is
// built.
func StartWith(t testing.TB, db *store.DB, configure func(*server.Config)) *App {
	t.Helper()
	sink := StartSink(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("REPERTOIRE_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	cfg := server.Config{Addr: ln.Addr().String(), BaseURL: base, SMTP: sink.URL(), DataDir: dataDir(t),
		LogKey: filepath.Join(t.TempDir(), "log.key")}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := server.New(cfg, db, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("server: %v", err)
		}
	})
	return &App{URL: base, DB: db, Mail: sink, Server: srv}
}

// User creates a confirmed account and returns a browser client signed in
// as it... callers that need the sign-in flow itself use the pages.
// Token creates a confirmed user (admin when asked) and an API token for it.
func (a *App) Token(t testing.TB, email, name string, admin bool) string {
	t.Helper()
	ctx := context.Background()
	if _, err := account.CreateUser(ctx, a.DB, account.NewUser{Email: email, Name: name, Password: "correct horse battery", Admin: admin}); err != nil {
		t.Fatalf("create user: %v", err)
	}
	tok, err := account.CreateToken(ctx, a.DB, email, "test")
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return tok
}

// Browser is an HTTP client with a cookie jar, behaving like a browser
// posting same-origin forms.
type Browser struct {
	app *App
	*http.Client
	Lang string // sent as Accept-Language
}

// Browser returns a fresh client with its own cookies.
func (a *App) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{app: a, Client: &http.Client{Jar: jar}, Lang: "en"}
}

// Get fetches a page and returns its status and body.
func (b *Browser) Get(t testing.TB, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", b.abs(path), nil)
	return b.do(t, req)
}

// Post submits a form as the browser would (same origin), following the
// redirect, and returns the final status and body.
func (b *Browser) Post(t testing.TB, path string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", b.abs(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.app.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(t, req)
}

func (b *Browser) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.app.URL + path
}

func (b *Browser) do(t testing.TB, req *http.Request) (int, string) {
	t.Helper()
	req.Header.Set("Accept-Language", b.Lang)
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// SignIn signs the browser in with a password through the sign-in form.
func (b *Browser) SignIn(t testing.TB, email, password string) {
	t.Helper()
	status, body := b.Post(t, "/signin", url.Values{"email": {email}, "password": {password}})
	if b.viewerCookie() == "" {
		t.Fatalf("sign in as %s: status %d\n%s", email, status, body)
	}
}

func (b *Browser) viewerCookie() string {
	u, _ := url.Parse(b.app.URL)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == account.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// API calls the JSON API with a token ("" for none) and decodes the answer
// into out (when not nil). It returns the status.
func (a *App) API(t testing.TB, method, path, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	case []byte:
		rd = strings.NewReader(string(v))
	default:
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(b))
	}
	if !strings.HasPrefix(path, "http") {
		path = a.URL + path
	}
	req, _ := http.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("OSDI-API-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %v\n%s", method, path, resp.StatusCode, err, data)
		}
	}
	return resp.StatusCode
}

// dataDir is a test's data directory, removed after it.
func dataDir(t testing.TB) string {
	d, err := os.MkdirTemp("", "repertoire-data-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// lockedLog is a log the server writes while the test reads it.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveLogged runs the server on db with its log in a buffer.
func serveLogged(t *testing.T, db *store.DB) (*testkit.App, *lockedLog) {
	t.Helper()
	sink := testkit.StartSink(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	var logged lockedLog
	srv, err := server.New(server.Config{Addr: ln.Addr().String(), BaseURL: base, SMTP: sink.URL()}, db, slog.New(slog.NewTextHandler(&logged, nil)))
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
	return &testkit.App{URL: base, DB: db, Mail: sink, Server: srv}, &logged
}

// openPetition creates a community, a campaign and a petition through the
// API and returns the petition's id and page path.
func openPetition(t *testing.T, app *testkit.App, token string) (id, page string) {
	t.Helper()
	var com, camp struct{ ID string }
	var pet struct {
		Identifiers []string `json:"identifiers"`
		BrowserURL  string   `json:"browser_url"`
	}
	app.API(t, "POST", "/api/v1/communities", token, map[string]any{"name": "Riders", "slug": "riders"}, &com)
	app.API(t, "POST", "/api/v1/campaigns", token, map[string]any{"title": "Fair pay", "community": com.ID}, &camp)
	if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Pay us", "petition_text": "Pay us fairly.", "campaign": camp.ID}, &pet); st != http.StatusCreated {
		t.Fatalf("petition: %d", st)
	}
	return strings.TrimPrefix(pet.Identifiers[0], "repertoire:"), strings.TrimPrefix(pet.BrowserURL, app.URL)
}

// answer is one response, read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

func call(t *testing.T, method, url, contentType, body string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept-Language", "fr")
	if contentType == "application/x-www-form-urlencoded" {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 20 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// sign records a signature through the API helper.
func sign(t *testing.T, app *testkit.App, petitionID, email string) answer {
	return call(t, "POST", app.URL+"/api/v1/petitions/"+petitionID+"/signatures", "application/json",
		fmt.Sprintf(`{"person":{"email_addresses":[{"address":%q}]}}`, email))
}

// signForm posts the petition's public form, as a browser does.
func signForm(t *testing.T, app *testkit.App, page, email string) answer {
	form := url.Values{"email": {email}, "given_name": {"Ana"}, "country": {"FR"}}
	return call(t, "POST", app.URL+page+"/sign", "application/x-www-form-urlencoded", form.Encode())
}

// checkUnavailable asserts a 503 with Retry-After: a localized page for a
// page, a problem for the API.
func checkUnavailable(t *testing.T, what string, a answer, api bool) {
	t.Helper()
	if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") == "" {
		t.Errorf("%s: %d, Retry-After %q; want 503 with Retry-After\n%.300s", what, a.status, a.header.Get("Retry-After"), a.body)
		return
	}
	if api {
		var p struct{ Code, Title string }
		if err := json.Unmarshal([]byte(a.body), &p); err != nil || p.Code != "unavailable" || !strings.Contains(p.Title, "indisponible") {
			t.Errorf("%s: problem %+v (%v)", what, p, err)
		}
		return
	}
	if !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") || !strings.Contains(a.body, "indisponible") {
		t.Errorf("%s: not the localized page:\n%.300s", what, a.body)
	}
}

// stored counts the acknowledged signatures found in the database.
func stored(t *testing.T, db *store.DB, petitionID string, emails []string) int {
	t.Helper()
	n := 0
	for _, email := range emails {
		var c int
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM participations p JOIN people pe ON pe.id = p.person_id
			WHERE pe.email = $1 AND p.action_id = $2`, email, petitionID).Scan(&c); err != nil {
			t.Fatal(err)
		}
		n += c
	}
	return n
}

// TestDiskFullRefusesWritesAndRecovers fills the SQLite database (its
// page count capped where it stands: writes needing a new page fail with
// SQLITE_FULL, as on a full disk) while people sign. The API and the form
// answer 503 with Retry-After, /readyz says so, the log says so once;
// when space returns, the next signature is taken without a restart, and
// every acknowledged signature is stored.
func TestDiskFullRefusesWritesAndRecovers(t *testing.T) {
	db := storetest.OpenSQLite(t)
	app, logged := serveLogged(t, db)
	token := app.Token(t, "organizer@example.org", "Organizer", true)
	petitionID, page := openPetition(t, app, token)
	ctx := context.Background()

	var acknowledged []string
	// The writer is one connection: the cap set on it holds for every write.
	var pages int
	if err := db.Writer().QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Writer().ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)); err != nil {
		t.Fatal(err)
	}
	// Delivered mails free the space of their bodies: a signature may
	// fit there now and then; each signs until one is refused.
	var refused []string
	untilRefused := func(prefix string, sign func(email string) answer, ok int) answer {
		for i := range 5000 {
			email := fmt.Sprintf("%s-%d@example.org", prefix, i)
			a := sign(email)
			if a.status != ok {
				refused = append(refused, email)
				return a
			}
			acknowledged = append(acknowledged, email)
		}
		t.Fatalf("%s: never refused", prefix)
		return answer{}
	}
	api := func(email string) answer { return sign(t, app, petitionID, email) }
	form := func(email string) answer { return signForm(t, app, page, email) }
	checkUnavailable(t, "API signature on a full disk", untilRefused("full", api, http.StatusAccepted), true)
	checkUnavailable(t, "form signature on a full disk", untilRefused("form-full", form, http.StatusSeeOther), false)
	if a := call(t, "GET", app.URL+"/readyz", "", ""); a.status != http.StatusServiceUnavailable {
		t.Errorf("readyz on a full disk: %d", a.status)
	}
	time.Sleep(1500 * time.Millisecond) // the server's watch looks every second
	checkUnavailable(t, "API signature, still full", untilRefused("still-full", api, http.StatusAccepted), true)
	if n := strings.Count(logged.String(), "database unavailable"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, logged.String())
	}
	if strings.Contains(logged.String(), "request failed") {
		t.Errorf("a request's failure was logged:\n%s", logged.String())
	}

	// Space returns.
	if _, err := db.Writer().ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if a := sign(t, app, petitionID, "after@example.org"); a.status != http.StatusAccepted {
		t.Fatalf("signature once space returned: %d\n%s", a.status, a.body)
	}
	acknowledged = append(acknowledged, "after@example.org")
	if a := signForm(t, app, page, "form-after@example.org"); a.status != http.StatusSeeOther {
		t.Errorf("form signature once space returned: %d", a.status)
	} else {
		acknowledged = append(acknowledged, "form-after@example.org")
	}
	deadline := time.Now().Add(5 * time.Second)
	for call(t, "GET", app.URL+"/readyz", "", "").status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("readyz did not come back once space returned")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := stored(t, db, petitionID, acknowledged); n != len(acknowledged) {
		t.Errorf("%d of %d acknowledged signatures stored", n, len(acknowledged))
	}
	if n := stored(t, db, petitionID, refused); n != 0 {
		t.Errorf("%d refused signatures stored", n)
	}
	deadline = time.Now().Add(5 * time.Second)
	for !strings.Contains(logged.String(), "database available again") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(logged.String(), "database available again") {
		t.Errorf("the recovery was not logged:\n%s", logged.String())
	}
}

// proxy is a TCP relay to PostgreSQL that the test cuts and restores: a
// database server gone and back, for this test's connections only.
type proxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target, addr: "127.0.0.1:0"}
	p.listen(t)
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) listen(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut closes the listener and every relayed connection.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestDatabaseUnreachableAnswers503 cuts PostgreSQL away from a running
// server: pages and the API answer 503 with Retry-After (a localized page,
// a problem), the log says so once; once it is back, the server takes
// signatures again without a restart and every acknowledged one is stored.
func TestDatabaseUnreachableAnswers503(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skip("PostgreSQL not configured (" + storetest.EnvPostgres + ")")
	}
	dsn := storetest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	px := startProxy(t, u.Host)
	u.Host = px.addr
	db := storetest.MustOpen(t, u.String())
	app, logged := serveLogged(t, db)
	token := app.Token(t, "organizer@example.org", "Organizer", true)
	petitionID, page := openPetition(t, app, token)
	if a := sign(t, app, petitionID, "before@example.org"); a.status != http.StatusAccepted {
		t.Fatalf("signature: %d", a.status)
	}
	acknowledged := []string{"before@example.org"}

	px.cut()
	checkUnavailable(t, "petition page", call(t, "GET", app.URL+page, "", ""), false)
	checkUnavailable(t, "API collection", call(t, "GET", app.URL+"/api/v1/petitions", "", ""), true)
	checkUnavailable(t, "API signature", sign(t, app, petitionID, "during@example.org"), true)
	checkUnavailable(t, "form signature", signForm(t, app, page, "form-during@example.org"), false)
	time.Sleep(1500 * time.Millisecond)
	checkUnavailable(t, "petition page, still down", call(t, "GET", app.URL+page, "", ""), false)
	if n := strings.Count(logged.String(), "database unavailable"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, logged.String())
	}
	if strings.Contains(logged.String(), "request failed") {
		t.Errorf("a request's failure was logged:\n%s", logged.String())
	}

	t.Log(logged.String())
	px.listen(t)
	deadline := time.Now().Add(10 * time.Second)
	for call(t, "GET", app.URL+"/readyz", "", "").status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("readyz did not come back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a := sign(t, app, petitionID, "after@example.org"); a.status != http.StatusAccepted {
		t.Fatalf("signature once the database is back: %d\n%s", a.status, a.body)
	}
	acknowledged = append(acknowledged, "after@example.org")
	if n := stored(t, db, petitionID, acknowledged); n != len(acknowledged) {
		t.Errorf("%d of %d acknowledged signatures stored", n, len(acknowledged))
	}
	for !strings.Contains(logged.String(), "database available again") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(logged.String(), "database available again") {
		t.Errorf("the recovery was not logged:\n%s", logged.String())
	}
}

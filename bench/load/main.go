// Command load drives a running Repertoire (on 127.0.0.1 only) the way a
// viral petition or pledge does: many people taking part, people following
// their mailed confirmation links, and many more refreshing the page. It
// creates its own community, campaign and petition (-tactic petition) or
// pledge (-tactic pledge) with an organizer's token, receives the
// confirmation mails on its own SMTP sink, and prints submissions/s with
// p50/p99 latency, confirmations/s and page views/s measured during the
// same run.
//
// People submit through the record helper's JSON (-path api), through the
// page's form as a browser posts it, urlencoded with the page's Origin
// (-path form), or both in one run (-path both): the two take turns in
// phases of -phase, each for -duration in all, and each path's figures are
// printed side by side, measured on the same server under the same noise.
//
// Each submission comes as from a person of its own (-origins, the
// default): an address of the public Internet drawn at random, named in
// X-Forwarded-For (the server must trust 127.0.0.1 as its proxy:
// --trusted-proxy 127.0.0.1/32), a common mail provider and a browser's
// User-Agent, so that the integrity review sees many networks, not one;
// -farm sends a share of them as a click farm would (one network, a
// throwaway domain, a script).
//
// It shares the machine with the server, so it spends as little as it can
// per request: each client owns one keep-alive connection and writes its
// request bytes itself (see client), without net/http's transport
// goroutines. With -view-rate, viewers ask for the page at that pace
// instead of as fast as they can, leaving the rest to the signers; with
// -sign-rate, signers send at that pace whatever the answers' (an open
// loop, as people arriving from a viral post do), and latencies count from
// when each submission was due.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "Repertoire to load (127.0.0.1 only)")
	token := flag.String("token", "", "an API token of a user (becomes the community's owner)")
	tactic := flag.String("tactic", "petition", "what people take part in: petition (sign) or pledge (commit)")
	path := flag.String("path", "api", "how they submit: api (the record helper's JSON), form (the page's form, as a browser posts it) or both (alternating phases in one run)")
	duration := flag.Duration("duration", 60*time.Second, "how long each path is measured (at most 10m)")
	phase := flag.Duration("phase", 5*time.Second, "with -path both, how long each phase lasts before the other path's")
	signers := flag.Int("signers", 64, "concurrent signing clients")
	viewers := flag.Int("viewers", 16, "concurrent page viewers")
	confirmers := flag.Int("confirmers", 8, "concurrent confirming clients")
	viewRate := flag.Float64("view-rate", 0, "page views/s the viewers ask for together (0: as many as they can)")
	signRate := flag.Float64("sign-rate", 0, "submissions/s the signers send together, whatever the answers' pace (0: each signer sends again once answered)")
	smtpAddr := flag.String("smtp", "127.0.0.1:2525", "address of this tool's SMTP sink (give the server --smtp smtp://ADDR)")
	origins := flag.Bool("origins", true, "send each submission as from a person of its own: an address of the public Internet in X-Forwarded-For (give the server --trusted-proxy 127.0.0.1/32), a common mail provider and browser")
	farm := flag.Float64("farm", 0, "with -origins, the share of submissions (0 to 1) sent as a click farm would: one network, a throwaway mail domain, one scripted client")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || u.Hostname() != "127.0.0.1" {
		fail("only http://127.0.0.1 targets are allowed")
	}
	if *tactic != "petition" && *tactic != "pledge" {
		fail("-tactic is petition or pledge")
	}
	var paths []string
	switch *path {
	case "api", "form":
		paths = []string{*path}
	case "both":
		paths = []string{"api", "form"}
	default:
		fail("-path is api, form or both")
	}
	*duration = min(*duration, 10*time.Minute)
	// Each path gets whole phases, as many as the other.
	if len(paths) > 1 {
		*phase = min(max(*phase, time.Second), *duration)
		*duration = (*duration + *phase - 1) / *phase * *phase
	}
	total := *duration * time.Duration(len(paths))

	links := make(chan string, 1<<20)
	go sink(*smtpAddr, links)

	api := &http.Client{}
	t := setup(api, *base, *token, *tactic)
	fmt.Printf("%s %s\n", *tactic, t.page)
	host := u.Host

	ctx, cancel := context.WithTimeout(context.Background(), total)
	defer cancel()
	var (
		wg               sync.WaitGroup
		confirmed, views atomic.Int64
		seq              atomic.Int64
	)
	results := make([]*result, len(paths))
	for i, p := range paths {
		results[i] = &result{path: p}
	}
	start := time.Now()
	// Rates count the answers received within the run's window; a request
	// answered after it still gives its latency.
	end := start.Add(total)
	inWindow := func() bool { return time.Now().Before(end) }
	// current is the path of the phase under way: with both, API and form
	// take turns, so each meets the same server, the same noise of the
	// machine and the same size of tables.
	current := func() int {
		if len(paths) == 1 {
			return 0
		}
		return int(time.Since(start)/(*phase)) % len(paths)
	}
	// A browser posts the form to its action with the page's origin, and
	// sends every field the form has (unticked boxes are left out).
	origin := "Origin: http://" + host + "\r\nSec-Fetch-Site: same-origin\r\nReferer: http://" + host + t.page + "\r\n"
	formHeaders := "Content-Type: application/x-www-form-urlencoded\r\n" + origin + "Accept: text/html\r\nAccept-Language: en\r\n"
	for w := range *signers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &client{host: host}
			defer c.close()
			mine := make([][]time.Duration, len(paths))
			var body, head []byte
			pace := newPace(*signRate, *signers)
			rnd := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				n := seq.Add(1)
				i := current()
				t0 := pace.wait()
				var status, want int
				var err error
				domain := "bench.example"
				head = head[:0]
				if *origins {
					var o source
					if rnd.Float64() < *farm {
						o = farmOrigin(rnd)
					} else {
						o = organicOrigin(rnd)
					}
					domain = o.domain
					head = fmt.Appendf(head, "X-Forwarded-For: %s\r\nUser-Agent: %s\r\n", o.ip, o.agent)
				}
				if paths[i] == "api" {
					body = fmt.Appendf(body[:0], `{"person":{"given_name":"Signer %d","email_addresses":[{"address":"s%d-%d@%s"}],"postal_addresses":[{"locality":"Lyon","country":"FR"}]}%s}`,
						n, w, n, domain, t.apiExtra)
					status, err = c.do("POST", t.apiPath, string(append(head, "Content-Type: application/json\r\n"...)), body)
					want = http.StatusAccepted
				} else {
					body = fmt.Appendf(body[:0], "given_name=Signer+%d&family_name=&email=s%d-%d%%40%s&locality=Lyon&country=FR%s", n, w, n, domain, t.formExtra)
					status, err = c.do("POST", t.formPath, string(append(head, formHeaders...)), body)
					want = http.StatusSeeOther // the redirect is the success; a browser follows it, this tool need not
				}
				r := results[i]
				if err != nil || status != want {
					r.refused.Add(1)
					continue
				}
				mine[i] = append(mine[i], time.Since(t0))
				if inWindow() {
					r.submitted.Add(1)
				}
			}
			for i, r := range results {
				r.mu.Lock()
				r.lats = append(r.lats, mine[i]...)
				r.mu.Unlock()
			}
		}()
	}
	for range *viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &client{host: host}
			defer c.close()
			pace := newPace(*viewRate, *viewers)
			for ctx.Err() == nil {
				pace.wait()
				if status, err := c.do("GET", t.page, "", nil); err == nil && status == http.StatusOK && inWindow() {
					views.Add(1)
				}
			}
		}()
	}
	for range *confirmers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &client{host: host}
			defer c.close()
			for {
				select {
				case <-ctx.Done():
					return
				case l := <-links:
					lu, err := url.Parse(l)
					if err != nil {
						continue
					}
					if status, err := c.do("POST", lu.Path, "Sec-Fetch-Site: same-origin\r\n", nil); err == nil && status == http.StatusOK && inWindow() {
						confirmed.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	secs := total.Seconds()
	counted := readTotal(api, *base, t)
	fmt.Printf("duration          %.1f s", secs)
	if len(paths) > 1 {
		fmt.Printf(" (phases of %s taking turns: %s)", *phase, strings.Join(paths, ", "))
	}
	fmt.Println()
	for _, r := range results {
		lats := r.lats
		slices.Sort(lats)
		pct := func(p float64) time.Duration {
			if len(lats) == 0 {
				return 0
			}
			return lats[min(len(lats)-1, int(float64(len(lats))*p))]
		}
		own := duration.Seconds() // the time of this path's phases
		fmt.Printf("%-5s submissions  %d (%.0f/s), refused %d\n", r.path, r.submitted.Load(), float64(r.submitted.Load())/own, r.refused.Load())
		fmt.Printf("%-5s latency      p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms\n", r.path,
			ms(pct(0.50)), ms(pct(0.90)), ms(pct(0.99)), ms(pct(0.999)), ms(pct(1)))
	}
	if len(results) > 1 && results[0].submitted.Load() > 0 {
		fmt.Printf("form/api          %.2f\n", float64(results[1].submitted.Load())/float64(results[0].submitted.Load()))
	}
	fmt.Printf("confirmations     %d (%.0f/s)\n", confirmed.Load(), float64(confirmed.Load())/secs)
	fmt.Printf("page views        %d (%.0f/s)\n", views.Load(), float64(views.Load())/secs)
	fmt.Printf("total             %d (confirmed, read after the run)\n", counted)
}

// result is what one path's submissions got.
type result struct {
	path               string
	submitted, refused atomic.Int64
	mu                 sync.Mutex
	lats               []time.Duration
}

// readTotal reads the confirmed count of the action after the run.
func readTotal(c *http.Client, base string, t target) int {
	var doc struct {
		Signatures  int `json:"total_signatures"`
		Commitments int `json:"total_commitments"`
	}
	resp, err := c.Get(base + t.resource)
	if err != nil {
		fail("read the %s after the run: %v", t.resource, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		fail("read %s after the run: %d %s", t.resource, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		fail("read %s after the run: %v", t.resource, err)
	}
	return doc.Signatures + doc.Commitments
}

// pace spreads one client's share of a rate over a fixed schedule. The
// schedule does not wait for slow answers: a client that falls behind sends
// at once, and its latency counts from when it should have sent (as wrk2
// does), so a slow server cannot hide its delays by slowing the load.
type pace struct {
	every time.Duration
	next  time.Time
}

func newPace(rate float64, clients int) *pace {
	p := &pace{next: time.Now()}
	if rate > 0 {
		p.every = time.Duration(float64(time.Second) * float64(clients) / rate)
		// Spread the clients' first requests over one interval.
		p.next = p.next.Add(time.Duration(rand.Int64N(int64(p.every))))
	}
	return p
}

// wait sleeps until the next scheduled send and returns when it was due
// (now, when unpaced).
func (p *pace) wait() time.Time {
	if p.every == 0 {
		return time.Now()
	}
	due := p.next
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
	p.next = p.next.Add(p.every)
	return due
}

// client is one keep-alive HTTP/1.1 connection to the server, used by one
// goroutine at a time: it writes each request itself and reads the answer
// with net/http's parser, reconnecting after an error.
type client struct {
	host string
	conn net.Conn
	r    *bufio.Reader
	buf  []byte
}

// do sends a request (extra holds header lines, each ending in CRLF) and
// returns the answer's status once its body is read.
func (c *client) do(method, path, extra string, body []byte) (int, error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.host)
		if err != nil {
			return 0, err
		}
		c.conn, c.r = conn, bufio.NewReaderSize(conn, 16<<10)
	}
	c.buf = fmt.Appendf(c.buf[:0], "%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %d\r\n\r\n", method, path, c.host, extra, len(body))
	c.buf = append(c.buf, body...)
	if _, err := c.conn.Write(c.buf); err != nil {
		c.close()
		return 0, err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		c.close()
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		c.close()
	}
	return resp.StatusCode, err
}

func (c *client) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fail(msg string, args ...any) {
	fmt.Fprintf(os.Stderr, "load: "+msg+"\n", args...)
	os.Exit(1)
}

// call posts JSON with the token and decodes the answer.
func call(c *http.Client, base, token, path string, in, out any) {
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("OSDI-API-Token", token)
	resp, err := c.Do(req)
	if err != nil {
		fail("%s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(resp.Body)
		fail("%s: %d %s", path, resp.StatusCode, body)
	}
	json.NewDecoder(resp.Body).Decode(out)
}

// target is the action the run takes part in: its page, the form's
// action, the record helper and the API resource.
type target struct {
	page, formPath, apiPath, resource string
	// apiExtra and formExtra are what each path adds to the person: the
	// consent a signer of the petition ticks, in JSON and in the form.
	apiExtra, formExtra string
}

// setup creates a community, a campaign and a petition or a pledge.
func setup(c *http.Client, base, token, tactic string) target {
	suffix := fmt.Sprint(time.Now().Unix())
	var com, camp struct {
		ID string `json:"id"`
	}
	var act struct {
		Identifiers []string `json:"identifiers"`
		BrowserURL  string   `json:"browser_url"`
	}
	call(c, base, token, "/api/v1/communities", map[string]any{"name": "Bench " + suffix, "slug": "bench-" + suffix}, &com)
	call(c, base, token, "/api/v1/campaigns", map[string]any{"title": "Bench", "slug": "bench", "community": com.ID}, &camp)
	var t target
	if tactic == "pledge" {
		// A threshold never reached: the run measures commitments, not
		// the activation mails.
		now := time.Now().UTC()
		call(c, base, token, "/api/v1/pledges", map[string]any{"title": "Bench pledge", "action": "log out", "campaign": camp.ID,
			"threshold": 100_000_000, "deadline": now.Add(24 * time.Hour).Format(time.RFC3339),
			"window_start": now.Add(48 * time.Hour).Format(time.RFC3339), "window_end": now.Add(96 * time.Hour).Format(time.RFC3339)}, &act)
	} else {
		call(c, base, token, "/api/v1/petitions", map[string]any{"title": "Bench petition", "petition_text": "Load.",
			"campaign": camp.ID, "goal": 1000000}, &act)
		t.apiExtra, t.formExtra = `,"public_name":true`, "&comment=&public_name=on"
	}
	if len(act.Identifiers) == 0 {
		fail("no %s id", tactic)
	}
	u, _ := url.Parse(act.BrowserURL)
	id := act.Identifiers[0][len("repertoire:"):]
	t.page = u.Path
	// The forms' actions, as the pages' templates write them.
	if tactic == "pledge" {
		t.formPath, t.resource = t.page+"/commit", "/api/v1/pledges/"+id
		t.apiPath = t.resource + "/commitments"
	} else {
		t.formPath, t.resource = t.page+"/sign", "/api/v1/petitions/"+id
		t.apiPath = t.resource + "/signatures"
	}
	return t
}

var confirmRE = regexp.MustCompile(`https?://[^\s]+/p/confirm/[A-Za-z0-9_.-]+`)

// sink is a minimal SMTP server that passes each confirmation link on.
func sink(addr string, links chan<- string) {
	s := smtp.NewServer(backend{links})
	s.Addr = addr
	s.Domain = "127.0.0.1"
	s.AllowInsecureAuth = true
	s.MaxMessageBytes = 1 << 20
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fail("smtp sink: %v", err)
	}
	s.Serve(ln)
}

type backend struct{ links chan<- string }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{links: b.links}, nil }

type session struct{ links chan<- string }

func (s *session) AuthMechanisms() []string             { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }
func (s *session) Data(r io.Reader) error {
	sc := bufio.NewScanner(r)
	var line []byte
	for sc.Scan() {
		// Undo quoted-printable soft breaks, enough to find the link.
		t := sc.Bytes()
		if soft := bytes.HasSuffix(t, []byte("=")); soft {
			line = append(line, t[:len(t)-1]...)
			continue
		}
		line = append(line, t...)
		// A cheap test first: the sink shares the machine with the server.
		if bytes.Contains(line, []byte("/p/confirm/")) {
			if m := confirmRE.Find(bytes.ReplaceAll(line, []byte("=3D"), []byte("="))); m != nil {
				select {
				case s.links <- string(m):
				default:
				}
			}
		}
		line = line[:0]
	}
	return nil
}

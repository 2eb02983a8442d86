// Command load drives a running Repertoire (on 127.0.0.1 only) the way a
// viral petition does: many people signing through the record-signature
// helper, people following their mailed confirmation links, and many more
// refreshing the petition's page. It creates its own community, campaign
// and petition with an organizer's token, receives the confirmation mails
// on its own SMTP sink, and prints submissions/s with p50/p99 latency,
// confirmations/s and page views/s measured during the same run.
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
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "Repertoire to load (127.0.0.1 only)")
	token := flag.String("token", "", "an API token of a user (becomes the community's owner)")
	duration := flag.Duration("duration", 60*time.Second, "how long to sign (at most 10m)")
	signers := flag.Int("signers", 64, "concurrent signing clients")
	viewers := flag.Int("viewers", 16, "concurrent page viewers")
	confirmers := flag.Int("confirmers", 8, "concurrent confirming clients")
	viewRate := flag.Float64("view-rate", 0, "page views/s the viewers ask for together (0: as many as they can)")
	signRate := flag.Float64("sign-rate", 0, "submissions/s the signers send together, whatever the answers' pace (0: each signer sends again once answered)")
	smtpAddr := flag.String("smtp", "127.0.0.1:2525", "address of this tool's SMTP sink (give the server --smtp smtp://ADDR)")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || u.Hostname() != "127.0.0.1" {
		fail("only http://127.0.0.1 targets are allowed")
	}
	*duration = min(*duration, 10*time.Minute)

	links := make(chan string, 1<<20)
	go sink(*smtpAddr, links)

	api := &http.Client{}
	page, id := setup(api, *base, *token)
	fmt.Printf("petition %s\n", page)
	host := u.Host

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var (
		wg                 sync.WaitGroup
		submitted, refused atomic.Int64
		confirmed, views   atomic.Int64
		seq                atomic.Int64
		latMu              sync.Mutex
		lats               []time.Duration
	)
	start := time.Now()
	// Rates count the answers received within the run's window; a request
	// answered after it still gives its latency.
	end := start.Add(*duration)
	inWindow := func() bool { return time.Now().Before(end) }
	signPath := "/api/v1/petitions/" + id + "/signatures"
	for w := range *signers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &client{host: host}
			defer c.close()
			var mine []time.Duration
			var body []byte
			pace := newPace(*signRate, *signers)
			for ctx.Err() == nil {
				n := seq.Add(1)
				body = fmt.Appendf(body[:0], `{"person":{"given_name":"Signer %d","email_addresses":[{"address":"s%d-%d@bench.example"}],"postal_addresses":[{"locality":"Lyon","country":"FR"}]},"public_name":true}`, n, w, n)
				t0 := pace.wait()
				status, err := c.do("POST", signPath, "Content-Type: application/json\r\n", body)
				if err != nil || status != http.StatusAccepted {
					refused.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
				if inWindow() {
					submitted.Add(1)
				}
			}
			latMu.Lock()
			lats = append(lats, mine...)
			latMu.Unlock()
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
				if status, err := c.do("GET", page, "", nil); err == nil && status == http.StatusOK && inWindow() {
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
	secs := duration.Seconds()
	slices.Sort(lats)
	pct := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(float64(len(lats))*p))]
	}
	var doc struct {
		Total int `json:"total_signatures"`
	}
	resp, err := api.Get(*base + "/api/v1/petitions/" + id)
	if err != nil {
		fail("read the petition after the run: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		fail("read the petition after the run: %d %s", resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		fail("read the petition after the run: %v", err)
	}
	resp.Body.Close()
	fmt.Printf("duration          %.1f s\n", secs)
	fmt.Printf("submissions       %d (%.0f/s), refused %d\n", submitted.Load(), float64(submitted.Load())/secs, refused.Load())
	fmt.Printf("latency           p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms\n",
		ms(pct(0.50)), ms(pct(0.90)), ms(pct(0.99)), ms(pct(0.999)), ms(pct(1)))
	fmt.Printf("confirmations     %d (%.0f/s)\n", confirmed.Load(), float64(confirmed.Load())/secs)
	fmt.Printf("page views        %d (%.0f/s)\n", views.Load(), float64(views.Load())/secs)
	fmt.Printf("total_signatures  %d (confirmed, read after the run)\n", doc.Total)
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

// setup creates a community, a campaign and a petition; it returns the
// petition's page path and id.
func setup(c *http.Client, base, token string) (string, string) {
	suffix := fmt.Sprint(time.Now().Unix())
	var com, camp struct {
		ID string `json:"id"`
	}
	var pet struct {
		Identifiers []string `json:"identifiers"`
		BrowserURL  string   `json:"browser_url"`
	}
	call(c, base, token, "/api/v1/communities", map[string]any{"name": "Bench " + suffix, "slug": "bench-" + suffix}, &com)
	call(c, base, token, "/api/v1/campaigns", map[string]any{"title": "Bench", "slug": "bench", "community": com.ID}, &camp)
	call(c, base, token, "/api/v1/petitions", map[string]any{"title": "Bench petition", "petition_text": "Load.",
		"campaign": camp.ID, "goal": 1000000}, &pet)
	if len(pet.Identifiers) == 0 {
		fail("no petition id")
	}
	u, _ := url.Parse(pet.BrowserURL)
	return u.Path, pet.Identifiers[0][len("repertoire:"):]
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

// Package testkit starts the real pieces integration tests need: the whole
// server on a real listener over a real database, and an SMTP server that
// receives what Repertoire mails.
package testkit

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one message the sink received, parsed.
type Mail struct {
	From    string
	To      []string
	Header  mail.Header
	Subject string // decoded
	Body    string // decoded plain text
	HTML    string // decoded HTML alternative, when there is one
	Raw     []byte
}

// Links returns every http(s) URL in the body, in order.
func (m *Mail) Links() []string {
	return linkRE.FindAllString(m.Body, -1)
}

// Link returns the first URL in the body containing substr, or fails.
func (m *Mail) Link(t testing.TB, substr string) string {
	t.Helper()
	for _, l := range m.Links() {
		if strings.Contains(l, substr) {
			return l
		}
	}
	t.Fatalf("no link containing %q in mail %q:\n%s", substr, m.Subject, m.Body)
	return ""
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// Sink is a real SMTP server on 127.0.0.1 that keeps what it receives.
type Sink struct {
	Addr    string
	mu      sync.Mutex
	got     []*Mail
	cond    *sync.Cond
	refused map[string]bool
}

// Refuse makes the sink answer RCPT for addr with 550, as a server does
// for a mailbox that does not exist: a permanent failure.
func (s *Sink) Refuse(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refused == nil {
		s.refused = map[string]bool{}
	}
	s.refused[strings.ToLower(addr)] = true
}

// StartSink starts an SMTP server for the test's lifetime.
func StartSink(t testing.TB) *Sink {
	t.Helper()
	s := &Sink{}
	s.cond = sync.NewCond(&s.mu)
	srv := smtp.NewServer(&backend{s})
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 20 << 20
	srv.MaxRecipients = 1000
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the --smtp value pointing at the sink.
func (s *Sink) URL() string { return "smtp://" + s.Addr }

// All returns every mail received so far.
func (s *Sink) All() []*Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Mail(nil), s.got...)
}

// Wait returns the first mail to `to` whose subject contains subject,
// waiting up to 15 s for it.
func (s *Sink) Wait(t testing.TB, to, subject string) *Mail {
	t.Helper()
	return s.WaitN(t, to, subject, 1)[0]
}

// WaitN returns the first n mails to `to` whose subject contains subject,
// in the order received, waiting up to 15 s for them.
func (s *Sink) WaitN(t testing.TB, to, subject string, n int) []*Mail {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	timer := time.AfterFunc(15*time.Second, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		var found []*Mail
		for _, m := range s.got {
			if strings.Contains(m.Subject, subject) && slices.ContainsFunc(m.To, func(r string) bool { return strings.EqualFold(r, to) }) {
				found = append(found, m)
			}
		}
		if len(found) >= n {
			return found[:n]
		}
		if time.Now().After(deadline) {
			var subjects []string
			for _, m := range s.got {
				subjects = append(subjects, strings.Join(m.To, ",")+": "+m.Subject)
			}
			t.Fatalf("%d of %d mails to %s with subject containing %q; received %d: %q", len(found), n, to, subject, len(s.got), subjects)
		}
		s.cond.Wait()
	}
}

type backend struct{ s *Sink }

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Sink
	from string
	to   []string
}

func (x *session) AuthMechanisms() []string { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	refused := x.s.refused[strings.ToLower(to)]
	x.s.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	x.to = append(x.to, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return err
	}
	m.From, m.To = x.from, x.to
	x.s.mu.Lock()
	x.s.got = append(x.s.got, m)
	x.s.cond.Broadcast()
	x.s.mu.Unlock()
	return nil
}
func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// Parse decodes an RFC 5322 message with a plain-text body (or the first
// text/plain part of a multipart one).
func Parse(raw []byte) (*Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	body, err := textBody(msg.Header, msg.Body)
	if err != nil {
		return nil, err
	}
	m := &Mail{Header: msg.Header, Subject: subject, Body: body, Raw: raw}
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.HTML, _ = partOf(msg.Header, msg.Body, "text/html")
	}
	return m, nil
}

// partOf decodes the first part of type want (inside multiparts too).
func partOf(h header, r io.Reader, want string) (string, error) {
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") {
		mr := newMultipartReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return "", err
			}
			if got, err := partOf(p.Header, p, want); err == nil && got != "" {
				return got, nil
			}
		}
	}
	if mt != want {
		return "", nil
	}
	return decoded(h, r)
}

type header interface{ Get(string) string }

func textBody(h header, r io.Reader) (string, error) {
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") {
		mr := newMultipartReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return "", err
			}
			pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if pt == "text/plain" || strings.HasPrefix(pt, "multipart/") {
				return textBody(p.Header, p)
			}
		}
	}
	return decoded(h, r)
}

// decoded reads a part's body, undoing its transfer encoding.
func decoded(h header, r io.Reader) (string, error) {
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	return strings.ReplaceAll(string(b), "\r\n", "\n"), err
}

// CountingSink is a real SMTP server that accepts every mail as fast as
// it can and keeps only their number: the benchmarks' mail server.
type CountingSink struct {
	Addr string
	n    atomic.Int64
}

// StartCountingSink starts a counting SMTP server for the test's lifetime.
func StartCountingSink(t testing.TB) *CountingSink {
	t.Helper()
	s := &CountingSink{}
	srv := smtp.NewServer(countingBackend{s})
	srv.Domain = "sink.test"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 20 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the --smtp value pointing at the sink.
func (s *CountingSink) URL() string { return "smtp://" + s.Addr }

// Count is how many mails it accepted.
func (s *CountingSink) Count() int { return int(s.n.Load()) }

type countingBackend struct{ s *CountingSink }

func (b countingBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return countingSession{b.s}, nil
}

type countingSession struct{ s *CountingSink }

func (countingSession) AuthMechanisms() []string             { return nil }
func (countingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (countingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (countingSession) Reset()                               {}
func (countingSession) Logout() error                        { return nil }
func (x countingSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	x.s.n.Add(1)
	return nil
}

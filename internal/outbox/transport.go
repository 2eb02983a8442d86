package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Outgoing is one composed message, ready for a transport.
type Outgoing struct {
	ID   string // outbox row
	From string // envelope sender, bare address
	To   string // envelope recipient, bare address
	// Cc are the other envelope recipients (bare addresses), those of
	// the Cc header. A server refusing one of them does not stop the
	// mail: To is the recipient a delivery succeeds or fails by, and
	// retrying would send To the mail twice.
	Cc      []string
	Subject string
	Raw     []byte // the RFC 5322 message
}

// Transport delivers one message. It is called from several goroutines at
// once. ctx may end a send that has not started (a dial); once the server
// has the message, the transport finishes within its own timeouts, so a
// stopping server does not cut a mail in half.
type Transport interface {
	Send(ctx context.Context, m *Outgoing) error
}

// NewTransport picks SMTP (smtp://user:pass@host:port, or smtps:// for
// implicit TLS) or a mail directory; with neither, devDir: a mail
// directory that names each file it writes in the log, for development
// without any mail setup.
func NewTransport(smtpURL, mailDir, devDir string, log *slog.Logger) (Transport, error) {
	switch {
	case smtpURL != "":
		return newSMTP(smtpURL)
	case mailDir != "":
		return newDir(mailDir, nil)
	case devDir != "":
		return newDir(devDir, log)
	}
	return nil, errors.New("no mail transport: give --smtp or --mail-dir")
}

// dirTransport writes DIR/<id>.eml; the rename makes a file appear whole or
// not at all, so a reader never sees half a message. With a log, it logs
// each file's name: never the body, whose links sign people in, nor the
// address.
type dirTransport struct {
	dir string
	log *slog.Logger
}

func newDir(dir string, log *slog.Logger) (dirTransport, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return dirTransport{}, fmt.Errorf("mail dir: %w", err)
	}
	return dirTransport{dir: dir, log: log}, nil
}

func (t dirTransport) Send(ctx context.Context, m *Outgoing) error {
	f, err := os.CreateTemp(t.dir, ".tmp-*.eml")
	if err != nil {
		return err
	}
	_, err = f.Write(m.Raw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	name := filepath.Join(t.dir, m.ID+".eml")
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	if t.log != nil {
		t.log.Info("mail written to a file (no --smtp or --mail-dir)", "file", name)
	}
	return nil
}

// smtpTransport keeps a few connections open between messages: a new SMTP
// session per mail (connect, EHLO, maybe STARTTLS and AUTH) costs more
// than the mail itself.
type smtpTransport struct {
	client  *gomail.Client
	timeout time.Duration
	mu      sync.Mutex
	idle    []idleConn
}

type idleConn struct {
	c     *smtp.Client
	since time.Time
}

const (
	smtpTimeout = 30 * time.Second
	maxIdle     = 32
	// Servers close idle sessions after a minute or more; staying well
	// under that avoids most stale connections.
	maxIdleTime = 20 * time.Second
)

func newSMTP(raw string) (*smtpTransport, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, errors.New("--smtp must look like smtp://user:pass@host:port or smtps://…")
	}
	port := 25
	opts := []gomail.Option{gomail.WithTimeout(smtpTimeout), gomail.WithTLSPolicy(gomail.TLSOpportunistic)}
	if u.Scheme == "smtps" {
		port = 465
		opts = append(opts, gomail.WithSSL())
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, errors.New("--smtp: bad port")
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(user), gomail.WithPassword(pass))
	}
	c, err := gomail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return nil, fmt.Errorf("--smtp: %w", err)
	}
	return &smtpTransport{client: c, timeout: smtpTimeout}, nil
}

func (t *smtpTransport) Send(ctx context.Context, m *Outgoing) error {
	c, reused := t.take()
	if c == nil {
		var err error
		if c, err = t.client.DialToSMTPClientWithContext(ctx); err != nil {
			return err
		}
	}
	err := t.deliver(c, m)
	if errors.Is(err, errStale) && reused {
		// The server closed the idle session; nothing was accepted yet.
		c.Close()
		if c, err = t.client.DialToSMTPClientWithContext(ctx); err != nil {
			return err
		}
		err = t.deliver(c, m)
	}
	var perr *textproto.Error
	switch {
	case err == nil:
		t.put(c)
	case errors.As(err, &perr) && c.Reset() == nil:
		// The server refused this mail but the session is still good.
		t.put(c)
	default:
		c.Close()
	}
	return err
}

var errStale = errors.New("smtp session closed")

// ErrRecipientRefused wraps the server's answer to RCPT when it refused
// the recipient: with a 5xx code (Permanent), the address bounces.
var ErrRecipientRefused = errors.New("recipient refused")

// Permanent reports whether a delivery error is the server's refusal for
// good (RFC 5321: a 5xx reply), which no retry will change.
func Permanent(err error) bool {
	var perr *textproto.Error
	return errors.As(err, &perr) && perr.Code >= 500 && perr.Code < 600
}

func (t *smtpTransport) deliver(c *smtp.Client, m *Outgoing) error {
	if err := c.UpdateDeadline(t.timeout); err != nil {
		return errStale
	}
	if ok, _ := c.Extension("PIPELINING"); ok && ascii(m.From) && ascii(m.To) && !slices.ContainsFunc(m.Cc, func(a string) bool { return !ascii(a) }) {
		return pipelined(c, m)
	}
	if err := c.Mail("<" + m.From + ">"); err != nil {
		var perr *textproto.Error
		// 421: the server is closing the session (an idle timeout
		// announced when the session is used again): nothing was
		// accepted, a new session will do.
		if !errors.As(err, &perr) || perr.Code == 421 {
			return fmt.Errorf("%w: %w", errStale, err)
		}
		return err
	}
	if err := c.Rcpt("<" + m.To + ">"); err != nil {
		return fmt.Errorf("%w: %w", ErrRecipientRefused, err)
	}
	for _, cc := range m.Cc {
		if err := c.Rcpt("<" + cc + ">"); err != nil {
			var perr *textproto.Error
			if !errors.As(err, &perr) {
				return err
			}
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.Raw); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// pipelined sends one mail with RFC 2920 pipelining: MAIL, RCPT and
// DATA in one write, their three answers read after, then the message:
// two round trips instead of four, which is most of a mail's time on a
// nearby server. The answers are all read whatever they say, so the
// session stays in step for the next mail.
func pipelined(c *smtp.Client, m *Outgoing) error {
	tp := c.Text
	id := tp.Next()
	tp.StartRequest(id)
	_, err := fmt.Fprintf(tp.W, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\n", m.From, m.To)
	for _, cc := range m.Cc {
		if err == nil {
			_, err = fmt.Fprintf(tp.W, "RCPT TO:<%s>\r\n", cc)
		}
	}
	if err == nil {
		_, err = tp.W.WriteString("DATA\r\n")
	}
	if err == nil {
		err = tp.W.Flush()
	}
	tp.EndRequest(id)
	if err != nil {
		return fmt.Errorf("%w: %w", errStale, err)
	}
	tp.StartResponse(id)
	defer tp.EndResponse(id)
	_, _, mailErr := tp.ReadResponse(250)
	_, _, rcptErr := tp.ReadResponse(25)
	answers := []error{mailErr, rcptErr}
	for range m.Cc {
		// A refused copy is not the mail's failure (see Outgoing.Cc).
		_, _, ccErr := tp.ReadResponse(25)
		answers = append(answers, ccErr)
	}
	_, _, dataErr := tp.ReadResponse(354)
	var perr *textproto.Error
	for _, err := range append(answers, dataErr) {
		if err != nil && !errors.As(err, &perr) {
			return fmt.Errorf("%w: %w", errStale, err) // the connection, not an answer
		}
	}
	if dataErr == nil {
		// The server takes data although something failed before (it
		// should not): end it empty, so that nothing is sent.
		if mailErr != nil || rcptErr != nil {
			if _, err := tp.W.WriteString(".\r\n"); err == nil && tp.W.Flush() == nil {
				tp.ReadResponse(250)
			}
		} else {
			w := tp.DotWriter()
			_, err := w.Write(m.Raw)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("%w: %w", errStale, err)
			}
			_, _, err = tp.ReadResponse(250)
			return err
		}
	}
	switch {
	case mailErr != nil:
		if errors.As(mailErr, &perr) && perr.Code == 421 {
			return fmt.Errorf("%w: %w", errStale, mailErr)
		}
		return mailErr
	case rcptErr != nil:
		return fmt.Errorf("%w: %w", ErrRecipientRefused, rcptErr)
	}
	return dataErr
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (t *smtpTransport) take() (*smtp.Client, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.idle) > 0 {
		ic := t.idle[len(t.idle)-1]
		t.idle = t.idle[:len(t.idle)-1]
		if time.Since(ic.since) < maxIdleTime {
			return ic.c, true
		}
		go hangUp(ic.c)
	}
	return nil, false
}

func (t *smtpTransport) put(c *smtp.Client) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.idle) >= maxIdle {
		go hangUp(c)
		return
	}
	t.idle = append(t.idle, idleConn{c: c, since: time.Now()})
}

// Close ends the idle sessions.
func (t *smtpTransport) Close() error {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, ic := range idle {
		hangUp(ic.c)
	}
	return nil
}

// hangUp says goodbye if the server still listens, and closes the
// connection either way (Quit leaves it open when the server is gone).
func hangUp(c *smtp.Client) {
	c.UpdateDeadline(2 * time.Second)
	c.Quit()
	c.Close()
}

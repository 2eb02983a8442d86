package letter

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// Answers mailed to a letter campaign's inbound address
// (answers+<token>@<inbound domain>): a small SMTP listener that accepts
// mail for the addresses of existing letter campaigns only (refused at
// RCPT otherwise), up to a size, and records each as the answer of the
// target whose address sent it, or holds it for the organizers.

// DefaultInboundMaxBytes bounds an inbound mail when no limit is given.
const DefaultInboundMaxBytes = 10 << 20

// Limits of parsing: how deep multiparts nest, how many parts are read,
// how much text a part gives.
const (
	maxMIMEDepth = 5
	maxMIMEParts = 50
	maxPartText  = 1 << 20
)

// Received is an inbound mail as Repertoire keeps it.
type Received struct {
	From    string // the sender's address (From:), lower-cased
	Subject string
	Date    time.Time // the Date: header; zero when absent or unreadable
	Text    string    // the text: text/plain preferred, else HTML made text
}

var errNoSender = errors.New("inbound mail without a readable From address")

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.NewReaderLabel}

// ParseMail reads an inbound mail: its sender, subject, date and text
// (text/plain preferred, HTML stripped to text; quoted-printable and
// base64, any charset the html/charset package knows, nested multiparts).
// The text is valid UTF-8, trimmed to MaxBody characters.
func ParseMail(r io.Reader) (*Received, error) {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return nil, err
	}
	parser := mail.AddressParser{WordDecoder: wordDecoder}
	from, err := parser.Parse(msg.Header.Get("From"))
	if err != nil || from.Address == "" {
		return nil, errNoSender
	}
	rc := &Received{From: strings.ToLower(from.Address)}
	subject, err := wordDecoder.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	rc.Subject = clip(oneLine(subject), MaxSubject)
	if d, err := msg.Header.Date(); err == nil {
		rc.Date = d.UTC()
	}
	parts := 0
	plain, htmlText := textOf(msg.Header, msg.Body, 0, &parts)
	text := plain
	if strings.TrimSpace(text) == "" {
		text = htmlText
	}
	rc.Text = clip(cleanText(text), MaxBody)
	return rc, nil
}

// header is what textOf reads of a part's header (mail.Header,
// textproto.MIMEHeader).
type header interface{ Get(string) string }

// textOf returns the first text/plain and the first text/html (made text)
// of a part, descending into multiparts.
func textOf(h header, body io.Reader, depth int, parts *int) (plain, htmlText string) {
	*parts++
	if depth > maxMIMEDepth || *parts > maxMIMEParts {
		return "", ""
	}
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return plain, htmlText
			}
			pl, ht := textOf(p.Header, p, depth+1, parts)
			if plain == "" {
				plain = pl
			}
			if htmlText == "" {
				htmlText = ht
			}
			if plain != "" || *parts > maxMIMEParts {
				return plain, htmlText
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return "", ""
	}
	if strings.HasPrefix(strings.ToLower(h.Get("Content-Disposition")), "attachment") {
		return "", ""
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	raw, _ := io.ReadAll(io.LimitReader(body, maxPartText))
	text := decodeCharset(params["charset"], raw)
	if mediaType == "text/html" {
		return "", htmlToText(text)
	}
	return text, ""
}

// decodeCharset turns text of a charset into UTF-8 (unknown charsets are
// read as UTF-8, whatever cannot be read replaced).
func decodeCharset(label string, raw []byte) string {
	label = strings.ToLower(strings.TrimSpace(label))
	if label != "" && label != "utf-8" && label != "us-ascii" {
		if r, err := charset.NewReaderLabel(label, bytes.NewReader(raw)); err == nil {
			if b, err := io.ReadAll(r); err == nil {
				raw = b
			}
		}
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// htmlToText keeps an HTML part's text: scripts and styles dropped, a
// line break after each block.
func htmlToText(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
				b.WriteString(" ")
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				skip++
			case "br":
				b.WriteString("\n")
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol":
				b.WriteString("\n\n")
			}
		}
	}
}

// cleanText keeps printable text with its line breaks: \r\n and \r made
// \n, other control characters dropped, trailing spaces of lines and
// runs of blank lines trimmed.
func cleanText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
	lines := strings.Split(s, "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))), " ")
}

// clip cuts s to at most max characters.
func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max])
}

// InboundToken reads the token of a letter campaign's inbound address
// at domain: answers+<token>@domain (the domain and the local part's
// case ignored). ok is false for any other address.
func InboundToken(address, domain string) (string, bool) {
	local, dom, found := strings.Cut(strings.ToLower(strings.TrimSpace(address)), "@")
	if !found || domain == "" || dom != strings.ToLower(domain) {
		return "", false
	}
	token, ok := strings.CutPrefix(local, InboundLocal+"+")
	if !ok || len(token) != 32 || strings.Trim(token, "0123456789abcdef") != "" {
		return "", false
	}
	return token, true
}

// Mailbox is another family of addresses the inbound listener receives
// for, beside letters' (the outbox's bounce addresses).
type Mailbox interface {
	// Accepts tells whether the address is one of the mailbox's that
	// exists; an error is a failure to find out (try again later).
	Accepts(ctx context.Context, address string) (bool, error)
	// Receive takes a mail sent to one of its addresses (raw, as read).
	Receive(ctx context.Context, address string, raw []byte) error
}

// NewInboundServer is the SMTP listener of letters' inbound addresses at
// domain, and of the mailboxes': recipients are refused at RCPT unless
// they are a letter campaign's or a mailbox accepts them, mails over
// maxBytes at DATA. Serve it on a listener.
func NewInboundServer(s *Store, domain string, maxBytes int64, log *slog.Logger, mailboxes ...Mailbox) *smtp.Server {
	if maxBytes <= 0 {
		maxBytes = DefaultInboundMaxBytes
	}
	srv := smtp.NewServer(&inboundBackend{store: s, domain: domain, log: log, mailboxes: mailboxes})
	srv.Domain = domain
	srv.MaxMessageBytes = maxBytes
	srv.MaxRecipients = 10
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = addresslessLog{log}
	return srv
}

// addresslessLog is go-smtp's error log without its arguments, which name
// the client's IP address (and, in network errors, ours): only what went
// wrong is logged ("error handling", "panic serving", "accept error").
type addresslessLog struct{ log *slog.Logger }

func (l addresslessLog) Printf(format string, _ ...any) {
	what, _, _ := strings.Cut(format, " %")
	l.log.Warn("inbound SMTP: " + strings.TrimSuffix(what, ":"))
}

func (l addresslessLog) Println(...any) { l.log.Warn("inbound SMTP: error") }

type inboundBackend struct {
	store     *Store
	domain    string
	log       *slog.Logger
	mailboxes []Mailbox
}

func (b *inboundBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &inboundSession{b: b}, nil
}

type inboundSession struct {
	b       *inboundBackend
	letters []string // the letter campaigns of the accepted recipients
	others  []mailboxRcpt
}

// mailboxRcpt is a recipient a mailbox accepted.
type mailboxRcpt struct {
	m       Mailbox
	address string
}

var errUnknownRecipient = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such recipient here"}

var errTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}

var errUnreadable = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "The message has no readable sender"}

func (x *inboundSession) Reset()        { x.letters, x.others = nil, nil }
func (x *inboundSession) Logout() error { return nil }

func (x *inboundSession) Mail(string, *smtp.MailOptions) error { return nil }

// Rcpt accepts only the address of an existing letter campaign, or one
// a mailbox accepts.
func (x *inboundSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	token, ok := InboundToken(to, x.b.domain)
	if !ok {
		for _, m := range x.b.mailboxes {
			ok, err := m.Accepts(ctx, to)
			if err != nil {
				x.b.log.Error("inbound mail: reading the recipient", "err", err)
				return errTryLater
			}
			if ok {
				x.others = append(x.others, mailboxRcpt{m: m, address: to})
				return nil
			}
		}
		return errUnknownRecipient
	}
	id, err := x.b.store.byInboundToken(ctx, token)
	switch {
	case err == errNotFound:
		return errUnknownRecipient
	case err != nil:
		x.b.log.Error("inbound mail: reading the recipient", "err", err)
		return errTryLater
	}
	for _, l := range x.letters {
		if l == id {
			return nil // named twice: recorded once
		}
	}
	x.letters = append(x.letters, id)
	return nil
}

// Data reads the mail (go-smtp stops it past the size limit) and records
// it for each letter campaign it was sent to.
func (x *inboundSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // too large: go-smtp's 552
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, o := range x.others {
		if err := o.m.Receive(ctx, o.address, raw); err != nil {
			x.b.log.Error("inbound mail: recording it", "err", err)
			return errTryLater
		}
	}
	if len(x.letters) == 0 {
		return nil
	}
	rc, err := ParseMail(bytes.NewReader(raw))
	if err != nil {
		return errUnreadable
	}
	for _, id := range x.letters {
		if err := x.b.store.Receive(ctx, id, rc); err != nil {
			x.b.log.Error("inbound mail: recording it", "err", err)
			return errTryLater
		}
	}
	return nil
}

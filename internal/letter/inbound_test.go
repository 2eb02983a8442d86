package letter_test

import (
	"context"
	"encoding/json"
	"html"
	"net/mail"
	"net/smtp"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"repertoire/internal/account"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

const inboundDomain = "answers.example.org"

var inboundPattern = regexp.MustCompile(`answers\+[0-9a-f]{32}@` + regexp.QuoteMeta(inboundDomain))

// inboundApps runs fn on each engine with the inbound SMTP listener on.
func inboundApps(t *testing.T, fn func(t *testing.T, app *testkit.App)) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		fn(t, testkit.StartWith(t, db, func(c *server.Config) {
			c.InboundSMTPAddr, c.InboundDomain, c.InboundMaxBytes = "127.0.0.1:0", inboundDomain, 64<<10
		}))
	})
}

// smtpSend mails raw from the envelope sender to rcpt through the
// inbound listener with net/smtp, and returns the first error.
func smtpSend(t *testing.T, app *testkit.App, from, rcpt, raw string) error {
	t.Helper()
	c, err := smtp.Dial(app.Server.InboundListener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("mail.ftc.example"); err != nil {
		return err
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(raw, "\n", "\r\n"))); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Each letter campaign has its own inbound address, shown to its
// organizers and given as the Reply-To of letters whose writer kept
// their address. A mail from a target's address is recorded as its
// answer (text/plain preferred, quoted-printable French intact); one
// from anyone else is held until an organizer attributes it to a target
// or discards it; organizers are mailed either way. Unknown recipients
// are refused at RCPT, mails over the size limit at DATA.
func TestInboundAnswers(t *testing.T) {
	inboundApps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		l := f.letter(t, nil, ftc)
		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		_, page := org.Get(t, l.path(app))
		address := inboundPattern.FindString(html.UnescapeString(page))
		if address == "" {
			t.Fatalf("the organizers' page shows no inbound address\n%s", page)
		}
		if _, page := app.Browser().Get(t, l.path(app)); strings.Contains(html.UnescapeString(page), address) {
			t.Errorf("a visitor sees the inbound address")
		}
		var own struct {
			InboundAddress string `json:"inbound_address"`
		}
		if app.API(t, "GET", "/api/v1/advocacy_campaigns/"+l.ID, f.org, nil, &own); own.InboundAddress != address {
			t.Errorf("the organizers' API document gives %q, want %s", own.InboundAddress, address)
		}
		own.InboundAddress = ""
		if app.API(t, "GET", "/api/v1/advocacy_campaigns/"+l.ID, "", nil, &own); own.InboundAddress != "" {
			t.Errorf("the public API document gives the inbound address")
		}

		confirm(t, app, f.write(t, l, "ann@example.org", "Ann", nil))
		letter := app.Mail.Wait(t, "chairman@ftc.example", "The like button tracks us")
		if rt, err := mail.ParseAddress(letter.Header.Get("Reply-To")); err != nil || rt.Address != address {
			t.Errorf("Reply-To %q, want the campaign's inbound address %s", letter.Header.Get("Reply-To"), address)
		}
		if !strings.Contains(letter.Body, "replying to this mail reaches the campaign’s organizers") {
			t.Errorf("the letter does not say where replies go:\n%s", letter.Body)
		}

		answer := `From: "Jon Leibowitz" <Chairman@FTC.example>
To: ` + address + `
Subject: =?utf-8?q?Re=3A_The_like_button?=
Date: Tue, 1 Dec 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Madame, la Commission examinera les boutons =C2=AB j=E2=80=99aime =C2=BB.
--b1
Content-Type: text/html; charset=utf-8

<p>HTML copy</p>
--b1--
`
		if err := smtpSend(t, app, "bounces@ftc.example", address, answer); err != nil {
			t.Fatalf("mailing the answer: %v", err)
		}
		app.Mail.Wait(t, "org@example.org", "Jon Leibowitz answered")
		_, page = app.Browser().Get(t, l.path(app))
		if !strings.Contains(page, "la Commission examinera les boutons « j’aime »") || !strings.Contains(page, "(received by mail)") ||
			strings.Contains(page, "HTML copy") {
			t.Errorf("the answer by mail is not on the page as its text/plain part\n%s", page)
		}

		for _, rcpt := range []string{"answers+00000000000000000000000000000000@" + inboundDomain, "someone@" + inboundDomain,
			strings.Replace(address, inboundDomain, "example.com", 1)} {
			err := smtpSend(t, app, "x@example.net", rcpt, "From: x@example.net\n\nhello\n")
			if err == nil || !strings.Contains(err.Error(), "550") {
				t.Errorf("RCPT %s: %v, want 550", rcpt, err)
			}
		}
		big := "From: x@example.net\nSubject: big\n\n" + strings.Repeat("0123456789abcdef\n", 5000)
		if err := smtpSend(t, app, "x@example.net", address, big); err == nil || !strings.Contains(err.Error(), "552") {
			t.Errorf("a mail over the size limit: %v, want 552", err)
		}

		held := "From: Press Office <press@agency.example>\nSubject: Our reply\nContent-Type: text/html; charset=iso-8859-1\n\n" +
			"<html><head><style>p{}</style></head><body><p>R\xe9ponse de l'agence</p><script>alert(1)</script></body></html>\n"
		if err := smtpSend(t, app, "press@agency.example", strings.ToUpper(address[:7])+address[7:], held); err != nil {
			t.Fatalf("mailing from an unknown sender: %v", err)
		}
		app.Mail.Wait(t, "org@example.org", "waits for you")
		_, page = org.Get(t, l.path(app))
		if !strings.Contains(page, "press@agency.example") || !strings.Contains(page, "Réponse de l&#39;agence") || strings.Contains(page, "alert(1)") {
			t.Fatalf("the held mail is not shown to organizers as text\n%s", page)
		}
		if _, public := app.Browser().Get(t, l.path(app)); strings.Contains(public, "agence") {
			t.Errorf("a held mail is public")
		}
		ids := regexp.MustCompile(`/held/([^/]+)/attribute`).FindStringSubmatch(page)
		if ids == nil {
			t.Fatal("no attribute form")
		}
		doc := f.get(t, l.ID)
		if st, page := org.Post(t, l.path(app)+"/held/"+ids[1]+"/attribute", url.Values{"target": {doc.Targets[0].ID}}); st != 200 ||
			!strings.Contains(page, "The mail is recorded as an answer.") {
			t.Fatalf("attribute: %d\n%s", st, page)
		}
		if _, public := app.Browser().Get(t, l.path(app)); !strings.Contains(public, "Réponse de l&#39;agence") {
			t.Errorf("the attributed answer is not public")
		}

		if err := smtpSend(t, app, "spam@example.net", address, "From: spam@example.net\nSubject: Buy\n\nBuy now\n"); err != nil {
			t.Fatal(err)
		}
		_, page = org.Get(t, l.path(app))
		ids = regexp.MustCompile(`/held/([^/]+)/discard`).FindStringSubmatch(page)
		if ids == nil {
			t.Fatal("no discard form")
		}
		if st, _ := app.Browser().Post(t, l.path(app)+"/held/"+ids[1]+"/discard", nil); st == 200 {
			if _, p := org.Get(t, l.path(app)); !strings.Contains(p, "Buy now") {
				t.Errorf("a visitor discarded a held mail")
			}
		}
		if st, page := org.Post(t, l.path(app)+"/held/"+ids[1]+"/discard", nil); st != 200 || strings.Contains(page, "Buy now") {
			t.Errorf("discard: %d, the mail still shows", st)
		}
	})
}

// A mail held from a person's address is theirs: in their data export,
// and gone with their erasure.
func TestInboundHeldMailsInExportAndErasure(t *testing.T) {
	inboundApps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		l := f.letter(t, nil, ftc)
		app.Token(t, "eve@example.org", "Eve", false)
		ctx := context.Background()
		var token string
		if err := app.DB.Reader().QueryRowContext(ctx, `SELECT inbound_token FROM letter_campaigns WHERE id = $1`, l.ID).Scan(&token); err != nil {
			t.Fatal(err)
		}
		if err := smtpSend(t, app, "eve@example.org", "answers+"+token+"@"+inboundDomain,
			"From: Eve <EVE@example.org>\nSubject: My own reply\n\nI wrote this reply myself.\n"); err != nil {
			t.Fatal(err)
		}
		p, err := account.PersonByEmail(ctx, app.DB.Reader(), "eve@example.org")
		if err != nil {
			t.Fatal(err)
		}
		out, err := app.Server.Accounts.Export(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(out["letter_held_mails"])
		if !strings.Contains(string(b), "I wrote this reply myself.") {
			t.Errorf("the export lacks the held mail: %s", b)
		}
		if err := app.Server.Accounts.DeletePerson(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := app.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM inbound_mails WHERE letter_campaign_id = $1`, l.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("held mails after the erasure: %d (%v), want 0", n, err)
		}
	})
}

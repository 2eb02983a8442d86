package message_test

import (
	"fmt"
	"net/http"
	"net/smtp"
	"regexp"
	"strings"
	"testing"

	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

const inboundDomain = "in.riders.example"

var bounceAddress = regexp.MustCompile(`^bounces\+[0-9a-f]{32}\.[a-z2-7]{20}@` + regexp.QuoteMeta(inboundDomain) + `$`)

// mailReport sends raw to rcpt through the instance's inbound SMTP
// listener, as a remote mail server would (empty envelope sender, as
// RFC 3464 asks of a DSN), and returns the first refusal.
func mailReport(t *testing.T, app *testkit.App, rcpt, raw string) error {
	t.Helper()
	c, err := smtp.Dial(app.Server.InboundListener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("mx.provider.example"); err != nil {
		return err
	}
	if err := c.Mail(""); err != nil {
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

// dsn is a delivery status notification (RFC 3464) about rcpt.
func dsn(rcpt, action, status string) string {
	return fmt.Sprintf(`From: Mail Delivery System <MAILER-DAEMON@mx.provider.example>
To: <postmaster@example.org>
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.provider.example
Arrival-Date: Tue, 1 Dec 2026 10:00:00 +0000

Final-Recipient: rfc822; %s
Action: %s
Status: %s
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--b1
Content-Type: text/rfc822-headers

From: Riders union <no-reply@example.org>
To: %s
Subject: Pay news

--b1--
`, rcpt, action, status, rcpt)
}

// arf is an abuse report (RFC 5965) carrying the reported mail's header.
func arf(rcpt string, reported *testkit.Mail) string {
	return fmt.Sprintf(`From: Feedback Loop <fbl@provider.example>
To: <abuse@example.org>
Subject: FW: Pay news
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b2"

--b2
Content-Type: text/plain

This is an email abuse report.

--b2
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ProviderFBL/1.0
Version: 1
Original-Rcpt-To: %s

--b2
Content-Type: text/rfc822-headers

From: %s
To: %s
Subject: Pay news
List-Unsubscribe: %s

--b2--
`, rcpt, reported.Header.Get("From"), rcpt, reported.Header.Get("List-Unsubscribe"))
}

// Each mail of a message goes out with its own bounce address; the
// reports mailed back to it over SMTP mark the address (a hard bounce:
// bouncing; a complaint: spam complaint; a soft bounce only counted) and
// show in the message's counts; a complaint from a feedback loop mailed
// to feedback@ is matched by the reported mail's unsubscribe link. An
// address with a wrong secret is refused at RCPT; the next message
// leaves out who bounced or complained.
func TestBouncesAndComplaintsMailedBackMarkTheAddress(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		app := testkit.StartWith(t, db, func(c *server.Config) {
			c.InboundSMTPAddr, c.InboundDomain = "127.0.0.1:0", inboundDomain
		})
		f := setup(t, app)
		people := []string{"ann@example.org", "ben@example.org", "cat@example.org", "dan@example.org"}
		for _, p := range people {
			f.sign(t, p, strings.Split(p, "@")[0], "en", true)
		}
		m := f.create(t, map[string]any{"subject": "Pay news", "body": "Hello.", "targets": parts("participants", f.petition)})
		if st := app.API(t, "POST", "/api/v1/messages/"+m.ID+"/send", f.org, nil, nil); st != http.StatusAccepted {
			t.Fatalf("send: %d", st)
		}
		f.waitFor(t, m.ID, "delivered", func(d messageDoc) bool { return d.Status == "sent" && d.Statistics.Sent == 4 })
		got := map[string]*testkit.Mail{}
		for _, p := range people {
			mail := app.Mail.Wait(t, p, "Pay news")
			if !bounceAddress.MatchString(mail.From) {
				t.Fatalf("envelope sender of the mail to %s: %q", p, mail.From)
			}
			if strings.Contains(string(mail.Raw), "Repertoire-Bounce") || strings.Contains(string(mail.Raw), mail.From[len("bounces+")+33:len("bounces+")+53]) {
				t.Errorf("the mail to %s shows its bounce secret outside its envelope", p)
			}
			got[p] = mail
		}
		if got["ann@example.org"].From == got["ben@example.org"].From {
			t.Fatal("two mails share a bounce address")
		}

		// Ann's bounce address with another first letter of its secret.
		real := got["ann@example.org"].From
		at := len("bounces+") + 33
		other := "a"
		if real[at] == 'a' {
			other = "b"
		}
		forged := real[:at] + other + real[at+1:]
		if err := mailReport(t, app, forged, dsn("ann@example.org", "failed", "5.1.1")); err == nil || !strings.Contains(err.Error(), "550") {
			t.Errorf("a bounce address with a wrong secret: %v, want 550 at RCPT", err)
		}
		if st := emailStatus(t, app, "ann@example.org"); st != "subscribed" {
			t.Fatalf("after a forged report: %q", st)
		}

		reports := []struct{ rcpt, raw string }{
			{got["ann@example.org"].From, dsn("ann@example.org", "failed", "5.1.1")},
			{got["ben@example.org"].From, dsn("ben@example.org", "delayed", "4.2.2")},
			{got["ben@example.org"].From, dsn("ben@example.org", "failed", "4.4.7")},
			{got["cat@example.org"].From, arf("cat@example.org", got["cat@example.org"])},
			{"feedback@" + inboundDomain, arf("dan@example.org", got["dan@example.org"])},
			// An auto-reply to a bounce address is taken and forgotten.
			{got["dan@example.org"].From, "From: dan@example.org\nSubject: Out of office\n\nBack on Monday.\n"},
		}
		for _, r := range reports {
			if err := mailReport(t, app, r.rcpt, r.raw); err != nil {
				t.Fatalf("report to %s: %v", r.rcpt, err)
			}
		}
		want := map[string]string{"ann@example.org": "bouncing", "ben@example.org": "subscribed",
			"cat@example.org": "spam complaint", "dan@example.org": "spam complaint"}
		for p, st := range want {
			if got := emailStatus(t, app, p); got != st {
				t.Errorf("%s: %q, want %q", p, got, st)
			}
		}
		d := f.get(t, m.ID)
		if d.Statistics.Bounced != 1 || d.Statistics.SoftBounced != 1 || d.Statistics.SpamReports != 2 || d.Statistics.Sent != 4 {
			t.Errorf("counts: %+v", d.Statistics)
		}
		// The list reads the same counts, a page in one query.
		var list struct {
			Embedded struct {
				Messages []messageDoc `json:"osdi:messages"`
			} `json:"_embedded"`
		}
		app.API(t, "GET", "/api/v1/messages", f.org, nil, &list)
		if len(list.Embedded.Messages) != 1 || list.Embedded.Messages[0].Statistics != d.Statistics {
			t.Errorf("the list's counts: %+v, want %+v", list.Embedded.Messages, d.Statistics)
		}
		b := app.Browser()
		b.SignIn(t, "olga@example.org", password)
		_, page := b.Get(t, "/messages/"+m.ID)
		for _, id := range []string{`id="count-bounced">1<`, `id="count-soft-bounced">1<`, `id="count-complained">2<`} {
			if !strings.Contains(page, id) {
				t.Errorf("the message's page lacks %s", id)
			}
		}

		next := f.create(t, map[string]any{"subject": "More news", "body": "Again.", "targets": parts("participants", f.petition)})
		app.API(t, "POST", "/api/v1/messages/"+next.ID+"/send", f.org, nil, nil)
		if d := f.waitFor(t, next.ID, "sent", func(d messageDoc) bool { return d.Status == "sent" }); d.TotalTargeted != 1 {
			t.Errorf("next message targeted %d, want 1 (Ben)", d.TotalTargeted)
		}
	})
}

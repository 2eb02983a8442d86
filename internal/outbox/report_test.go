package outbox_test

import (
	"strings"
	"testing"

	"repertoire/internal/outbox"
)

// reportSeeds are reports as mail servers and feedback loops write them,
// and mails that are no report.
var reportSeeds = map[string]struct{ raw, kind, unsubscribe string }{
	"hard bounce": {`From: MAILER-DAEMON@mx.example
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Undeliverable.
--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; ann@example.org
Action: failed
Status: 5.1.1
--b--
`, outbox.ReportHardBounce, ""},
	"failed for now, base64": {`From: MAILER-DAEMON@mx.example
Content-Type: multipart/report; report-type=delivery-status; boundary=b

--b
Content-Type: message/delivery-status
Content-Transfer-Encoding: base64

UmVwb3J0aW5nLU1UQTogZG5zOyBteC5leGFtcGxlCgpGaW5hbC1SZWNpcGllbnQ6IHJmYzgyMjsg
YmVuQGV4YW1wbGUub3JnCkFjdGlvbjogZmFpbGVkClN0YXR1czogNC40LjcK
--b--
`, outbox.ReportSoftBounce, ""},
	"delayed": {`From: MAILER-DAEMON@mx.example
Content-Type: multipart/report; report-type=delivery-status; boundary=b

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; ben@example.org
Action: delayed
Status: 4.2.2
--b--
`, outbox.ReportSoftBounce, ""},
	"delivered, then failed": {`From: MAILER-DAEMON@mx.example
Content-Type: multipart/report; report-type=delivery-status; boundary=b

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; a@example.org
Action: delivered
Status: 2.0.0

Final-Recipient: rfc822; b@example.org
Action: failed
Status: 5.2.1
--b--
`, outbox.ReportHardBounce, ""},
	"only delivered": {`From: MAILER-DAEMON@mx.example
Content-Type: multipart/report; report-type=delivery-status; boundary=b

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; a@example.org
Action: relayed
Status: 2.0.0
--b--
`, "", ""},
	"abuse report with the mail's header": {`From: fbl@provider.example
Content-Type: multipart/report; report-type=feedback-report; boundary="c"

--c
Content-Type: text/plain

An abuse report.
--c
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: FBL/1.0
Version: 1
--c
Content-Type: message/rfc822

From: Riders <no-reply@example.org>
List-Unsubscribe: <mailto:x@example.org>, <https://repertoire.example.org/unsubscribe/0190-ab.S3cr3t_-x>
Subject: News

Hello.
--c--
`, outbox.ReportComplaint, "0190-ab.S3cr3t_-x"},
	"not spam": {`From: fbl@provider.example
Content-Type: multipart/report; report-type=feedback-report; boundary=c

--c
Content-Type: message/feedback-report

Feedback-Type: not-spam
--c--
`, "", ""},
	"auto-reply":   {"From: dan@example.org\nSubject: Out of office\n\nBack on Monday.\n", "", ""},
	"no boundary":  {"From: a@example.org\nContent-Type: multipart/report\n\n--x\n", "", ""},
	"cut short":    {"From: a@example.org\nContent-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\nX: y\n\nAction: failed\n", outbox.ReportHardBounce, ""},
	"empty header": {"\n", "", ""},
}

func TestParseReportReadsDSNsAndAbuseReports(t *testing.T) {
	for name, c := range reportSeeds {
		t.Run(name, func(t *testing.T) {
			rep, err := outbox.ParseReport(strings.NewReader(c.raw))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Kind != c.kind || rep.Unsubscribe != c.unsubscribe {
				t.Errorf("got %+v, want kind %q, unsubscribe %q", rep, c.kind, c.unsubscribe)
			}
		})
	}
	if _, err := outbox.ParseReport(strings.NewReader("not a mail")); err == nil {
		t.Error("a mail without header read")
	}
}

// FuzzParseReport: whatever arrives at the bounce addresses, the parser
// neither panics nor says more than it may: one of the kinds, and an
// unsubscribe token that is one path segment.
//
//	go test -run '^$' -fuzz FuzzParseReport ./internal/outbox/
func FuzzParseReport(f *testing.F) {
	for _, c := range reportSeeds {
		f.Add(c.raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		rep, err := outbox.ParseReport(strings.NewReader(raw))
		if err != nil {
			if rep != (outbox.Report{}) {
				t.Fatalf("an error with a report: %+v", rep)
			}
			return
		}
		switch rep.Kind {
		case "", outbox.ReportSoftBounce, outbox.ReportHardBounce, outbox.ReportComplaint:
		default:
			t.Fatalf("kind %q", rep.Kind)
		}
		if strings.ContainsAny(rep.Unsubscribe, "/?#<> \r\n") {
			t.Fatalf("unsubscribe token %q", rep.Unsubscribe)
		}
	})
}

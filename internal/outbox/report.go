package outbox

import (
	"bufio"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// Kinds of report, weakest first.
const (
	ReportSoftBounce = "soft bounce" // delayed, or refused for now (4.x.x)
	ReportHardBounce = "hard bounce" // refused for good (failed, 5.x.x)
	ReportComplaint  = "complaint"   // the person reported the mail as abuse or fraud
)

// Report is what a bounce or complaint report says, read by ParseReport.
type Report struct {
	Kind string // one of the Report kinds; "" when it is none
	// Unsubscribe is the unsubscribe token of the reported mail, read
	// from its List-Unsubscribe (a complaint that carries the mail):
	// a claim to check, never a fact.
	Unsubscribe string
}

// Limits of reading a report: its parts and the bytes read of each.
const (
	maxReportParts = 20
	maxReportPart  = 1 << 20
)

// ParseReport reads a multipart/report (RFC 6522): a delivery status
// notification (RFC 3464: message/delivery-status, or RFC 6533's
// message/global-delivery-status), the strongest of its recipients'
// actions; or an abuse feedback report (RFC 5965: message/feedback-report
// with Feedback-Type abuse or fraud). Any other mail, an auto-reply
// included, is no report (Kind ""). An error is a mail that cannot be
// read at all; a report cut short says what was read.
func ParseReport(r io.Reader) (Report, error) {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/report" || params["boundary"] == "" {
		return rep, nil
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for range maxReportParts {
		p, err := mr.NextRawPart()
		if err != nil {
			break
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body := io.LimitReader(decodedPart(p.Header.Get("Content-Transfer-Encoding"), p), maxReportPart)
		switch ct {
		case "message/delivery-status", "message/global-delivery-status":
			rep.Kind = stronger(rep.Kind, deliveryStatus(body))
		case "message/feedback-report":
			rep.Kind = stronger(rep.Kind, feedbackType(body))
		case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
			if rep.Unsubscribe == "" {
				rep.Unsubscribe = unsubscribeTokenOf(body)
			}
		}
	}
	return rep, nil
}

// decodedPart undoes a part's transfer encoding.
func decodedPart(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	}
	return r
}

// stronger is the stronger of two kinds.
func stronger(a, b string) string {
	rank := func(k string) int {
		switch k {
		case ReportSoftBounce:
			return 1
		case ReportHardBounce:
			return 2
		case ReportComplaint:
			return 3
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// deliveryStatus reads the per-message fields, then each recipient's
// (RFC 3464 §2.1): failed is a hard bounce unless its Status is of class
// 4 (persistent transient), delayed a soft one; delivered, relayed and
// expanded are no bounce.
func deliveryStatus(r io.Reader) string {
	tp := textproto.NewReader(bufio.NewReader(r))
	kind := ""
	for i := 0; i <= maxReportParts; i++ {
		h, err := tp.ReadMIMEHeader()
		if i > 0 { // the first group is the message's
			action := strings.ToLower(strings.TrimSpace(h.Get("Action")))
			status := strings.TrimSpace(h.Get("Status"))
			switch {
			case action == "failed" && strings.HasPrefix(status, "4."):
				kind = stronger(kind, ReportSoftBounce)
			case action == "failed":
				kind = stronger(kind, ReportHardBounce)
			case action == "delayed":
				kind = stronger(kind, ReportSoftBounce)
			}
		}
		if err != nil {
			break
		}
	}
	return kind
}

// feedbackType reads an abuse report's Feedback-Type (RFC 5965 §3.1):
// abuse and fraud are complaints; not-spam, virus, other are not.
func feedbackType(r io.Reader) string {
	h, _ := textproto.NewReader(bufio.NewReader(r)).ReadMIMEHeader()
	switch strings.ToLower(strings.TrimSpace(h.Get("Feedback-Type"))) {
	case "abuse", "fraud":
		return ReportComplaint
	}
	return ""
}

// unsubscribeTokenOf reads the token of the unsubscribe link in the
// List-Unsubscribe of a reported mail's header: <…/unsubscribe/TOKEN>.
func unsubscribeTokenOf(r io.Reader) string {
	h, _ := textproto.NewReader(bufio.NewReader(r)).ReadMIMEHeader()
	for _, v := range h.Values("List-Unsubscribe") {
		for _, link := range strings.Split(v, ",") {
			link = strings.Trim(strings.TrimSpace(link), "<>")
			if _, token, ok := strings.Cut(link, "/unsubscribe/"); ok && token != "" && !strings.ContainsAny(token, "/?#<> ") {
				return token
			}
		}
	}
	return ""
}

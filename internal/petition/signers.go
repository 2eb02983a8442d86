package petition

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"time"

	"repertoire/internal/i18n"
	"repertoire/internal/participation"
)

// The lists of a petition's signers: the organizers' export and the sheet
// delivered to the targets.

// WriteCSV writes the confirmed signers of a petition as CSV, each with
// only what they agreed to share (participation.Participant.ForOrganizers).
// Never IP addresses.
func (h *Handler) WriteCSV(ctx context.Context, w *csv.Writer, p *Petition, l *i18n.Localizer) error {
	w.Write([]string{l.T("petition.csv.name"), l.T("petition.csv.email"), l.T("petition.csv.locality"), l.T("petition.csv.country"),
		l.T("petition.csv.comment"), l.T("petition.csv.signed_at"), l.T("petition.csv.origin")})
	err := h.parts.Confirmed(ctx, p.ID, func(pt participation.Participant) error {
		pt = pt.ForOrganizers()
		name, email := strings.TrimSpace(pt.GivenName+" "+pt.FamilyName), pt.Email
		at := ""
		if pt.ConfirmedAt != nil {
			at = pt.ConfirmedAt.Format(time.RFC3339)
		}
		return w.Write([]string{csvSafe(name), csvSafe(email), csvSafe(pt.Locality), csvSafe(pt.Country), csvSafe(pt.Comment), at, csvSafe(pt.OriginSystem)})
	})
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	return err
}

// sheet is what a delivery hands over of the signers who agreed to share
// their name with the target.
type sheet struct {
	CSV    []byte   // everyone of them
	Names  []string // the first thousand, for the mail's body
	Shared int
}

// deliverySheet gathers the signers who agreed to share their name with
// the target, in l's language.
func (h *Handler) deliverySheet(ctx context.Context, p *Petition, l *i18n.Localizer) (*sheet, error) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write([]string{l.T("petition.csv.name"), l.T("petition.csv.locality"), l.T("petition.csv.country"), l.T("petition.csv.signed_at")})
	sh := &sheet{}
	err := h.parts.Confirmed(ctx, p.ID, func(pt participation.Participant) error {
		if !pt.ShareWithTarget {
			return nil
		}
		sh.Shared++
		name := strings.TrimSpace(pt.GivenName + " " + pt.FamilyName)
		at := ""
		if pt.ConfirmedAt != nil {
			at = pt.ConfirmedAt.Format(time.DateOnly)
		}
		cw.Write([]string{csvSafe(name), csvSafe(pt.Locality), csvSafe(pt.Country), at})
		if len(sh.Names) < 1000 { // the mail body lists the first thousand; the attachment has everyone
			line := name
			if pt.Locality != "" {
				line += " (" + pt.Locality + ")"
			}
			sh.Names = append(sh.Names, line)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cw.Flush()
	sh.CSV = buf.Bytes()
	return sh, nil
}

// csvSafe keeps a spreadsheet from reading a signer's name as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

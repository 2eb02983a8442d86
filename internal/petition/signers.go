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
// only what they agreed to share (participation.Participant.ForOrganizers),
// their consents and why any blank is blank (participation.ListRow).
// Never IP addresses.
func (h *Handler) WriteCSV(ctx context.Context, w *csv.Writer, p *Petition, l *i18n.Localizer) error {
	w.Write(participation.ListHeader(l, l.T("petition.csv.comment")))
	err := h.parts.Confirmed(ctx, p.ID, func(pt participation.Participant) error {
		return w.Write(participation.ListRow(l, pt, pt.Comment))
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
		cw.Write([]string{participation.CSVSafe(name), participation.CSVSafe(pt.Locality), participation.CSVSafe(pt.Country), at})
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

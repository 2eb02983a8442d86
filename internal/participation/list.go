package participation

import (
	"strings"
	"time"

	"repertoire/internal/i18n"
)

// The organizers' lists of an action's people (a petition's signers, a
// pledge's committed people): what ForOrganizers leaves of each, and
// beside it their consents and why any blank is blank, so a spreadsheet
// never leaves its reader guessing.

// Why a column organizers see is blank (message ids).
const (
	BlankNameNoConsent  = "participation.blank.name_no_consent"
	BlankEmailNoConsent = "participation.blank.email_no_consent"
	BlankNotGiven       = "participation.blank.not_given"
)

// Blanks says why ForOrganizers leaves p's name and address blank: a
// message id each, "" for what is shown.
func (p Participant) Blanks() (name, email string) {
	shown := p.ForOrganizers()
	if strings.TrimSpace(shown.GivenName+shown.FamilyName) == "" {
		name = BlankNotGiven
		if strings.TrimSpace(p.GivenName+p.FamilyName) != "" {
			name = BlankNameNoConsent
		}
	}
	if shown.Email == "" {
		email = BlankNotGiven
		if p.Email != "" {
			email = BlankEmailNoConsent
		}
	}
	return name, email
}

// Name is the participant's full name as given.
func (p Participant) Name() string { return strings.TrimSpace(p.GivenName + " " + p.FamilyName) }

// ListHeader is the header of an organizers' list in l's language: name,
// email, town, country, the tactic's own columns (extra, already
// localized), the time taken part, origin, then the consents and the
// reasons of blanks.
func ListHeader(l *i18n.Localizer, extra ...string) []string {
	h := []string{l.T("participation.list.name"), l.T("participation.list.email"), l.T("participation.list.locality"),
		l.T("participation.list.country")}
	h = append(h, extra...)
	return append(h, l.T("participation.list.at"), l.T("participation.list.origin"), l.T("participation.list.contact_ok"),
		l.T("participation.list.public_name"), l.T("participation.list.share_with_target"), l.T("participation.list.name_blank"),
		l.T("participation.list.email_blank"))
}

// ListRow is p's row under ListHeader, with the tactic's own cells
// (extra, in ListHeader's order); every cell a spreadsheet would read as a
// formula is defused (CSVSafe).
func ListRow(l *i18n.Localizer, p Participant, extra ...string) []string {
	shown := p.ForOrganizers()
	nameBlank, emailBlank := p.Blanks()
	yes := func(b bool) string {
		if b {
			return l.T("participation.list.yes")
		}
		return l.T("participation.list.no")
	}
	why := func(id string) string {
		if id == "" {
			return ""
		}
		return l.T(id)
	}
	at := ""
	if p.ConfirmedAt != nil {
		at = p.ConfirmedAt.UTC().Format(time.RFC3339)
	}
	row := []string{CSVSafe(shown.Name()), CSVSafe(shown.Email), CSVSafe(shown.Locality), CSVSafe(shown.Country)}
	for _, e := range extra {
		row = append(row, CSVSafe(e))
	}
	return append(row, at, CSVSafe(p.OriginSystem), yes(p.ContactOK), yes(p.PublicName), yes(p.ShareWithTarget), why(nameBlank), why(emailBlank))
}

// CSVSafe keeps a spreadsheet from reading a person's text as a formula.
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

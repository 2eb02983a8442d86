package pledge

import (
	"encoding/csv"
	"errors"
	"net/http"
	"repertoire"
	"strings"
	"time"

	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// --- the organizers' page: committed people, export, review, state ---

// listed is how many committed people the organizers' page lists; the
// export has everyone.
const listed = 100

// committedRow is one committed person as the organizers' page shows
// them: what they agreed to share, and why a blank is blank.
type committedRow struct {
	Name, Email, Place, Origin string
	NameWhy, EmailWhy          string
	At                         time.Time
}

// historyLine is one change of the pledge, in the reader's language.
type historyLine struct {
	At   time.Time
	Text string
}

type manageData struct {
	S         *scope
	Counts    participation.Counts
	Flagged   int // commitments held for review: over the rate rules, or in a group found acting together
	People    []committedRow
	More      int // committed people beyond those listed
	History   []historyLine
	Integrity bool // the integrity review is wired
}

var errEnough = errors.New("enough listed")

func (h *Handler) manageURL(s *scope) string { return s.Tactic.Path("manage") }

func (h *Handler) manage(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	ctx := r.Context()
	l := web.Localizer(ctx)
	p := s.Tactic
	d := manageData{S: s, Counts: p.Counts, Flagged: p.Counts.Flagged, Integrity: h.Integrity != nil}
	if h.Integrity != nil {
		a, err := h.Integrity.Aside(ctx, p.ID, p.Counts)
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		d.Flagged = a.RateHeld + a.GroupHeld
	}
	err := h.parts.Confirmed(ctx, p.ID, func(pt participation.Participant) error {
		if len(d.People) == listed {
			return errEnough
		}
		shown := pt.ForOrganizers()
		nameWhy, emailWhy := pt.Blanks()
		row := committedRow{Name: shown.Name(), Email: shown.Email, Place: strings.Trim(shown.Locality+", "+shown.Country, ", "),
			Origin: pt.OriginSystem}
		if nameWhy != "" {
			row.NameWhy = l.T(nameWhy)
		}
		if emailWhy != "" {
			row.EmailWhy = l.T(emailWhy)
		}
		if pt.ConfirmedAt != nil {
			row.At = *pt.ConfirmedAt
		}
		d.People = append(d.People, row)
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		h.pages.Error(w, r, err)
		return
	}
	d.More = max(0, p.Total()-len(d.People))
	if d.History, err = h.history(r, p); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "pledge_manage", l.T("pledge.manage_title", "Title", p.Title), d)
}

// history is the pledge's history in the reader's language.
func (h *Handler) history(r *http.Request, p *Pledge) ([]historyLine, error) {
	changes, err := h.Store.History(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	l := web.Localizer(r.Context())
	out := make([]historyLine, len(changes))
	for i, c := range changes {
		out[i] = historyLine{At: c.At, Text: changeSentence(l, c)}
	}
	return out, nil
}

// changeSentence says a change in l's language, its numbers and dates in
// that language's typography.
func changeSentence(l *i18n.Localizer, c Change) string {
	day := func(s string) string {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return s
		}
		return date(l.Lang, t)
	}
	days := func(s string) string {
		a, b, _ := strings.Cut(s, "/")
		return day(a) + " – " + day(b)
	}
	num := func(s string) string {
		var n int
		for _, r := range s {
			if r < '0' || r > '9' {
				return s
			}
			n = n*10 + int(r-'0')
		}
		return Number(l.Lang, n)
	}
	switch c.Field {
	case changeThreshold:
		return l.T("pledge.history.threshold", "Old", num(c.Old), "New", num(c.New))
	case changeDeadline:
		return l.T("pledge.history.deadline", "Old", day(c.Old), "New", day(c.New))
	case changeWindow:
		return l.T("pledge.history.window", "Old", days(c.Old), "New", days(c.New))
	case changeAction:
		return l.T("pledge.history.action", "Old", c.Old, "New", c.New)
	}
	return l.T("pledge.history." + c.Field)
}

// setStatus publishes a draft, or closes a pledge still collecting after
// a confirmation page saying what follows (its committed people are told,
// and it cannot be reopened).
func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	var err error
	flash := ""
	switch f.Get("status") {
	case StatusCollecting:
		_, err = h.Store.Publish(r.Context(), s.Tactic.ID, store.Now())
		flash = "pledge.published"
	case StatusClosed:
		l := web.Localizer(r.Context())
		if !h.pages.Confirmed(w, r, f, web.Confirmation{
			Question:     l.T("pledge.close.confirm", "Title", s.Tactic.Title),
			Consequences: []string{l.T("pledge.close.consequence", "Count", s.Tactic.Total())},
			Button:       l.T("pledge.close.submit"),
			Back:         h.manageURL(s) + "#state",
		}) {
			return
		}
		_, err = h.Store.Close(r.Context(), s.Tactic.ID)
		flash = "pledge.closed_now"
	default:
		h.pages.Error(w, r, repertoire.Invalid("status", "field.bad_choice", nil))
		return
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.locator.Forget()
	web.Redirect(w, r, h.manageURL(s), flash)
}

// delete deletes a pledge once its confirmation page was answered; one
// with counted commitments is refused at once, saying why (close it
// instead).
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	p := s.Tactic
	if p.Total() > 0 {
		h.pages.Error(w, r, errCounted)
		return
	}
	l := web.Localizer(r.Context())
	if !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("pledge.delete.confirm", "Title", p.Title),
		Consequences: []string{l.T("pledge.delete.consequence", "Count", p.Counts.Pending+p.Counts.Flagged)},
		Button:       l.T("pledge.delete"),
		Back:         h.manageURL(s) + "#state",
	}) {
		return
	}
	if err := h.Store.Delete(r.Context(), p.ID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.locator.Forget()
	web.Redirect(w, r, "/c/"+s.Community.Slug+"/"+s.Campaign.Slug, "pledge.deleted")
}

// exportCSV writes the confirmed committed people: what each agreed to
// share, their consent and why any blank is blank, headers in the
// reader's language. Never IP addresses.
func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	l := web.Localizer(r.Context())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+s.Tactic.Slug+`-committed.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write(participation.ListHeader(l, l.T("pledge.csv.checkin")))
	err := h.parts.Confirmed(r.Context(), s.Tactic.ID, func(pt participation.Participant) error {
		checkin := ""
		if pt.Checkin != "" {
			checkin = l.T("pledge.checkin." + pt.Checkin)
		}
		return cw.Write(participation.ListRow(l, pt, checkin))
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err != nil {
		h.log.Error("csv export failed", "err", err)
	}
}

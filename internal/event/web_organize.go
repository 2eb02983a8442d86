package event

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/participation"
	"repertoire/internal/web"
)

// formLayout is how the form writes times: the event's wall clock.
const formLayout = "2006-01-02T15:04"

// questionsText writes questions one a line, as the form reads them:
// "<kind>: <label>[*][ = option / option]", * for required.
func questionsText(qs []Question) string {
	var lines []string
	for _, q := range qs {
		l := q.Kind + ": " + q.Label
		if q.Required {
			l += " *"
		}
		if len(q.Options) > 0 {
			l += " = " + strings.Join(q.Options, " / ")
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// parseQuestions reads the form's questions, the reverse of questionsText.
func parseQuestions(s string) ([]Question, error) {
	var out []Question
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		kind, rest, ok := strings.Cut(line, ":")
		if !ok {
			return nil, repertoire.Invalid("questions", "event.bad_question_kind", nil)
		}
		q := Question{Kind: strings.TrimSpace(kind)}
		label, options, _ := strings.Cut(rest, "=")
		label = strings.TrimSpace(label)
		if strings.HasSuffix(label, "*") {
			q.Required, label = true, strings.TrimSpace(strings.TrimSuffix(label, "*"))
		}
		q.Label = label
		for _, o := range strings.Split(options, "/") {
			if o = strings.TrimSpace(o); o != "" {
				q.Options = append(q.Options, o)
			}
		}
		out = append(out, q)
	}
	return out, nil
}

// formInput reads the organizer's form. Errors of unreadable fields come
// with the input's own.
func formInput(f *web.Form) (Input, error) {
	in := Input{Title: f.Get("title"), Slug: f.Get("slug"), Description: f.Get("description"), Speakers: f.Get("speakers"),
		Timezone: f.Get("timezone"), Venue: f.Get("venue"), Room: f.Get("room"), OnlineURL: f.Get("online_url"),
		Languages: f.Get("languages"), Notes: f.Get("notes"), Registration: RegistrationOpen}
	if f.Get("approval") != "" {
		in.Registration = RegistrationApproval
	}
	var es repertoire.Errors
	loc, err := time.LoadLocation(strings.TrimSpace(in.Timezone))
	if err != nil {
		loc = time.UTC // normalize reports the zone
	}
	for _, d := range []struct {
		field string
		dst   *time.Time
	}{{"start", &in.Start}, {"end", &in.End}} {
		v := strings.TrimSpace(f.Get(d.field))
		if v == "" {
			continue // normalize reports it missing
		}
		t, err := time.ParseInLocation(formLayout, v, loc)
		if err != nil {
			es = append(es, repertoire.Invalid(d.field, "field.bad_date", nil))
			*d.dst = time.Unix(1, 0) // reported; keep normalize from reporting it again
			continue
		}
		*d.dst = t
	}
	if v := strings.TrimSpace(f.Get("capacity")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1
		}
		in.Capacity = n
	}
	qs, err := parseQuestions(f.Get("questions"))
	es = append(es, repertoire.FieldErrors(err)...)
	in.Questions = qs
	if err := in.normalize(); err != nil {
		for _, e := range repertoire.FieldErrors(err) {
			if !hasField(es, e.Field) {
				es = append(es, e)
			}
		}
	}
	return in, es.Err()
}

func hasField(es repertoire.Errors, field string) bool {
	for _, e := range es {
		if e.Field == field {
			return true
		}
	}
	return false
}

// formValues are an event's fields as the form shows them.
func formValues(e *Event) url.Values {
	places := ""
	if e.Capacity > 0 {
		places = strconv.Itoa(e.Capacity)
	}
	v := url.Values{"title": {e.Title}, "slug": {e.Slug}, "description": {e.Description}, "speakers": {e.Speakers},
		"start": {e.LocalStart().Format(formLayout)}, "end": {e.LocalEnd().Format(formLayout)}, "timezone": {e.Timezone},
		"venue": {e.Venue}, "room": {e.Room}, "online_url": {e.OnlineURL}, "capacity": {places}, "languages": {e.Languages},
		"notes": {e.Notes}, "questions": {questionsText(e.Questions)}}
	if e.Registration == RegistrationApproval {
		v["approval"] = []string{"on"}
	}
	return v
}

type formData struct {
	*scope
	Form *web.Form
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.LocateNew(w, r); s != nil {
		h.pages.Render(w, r, http.StatusOK, "event_new", web.Localizer(r.Context()).T("event.new_title"),
			formData{s, web.NewForm(url.Values{"timezone": {"Europe/Paris"}})})
	}
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	s := h.locator.LocateNew(w, r)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "event.created", func(f *web.Form) (string, error) {
		in, err := formInput(f)
		if err != nil {
			return "", err
		}
		e, err := h.Store.Create(r.Context(), s.Campaign.ID, in)
		if err != nil {
			return "", err
		}
		return e.Path(), nil
	}, func(status int, f *web.Form) {
		h.pages.Render(w, r, status, "event_new", web.Localizer(r.Context()).T("event.new_title"), formData{s, f})
	})
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.Locate(w, r, true, true); s != nil {
		h.pages.Render(w, r, http.StatusOK, "event_edit", web.Localizer(r.Context()).T("event.edit_title"),
			formData{s, web.NewForm(formValues(s.Tactic))})
	}
}

// edit saves the organizer's changes: a change of time, place or link is
// mailed to every registrant (Store.Update).
func (h *Handler) edit(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "event.saved", func(f *web.Form) (string, error) {
		in, err := formInput(f)
		if err != nil {
			return "", err
		}
		e, err := h.Store.Update(r.Context(), s.Tactic.ID, func(dst *Input) { *dst = in })
		if err != nil {
			return "", err
		}
		return e.Path(), nil
	}, func(status int, f *web.Form) {
		h.pages.Render(w, r, status, "event_edit", web.Localizer(r.Context()).T("event.edit_title"), formData{s, f})
	})
}

package legal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/participation"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Routes mounts the legal actions' pages and API. The enrolee's own page
// is reached by the token of their mailed link (/legal/e/<token>).
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /c/{community}/{campaign}/legal/new", h.newForm)
	mux.HandleFunc("POST /c/{community}/{campaign}/legal", h.create)
	mux.HandleFunc("GET /c/{community}/{campaign}/legal/{legal}", h.show)
	mux.HandleFunc("POST /c/{community}/{campaign}/legal/{legal}/enrol", h.enrol)
	mux.HandleFunc("GET /c/{community}/{campaign}/legal/{legal}/enrolled", h.enrolled)
	mux.HandleFunc("GET /c/{community}/{campaign}/legal/{legal}/enrolees", h.enrolees)
	mux.HandleFunc("GET /c/{community}/{campaign}/legal/{legal}/files/{file}", h.organizerFile)
	mux.HandleFunc("GET /legal/e/{token}", h.mine)
	mux.HandleFunc("POST /legal/e/{token}/sent", h.sent)
	mux.HandleFunc("POST /legal/e/{token}/extend", h.extend)
	mux.HandleFunc("POST /legal/e/{token}/answer", h.answer)
	mux.HandleFunc("POST /legal/e/{token}/files", h.upload)
	mux.HandleFunc("GET /legal/e/{token}/files/{file}", h.myFile)
	mux.HandleFunc("GET /legal/e/{token}/request.txt", h.letterText(false))
	mux.HandleFunc("GET /legal/e/{token}/complaint.txt", h.letterText(true))

	mux.HandleFunc("GET /api/v1/legal_actions", h.apiList)
	mux.HandleFunc("POST /api/v1/legal_actions", h.apiCreate)
	mux.HandleFunc("GET /api/v1/legal_actions/{id}", h.apiGet)
	mux.HandleFunc("PUT /api/v1/legal_actions/{id}", h.apiUpdate)
	mux.HandleFunc("GET /api/v1/legal_actions/{id}/enrolments", h.apiEnrolments)
	mux.HandleFunc("POST /api/v1/legal_actions/{id}/enrolments", h.apiEnrol)
}

func pagePath(token string) string { return "/legal/e/" + token }

type scope = participation.Page[*Action]

type showData struct {
	*scope
	Form    *web.Form
	Company string
}

func (h *Handler) renderShow(w http.ResponseWriter, r *http.Request, status int, s *scope, f *web.Form) {
	h.pages.Render(w, r, status, "legal_show", s.Tactic.Title,
		showData{scope: s, Form: f, Company: h.company(r.Context(), s.Tactic).Name})
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.Locate(w, r, true, false); s != nil {
		h.renderShow(w, r, http.StatusOK, s, web.NewForm(nil)) // boxes unticked: consent is an act
	}
}

// answers reads the eligibility answers of a form or body: one "yes" or
// "no" per question, each missing one a field error q<i>.
func answers(a *Action, get func(string) string) ([]string, repertoire.Errors) {
	var out []string
	var es repertoire.Errors
	for i := range a.Questions {
		field := "q" + strconv.Itoa(i)
		v := get(field)
		if v != "yes" && v != "no" {
			es = append(es, repertoire.Invalid(field, "legal.answer_required", nil))
		}
		out = append(out, v)
	}
	return out, es
}

// mandate checks the mandate box: it carries the version of the text
// shown, so a box ticked under an older text does not sign the new one.
func mandate(a *Action, v string) (int, *repertoire.Error) {
	if a.Mandate == "" {
		return 0, nil
	}
	if v != strconv.Itoa(a.MandateVersion) {
		return 0, repertoire.Invalid("mandate", "legal.mandate_required", nil)
	}
	return a.MandateVersion, nil
}

// enrol takes an enrolment from the public page, pending until the
// person follows the mailed link; its answers and mandate are kept beside.
func (h *Handler) enrol(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, false)
	if s == nil {
		return
	}
	a := s.Tactic
	form := participation.Form{Kind: participation.Enrolment, ActionID: a.ID, Done: a.Path("enrolled"), NameRequired: true, Closed: a.Takes(),
		Check: func(f *web.Form) (string, repertoire.Errors) {
			ans, es := answers(a, f.Get)
			v, err := mandate(a, f.Get("mandate"))
			if err != nil {
				es = append(es, err)
			}
			return enrolmentPayload{Answers: ans, Mandate: v}.String(), es
		},
		Rerender: func(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
			h.renderShow(w, r, status, s, f)
		}}
	h.parts.Take(w, r, h.pages, form)
}

func (h *Handler) enrolled(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, false)
	if s == nil {
		return
	}
	a := s.Tactic
	url := h.baseURL + a.Path()
	participation.RenderDone(w, r, h.pages, participation.Done{Kind: participation.Enrolment, Title: a.Title, Path: a.Path(),
		Share: participation.Share{URL: url, Title: a.Title, Description: web.Shorten(a.Description, 300),
			Text: web.Localizer(r.Context()).T("legal.share.text", "Title", a.Title)}})
}

// --- organizers ---

type enrolee struct {
	*Enrolment
	C           Completeness
	Name, Email string
}

func (h *Handler) enrolees(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	list, err := h.enroleesOf(r.Context(), s.Tactic)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "legal_enrolees", s.Tactic.Title, struct {
		*scope
		Enrolees []enrolee
		Now      time.Time
	}{s, list, store.Now()})
}

// enroleesOf lists an action's enrolees with their completeness; names and
// addresses by the core's rule for organizers (ForOrganizers).
func (h *Handler) enroleesOf(ctx context.Context, a *Action) ([]enrolee, error) {
	es, err := h.Store.Enrolments(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	var out []enrolee
	for _, e := range es {
		p, err := h.parts.Get(ctx, e.ParticipationID)
		if err != nil {
			continue
		}
		e.Status, e.Lang, e.Country = p.Status, p.Lang, p.Country
		pt := participation.Participant{Participation: *p}
		if p.ContactOK {
			if cs, err := account.Contacts(ctx, h.db.Reader(), []string{p.PersonID}); err == nil {
				pt.Email = cs[p.PersonID].Email
			}
		}
		pt = pt.ForOrganizers()
		out = append(out, enrolee{Enrolment: e, C: a.Completeness(e),
			Name: strings.TrimSpace(pt.GivenName + " " + pt.FamilyName), Email: pt.Email})
	}
	return out, nil
}

func (h *Handler) organizerFile(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	h.serveFile(w, r, func(f File) bool { return f.ActionID == s.Tactic.ID })
}

// serveFile sends a file as an attachment with the type of its sniffed
// kind, when allowed says the asker may have it.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, allowed func(File) bool) {
	id := r.PathValue("file")
	f, err := h.Store.file(r.Context(), id)
	if err == nil && !allowed(f) {
		err = errNotFound
	}
	var data []byte
	if err == nil {
		data, err = os.ReadFile(h.filePath(f.ID))
		if errors.Is(err, os.ErrNotExist) {
			err = errNotFound
		}
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	name := f.Name
	if name == "" {
		name = "document." + f.Kind
	}
	w.Header().Set("Content-Type", ContentType(f.Kind))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(data)
}

// --- the enrolee's own page ---

type mine struct {
	Token       string
	CoreLink    bool // the participation's own link, which also withdraws
	Action      *Action
	Part        *participation.Participation
	Enrolment   *Enrolment
	Clock       string
	Request     Letter
	Complaint   *Letter
	Form        *web.Form
	Today       string
	MaxMB       int
	Complete    Completeness
	Pending     bool
	ConfirmPath string
}

// locateMine resolves the token of the enrolee's page; it writes the error
// page and returns nil when the link is not a live enrolment.
func (h *Handler) locateMine(w http.ResponseWriter, r *http.Request) *mine {
	token := r.PathValue("token")
	p, err := h.parts.ByToken(r.Context(), token)
	coreLink := err == nil
	if err != nil {
		// A link mailed with a reminder.
		if id, lerr := h.Store.linked(r.Context(), token); lerr != nil {
			err = lerr
		} else if id != "" {
			p, err = h.parts.Get(r.Context(), id)
		}
	}
	if err == nil && (p.Kind != participation.Enrolment || p.Status == participation.StatusWithdrawn || p.Status == participation.StatusRejected) {
		err = errNotFound
	}
	var a *Action
	if err == nil {
		a, err = h.Store.Get(r.Context(), p.ActionID)
	}
	var e *Enrolment
	if err == nil {
		e, err = h.Store.Enrolment(r.Context(), p.ID)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return nil
	}
	if e == nil {
		e = &Enrolment{ParticipationID: p.ID, ActionID: a.ID}
	}
	e.Status = p.Status
	return &mine{Token: token, CoreLink: coreLink, Action: a, Part: p, Enrolment: e, Pending: p.Status != participation.StatusConfirmed,
		ConfirmPath: "/p/confirm/" + token, MaxMB: MaxFileBytes >> 20}
}

func (h *Handler) sender(ctx context.Context, p *participation.Participation) Sender {
	s := Sender{Name: strings.TrimSpace(p.GivenName + " " + p.FamilyName), Country: p.Country}
	if cs, err := account.Contacts(ctx, h.db.Reader(), []string{p.PersonID}); err == nil {
		s.Email = cs[p.PersonID].Email
	}
	return s
}

func (h *Handler) renderMine(w http.ResponseWriter, r *http.Request, status int, m *mine, f *web.Form) {
	ctx := r.Context()
	l := web.Localizer(ctx)
	now := store.Now()
	snd := h.sender(ctx, m.Part)
	m.Form, m.Today, m.Clock = f, now.Format(time.DateOnly), m.Enrolment.Clock(now)
	m.Complete = m.Action.Completeness(m.Enrolment)
	if m.Action.Requests() {
		m.Request = h.Request(ctx, m.Action, snd, l.Lang, now)
		if m.Enrolment.ComplaintReady(now) {
			if c, err := h.Complaint(ctx, m.Action, m.Enrolment, snd, l.Lang); err == nil {
				m.Complaint = &c
			}
		}
	}
	h.pages.Render(w, r, status, "legal_mine", m.Action.Title, m)
}

func (h *Handler) mine(w http.ResponseWriter, r *http.Request) {
	if m := h.locateMine(w, r); m != nil {
		w.Header().Set("Cache-Control", "private, no-store")
		h.renderMine(w, r, http.StatusOK, m, web.NewForm(nil))
	}
}

// minePost handles a form of the enrolee's page; act returns the flash.
func (h *Handler) minePost(w http.ResponseWriter, r *http.Request, parse func(w http.ResponseWriter, r *http.Request) (*web.Form, error),
	act func(m *mine, f *web.Form) (string, error)) {
	m := h.locateMine(w, r)
	if m == nil {
		return
	}
	if m.Pending {
		h.pages.Error(w, r, repertoire.Errorf(repertoire.ECONFLICT, "legal.confirm_first"))
		return
	}
	if !h.limit.AllowKey(m.Part.ID) {
		h.pages.Error(w, r, repertoire.Errorf(repertoire.ERATELIMIT, "error.rate_limited"))
		return
	}
	f, err := parse(w, r)
	var flash string
	if err == nil {
		// Enrolments recorded without answers (the API) get their row now.
		if err = h.Store.Keep(r.Context(), m.Part.ID, m.Action.ID, nil, 0, true); err == nil {
			flash, err = act(m, f)
		}
	}
	if err != nil {
		if f == nil {
			f = web.NewForm(nil)
		}
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		if e, _ := h.Store.Enrolment(r.Context(), m.Part.ID); e != nil {
			e.Status, m.Enrolment = m.Enrolment.Status, e
		}
		h.renderMine(w, r, repertoire.Status(repertoire.ErrorCode(err)), m, f)
		return
	}
	if h.kick != nil {
		h.kick()
	}
	web.Redirect(w, r, pagePath(m.Token), flash)
}

func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request) (*web.Form, error) {
	if err := web.ParseForm(w, r); err != nil {
		return nil, err
	}
	return web.NewForm(r.PostForm), nil
}

// day reads a date field: a day not in the future.
func day(f *web.Form, field string, now time.Time) (time.Time, error) {
	s := strings.TrimSpace(f.Get(field))
	if s == "" {
		return time.Time{}, repertoire.Invalid(field, "field.required", nil)
	}
	t, err := campaign.ParseDate(s)
	if err != nil {
		return time.Time{}, repertoire.Invalid(field, "field.bad_date", nil)
	}
	if t.After(now) {
		return time.Time{}, repertoire.Invalid(field, "legal.date_future", nil)
	}
	return t, nil
}

func (h *Handler) sent(w http.ResponseWriter, r *http.Request) {
	h.minePost(w, r, h.parseForm, func(m *mine, f *web.Form) (string, error) {
		if !m.Action.Requests() {
			return "", errNotFound
		}
		t, err := day(f, "sent_on", store.Now())
		if err != nil {
			return "", err
		}
		_, err = h.Store.Sent(r.Context(), m.Part.ID, t)
		return "legal.flash.sent", err
	})
}

func (h *Handler) extend(w http.ResponseWriter, r *http.Request) {
	h.minePost(w, r, h.parseForm, func(m *mine, f *web.Form) (string, error) {
		_, err := h.Store.Extend(r.Context(), m.Part.ID)
		return "legal.flash.extended", err
	})
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request) {
	h.minePost(w, r, h.parseForm, func(m *mine, f *web.Form) (string, error) {
		v := f.Get("answer")
		if v != AnswerComplete && v != AnswerIncomplete && v != AnswerNone {
			return "", repertoire.Invalid("answer", "legal.answer_kind", nil)
		}
		at := store.Now()
		if strings.TrimSpace(f.Get("answered_on")) != "" {
			t, err := day(f, "answered_on", at)
			if err != nil {
				return "", err
			}
			at = t
		}
		_, err := h.Store.Answered(r.Context(), m.Part.ID, v, at)
		return "legal.flash.answered", err
	})
}

// upload takes one file (multipart), size- and type-checked.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	var name string
	var data []byte
	parse := func(w http.ResponseWriter, r *http.Request) (*web.Form, error) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxFileBytes+64<<10)
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, repertoire.Invalid("file", "legal.file_unreadable", nil)
		}
		for {
			part, err := mr.NextPart()
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, repertoire.Invalid("file", "legal.file_too_large", map[string]any{"Max": MaxFileBytes >> 20})
				}
				break
			}
			if part.FormName() == "file" {
				name = part.FileName()
				data, err = io.ReadAll(io.LimitReader(part, MaxFileBytes+1))
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) || len(data) > MaxFileBytes {
					return nil, repertoire.Invalid("file", "legal.file_too_large", map[string]any{"Max": MaxFileBytes >> 20})
				}
				if err != nil {
					return nil, repertoire.Invalid("file", "legal.file_unreadable", nil)
				}
			}
			part.Close()
		}
		return web.NewForm(nil), nil
	}
	h.minePost(w, r, parse, func(m *mine, f *web.Form) (string, error) {
		return "legal.flash.file", h.saveFile(r.Context(), m.Enrolment, name, bytes.NewReader(data))
	})
}

func (h *Handler) myFile(w http.ResponseWriter, r *http.Request) {
	if m := h.locateMine(w, r); m != nil {
		h.serveFile(w, r, func(f File) bool { return f.ParticipationID == m.Part.ID })
	}
}

// letterText is the printable letter: plain text, to print or paste.
func (h *Handler) letterText(complaint bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := h.locateMine(w, r)
		if m == nil {
			return
		}
		ctx := r.Context()
		l := web.Localizer(ctx)
		snd := h.sender(ctx, m.Part)
		var letter Letter
		var err error
		switch {
		case !m.Action.Requests():
			err = errNotFound
		case complaint && !m.Enrolment.ComplaintReady(store.Now()):
			err = repertoire.Errorf(repertoire.ECONFLICT, "legal.complaint_not_ready")
		case complaint:
			letter, err = h.Complaint(ctx, m.Action, m.Enrolment, snd, l.Lang)
		default:
			letter = h.Request(ctx, m.Action, snd, l.Lang, store.Now())
		}
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "private, no-store")
		w.Write([]byte(letter.Text()))
	}
}

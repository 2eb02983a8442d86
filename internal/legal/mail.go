package legal

import (
	"context"

	"repertoire/internal/account"
	"repertoire/internal/outbox"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Jobs are the clocks of access requests: the reminder before a due date
// and the due date itself. Both check the enrolment as it is when they
// run, so a job of a date since moved (an extension) or of a request since
// answered does nothing, and a job that runs late (the server was down)
// does what is due then, once.
func (h *Handler) Jobs() map[string]schedule.Handler {
	return map[string]schedule.Handler{jobReminder: h.remind, jobDue: h.due}
}

// clockSubject loads what a clock job needs; nil when there is nothing to
// do (withdrawn, answered, not sent).
func (h *Handler) clockSubject(ctx context.Context, tx *store.Tx, id string) (*Enrolment, *participation.Participation, error) {
	e, err := enrolment(ctx, tx, id)
	if err != nil || e == nil || e.DueAt == nil || e.Answer == AnswerComplete {
		return nil, nil, err
	}
	p, err := h.parts.Get(ctx, id)
	if err != nil || p.Status != participation.StatusConfirmed {
		return nil, nil, nil
	}
	return e, p, nil
}

func (h *Handler) remind(ctx context.Context, tx *store.Tx, job schedule.Job) error {
	e, p, err := h.clockSubject(ctx, tx, job.SubjectID)
	if err != nil || e == nil || !tx.Now.Before(*e.DueAt) {
		return err // past the due date, the due job speaks instead
	}
	if ok, err := markReminded(ctx, tx, e.ParticipationID, *e.DueAt); err != nil || !ok {
		return err
	}
	return h.mailClock(ctx, tx, e, p, "reminder")
}

func (h *Handler) due(ctx context.Context, tx *store.Tx, job schedule.Job) error {
	e, p, err := h.clockSubject(ctx, tx, job.SubjectID)
	if err != nil || e == nil || tx.Now.Before(*e.DueAt) {
		return err // a date since moved: its own job will come
	}
	if ok, err := markOverdue(ctx, tx, e.ParticipationID); err != nil || !ok {
		return err
	}
	return h.mailClock(ctx, tx, e, p, "overdue")
}

// mailClock mails an enrolee about their request's clock, with a link of
// its own to their page (the links mailed before keep working).
func (h *Handler) mailClock(ctx context.Context, tx *store.Tx, e *Enrolment, p *participation.Participation, kind string) error {
	a, err := h.Store.get(ctx, tx, `a.id = $1`, e.ActionID)
	if err != nil {
		return err
	}
	people, err := account.Contacts(ctx, tx, []string{p.PersonID})
	if err != nil {
		return err
	}
	person, ok := people[p.PersonID]
	if !ok {
		return nil
	}
	token, err := newLink(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	l := h.cat.For(p.Lang)
	args := []any{"Title", a.Title, "Company", h.company(ctx, a).Name, "Due", web.FormatDate(l.Lang, *e.DueAt), "Page", h.baseURL + pagePath(token)}
	return outbox.Enqueue(ctx, tx, h.baseURL, outbox.Message{PersonID: p.PersonID, To: person.Email, Lang: l.Lang, Catalog: h.cat,
		Transactional: true, Subject: l.T("legal.mail."+kind+".subject", args...), Body: l.T("legal.mail."+kind+".body", args...)})
}

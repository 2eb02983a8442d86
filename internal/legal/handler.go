package legal

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/target"
	"repertoire/internal/web"
)

// Handler serves legal actions' pages and API, and is the participation
// Action of enrolments.
type Handler struct {
	Store       *Store
	db          *store.DB
	cat         *i18n.Catalog
	communities *community.Store
	campaigns   *campaign.Store
	targets     Directory
	parts       *participation.Service
	pages       *web.Renderer
	locator     participation.Locator[*Action]
	access      campaign.Access
	log         *slog.Logger
	baseURL     string
	filesDir    string
	kick        func()
	limit       *web.Limiter
}

// Directory is what legal actions read of the targets directory: the
// company written to and the authorities a complaint goes to.
type Directory interface {
	Get(ctx context.Context, id string) (*target.Target, error)
	BySlug(ctx context.Context, source, slug string) (*target.Target, error)
	Authorities(ctx context.Context, country string) ([]*target.Target, error)
	LeadAuthority(ctx context.Context, company *target.Target) (target.Lead, error)
}

// New builds the handler and registers legal actions with the
// participation core as the action of enrolments. filesDir is where
// enrolees' files are kept; jobs is woken when a clock changes (nil: none).
func New(db *store.DB, pages *web.Renderer, cat *i18n.Catalog, log *slog.Logger, baseURL string,
	communities *community.Store, campaigns *campaign.Store, targets Directory, parts *participation.Service,
	jobs *schedule.Runner, filesDir string) *Handler {
	s := NewStore(db)
	h := &Handler{Store: s, db: db, cat: cat, communities: communities, campaigns: campaigns, targets: targets, parts: parts,
		pages: pages, log: log, baseURL: strings.TrimRight(baseURL, "/"), filesDir: filesDir, limit: web.NewLimiter(2*time.Second, 30),
		locator: participation.Locator[*Action]{Pages: pages, Communities: communities, Campaigns: campaigns,
			Get: s.GetBySlug, Param: "legal", OrganizersOnly: "legal.organizers_only"},
		access: campaign.Access{Communities: communities, NotFound: errNotFound,
			OrganizersOnly: repertoire.Errorf(repertoire.EFORBIDDEN, "legal.organizers_only")}}
	if jobs != nil {
		h.kick = jobs.Kick
	}
	parts.Register(participation.Enrolment, h)
	return h
}

// --- participation.Action ---

// ConfirmMail is the confirmation of an enrolment: it carries the link to
// the enrolee's own page (the same token as the confirm link).
func (h *Handler) ConfirmMail(ctx context.Context, q store.Queryer, actionID, lang string, links participation.Links) (string, string, error) {
	a, err := h.Store.get(ctx, q, `a.id = $1`, actionID)
	if err != nil {
		return "", "", err
	}
	l := h.cat.For(lang)
	body := l.T("legal.mail.confirm.body", "Title", a.Title, "Confirm", links.Confirm, "Page", h.baseURL+pagePath(links.Token),
		"Withdraw", links.Withdraw, "Choices", links.Choices)
	return l.T("legal.mail.confirm.subject", "Title", a.Title), body, nil
}

// Statement states an enrolment's payload in its confirmation mail: the
// answer to each eligibility question, in the form's order, and the
// mandate's version signed, which that link confirms.
func (h *Handler) Statement(lang, payload string) string {
	var k enrolmentPayload
	if json.Unmarshal([]byte(payload), &k) != nil {
		return ""
	}
	l := h.cat.For(lang)
	var b strings.Builder
	for i, a := range k.Answers {
		v := l.T("legal.mail.confirm.no")
		if a == "yes" {
			v = l.T("legal.mail.confirm.yes")
		}
		b.WriteString("\n" + l.T("legal.mail.confirm.answer", "N", i+1, "Answer", v))
	}
	if k.Mandate > 0 {
		b.WriteString("\n" + l.T("legal.mail.confirm.mandate", "Version", k.Mandate))
	}
	return l.T("legal.mail.confirm.answers", "Answers", b.String())
}

// Counted: enrolments change nothing of their action.
func (h *Handler) Counted(context.Context, *store.Tx, string, participation.Counts) error { return nil }

// Page names the action for the confirm and withdraw pages.
func (h *Handler) Page(ctx context.Context, actionID, lang string) (string, string, error) {
	a, err := h.Store.Get(ctx, actionID)
	if err != nil {
		return "", "", err
	}
	return a.Title, a.Path(), nil
}

// Titles names actions for a person's export.
func (h *Handler) Titles(ctx context.Context, q store.Queryer, ids []string) (map[string]string, error) {
	return titles(ctx, q, ids)
}

// Moved is the core's Mover: a confirmed enrolment keeps the answers and
// mandate its followed link confirms (its payload); a withdrawn one is
// forgotten: its answers, clock and files.
func (h *Handler) Moved(ctx context.Context, tx *store.Tx, parts []*participation.Participation) error {
	for _, p := range parts {
		if p.Status == participation.StatusConfirmed {
			if p.Payload == "" {
				continue // recorded without answers (the API): its page adds its row
			}
			var k enrolmentPayload
			if err := json.Unmarshal([]byte(p.Payload), &k); err != nil {
				return repertoire.Internal(err)
			}
			if err := keep(ctx, tx, p.ID, p.ActionID, k.Answers, k.Mandate, false); err != nil {
				return err
			}
			continue
		}
		if p.Status != participation.StatusWithdrawn {
			continue
		}
		ids, err := forget(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		h.removeFiles(ids)
	}
	return nil
}

// PersonData is the legal actions' part of a person's export (what their
// enrolments hold beside the participations the core lists) and their
// step of the erasure.
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Export: []account.ExportSection{{Name: "legal_enrolments", Read: exportEnrolments}},
		Erase: func(ctx context.Context, tx *store.Tx, personID string) error {
			parts, err := participation.OfPerson(ctx, tx, personID)
			if err != nil {
				return err
			}
			for _, p := range parts {
				if p.Kind != participation.Enrolment {
					continue
				}
				ids, err := forget(ctx, tx, p.ID)
				if err != nil {
					return err
				}
				h.removeFiles(ids)
			}
			return nil
		}}
}

// Draft tells a legal action of a draft campaign (participation.Drafter).
func (h *Handler) Draft(ctx context.Context, q store.Queryer, actionID string) (bool, error) {
	return h.Store.Draft(ctx, q, actionID)
}

// TacticLister offers the campaign page the campaign's legal actions.
func (h *Handler) TacticLister() campaign.TacticLister { return tactics{h} }

type tactics struct{ h *Handler }

func (t tactics) CampaignTactics(ctx context.Context, campaignID string) ([]campaign.Tactic, error) {
	as, err := t.h.Store.OfCampaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	out := make([]campaign.Tactic, 0, len(as))
	for _, a := range as {
		t := campaign.Tactic{Kind: "legal", Title: a.Title, Path: a.Path(), Count: a.Counts.Total()}
		if a.ClosedAt != nil {
			t.Status = "closed"
		}
		out = append(out, t)
	}
	return out, nil
}

// CloseCampaignTactics closes the enrolment of the campaign's legal
// actions still open (campaign.TacticCloser), then forgets the pages'
// copies. The enrolees already in keep their page, their legal clock and
// its reminders: closing a campaign stops no request already sent.
func (t tactics) CloseCampaignTactics(ctx context.Context, campaignID string) error {
	err := t.h.Store.CloseCampaign(ctx, campaignID)
	t.h.locator.Forget()
	return err
}

// exportEnrolments is the export's section: each enrolment's answers,
// mandate, clock and files (their names and kinds).
func exportEnrolments(ctx context.Context, q store.Queryer, personID string) ([]map[string]any, error) {
	parts, err := participation.OfPerson(ctx, q, personID)
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for _, p := range parts {
		if p.Kind != participation.Enrolment {
			continue
		}
		e, err := enrolment(ctx, q, p.ID)
		if err != nil || e == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		var files []map[string]any
		for _, f := range e.Files {
			files = append(files, map[string]any{"name": f.Name, "kind": f.Kind, "size": f.Size, "created_at": f.CreatedAt})
		}
		out = append(out, map[string]any{"participation_id": p.ID, "action_id": e.ActionID, "answers": e.Answers,
			"mandate_version": e.MandateVersion, "mandate_accepted_at": e.MandateAccepted, "sent_at": e.SentAt, "due_at": e.DueAt,
			"extended": e.Extended, "answer": e.Answer, "answered_at": e.AnsweredAt, "overdue_at": e.OverdueAt, "files": files})
	}
	return out, nil
}

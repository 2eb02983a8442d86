package gateway

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/vault"
)

// "Ask me": a member whose consent for a category is vault.AskMe is asked,
// for each adopted policy that covers it, to allow or refuse it; until
// they allow it, nothing of theirs in the category is served under it
// (vault.Store.SharedWith). Their answers are the vault's (vault_answers).

// askedPolicies are the adopted policies not yet ended of the communities
// personID is an active member of.
func askedPolicies(ctx context.Context, q store.Queryer, personID string, now time.Time) ([]*Policy, error) {
	return readPolicies(ctx, q, `community_id IN (`+community.MemberOf("$1")+`) AND adopted_at IS NOT NULL AND ends_at > $2`,
		personID, now)
}

// Asks are the questions the gateway puts to personID: each adopted policy
// not yet ended of their communities covering a category they set to ask
// me, with their answers so far (the vault's page shows them).
func (h *Handler) Asks(ctx context.Context, personID string) ([]vault.Ask, error) {
	ps, err := askedPolicies(ctx, h.Store.db.Reader(), personID, store.Now())
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	consents, err := h.vault.Consents(ctx, personID)
	if err != nil {
		return nil, err
	}
	answers, err := h.vault.Answers(ctx, personID)
	if err != nil {
		return nil, err
	}
	var out []vault.Ask
	for _, p := range ps {
		var cats []vault.AskCategory
		for _, c := range p.Categories {
			if consents[c] != vault.AskMe {
				continue
			}
			ac := vault.AskCategory{Name: c}
			if a, ok := answers[p.ID][c]; ok {
				ac.Answered, ac.Allow = true, a.Allow
			}
			cats = append(cats, ac)
		}
		if len(cats) == 0 {
			continue
		}
		consumer, err := h.Store.Consumer(ctx, p.ConsumerID)
		if err != nil {
			return nil, err
		}
		comm, err := h.communities.Get(ctx, p.CommunityID)
		if err != nil {
			return nil, err
		}
		out = append(out, vault.Ask{PolicyID: p.ID, Consumer: consumer.Name, ConsumerPurpose: consumer.Purpose, Community: comm.Name,
			Purpose: p.Purpose, Level: p.Level, Starts: p.StartsAt, Ends: p.EndsAt, Categories: cats})
	}
	return out, nil
}

// AskMembers mails each active member of the policy's community whose
// consent is ask me for a category the policy covers: which consumer,
// which policy, its purpose and those categories, and the link to answer.
// It runs in the transaction of the decision that adopted the policy
// (after AdoptPolicy); a nil catalog (the demo) sends none.
func AskMembers(ctx context.Context, tx *store.Tx, cat *i18n.Catalog, baseURL, policyID string) error {
	if cat == nil {
		return nil
	}
	ps, err := readPolicies(ctx, tx, `id = $1 AND adopted_at IS NOT NULL`, policyID)
	if err != nil || len(ps) == 0 {
		return err
	}
	p := ps[0]
	consumer, err := scanConsumer(tx.QueryRowContext(ctx, `SELECT `+consumerColumns+` FROM gateway_consumers WHERE id = $1`, p.ConsumerID))
	if err != nil {
		return err
	}
	members, err := community.ActiveMemberIDs(ctx, tx, p.CommunityID)
	if err != nil {
		return err
	}
	asked, err := vault.AskingAbout(ctx, tx, members, p.Categories)
	if err != nil || len(asked) == 0 {
		return err
	}
	ids := slices.Sorted(maps.Keys(asked))
	people, err := account.Contacts(ctx, tx, ids)
	if err != nil {
		return err
	}
	baseURL = strings.TrimRight(baseURL, "/")
	msgs := make([]outbox.Message, 0, len(ids))
	for _, id := range ids {
		c, ok := people[id]
		if !ok || c.Email == "" {
			continue
		}
		loc := cat.For(c.Language)
		var names []string
		for _, category := range asked[id] {
			names = append(names, loc.T("vault.category."+category))
		}
		msgs = append(msgs, outbox.Message{PersonID: id, To: c.Email, Lang: c.Language, Catalog: cat, Transactional: true,
			Subject: loc.T("gateway.ask.mail.subject", "Consumer", consumer.Name),
			Body: loc.T("gateway.ask.mail.body", "Consumer", consumer.Name, "Purpose", p.Purpose, "Categories", strings.Join(names, ", "),
				"Link", baseURL+"/account/vault#ask-"+p.ID)})
	}
	return outbox.EnqueueBatch(ctx, tx, baseURL, msgs)
}

package message

import (
	"context"

	"repertoire/internal/account"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
)

// A message is rendered once per version and each copy gets its own
// unsubscribe link from the outbox (its footer, List-Unsubscribe and
// List-Unsubscribe-Post). The mails are news, not transactional: the
// outbox drops any to a person who no longer wants mail, as the audience
// already left them out. No pixel, no rewritten link: nothing tells us
// who opened or clicked.

// enqueue puts the message's mail to each of ids in the outbox, in the
// version of their language (a person erased since is not written to).
func (s *Store) enqueue(ctx context.Context, tx *store.Tx, m *Message, ids []string, people map[string]account.Contact) error {
	rendered := map[string]Rendered{}
	msgs := make([]outbox.Message, 0, len(ids))
	for _, id := range ids {
		p, ok := people[id]
		if !ok || p.Email == "" {
			continue
		}
		v := m.Version(p.Language)
		r, ok := rendered[v.Lang]
		if !ok {
			r = Render(v.Body)
			rendered[v.Lang] = r
		}
		msgs = append(msgs, outbox.Message{PersonID: id, To: p.Email, Subject: v.Subject, Body: r.Text, HTML: r.HTML, Lang: v.Lang,
			Catalog: s.cat, FromName: m.FromName, ReplyTo: m.ReplyTo, List: m.ID})
	}
	return outbox.EnqueueBatch(ctx, tx, s.baseURL, msgs)
}

// testPrefix marks a test send's subject.
const testPrefix = "[Test] "

// SendTest mails every version of the message to the organizer asking,
// as their recipients would get it, its subject marked as a test. It is
// not counted and records no recipient.
func (s *Store) SendTest(ctx context.Context, m *Message, personID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		people, err := account.Contacts(ctx, tx, []string{personID})
		if err != nil {
			return err
		}
		p, ok := people[personID]
		if !ok || p.Email == "" {
			return errNotFound
		}
		for _, v := range m.Versions {
			r := Render(v.Body)
			// Transactional: they asked for it, whatever their status.
			if err := outbox.Enqueue(ctx, tx, s.baseURL, outbox.Message{PersonID: personID, To: p.Email, Subject: testPrefix + v.Subject,
				Body: r.Text, HTML: r.HTML, Lang: v.Lang, Catalog: s.cat, FromName: m.FromName, ReplyTo: m.ReplyTo,
				Transactional: true}); err != nil {
				return err
			}
		}
		return nil
	})
}

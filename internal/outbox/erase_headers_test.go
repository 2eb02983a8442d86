package outbox_test

import (
	"context"
	"mime"
	"net/mail"
	"strings"
	"testing"

	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// Mails sent on someone's behalf (an organizer's message replying to
// them, under their name) and not delivered yet lose, when that person is
// erased, the Reply-To and the copy that are their address (in any case, as
// typed) and their name
// in the sender's display name, written or encoded (RFC 2047); the mails
// still go, over SMTP, without them. Another Reply-To and another sender's
// name are left as they were.
func TestErasureTakesThePersonOutOfReplyToAndSender(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		sink := testkit.StartSink(t)
		zoe := addPerson(t, db, "zoe.quist@example.org", outbox.StatusSubscribed)
		olga := addPerson(t, db, "olga@example.org", outbox.StatusSubscribed)
		sam := addPerson(t, db, "sam@example.org", outbox.StatusSubscribed)
		enqueue(t, db, outbox.Message{PersonID: olga, To: "olga@example.org", Subject: "Under her name", Body: "Meet us.",
			FromName: "Zoé Quistgaard", ReplyTo: "Zoe.Quist@Example.org"})
		enqueue(t, db, outbox.Message{To: "ceo@platform.example", Cc: []string{"Zoe.Quist@Example.org"}, Subject: "Delivery", Body: "Here it is.",
			Transactional: true, FromName: "Riders union", ReplyTo: "olga@example.org"})
		enqueueBatch(t, db, outbox.Message{PersonID: sam, To: "sam@example.org", Subject: "News", Body: "Come along.",
			FromName: "Zoé Quistgaard, Riders union", ReplyTo: "zoe.quist@example.org", List: store.NewID()})

		ctx := context.Background()
		if err := db.Write(ctx, func(tx *store.Tx) error {
			return outbox.ErasePerson(ctx, tx, zoe, "zoe.quist@example.org", "Zoé Quistgaard")
		}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"zoe.quist@example.org", "Quistgaard", "Zo=C3=A9"} {
			for _, f := range storetest.Find(t, db, s) {
				if strings.HasPrefix(f, "outbox.") {
					t.Errorf("%q still in %s", s, f)
				}
			}
		}

		if n := deliverDue(t, newWorker(t, db, sink.URL(), "")); n != 3 {
			t.Fatalf("delivered %d mails, want the 3", n)
		}
		parser := mail.AddressParser{WordDecoder: &mime.WordDecoder{}}
		for _, tc := range []struct{ to, from, replyTo string }{
			{"olga@example.org", `"Repertoire" <no-reply@repertoire.example.org>`, ""},
			{"ceo@platform.example", `"Riders union" <no-reply@repertoire.example.org>`, "<olga@example.org>"},
			{"sam@example.org", "—, Riders union", ""},
		} {
			m := sink.Wait(t, tc.to, "")
			if got := m.Header.Get("Reply-To"); got != tc.replyTo {
				t.Errorf("mail to %s: Reply-To %q, want %q", tc.to, got, tc.replyTo)
			}
			from, err := parser.Parse(m.Header.Get("From"))
			if err != nil {
				t.Fatalf("mail to %s: From %q: %v", tc.to, m.Header.Get("From"), err)
			}
			if want := tc.from; strings.Contains(want, "<") {
				if from.String() != want {
					t.Errorf("mail to %s: From %q, want %q", tc.to, from.String(), want)
				}
			} else if from.Name != want {
				t.Errorf("mail to %s: sender's name %q, want %q", tc.to, from.Name, want)
			}
			if strings.Contains(strings.ToLower(string(m.Raw)), "quist") || len(m.To) != 1 {
				t.Errorf("mail to %s still names the erased person:\n%s", tc.to, m.Raw)
			}
		}
	})
}

// EraseName erases a name where it appears in a display name, and leaves
// nothing of a display name that was only the name.
func TestEraseName(t *testing.T) {
	for _, tc := range []struct{ display, name, want string }{
		{"Ana Martin", "Ana Martin", ""},
		{"Ana Martin (Riders)", "Ana Martin", "— (Riders)"},
		{"Riders union", "Ana Martin", "Riders union"},
		{"A team", "A", "A team"}, // a one-letter name erases nothing
	} {
		if got := outbox.EraseName(tc.display, tc.name); got != tc.want {
			t.Errorf("EraseName(%q, %q) = %q, want %q", tc.display, tc.name, got, tc.want)
		}
	}
}

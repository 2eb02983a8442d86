package outbox_test

import (
	"context"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"testing"

	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// A mail with copies is one message: its Cc header names them, and each
// is an SMTP recipient of it beside To, pipelined (ASCII addresses) or
// command by command (an address in UTF-8). A server refusing a copy
// does not fail the mail (To has it; a retry would send it twice), and a
// delivered mail's row keeps no copies, like its headers.
func TestCopiesAreACcHeaderAndRecipientsOfOneMessage(t *testing.T) {
	for _, tc := range []struct{ name, copy string }{
		{"pipelined", "Olga@Example.org"},
		{"command by command", "élise@example.org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, db *store.DB) {
				sink := testkit.StartSink(t)
				sink.Refuse("gone@example.org")
				enqueue(t, db, outbox.Message{To: "ceo@platform.example", Cc: []string{"Someone <" + tc.copy + ">", "gone@example.org"},
					Subject: "Petition delivered", Body: "Here it is."})
				if n := deliverDue(t, newWorker(t, db, sink.URL(), "")); n != 1 {
					t.Fatalf("delivered %d", n)
				}
				all := sink.All()
				if len(all) != 1 {
					t.Fatalf("the sink received %d messages, want 1", len(all))
				}
				m := all[0]
				if !slices.Equal(m.To, []string{"ceo@platform.example", tc.copy}) {
					t.Errorf("envelope recipients %q, want To and the accepted copy", m.To)
				}
				cc, err := (&mail.AddressParser{WordDecoder: &mime.WordDecoder{}}).ParseList(m.Header.Get("Cc"))
				if err != nil || len(cc) != 2 || cc[0].Address != tc.copy || cc[1].Address != "gone@example.org" {
					t.Errorf("Cc header %q (%v)", m.Header.Get("Cc"), err)
				}
				if to := m.Header.Get("To"); !strings.Contains(to, "ceo@platform.example") || strings.Contains(to, tc.copy) {
					t.Errorf("To header %q", to)
				}
				r := one(t, db)
				if r.Status != "sent" || r.LastError != "" {
					t.Errorf("row %+v: a refused copy failed the mail", r)
				}
				var left string
				if err := db.Reader().QueryRowContext(context.Background(), `SELECT cc_addresses FROM outbox`).Scan(&left); err != nil || left != "" {
					t.Errorf("delivered row keeps copies %q (%v)", left, err)
				}
			})
		})
	}
}

// A copy's recipient that is not an address is refused when enqueued.
func TestACopyMustBeAnAddress(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		err := db.Write(context.Background(), func(tx *store.Tx) error {
			return outbox.Enqueue(context.Background(), tx, baseURL, outbox.Message{To: "a@example.org", Cc: []string{"not an address"},
				Subject: "s", Body: "b"})
		})
		if err == nil {
			t.Fatal("a mail copied to a non-address was enqueued")
		}
	})
}

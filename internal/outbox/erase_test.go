package outbox_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// Erasing a person takes out of the outbox every mail to them (by id or
// by address, delivered or waiting) and about them, and their address and
// name out of the mails to others still waiting, body and attachments,
// leaving the rest of those mails as they were.
func TestErasePersonFromTheOutbox(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		sink := testkit.StartSink(t)
		zoe := addPerson(t, db, "zoe.quist@example.org", outbox.StatusSubscribed)
		olga := addPerson(t, db, "olga@example.org", outbox.StatusSubscribed)
		sheet := []outbox.Attachment{{Name: "signatures.csv", ContentType: "text/csv", Data: []byte("name,locality\nZoe Quistgaard,Lyon\nAna Martin,Brest\n")}}
		mails := func(subject string) {
			enqueue(t, db, outbox.Message{PersonID: zoe, To: "zoe.quist@example.org", Subject: subject + " to her", Body: "Hello Zoe"})
			enqueue(t, db, outbox.Message{To: "zoe.quist@example.org", Subject: subject + " confirm", Body: "Confirm"})
			enqueue(t, db, outbox.Message{PersonID: olga, About: zoe, To: "olga@example.org", Subject: subject + ": Zoe asks to join", Body: "Zoe asks"})
			enqueue(t, db, outbox.Message{To: "ceo@platform.example", Cc: []string{"zoe.quist@example.org", "olga@example.org"}, Subject: subject + " delivery",
				Body: "Signed by:\nZoe Quistgaard (Lyon)\nAna Martin (Brest)\nWrite to zoe.quist@example.org", Attachments: sheet})
		}
		mails("Delivered")
		if n := deliverDue(t, newWorker(t, db, sink.URL(), "")); n != 4 {
			t.Fatalf("delivered %d", n)
		}
		mails("Waiting")

		ctx := context.Background()
		if err := db.Write(ctx, func(tx *store.Tx) error {
			return outbox.ErasePerson(ctx, tx, zoe, "zoe.quist@example.org", "Zoe Quistgaard")
		}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"zoe.quist@example.org", "Quistgaard", "Zoe asks"} {
			for _, f := range storetest.Find(t, db, s) {
				if strings.HasPrefix(f, "outbox.") { // the people row goes after this step
					t.Errorf("%q still in %s", s, f)
				}
			}
		}
		var subjects []string
		var body, attachments, cc string
		rows, err := db.Reader().QueryContext(ctx, `SELECT subject, body_text, attachments, cc_addresses FROM outbox ORDER BY subject`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s, b, a, c string
			rows.Scan(&s, &b, &a, &c)
			subjects = append(subjects, s)
			if s == "Waiting delivery" {
				body, attachments, cc = b, a, c
			}
		}
		rows.Close()
		if strings.Join(subjects, "|") != "Delivered delivery|Waiting delivery" {
			t.Fatalf("mails left: %q", subjects)
		}
		if want := "Signed by:\n— (Lyon)\nAna Martin (Brest)\nWrite to —"; body != want {
			t.Errorf("waiting delivery body:\n%s\nwant:\n%s", body, want)
		}
		if cc != "<olga@example.org>" {
			t.Errorf("waiting delivery's copies %q: Olga's only wanted", cc)
		}
		var att []outbox.Attachment
		if err := json.Unmarshal([]byte(attachments), &att); err != nil || len(att) != 1 ||
			string(att[0].Data) != "name,locality\n—,Lyon\nAna Martin,Brest\n" {
			t.Errorf("waiting delivery attachment: %v %q", err, att)
		}
	})
}

package outbox_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// BenchmarkErasePerson measures the outbox's step of an erasure over an
// outbox of a million delivered mails: finding the mails to a person by
// address is a scan (no index on the recipient: it would cost every mail
// written), the mails still waiting are found by their status's index.
//
//	go test -run '^$' -bench ErasePerson -benchtime 3x ./internal/outbox/
func BenchmarkErasePerson(b *testing.B) {
	engines := map[string]func(testing.TB) *store.DB{"sqlite": storetest.OpenSQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines["postgres"] = storetest.OpenPostgres
	}
	for name, open := range engines {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db := open(b)
			for i := range 20 {
				err := db.Write(ctx, func(tx *store.Tx) error {
					msgs := make([]outbox.Message, 50_000)
					for j := range msgs {
						msgs[j] = outbox.Message{To: fmt.Sprintf("p%d-%d@example.org", i, j), Subject: "It’s on", Transactional: true,
							Body: "The strike is on: https://bench.test/c/riders/fair-pay/pledges/log-off"}
					}
					return outbox.EnqueueBatch(ctx, tx, baseURL, msgs)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if _, err := db.Writer().ExecContext(ctx, `UPDATE outbox SET status = 'sent', body_text = ''`); err != nil {
				b.Fatal(err)
			}
			if db.Dialect == store.Postgres {
				db.Writer().ExecContext(ctx, `VACUUM ANALYZE outbox`)
			}
			n := 0
			for b.Loop() {
				n++
				email := fmt.Sprintf("erased-%d@example.org", n)
				id := addPerson(b, db, email, outbox.StatusSubscribed)
				if err := db.Write(ctx, func(tx *store.Tx) error { return outbox.ErasePerson(ctx, tx, id, email, "Zoe Quist") }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

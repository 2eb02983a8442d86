package account_test

import (
	"context"
	"fmt"
	"testing"

	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// Contacts reads past its chunks of a few hundred ids, and leaves out the
// ids nobody has.
func TestContactsInChunks(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 2500
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, preferred_language, created_at, modified_at)
				WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
				SELECT 'p' || CAST(i AS TEXT), 'p' || CAST(i AS TEXT) || '@example.org', CASE WHEN i % 2 = 0 THEN 'fr' ELSE 'en' END, $2, $2 FROM n`,
				n, tx.Now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{"nobody"}
		for i := 1; i <= n; i++ {
			ids = append(ids, fmt.Sprintf("p%d", i))
		}
		var got map[string]account.Contact
		err = db.Write(ctx, func(tx *store.Tx) error {
			var err error
			got, err = account.Contacts(ctx, tx, ids)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("%d addresses, want %d", len(got), n)
		}
		if a := got["p2000"]; a.Email != "p2000@example.org" || a.Language != "fr" {
			t.Errorf("p2000: %+v", a)
		}
		if a := got["p2499"]; a.Email != "p2499@example.org" || a.Language != "en" {
			t.Errorf("p2499: %+v", a)
		}
		if _, ok := got["nobody"]; ok {
			t.Error("an unknown id has an address")
		}
	})
}

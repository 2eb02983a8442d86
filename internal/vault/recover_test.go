package vault

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// An import a crash stopped after some batches is undone at the next
// start, once older than an import may last; a whole import beside it,
// and one still young, stay.
func TestRecoverUndoesAStoppedImport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var id string
		if err := db.Write(ctx, func(tx *store.Tx) error {
			ids, err := account.UpsertPeople(ctx, tx, []account.PersonInput{{Email: "ada@example.org"}})
			id = ids[0]
			return err
		}); err != nil {
			t.Fatal(err)
		}
		im := &Importer{Store: NewStore(db), Limits: DefaultLimits()}
		var res Result
		out, err := im.newSink(ctx, id, &res)
		if err != nil {
			t.Fatal(err)
		}
		for i := range importBatch + 500 {
			if err := out.add(Entered("other", fmt.Sprint("line ", i), time.Time{})); err != nil {
				t.Fatal(err)
			}
		}
		// The process stops here: the first batch is written, the import
		// never finishes.
		if whole, err := im.Generic(ctx, id, strings.NewReader("a\n1\n"), Generic{Format: "csv", Category: "posts"}); err != nil || whole.Added != 1 {
			t.Fatalf("a whole import: %+v, %v", whole, err)
		}
		if n, err := im.Store.Recover(ctx, time.Hour); err != nil || n != 0 {
			t.Fatalf("recover a young import: %d, %v", n, err)
		}
		if counts, _ := im.Store.Counts(ctx, id); counts["other"] != importBatch {
			t.Fatalf("before recovery: %v", counts)
		}
		if n, err := im.Store.Recover(ctx, 0); err != nil || n != 1 {
			t.Fatalf("recover: %d, %v", n, err)
		}
		counts, _ := im.Store.Counts(ctx, id)
		if counts["other"] != 0 || counts["posts"] != 1 {
			t.Errorf("after recovery: %v", counts)
		}
	})
}

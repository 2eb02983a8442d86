package translog_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/translog"
)

// appendLeaves appends n confirmations, numbered from first, in one
// transaction, as a batch of the group commit does.
func appendLeaves(t testing.TB, db *store.DB, first, n int) {
	t.Helper()
	if err := appendLeavesErr(db, first, n); err != nil {
		t.Fatal(err)
	}
}

func appendLeavesErr(db *store.DB, first, n int) error {
	var leaves []translog.Leaf
	for i := first; i < first+n; i++ {
		leaves = append(leaves, translog.Leaf{Kind: translog.Confirm, Tactic: "signature", ActionID: "petition-1",
			PersonID: fmt.Sprintf("person-%d", i), Subject: fmt.Sprintf("participation-%d", i)})
	}
	return db.Write(context.Background(), func(tx *store.Tx) error { return translog.Append(context.Background(), tx, leaves) })
}

// treeOfLeaves hashes the stored leaves in memory, apart from the stored
// hashes: the tree the log must sign.
func treeOfLeaves(t *testing.T, db *store.DB) tlog.Tree {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT data FROM log_leaves ORDER BY idx`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var hashes []tlog.Hash
	read := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, j := range idx {
			out[i] = hashes[j]
		}
		return out, nil
	})
	var n int64
	for rows.Next() {
		var bundle []byte
		if err := rows.Scan(&bundle); err != nil {
			t.Fatal(err)
		}
		leaves, err := translog.SplitBundle(bundle)
		if err != nil {
			t.Fatal(err)
		}
		for _, data := range leaves {
			hs, err := tlog.StoredHashes(n, data, read)
			if err != nil {
				t.Fatal(err)
			}
			hashes = append(hashes, hs...)
			n++
		}
	}
	root, err := tlog.TreeHash(n, read)
	if err != nil {
		t.Fatal(err)
	}
	return tlog.Tree{N: n, Hash: root}
}

// TestIntegrationFollowsAppends: on PostgreSQL an append takes its places
// and writes its leaves, and their hashes come with the integration, which
// two integrators (two instances) may run at once; SQLite's one writer
// hashes them in the append. Every checkpoint integrates first: one asked
// for after a commit holds its leaves, with the root of the leaves
// themselves.
func TestIntegrationFollowsAppends(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		appendLeaves(t, db, 0, 300)
		size, err := translog.Size(ctx, db.Reader())
		if err != nil || size != 300 {
			t.Fatalf("size %d after 300 leaves (%v)", size, err)
		}
		want := map[store.Dialect]int64{store.Postgres: 0, store.SQLite: 300}[db.Dialect]
		if n, err := translog.Integrated(ctx, db.Reader()); err != nil || n != want {
			t.Fatalf("%d leaves integrated before any integration, want %d (%v)", n, want, err)
		}

		var wg sync.WaitGroup
		got := make([]int64, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() { got[i], errs[i] = translog.Integrate(ctx, db) })
		}
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil || got[i] != 300 {
				t.Fatalf("integrator %d: %d integrated (%v)", i, got[i], errs[i])
			}
		}

		appendLeaves(t, db, 300, 5)
		key, err := translog.LoadKey(filepath.Join(t.TempDir(), "log.key"), "example.org/log")
		if err != nil {
			t.Fatal(err)
		}
		h := translog.New(db, nil, "http://example.org", key, slog.Default())
		_, tree, err := h.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := treeOfLeaves(t, db); tree != want {
			t.Fatalf("checkpoint of %d leaves, root %v; the leaves make %d, root %v", tree.N, tree.Hash, want.N, want.Hash)
		}
		if tree.N != 305 {
			t.Fatalf("checkpoint of %d leaves after 305 committed", tree.N)
		}
		if n, err := translog.Integrated(ctx, db.Reader()); err != nil || n != 305 {
			t.Fatalf("%d leaves integrated after the checkpoint (%v)", n, err)
		}
	})
}

// setLeaf changes the stored data of leaf idx (in its bundle), as a
// tamperer with the database would, and returns what it was.
func setLeaf(t *testing.T, db *store.DB, idx int64, data []byte) []byte {
	t.Helper()
	ctx := context.Background()
	var first int64
	var bundle []byte
	if err := db.Reader().QueryRowContext(ctx, `SELECT idx, data FROM log_leaves WHERE idx <= $1 ORDER BY idx DESC LIMIT 1`, idx).Scan(&first, &bundle); err != nil {
		t.Fatal(err)
	}
	leaves, err := translog.SplitBundle(bundle)
	if err != nil || idx-first >= int64(len(leaves)) {
		t.Fatalf("leaf %d not in the bundle from %d (%v)", idx, first, err)
	}
	was := leaves[idx-first]
	leaves[idx-first] = data
	var b []byte
	for _, d := range leaves {
		b = translog.AppendBundleEntry(b, d)
	}
	if _, err := db.Writer().ExecContext(ctx, `UPDATE log_leaves SET data = $1 WHERE idx = $2`, b, first); err != nil {
		t.Fatal(err)
	}
	return was
}

// setHash changes the stored hash idx (tlog's numbering, 32 to a row),
// and returns what it was.
func setHash(t *testing.T, db *store.DB, idx int64, hash []byte) []byte {
	t.Helper()
	ctx := context.Background()
	var row []byte
	if err := db.Reader().QueryRowContext(ctx, `SELECT hashes FROM log_hashes WHERE idx = $1`, idx/32).Scan(&row); err != nil {
		t.Fatal(err)
	}
	at := (idx % 32) * 32
	was := slices.Clone(row[at : at+32])
	copy(row[at:], hash)
	if _, err := db.Writer().ExecContext(ctx, `UPDATE log_hashes SET hashes = $1 WHERE idx = $2`, row, idx/32); err != nil {
		t.Fatal(err)
	}
	return was
}

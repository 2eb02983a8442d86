package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"repertoire/internal/store"
	"repertoire/internal/translog"
)

// TestLogMigrationsDown runs the transparency log's down steps (47, 45,
// 44 and those between) on both engines: from entry bundles, receipt rows
// and salts kept by participations back to a row a leaf and a row a
// stored hash, the same tree (every leaf's data, the root), each receipt
// row's participation on its leaf; then up again, the log signs that tree
// and serves those receipts.
func TestLogMigrationsDown(t *testing.T) {
	atVersion(t, latest, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// 70 confirmations in appends of 30 (bundles of several
		// leaves, hash rows of 32), every third one's salt kept by its
		// participation (no receipt row), then q1 withdrawn: its
		// receipt is its second leaf.
		const n = 70
		salts := map[string][]byte{}
		for start := 0; start < n; start += 30 {
			err := db.Write(ctx, func(tx *store.Tx) error {
				var leaves []translog.Leaf
				for i := start; i < min(start+30, n); i++ {
					l := translog.Leaf{Kind: translog.Confirm, Tactic: "signature", ActionID: "A",
						PersonID: fmt.Sprintf("person-%d", i), Subject: fmt.Sprintf("q%d", i), New: true}
					if i%3 == 0 {
						l.Salt = translog.NewSalt()
						salts[l.Subject] = l.Salt
					}
					leaves = append(leaves, l)
				}
				return translog.Append(ctx, tx, leaves)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		err := db.Write(ctx, func(tx *store.Tx) error {
			return translog.Append(ctx, tx, []translog.Leaf{{Kind: translog.Withdraw, Tactic: "signature", ActionID: "A",
				PersonID: "person-1", Subject: "q1"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := translog.Integrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		// q0's participation keeps its salt (migration 47).
		err = db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, created_at, modified_at) VALUES ('person-0', 'q0@example.org', $1, $1)`, tx.Now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO participations (id, kind, action_id, person_id, status, created_at, modified_at, log_salt, log_from)
					VALUES ('q0', 'signature', 'A', 'person-0', 'confirmed', $1, $1, $2, 0)`, tx.Now, salts["q0"])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		key, err := translog.LoadKey(filepath.Join(t.TempDir(), "log.key"), "example.org/log")
		if err != nil {
			t.Fatal(err)
		}
		_, tree, err := translog.New(db, nil, "http://example.org", key, slog.Default()).Checkpoint(ctx)
		if err != nil || tree.N != n+1 {
			t.Fatalf("before: %d leaves (%v)", tree.N, err)
		}
		var leaves [][]byte
		rows, err := db.Reader().QueryContext(ctx, `SELECT data FROM log_leaves ORDER BY idx`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			more, err := translog.SplitBundle(b)
			if err != nil {
				t.Fatal(err)
			}
			leaves = append(leaves, more...)
		}
		rows.Close()

		// Down from 47: q0's salt goes back to a receipt row, with no
		// leaf known (-1).
		if err := store.MigrateDownTo(ctx, db, 46); err != nil {
			t.Fatal(err)
		}
		var idx int64
		var salt []byte
		if err := db.Reader().QueryRowContext(ctx, `SELECT idx, salt FROM log_receipts WHERE subject = 'q0'`).Scan(&idx, &salt); err != nil ||
			idx != -1 || string(salt) != string(salts["q0"]) {
			t.Fatalf("q0's receipt row after 47's down step: %d %x (%v)", idx, salt, err)
		}
		if err := store.MigrateDownTo(ctx, db, 43); err != nil {
			t.Fatal(err)
		}
		hashes := map[int64]tlog.Hash{}
		rows, err = db.Reader().QueryContext(ctx, `SELECT idx, hash FROM log_hashes`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var i int64
			var h []byte
			if err := rows.Scan(&i, &h); err != nil {
				t.Fatal(err)
			}
			hashes[i] = tlog.Hash(h)
		}
		rows.Close()
		if want := tlog.StoredHashCount(n + 1); int64(len(hashes)) != want {
			t.Fatalf("%d stored hashes after the down steps, want %d", len(hashes), want)
		}
		read := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			for i, j := range idx {
				out[i] = hashes[j]
			}
			return out, nil
		})
		if root, err := tlog.TreeHash(n+1, read); err != nil || root != tree.Hash {
			t.Fatalf("after the down steps the root is %v (%v), before %v", root, err, tree.Hash)
		}
		subjects := map[int64]string{}
		rows, err = db.Reader().QueryContext(ctx, `SELECT idx, data, subject FROM log_leaves ORDER BY idx`)
		if err != nil {
			t.Fatal(err)
		}
		i := int64(0)
		for ; rows.Next(); i++ {
			var idx int64
			var data []byte
			var subject *string
			if err := rows.Scan(&idx, &data, &subject); err != nil {
				t.Fatal(err)
			}
			if idx != i || string(data) != string(leaves[i]) {
				t.Fatalf("leaf %d: %d %q, want %q", i, idx, data, leaves[i])
			}
			if subject != nil {
				subjects[idx] = *subject
			}
		}
		rows.Close()
		if i != n+1 {
			t.Fatalf("%d leaf rows after the down steps, want %d", i, n+1)
		}
		// A receipt row's participation is on its last leaf; those
		// whose salt their participation kept have none.
		if subjects[n] != "q1" || subjects[1] != "" || subjects[2] != "q2" || subjects[3] != "" || len(subjects) != n-(n+2)/3 {
			t.Errorf("leaves' participations after the down steps: %v", subjects)
		}

		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		h := translog.New(db, nil, "http://example.org", key, slog.Default())
		if _, again, err := h.Checkpoint(ctx); err != nil || again != tree {
			t.Fatalf("up again: the log signs %v (%v), before %v", again, err, tree)
		}
		for subject, want := range map[string]int64{"q1": n, "q2": 2, "q68": 68} {
			rc, ok, err := h.Receipt(ctx, subject)
			if err != nil || !ok {
				t.Fatalf("receipt of %s up again: %v %v", subject, ok, err)
			}
			if p, err := translog.ParseProof(rc); err != nil || p.Index != want {
				t.Errorf("receipt of %s at %d, want %d (%v)", subject, p.Index, want, err)
			}
		}
	})
}

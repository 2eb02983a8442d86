package store_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"repertoire/internal/store"
	"repertoire/internal/translog"
)

// TestLogBundlesMigration: version 44 moves the transparency log's leaves
// into entry bundles, their participations into log_receipts and the
// stored hashes 32 to a row, and the log signs the same tree as before,
// finds each participation's last leaf, and grows on from there; after
// version 45 a participation from before keeps its person's salt.
func TestLogBundlesMigration(t *testing.T) {
	atVersion(t, 43, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// 70 leaves as the log stored them before: a row each, and a
		// row per stored hash. Participation p3 has three leaves.
		const n = 70
		var leaves [][]byte
		hashes := map[int64]tlog.Hash{}
		read := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			for i, j := range idx {
				out[i] = hashes[j]
			}
			return out, nil
		})
		// p3's person has a salt (log_salts), which its leaves were
		// hashed with: HMAC-SHA256(salt, action), base64url.
		salt := make([]byte, 32)
		salt[0] = 7
		mac := hmac.New(sha256.New, salt)
		mac.Write([]byte("A"))
		p3 := base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO log_salts (person_id, salt) VALUES ('person-p3', $1)`, salt); err != nil {
				return err
			}
			for i := range int64(n) {
				person := fmt.Sprintf("%043d", i)
				if i == 40 || i == 50 {
					person = p3
				}
				data := translog.Entry{Kind: translog.Confirm, Tactic: "signature", ActionID: "A", Person: person}.Encode()
				leaves = append(leaves, data)
				subject := fmt.Sprintf("p%d", i)
				if i == 40 || i == 50 {
					subject = "p3"
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO log_leaves (idx, data, subject) VALUES ($1, $2, $3)`, i, data, subject); err != nil {
					return err
				}
				hs, err := tlog.StoredHashes(i, data, read)
				if err != nil {
					return err
				}
				for k, h := range hs {
					at := tlog.StoredHashCount(i) + int64(k)
					hashes[at] = h
					if _, err := tx.ExecContext(ctx, `INSERT INTO log_hashes (idx, hash) VALUES ($1, $2)`, at, h[:]); err != nil {
						return err
					}
				}
			}
			_, err := tx.ExecContext(ctx, `UPDATE log_tree SET size = $1`, n)
			if err == nil {
				_, err = tx.ExecContext(ctx, `UPDATE log_integrated SET size = $1`, n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		root, err := tlog.TreeHash(n, read)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}

		key, err := translog.LoadKey(filepath.Join(t.TempDir(), "log.key"), "example.org/log")
		if err != nil {
			t.Fatal(err)
		}
		h := translog.New(db, nil, "http://example.org", key, slog.Default())
		_, tree, err := h.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tree != (tlog.Tree{N: n, Hash: root}) {
			t.Fatalf("after the migration the log signs %d leaves, root %v; before, %d, root %v", tree.N, tree.Hash, n, root)
		}
		for subject, want := range map[string]int64{"p0": 0, "p3": 50, "p69": 69} {
			rc, ok, err := h.Receipt(ctx, subject)
			if err != nil || !ok {
				t.Fatalf("receipt of %s: %v %v", subject, ok, err)
			}
			p, err := translog.ParseProof(rc)
			if err != nil || p.Index != want {
				t.Fatalf("receipt of %s at leaf %d, want %d (%v)", subject, p.Index, want, err)
			}
		}

		// The log grows on: five more leaves, hashed with the rows
		// the migration made.
		err = db.Write(ctx, func(tx *store.Tx) error {
			var more []translog.Leaf
			for i := range 4 {
				more = append(more, translog.Leaf{Kind: translog.Confirm, Tactic: "signature", ActionID: "A",
					PersonID: fmt.Sprintf("person-%d", i), Subject: fmt.Sprintf("q%d", i)})
			}
			// p3 withdrawn: its receipt from before has no salt, so its
			// leaf is hashed with its person's, as its earlier ones.
			more = append(more, translog.Leaf{Kind: translog.Withdraw, Tactic: "signature", ActionID: "A",
				PersonID: "person-p3", Subject: "p3"})
			return translog.Append(ctx, tx, more)
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Reader().QueryContext(ctx, `SELECT data FROM log_leaves WHERE idx >= $1 ORDER BY idx`, n)
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
		if e, err := translog.ParseEntry(leaves[n+4]); err != nil || e.Kind != translog.Withdraw || e.Person != p3 {
			t.Fatalf("p3's withdrawal %+v (%v), want its person's code %s", e, err, p3)
		}
		for i := int64(n); i < int64(len(leaves)); i++ {
			hs, err := tlog.StoredHashes(i, leaves[i], read)
			if err != nil {
				t.Fatal(err)
			}
			for k, h := range hs {
				hashes[tlog.StoredHashCount(i)+int64(k)] = h
			}
		}
		want, err := tlog.TreeHash(n+5, read)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := translog.HasSubjectSalt(ctx, db.Reader(), "p3"); err != nil || !ok {
			t.Fatalf("p3's receipt did not take its person's salt (%v)", err)
		}
		_, tree, err = translog.New(db, nil, "http://example.org", key, slog.Default()).Checkpoint(ctx)
		if err != nil || tree != (tlog.Tree{N: n + 5, Hash: want}) {
			t.Fatalf("after 5 more leaves the log signs %d leaves, root %v; the leaves make root %v (%v)", tree.N, tree.Hash, want, err)
		}
	})
}

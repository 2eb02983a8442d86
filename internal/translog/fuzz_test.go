package translog

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// The parsers of outside input: tile paths (requests), leaves, entry
// bundles, checkpoints and receipts (what verify downloads or is given).
// Their seeds run as normal tests.

func FuzzTilePath(f *testing.F) {
	for _, s := range []string{"tile/0/000", "tile/0/x001/234", "tile/3/x001/x234/067.p/8", "tile/entries/000.p/1",
		"tile/entries/x123/456", "tile/0/1234", "tile/0/x000/001", "tile/-1/000", "tile/0/000.p/256", "tile/0/000.p/0", "tile/00/000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		tile, err := ParseTilePath(path)
		if err != nil {
			return
		}
		if TilePath(tile) != path {
			t.Fatalf("%q parses as %+v, written %q", path, tile, TilePath(tile))
		}
		if tile.W < 1 || tile.W > 256 || tile.N < 0 || tile.L < -1 {
			t.Fatalf("%q parses as %+v", path, tile)
		}
	})
}

func TestTilePathsAreC2SPs(t *testing.T) {
	for tile, want := range map[tlog.Tile]string{
		{H: 8, L: 0, N: 1234067, W: 256}: "tile/0/x001/x234/067",
		{H: 8, L: 1, N: 0, W: 5}:         "tile/1/000.p/5",
		{H: 8, L: -1, N: 1234, W: 256}:   "tile/entries/x001/234",
	} {
		if got := TilePath(tile); got != want {
			t.Errorf("%+v: %q, want %q", tile, got, want)
		}
	}
	for _, bad := range []string{"tile/0/1234", "tile/0/x000/001", "tile/0/000.p/256", "tile/0/000.p/0", "tile/00/000", "tile/0/001.p/01"} {
		if _, err := ParseTilePath(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func FuzzEntry(f *testing.F) {
	e := Entry{Kind: Confirm, Tactic: "signature", ActionID: "0190aaaa-bbbb", Person: personHash([]byte("salt"), "0190aaaa-bbbb")}
	f.Add(e.Encode())
	f.Add([]byte("repertoire/v1 withdraw commitment a " + e.Person))
	f.Add([]byte("repertoire/v2 confirm signature a b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEntry(data)
		if err != nil {
			return
		}
		if !bytes.Equal(e.Encode(), data) {
			t.Fatalf("%q reads as %+v, written %q", data, e, e.Encode())
		}
	})
}

func FuzzBundle(f *testing.F) {
	f.Add(AppendBundleEntry(AppendBundleEntry(nil, []byte("a")), []byte("bc")))
	f.Add([]byte{0, 5, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := SplitBundle(b)
		if err != nil {
			return
		}
		var again []byte
		for _, e := range entries {
			again = AppendBundleEntry(again, e)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("%x splits and joins as %x", b, again)
		}
	})
}

func FuzzCheckpoint(f *testing.F) {
	f.Add("example.org/log\n12\n" + "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
	f.Add("example.org/log\n0\nAAAA\n")
	f.Add("example.org/log\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCheckpointText(text)
		if err != nil {
			return
		}
		if c.Tree.N < 0 || c.Origin == "" {
			t.Fatalf("%q reads as %+v", text, c)
		}
	})
}

func FuzzReceipt(f *testing.F) {
	h := tlog.RecordHash([]byte("x"))
	f.Add(Proof{Index: 3, Leaf: []byte("repertoire/v1 confirm signature a b"), Path: tlog.RecordProof{h, h}, Checkpoint: []byte("o\n4\nh\n\n— o sig\n")}.Format())
	f.Add([]byte(ProofHeader + "\nindex 0\n\nsomething"))
	f.Add([]byte(ProofHeader + "\nindex 01\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseProof(b)
		if err != nil {
			return
		}
		q, err := ParseProof(p.Format())
		if err != nil || q.Index != p.Index || !bytes.Equal(q.Leaf, p.Leaf) || len(q.Path) != len(p.Path) {
			t.Fatalf("%q reads as %+v, then %+v (%v)", b, p, q, err)
		}
		// A receipt checked against a key it was not signed with fails.
		if _, _, err := CheckProof(p, "example.org/log+01234567+AQ=="); err == nil {
			t.Fatal("a receipt passed with a bogus key")
		}
	})
}

// FuzzPersonHash: the leaf's code of a person is HMAC-SHA256(salt, action
// id), base64url, as crypto/hmac makes it (the format's documented
// definition), for salts of every length.
func FuzzPersonHash(f *testing.F) {
	f.Add(make([]byte, 32), "petition-1")
	f.Add([]byte{}, "")
	f.Add(bytes.Repeat([]byte{7}, 64), "0190a5b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b")
	f.Add(bytes.Repeat([]byte{9}, 100), strings.Repeat("a", 300))
	f.Fuzz(func(t *testing.T, salt []byte, actionID string) {
		m := hmac.New(sha256.New, salt)
		m.Write([]byte(actionID))
		if got, want := personHash(salt, actionID), base64.RawURLEncoding.EncodeToString(m.Sum(nil)); got != want {
			t.Fatalf("personHash(%x, %q) = %s, HMAC %s", salt, actionID, got, want)
		}
	})
}

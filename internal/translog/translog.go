// Package translog is the instance's transparency log: every counted
// change of a participation (confirmed, withdrawn, invalidated, erased) is
// a leaf of one RFC 6962 Merkle tree, appended in the transaction of the
// change, and served in the C2SP formats (tlog-checkpoint, tlog-tiles,
// tlog-proof) so that anyone can recount what the pages publish.
// docs/transparency.md is the reader's guide.
package translog

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// Kind is what a leaf records.
type Kind string

// The kinds of leaves. A count is its confirmations minus its
// withdrawals, invalidations and erasures.
const (
	Confirm    Kind = "confirm"    // taken part, counted from now on
	Withdraw   Kind = "withdraw"   // the person took it back
	Invalidate Kind = "invalidate" // refused on review: no longer counted
	Erase      Kind = "erase"      // the person was erased: no longer counted
	// Access is a read of a member's data through the data gateway
	// (tactic "gateway", action: the policy it was read under). It moves
	// no count.
	Access Kind = "access"
)

// Sign is how much a leaf of kind k moves its action's count.
func (k Kind) Sign() int {
	switch k {
	case Confirm:
		return 1
	case Withdraw, Invalidate, Erase:
		return -1
	}
	return 0
}

// LeafVersion starts every leaf's data: the format's name and version.
const LeafVersion = "repertoire/v1"

// Leaf is one change to append. PersonID and Subject are never written in
// the log: the leaf names HMAC(person's salt, action id), and Subject (the
// participation's id) only finds the leaf for its receipt.
type Leaf struct {
	Kind     Kind
	Tactic   string // signature, commitment, letter, …: one word
	ActionID string
	PersonID string
	Subject  string
	// New says Subject (a participation) was created by the appending
	// transaction: it has no receipt, nor salt, yet, so Stage does not
	// read one (an import's leaves, the group commit's hottest path).
	New bool
	// Salt is Subject's own salt when its owner keeps it (the
	// participation's row, made with NewSalt): Stage hashes the leaf with
	// it and reads none. A New leaf with a Salt, its participation's only
	// one in the append, writes no receipt row either: its owner keeps
	// where the log was when it was made (Place), from which its receipt
	// finds it. Nil: the salt is the log's to keep (log_receipts).
	Salt []byte
}

// Entry is a leaf as the log holds it.
type Entry struct {
	Kind     Kind
	Tactic   string
	ActionID string
	Person   string // base64url HMAC-SHA256(salt, action id), unpadded
}

// personHash is what a leaf says of its person: unlinkable once their
// salt is gone.
// It is HMAC-SHA256 (RFC 2104) written out: crypto/hmac's two digests
// and buffers a call cost more than the hashing, once a leaf.
func personHash(salt []byte, actionID string) string {
	var k [sha256.BlockSize]byte
	if len(salt) > len(k) {
		h := sha256.Sum256(salt)
		copy(k[:], h[:])
	} else {
		copy(k[:], salt)
	}
	var buf [sha256.BlockSize + 128]byte
	in := buf[:0]
	for _, c := range k {
		in = append(in, c^0x36)
	}
	inner := sha256.Sum256(append(in, actionID...))
	var out [sha256.BlockSize + sha256.Size]byte
	for i, c := range k {
		out[i] = c ^ 0x5c
	}
	copy(out[sha256.BlockSize:], inner[:])
	sum := sha256.Sum256(out[:])
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Encode writes an entry's data: one line of five words separated by
// spaces, "repertoire/v1 <kind> <tactic> <action id> <person>".
func (e Entry) Encode() []byte {
	return []byte(LeafVersion + " " + string(e.Kind) + " " + e.Tactic + " " + e.ActionID + " " + e.Person)
}

// ParseEntry reads an entry's data, refusing anything but the v1 format.
func ParseEntry(data []byte) (Entry, error) {
	f := strings.Split(string(data), " ")
	if len(f) != 5 || f[0] != LeafVersion {
		return Entry{}, errors.New("translog: not a " + LeafVersion + " leaf")
	}
	e := Entry{Kind: Kind(f[1]), Tactic: f[2], ActionID: f[3], Person: f[4]}
	if e.Kind.Sign() == 0 && e.Kind != Access || !word(e.Tactic) || !word(e.ActionID) || len(e.Person) != 43 {
		return Entry{}, errors.New("translog: malformed leaf")
	}
	if _, err := base64.RawURLEncoding.DecodeString(e.Person); err != nil {
		return Entry{}, errors.New("translog: malformed leaf person")
	}
	return e, nil
}

func word(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// Checkpoint is a C2SP tlog-checkpoint's body: origin, size, root hash.
type Checkpoint struct {
	Origin string
	Tree   tlog.Tree
}

// Text is the checkpoint's note text, before signatures.
func (c Checkpoint) Text() string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Tree.N, base64.StdEncoding.EncodeToString(c.Tree.Hash[:]))
}

// ParseCheckpointText reads a checkpoint's note text (already verified):
// origin, size and root hash lines, then optional extension lines.
func ParseCheckpointText(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return Checkpoint{}, errors.New("translog: malformed checkpoint")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return Checkpoint{}, errors.New("translog: malformed checkpoint size")
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return Checkpoint{}, errors.New("translog: malformed checkpoint hash")
	}
	c := Checkpoint{Origin: lines[0], Tree: tlog.Tree{N: n}}
	copy(c.Tree.Hash[:], h)
	return c, nil
}

// TileHeight is C2SP tlog-tiles' height: 256 hashes a tile.
const TileHeight = 8

// entriesLevel marks an entry bundle among tiles (torchwood's convention).
const entriesLevel = -1

// TilePath is a tile's path under /log/: tile/<L>/<N>[.p/<W>], or
// tile/entries/<N>[.p/<W>] for an entry bundle; N in groups of three
// digits, all but the last prefixed by x.
func TilePath(t tlog.Tile) string {
	var b strings.Builder
	b.WriteString("tile/")
	if t.L == entriesLevel {
		b.WriteString("entries")
	} else {
		b.WriteString(strconv.Itoa(t.L))
	}
	n := strconv.FormatInt(t.N, 10)
	for len(n)%3 != 0 {
		n = "0" + n
	}
	for i := 0; i < len(n); i += 3 {
		b.WriteByte('/')
		if i+3 < len(n) {
			b.WriteByte('x')
		}
		b.WriteString(n[i : i+3])
	}
	if t.W != 1<<TileHeight {
		b.WriteString(".p/" + strconv.Itoa(t.W))
	}
	return b.String()
}

var errTilePath = errors.New("translog: malformed tile path")

// ParseTilePath reads what TilePath writes, and nothing else.
func ParseTilePath(path string) (tlog.Tile, error) {
	rest, ok := strings.CutPrefix(path, "tile/")
	if !ok {
		return tlog.Tile{}, errTilePath
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 {
		return tlog.Tile{}, errTilePath
	}
	t := tlog.Tile{H: TileHeight, W: 1 << TileHeight}
	if parts[0] == "entries" {
		t.L = entriesLevel
	} else {
		l, err := strconv.Atoi(parts[0])
		if err != nil || l < 0 || l > 63 || strconv.Itoa(l) != parts[0] {
			return tlog.Tile{}, errTilePath
		}
		t.L = l
	}
	parts = parts[1:]
	if n := len(parts); n >= 2 && strings.HasSuffix(parts[n-2], ".p") {
		w, err := strconv.Atoi(parts[n-1])
		if err != nil || w < 1 || w >= 1<<TileHeight || strconv.Itoa(w) != parts[n-1] {
			return tlog.Tile{}, errTilePath
		}
		t.W = w
		parts[n-2] = strings.TrimSuffix(parts[n-2], ".p")
		parts = parts[:n-1]
	}
	if len(parts) > 7 { // 21 digits would overflow an int64 anyway
		return tlog.Tile{}, errTilePath
	}
	var digits strings.Builder
	for i, p := range parts {
		if i < len(parts)-1 {
			var ok bool
			if p, ok = strings.CutPrefix(p, "x"); !ok {
				return tlog.Tile{}, errTilePath
			}
		}
		if len(p) != 3 {
			return tlog.Tile{}, errTilePath
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return tlog.Tile{}, errTilePath
			}
		}
		digits.WriteString(p)
	}
	n, err := strconv.ParseInt(digits.String(), 10, 64)
	if err != nil || n < 0 {
		return tlog.Tile{}, errTilePath
	}
	t.N = n
	if TilePath(t) != path { // one spelling per tile (no extra leading zero groups)
		return tlog.Tile{}, errTilePath
	}
	return t, nil
}

// AppendBundleEntry adds an entry to an entry bundle: big-endian uint16
// length, then the data.
func AppendBundleEntry(bundle, data []byte) []byte {
	return append(append(bundle, byte(len(data)>>8), byte(len(data))), data...)
}

// SplitBundle reads an entry bundle's entries.
func SplitBundle(bundle []byte) ([][]byte, error) {
	var out [][]byte
	for len(bundle) > 0 {
		if len(bundle) < 2 {
			return nil, errors.New("translog: truncated entry bundle")
		}
		n := int(bundle[0])<<8 | int(bundle[1])
		if len(bundle) < 2+n {
			return nil, errors.New("translog: truncated entry bundle")
		}
		out = append(out, bundle[2:2+n])
		bundle = bundle[2+n:]
	}
	return out, nil
}

package translog

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// This file is the verifier's side: what `repertoire verify` does, with
// nothing but the published endpoints.

// OpenCheckpoint verifies a signed checkpoint with the verifier key vkey
// and reads it; its origin must be the key's name.
func OpenCheckpoint(signed []byte, vkey string) (Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("the log's key: %w", err)
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("the checkpoint's signature: %w", err)
	}
	c, err := ParseCheckpointText(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("the checkpoint is of log %q, the key of %q", c.Origin, v.Name())
	}
	return c, nil
}

// Client reads a log from its base URL (the site's; the log is under
// /log/).
type Client struct {
	Base string
	HTTP *http.Client
}

func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(c.Base, "/")+"/log/"+path, nil)
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /log/%s: %s", path, resp.Status)
	}
	return b, nil
}

// Key fetches the log's verifier key (trust on first use: keep it).
func (c *Client) Key(ctx context.Context) (string, error) {
	b, err := c.get(ctx, "key")
	if err != nil {
		return "", err
	}
	vkey := strings.TrimSpace(string(b))
	if _, err := note.NewVerifier(vkey); err != nil {
		return "", fmt.Errorf("the log's key: %w", err)
	}
	return vkey, nil
}

// Checkpoint fetches and verifies the log's checkpoint.
func (c *Client) Checkpoint(ctx context.Context, vkey string) (Checkpoint, []byte, error) {
	b, err := c.get(ctx, "checkpoint")
	if err != nil {
		return Checkpoint{}, nil, err
	}
	cp, err := OpenCheckpoint(b, vkey)
	return cp, b, err
}

// tiles reads hash tiles over HTTP for tlog.TileHashReader, which checks
// each against the tree it was given.
type tiles struct {
	ctx context.Context
	c   *Client
}

func (t tiles) Height() int { return TileHeight }

func (t tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tile := range ts {
		b, err := t.c.get(t.ctx, TilePath(tile))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// Consistent checks that the tree new extends old: nothing old holds was
// changed or removed.
func (c *Client) Consistent(ctx context.Context, old, new tlog.Tree) error {
	switch {
	case old.N > new.N:
		return fmt.Errorf("the log shrank from %d to %d leaves", old.N, new.N)
	case old.N == new.N:
		if old.Hash != new.Hash {
			return fmt.Errorf("the log's root at %d leaves changed", old.N)
		}
		return nil
	case old.N == 0:
		return nil
	}
	p, err := tlog.ProveTree(new.N, old.N, tlog.TileHashReader(new, tiles{ctx, c}))
	if err != nil {
		return fmt.Errorf("proving %d leaves within %d: %w", old.N, new.N, err)
	}
	if err := tlog.CheckTree(p, new.N, new.Hash, old.N, old.Hash); err != nil {
		return fmt.Errorf("the log at %d leaves is not the one seen at %d: %w", new.N, old.N, err)
	}
	return nil
}

// Entries downloads every leaf of tree and checks that they hash to its
// root: a leaf changed, added or dropped is caught here.
func (c *Client) Entries(ctx context.Context, tree tlog.Tree) ([][]byte, error) {
	var all [][]byte
	for n := int64(0); n<<TileHeight < tree.N; n++ {
		w := min(tree.N-n<<TileHeight, 1<<TileHeight)
		b, err := c.get(ctx, TilePath(tlog.Tile{H: TileHeight, L: entriesLevel, N: n, W: int(w)}))
		if err != nil {
			return nil, err
		}
		entries, err := SplitBundle(b)
		if err != nil {
			return nil, err
		}
		if int64(len(entries)) != w {
			return nil, fmt.Errorf("entry bundle %d holds %d entries, not %d", n, len(entries), w)
		}
		// The hash tile beside it must hold these entries' hashes: what
		// inclusion proofs and other verifiers read.
		hashes, err := c.get(ctx, TilePath(tlog.Tile{H: TileHeight, L: 0, N: n, W: int(w)}))
		if err != nil {
			return nil, err
		}
		if len(hashes) != len(entries)*tlog.HashSize {
			return nil, fmt.Errorf("hash tile %d holds %d bytes, not %d hashes", n, len(hashes), len(entries))
		}
		for i, e := range entries {
			if h := tlog.RecordHash(e); !bytes.Equal(h[:], hashes[i*tlog.HashSize:(i+1)*tlog.HashSize]) {
				return nil, fmt.Errorf("leaf %d does not match its hash in the log's tiles", n<<TileHeight+int64(i))
			}
		}
		all = append(all, entries...)
	}
	if h, err := RootOf(all); err != nil || h != tree.Hash {
		return nil, errors.New("the log's entries do not hash to its checkpoint's root")
	}
	return all, nil
}

// memHashes is a tree's stored hashes in memory.
type memHashes []tlog.Hash

func (m *memHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(*m)) {
			return nil, errors.New("translog: hash out of range")
		}
		out[i] = (*m)[x]
	}
	return out, nil
}

// RootOf is the RFC 6962 root of the tree of entries.
func RootOf(entries [][]byte) (tlog.Hash, error) {
	var m memHashes
	for i, e := range entries {
		h, err := tlog.StoredHashes(int64(i), e, &m)
		if err != nil {
			return tlog.Hash{}, err
		}
		m = append(m, h...)
	}
	return tlog.TreeHash(int64(len(entries)), &m)
}

// Recount counts an action's leaves among the first size entries:
// confirmations minus withdrawals, invalidations and erasures.
func Recount(entries [][]byte, size int64, actionID string) (int, error) {
	n := 0
	for i, d := range entries[:min(size, int64(len(entries)))] {
		e, err := ParseEntry(d)
		if err != nil {
			return 0, fmt.Errorf("leaf %d: %w", i, err)
		}
		if e.ActionID == actionID {
			n += e.Kind.Sign()
		}
	}
	return n, nil
}

// PublishedCount fetches an action's published count and its tree size.
func (c *Client) PublishedCount(ctx context.Context, actionID string) (PublishedCount, error) {
	b, err := c.get(ctx, "counts/"+actionID)
	if err != nil {
		return PublishedCount{}, err
	}
	var pc PublishedCount
	if err := json.Unmarshal(b, &pc); err != nil {
		return PublishedCount{}, fmt.Errorf("the published count: %w", err)
	}
	return pc, nil
}

// Proof is a C2SP tlog-proof: a leaf's index, its data (in the extra
// line), its inclusion proof and the signed checkpoint it leads to.
type Proof struct {
	Index      int64
	Leaf       []byte
	Path       tlog.RecordProof
	Checkpoint []byte
}

// ParseProof reads a receipt (C2SP tlog-proof) without verifying it.
func ParseProof(b []byte) (Proof, error) {
	head, cp, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		return Proof{}, errors.New("receipt: no checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if len(lines) < 2 || lines[0] != ProofHeader {
		return Proof{}, errors.New("receipt: not a " + ProofHeader)
	}
	p := Proof{Checkpoint: cp}
	lines = lines[1:]
	if x, ok := strings.CutPrefix(lines[0], "extra "); ok {
		d, err := base64.StdEncoding.DecodeString(x)
		if err != nil {
			return Proof{}, errors.New("receipt: malformed extra line")
		}
		p.Leaf = d
		lines = lines[1:]
	}
	if len(lines) == 0 {
		return Proof{}, errors.New("receipt: no index")
	}
	x, ok := strings.CutPrefix(lines[0], "index ")
	i, err := strconv.ParseInt(x, 10, 64)
	if !ok || err != nil || i < 0 || strconv.FormatInt(i, 10) != x {
		return Proof{}, errors.New("receipt: malformed index")
	}
	p.Index = i
	if len(lines[1:]) > 63 {
		return Proof{}, errors.New("receipt: proof too long")
	}
	for _, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != tlog.HashSize {
			return Proof{}, errors.New("receipt: malformed proof hash")
		}
		p.Path = append(p.Path, tlog.Hash(h))
	}
	return p, nil
}

// Format writes a receipt.
func (p Proof) Format() []byte {
	var b bytes.Buffer
	b.WriteString(ProofHeader + "\n")
	if p.Leaf != nil {
		b.WriteString("extra " + base64.StdEncoding.EncodeToString(p.Leaf) + "\n")
	}
	b.WriteString("index " + strconv.FormatInt(p.Index, 10) + "\n")
	for _, h := range p.Path {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(p.Checkpoint)
	return b.Bytes()
}

// CheckProof verifies a receipt with the log's key: the checkpoint's
// signature, and that the leaf is at its index in that tree.
func CheckProof(p Proof, vkey string) (Checkpoint, Entry, error) {
	cp, err := OpenCheckpoint(p.Checkpoint, vkey)
	if err != nil {
		return Checkpoint{}, Entry{}, err
	}
	e, err := ParseEntry(p.Leaf)
	if err != nil {
		return Checkpoint{}, Entry{}, fmt.Errorf("receipt: %w", err)
	}
	if p.Index >= cp.Tree.N {
		return Checkpoint{}, Entry{}, errors.New("receipt: the leaf is beyond its checkpoint")
	}
	if err := tlog.CheckRecord(p.Path, cp.Tree.N, cp.Tree.Hash, p.Index, tlog.RecordHash(p.Leaf)); err != nil {
		return Checkpoint{}, Entry{}, fmt.Errorf("receipt: the leaf is not in the log at its index: %w", err)
	}
	return cp, e, nil
}

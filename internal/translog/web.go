package translog

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// CheckpointAge is how long a signed checkpoint is served before the next
// is signed.
const CheckpointAge = 2 * time.Second

// Counter reads the published count of an action (false: no such action),
// given by its owner when wiring.
type Counter func(ctx context.Context, q store.Queryer, actionID string) (int, bool, error)

// Templates are the log's page (/transparency).
//
//go:embed templates/*.html
var Templates embed.FS

// Handler serves the log under /log/, and the page saying how to check it.
type Handler struct {
	db      *store.DB
	pages   *web.Renderer
	baseURL string
	key     Key
	log     *slog.Logger
	Count   Counter // the public counts, for /log/counts/{action}
	Place   Placer  // the participations whose receipt has no row of the log's

	mu   sync.Mutex
	cp   []byte // the signed checkpoint served
	tree tlog.Tree
	at   time.Time

	tilesMu sync.Mutex
	tiles   map[string][]byte // served tiles: immutable once written
}

// New builds the log's handler.
func New(db *store.DB, pages *web.Renderer, baseURL string, key Key, log *slog.Logger) *Handler {
	return &Handler{db: db, pages: pages, baseURL: baseURL, key: key, log: log, tiles: map[string][]byte{}}
}

// Routes mounts the C2SP tlog-tiles endpoints, the verifier key, the
// receipts and the counts at a checkpoint.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /log/checkpoint", h.checkpoint)
	mux.HandleFunc("GET /log/key", h.verifierKey)
	mux.HandleFunc("GET /log/tile/{path...}", h.tile)
	mux.HandleFunc("GET /log/receipt/{id}", h.receipt)
	mux.HandleFunc("GET /log/counts/{action}", h.counts)
	mux.HandleFunc("GET /transparency", h.page)
}

type transparencyPage struct {
	Base string
	Size int64
	Key  string
	Off  bool // the instance keeps no log (Unlogged)
}

// Unlogged serves /transparency on an instance that keeps no log
// (--no-log): the page says so, where counts link to it, and nothing is
// served under /log/.
type Unlogged struct{ Pages *web.Renderer }

// Routes mounts the page.
func (u Unlogged) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /transparency", func(w http.ResponseWriter, r *http.Request) {
		u.Pages.Render(w, r, http.StatusOK, "transparency", web.Localizer(r.Context()).T("translog.page.title"), transparencyPage{Off: true})
	})
}

// page explains the log to whoever reads a count, in their language.
func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	_, tree, err := h.Checkpoint(r.Context())
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "transparency", web.Localizer(r.Context()).T("translog.page.title"),
		transparencyPage{Base: h.baseURL, Size: tree.N, Key: h.key.Verifier})
}

// PersonData is the log's step of a person's erasure: their salt goes.
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Erase: ForgetPerson}
}

// Checkpoint signs the log's current checkpoint, or gives the one signed
// less than CheckpointAge ago.
func (h *Handler) Checkpoint(ctx context.Context) ([]byte, tlog.Tree, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cp != nil && time.Since(h.at) < CheckpointAge {
		return h.cp, h.tree, nil
	}
	return h.sign(ctx)
}

// sign integrates every leaf committed so far, then signs the tree: a
// checkpoint holds whatever was appended before it was asked for.
func (h *Handler) sign(ctx context.Context) ([]byte, tlog.Tree, error) {
	q := h.db.Reader()
	n, err := Integrate(ctx, h.db)
	if err != nil {
		return nil, tlog.Tree{}, err
	}
	th, err := tlog.TreeHash(n, &hashReader{ctx: ctx, q: q})
	if err != nil {
		return nil, tlog.Tree{}, internal(err)
	}
	tree := tlog.Tree{N: n, Hash: th}
	cp, err := note.Sign(&note.Note{Text: Checkpoint{Origin: h.key.Origin(), Tree: tree}.Text()}, h.key.Signer)
	if err != nil {
		return nil, tlog.Tree{}, internal(err)
	}
	h.cp, h.tree, h.at = cp, tree, time.Now()
	return cp, tree, nil
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	h.log.Error("transparency log", "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

func (h *Handler) checkpoint(w http.ResponseWriter, r *http.Request) {
	cp, _, err := h.Checkpoint(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(CheckpointAge/time.Second)))
	w.Write(cp)
}

// integrateEvery is how often the integrator hashes the leaves appended
// since its last pass, whether or not anyone asks for a checkpoint.
const integrateEvery = 500 * time.Millisecond

// Run integrates the leaves appended (by this instance or another) every
// integrateEvery until ctx ends, so that the hashes left to a checkpoint
// stay few. A database unavailable is the server's to report.
func (h *Handler) Run(ctx context.Context) {
	tick := time.NewTicker(integrateEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := Integrate(ctx, h.db); err != nil && ctx.Err() == nil && !store.IsUnavailable(err) {
			h.log.Error("transparency log: integration", "err", err)
		}
	}
}

func (h *Handler) verifierKey(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(h.key.Verifier + "\n"))
}

// maxCachedTiles bounds the tiles kept in memory (8 KiB each at most).
const maxCachedTiles = 2048

func (h *Handler) tile(w http.ResponseWriter, r *http.Request) {
	path := "tile/" + r.PathValue("path")
	h.tilesMu.Lock()
	data, ok := h.tiles[path]
	h.tilesMu.Unlock()
	if !ok {
		t, err := ParseTilePath(path)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		data, err = h.readTile(r.Context(), t)
		if errors.Is(err, errBeyond) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			h.fail(w, err)
			return
		}
		h.tilesMu.Lock()
		if len(h.tiles) >= maxCachedTiles {
			clear(h.tiles)
		}
		h.tiles[path] = data
		h.tilesMu.Unlock()
	}
	// A tile, full or partial, never changes once it can be served.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(data)
}

var errBeyond = errors.New("translog: beyond the tree")

func (h *Handler) readTile(ctx context.Context, t tlog.Tile) ([]byte, error) {
	q := h.db.Reader()
	if t.L == entriesLevel {
		n, err := Size(ctx, q)
		if err != nil {
			return nil, err
		}
		from := t.N << TileHeight
		if from+int64(t.W) > n {
			return nil, errBeyond
		}
		leaves, err := leavesData(ctx, q, from, from+int64(t.W))
		if err != nil {
			return nil, err
		}
		var b []byte
		for _, d := range leaves {
			b = AppendBundleEntry(b, d)
		}
		return b, nil
	}
	// Hash tiles up to the integrated size only: beyond it the hashes
	// are not stored yet.
	n, err := Integrated(ctx, q)
	if err != nil {
		return nil, err
	}
	if t.L*TileHeight >= 62 || (t.N<<TileHeight+int64(t.W))<<(t.L*TileHeight) > n || (t.N<<TileHeight+int64(t.W))<<(t.L*TileHeight) <= 0 {
		return nil, errBeyond
	}
	data, err := tlog.ReadTileData(t, &hashReader{ctx: ctx, q: q})
	return data, internal(err)
}

// ProofHeader starts a C2SP tlog-proof.
const ProofHeader = "c2sp.org/tlog-proof@v1"

// Receipt is the C2SP tlog-proof of a participation's last leaf: its
// index, its inclusion proof, and the signed checkpoint the proof leads
// to. ok is false when the participation has no leaf.
func (h *Handler) Receipt(ctx context.Context, participationID string) (receipt []byte, ok bool, err error) {
	idx, err := leafOf(ctx, h.db.Reader(), participationID)
	if err == nil && idx < 0 && h.Place != nil {
		idx, err = h.placed(ctx, participationID)
	}
	if err != nil || idx < 0 {
		return nil, false, err
	}
	cp, tree, err := h.Checkpoint(ctx)
	if err != nil {
		return nil, false, err
	}
	if idx >= tree.N { // newer than the checkpoint served: sign one that holds it
		h.mu.Lock()
		cp, tree, err = h.sign(ctx)
		h.mu.Unlock()
		if err != nil {
			return nil, false, err
		}
	}
	q := h.db.Reader()
	proof, err := tlog.ProveRecord(tree.N, idx, &hashReader{ctx: ctx, q: q})
	if err != nil {
		return nil, false, internal(err)
	}
	data, err := leavesData(ctx, q, idx, idx+1)
	if err != nil {
		return nil, false, err
	}
	return Proof{Index: idx, Leaf: data[0], Path: proof, Checkpoint: cp}.Format(), true, nil
}

// placed finds the leaf of a participation with no receipt row from its
// Place (-1: none).
func (h *Handler) placed(ctx context.Context, participationID string) (int64, error) {
	q := h.db.Reader()
	p, ok, err := h.Place(ctx, q, participationID)
	if err != nil || !ok || p.Leaf.Salt == nil {
		return -1, err
	}
	l := p.Leaf
	data := Entry{Kind: l.Kind, Tactic: l.Tactic, ActionID: l.ActionID, Person: personHash(l.Salt, l.ActionID)}.Encode()
	return findLeaf(ctx, q, data, p.From)
}

func (h *Handler) receipt(w http.ResponseWriter, r *http.Request) {
	rc, ok, err := h.Receipt(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, err)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="receipt.tlog-proof"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(rc)
}

// PublishedCount is an action's public count and the tree size it belongs
// to: the count of the action's leaves among the first TreeSize.
type PublishedCount struct {
	ActionID string `json:"action_id"`
	Count    int    `json:"count"`
	TreeSize int64  `json:"tree_size"`
}

// CountAt reads an action's count together with the tree size it
// belongs to. Every change of a count appends its leaf in the same
// transaction, so a count read between two equal sizes is that size's.
func (h *Handler) CountAt(ctx context.Context, actionID string) (PublishedCount, bool, error) {
	q := h.db.Reader()
	for range 20 {
		before, err := Size(ctx, q)
		if err != nil {
			return PublishedCount{}, false, err
		}
		c, ok, err := h.Count(ctx, q, actionID)
		if err != nil || !ok {
			return PublishedCount{}, ok, err
		}
		after, err := Size(ctx, q)
		if err != nil {
			return PublishedCount{}, false, err
		}
		if before == after {
			return PublishedCount{ActionID: actionID, Count: c, TreeSize: after}, true, nil
		}
	}
	return PublishedCount{}, false, internal(errors.New("translog: the log grows too fast to read a count"))
}

func (h *Handler) counts(w http.ResponseWriter, r *http.Request) {
	c, ok, err := h.CountAt(r.Context(), r.PathValue("action"))
	if err != nil {
		h.fail(w, err)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=1")
	json.NewEncoder(w).Encode(c)
}

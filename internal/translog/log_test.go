package translog_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	tclient "github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/fsck"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/testkit"
	"repertoire/internal/translog"
)

// site is a running Repertoire with one petition, and what signs it.
type site struct {
	app      *testkit.App
	token    string
	petition string
}

func newSite(t testing.TB, app *testkit.App) *site {
	t.Helper()
	s := &site{app: app, token: app.Token(t, "organizer@example.org", "Organizer", false)}
	var com, camp, pet struct {
		ID          string   `json:"id"`
		Identifiers []string `json:"identifiers"`
	}
	if st := app.API(t, "POST", "/api/v1/communities", s.token, map[string]any{"name": "Users", "slug": "users"}, &com); st != 201 {
		t.Fatalf("community: %d", st)
	}
	if st := app.API(t, "POST", "/api/v1/campaigns", s.token, map[string]any{"title": "Log out", "community": com.ID}, &camp); st != 201 {
		t.Fatalf("campaign: %d", st)
	}
	if st := app.API(t, "POST", "/api/v1/petitions", s.token, map[string]any{"title": "Counted", "petition_text": "Text", "campaign": camp.ID}, &pet); st != 201 {
		t.Fatalf("petition: %d", st)
	}
	s.petition = strings.TrimPrefix(pet.Identifiers[0], "repertoire:")
	return s
}

// sign signs as anyone does (the record helper without a token) and
// returns the mailed confirmation mail.
func (s *site) sign(t *testing.T, email string) *testkit.Mail {
	t.Helper()
	body := map[string]any{"person": map[string]any{"email_addresses": []map[string]any{{"address": email}}}}
	if st := s.app.API(t, "POST", "/api/v1/petitions/"+s.petition+"/signatures", "", body, nil); st != http.StatusAccepted {
		t.Fatalf("sign: %d", st)
	}
	return s.app.Mail.Wait(t, email, "Confirm your signature")
}

// follow presses the button of a mailed link and returns the
// participation's id.
func (s *site) follow(t *testing.T, m *testkit.Mail, kind string) string {
	t.Helper()
	link := m.Link(t, "/p/"+kind+"/")
	if st, _ := s.app.Browser().Post(t, strings.TrimPrefix(link, s.app.URL), nil); st != http.StatusOK {
		t.Fatalf("%s: %d", kind, st)
	}
	id, _, _ := strings.Cut(link[strings.LastIndex(link, "/")+1:], ".")
	return id
}

// importOne records a signature as an organizer's import: counted at once.
func (s *site) importOne(t *testing.T, email string) {
	t.Helper()
	body := map[string]any{"origin_system": "paper", "person": map[string]any{"email_addresses": []map[string]any{{"address": email}}}}
	if st := s.app.API(t, "POST", "/api/v1/petitions/"+s.petition+"/signatures", s.token, body, nil); st != http.StatusAccepted && st != http.StatusCreated {
		t.Fatalf("import: %d", st)
	}
}

func get(t *testing.T, url string) (int, []byte, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// restart starts another server on the same database and key, as after a
// restart (its caches empty).
func restart(t *testing.T, app *testkit.App) *testkit.App {
	t.Helper()
	key := app.Server.Config.LogKey
	return testkit.StartWith(t, app.DB, func(c *server.Config) { c.LogKey = key })
}

// fresh reads the checkpoint of the whole log, waiting for the served
// one's cache to pass when it is older.
func fresh(t *testing.T, app *testkit.App) (translog.Checkpoint, []byte) {
	t.Helper()
	ctx := context.Background()
	c := &translog.Client{Base: app.URL}
	key, err := c.Key(ctx)
	if err != nil {
		t.Fatal(err)
	}
	size, err := translog.Size(ctx, app.DB.Reader())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * translog.CheckpointAge)
	for {
		cp, raw, err := c.Checkpoint(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Tree.N == size || time.Now().After(deadline) {
			return cp, raw
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestLogRecordsParticipationsVerifiably signs, imports and withdraws
// through the HTTP API and the mailed links, then checks the log as an
// outsider would: the signed checkpoint, the leaves (a withdrawal is its
// own), the recount against the published count, a receipt, and
// torchwood's client as an independent verifier.
func TestLogRecordsParticipationsVerifiably(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		s := newSite(t, app)
		var ids []string
		for i := range 3 {
			ids = append(ids, s.follow(t, s.sign(t, fmt.Sprintf("signer%d@example.org", i)), "confirm"))
		}
		for i := range 4 {
			s.importOne(t, fmt.Sprintf("paper%d@example.org", i))
		}
		withdrawn := s.sign(t, "signer1@example.org") // the same person: the mail of the first link is the one to use
		_ = withdrawn
		m := app.Mail.All()
		var first *testkit.Mail
		for _, x := range m {
			if len(x.To) == 1 && x.To[0] == "signer1@example.org" {
				first = x
				break
			}
		}
		s.follow(t, first, "withdraw")
		s.sign(t, "pending@example.org") // not confirmed: no leaf

		c := &translog.Client{Base: app.URL}
		key, err := c.Key(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pc, err := c.PublishedCount(ctx, s.petition)
		if err != nil {
			t.Fatal(err)
		}
		if pc.Count != 6 || pc.TreeSize != 8 {
			t.Fatalf("published count %+v, want 6 at 8 leaves (3 confirmed, 4 imported, 1 withdrawn)", pc)
		}
		cp, raw := fresh(t, app)
		if cp.Tree.N != 8 {
			t.Fatalf("checkpoint of %d leaves, want 8", cp.Tree.N)
		}
		entries, err := c.Entries(ctx, cp.Tree)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[translog.Kind]int{}
		for _, d := range entries {
			e, err := translog.ParseEntry(d)
			if err != nil {
				t.Fatal(err)
			}
			kinds[e.Kind]++
			if e.ActionID != s.petition || e.Tactic != "signature" {
				t.Errorf("leaf %q", d)
			}
			for _, personal := range []string{"example.org", "signer", "paper"} {
				if strings.Contains(string(d), personal) {
					t.Errorf("leaf %q names its person", d)
				}
			}
		}
		if kinds[translog.Confirm] != 7 || kinds[translog.Withdraw] != 1 {
			t.Errorf("leaves by kind %v, want 7 confirmations and 1 withdrawal", kinds)
		}
		if n, err := translog.Recount(entries, pc.TreeSize, s.petition); err != nil || n != pc.Count {
			t.Errorf("recount %d (%v), published %d", n, err, pc.Count)
		}

		// A receipt of a signature that still counts.
		st, receipt, _ := get(t, app.URL+"/log/receipt/"+ids[0])
		if st != 200 {
			t.Fatalf("receipt: %d", st)
		}
		p, err := translog.ParseProof(receipt)
		if err != nil {
			t.Fatal(err)
		}
		if _, e, err := translog.CheckProof(p, key); err != nil || e.Kind != translog.Confirm {
			t.Errorf("receipt: %v, %v", e, err)
		}
		p.Index++ // another leaf's index: the proof no longer holds
		if _, _, err := translog.CheckProof(p, key); err == nil {
			t.Error("a receipt with another index was accepted")
		}
		if st, _, _ := get(t, app.URL+"/log/receipt/"+store.NewID()); st != 404 {
			t.Errorf("receipt of nothing: %d", st)
		}

		// torchwood, an independent client: the checkpoint's signature,
		// then every entry against the tree's tiles.
		v, err := note.NewVerifier(key)
		if err != nil {
			t.Fatal(err)
		}
		n, err := note.Open(raw, note.VerifierList(v))
		if err != nil {
			t.Fatal(err)
		}
		tcp, err := torchwood.ParseCheckpoint(n.Text)
		if err != nil || tcp.Origin != v.Name() || tcp.Tree != cp.Tree {
			t.Fatalf("torchwood reads the checkpoint as %+v (%v)", tcp, err)
		}
		got := torchwoodEntries(t, app, tcp.Tree)
		if len(got) != len(entries) {
			t.Fatalf("torchwood read %d entries, want %d", len(got), len(entries))
		}
		for i := range got {
			if string(got[i]) != string(entries[i]) {
				t.Errorf("entry %d: torchwood %q, ours %q", i, got[i], entries[i])
			}
		}

		// tessera's fsck, another independent verifier, and its client's
		// inclusion proof of the receipt's leaf.
		if err := tesseraFsck(app); err != nil {
			t.Errorf("tessera fsck: %v", err)
		}
		u, _ := url.Parse(app.URL + "/log/")
		tf, _ := tclient.NewHTTPFetcher(u, nil)
		pb, err := tclient.NewProofBuilder(ctx, uint64(cp.Tree.N), tf.ReadTile)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := pb.InclusionProof(ctx, uint64(p.Index-1))
		if err != nil || len(proof) != len(p.Path) {
			t.Errorf("tessera's inclusion proof %x (%v), the receipt's %x", proof, err, p.Path)
		}
		for i := range proof {
			if string(proof[i]) != string(p.Path[i][:]) {
				t.Errorf("tessera's proof hash %d differs from the receipt's", i)
			}
		}

		// Tiles are immutable; the checkpoint is cached a few seconds.
		_, _, h := get(t, app.URL+"/log/tile/0/000.p/8")
		if !strings.Contains(h.Get("Cache-Control"), "immutable") {
			t.Errorf("tile cache control %q", h.Get("Cache-Control"))
		}
		_, _, h = get(t, app.URL+"/log/checkpoint")
		if h.Get("Cache-Control") != "public, max-age=2" {
			t.Errorf("checkpoint cache control %q", h.Get("Cache-Control"))
		}
		if st, _, _ := get(t, app.URL+"/log/tile/0/000.p/9"); st != 404 {
			t.Errorf("a tile beyond the tree: %d", st)
		}
	})
}

// torchwoodEntries reads every entry of tree with torchwood's client, which
// checks each against the tree's hash tiles.
func torchwoodEntries(t *testing.T, app *testkit.App, tree tlog.Tree) [][]byte {
	t.Helper()
	got, err := readTorchwood(app, tree)
	if err != nil {
		t.Fatalf("torchwood: %v", err)
	}
	return got
}

func readTorchwood(app *testkit.App, tree tlog.Tree) ([][]byte, error) {
	f, err := torchwood.NewTileFetcher(app.URL + "/log/")
	if err != nil {
		return nil, err
	}
	cl, err := torchwood.NewClient(f)
	if err != nil {
		return nil, err
	}
	var got [][]byte
	for len(got) < int(tree.N) {
		before := len(got)
		for _, e := range cl.Entries(context.Background(), tree, int64(len(got))) {
			got = append(got, e)
		}
		if err := cl.Err(); err != nil {
			return nil, err
		}
		if len(got) == before {
			break
		}
	}
	return got, nil
}

// TestTamperingIsCaught changes, in the database, a stored hash, a leaf
// and a count: `repertoire verify`'s checks (translog.Client) and
// torchwood each catch what they can see.
func TestTamperingIsCaught(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		s := newSite(t, app)
		for i := range 5 {
			s.importOne(t, fmt.Sprintf("paper%d@example.org", i))
		}
		before, _ := fresh(t, app)
		c := &translog.Client{Base: app.URL}
		recount := func(app *testkit.App) error {
			c := &translog.Client{Base: app.URL}
			cp, _ := fresh(t, app)
			pc, err := c.PublishedCount(ctx, s.petition)
			if err != nil {
				return err
			}
			entries, err := c.Entries(ctx, cp.Tree)
			if err != nil {
				return err
			}
			n, err := translog.Recount(entries, pc.TreeSize, s.petition)
			if err != nil {
				return err
			}
			if n != pc.Count {
				return fmt.Errorf("published %d, recounted %d", pc.Count, n)
			}
			return nil
		}
		if err := recount(app); err != nil {
			t.Fatalf("untouched log: %v", err)
		}
		if _, err := readTorchwood(app, before.Tree); err != nil {
			t.Fatalf("torchwood on the untouched log: %v", err)
		}
		if err := tesseraFsck(app); err != nil {
			t.Fatalf("tessera fsck on the untouched log: %v", err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := app.DB.Writer().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}

		// A leaf changed: a confirmation made of a withdrawal's slot.
		data := setLeaf(t, app.DB, 2, nil)
		setLeaf(t, app.DB, 2, []byte(strings.Replace(string(data), " confirm ", " withdraw ", 1)))
		changed := restart(t, app)
		if err := recount(changed); err == nil {
			t.Error("verify accepted a changed leaf")
		}
		if _, err := readTorchwood(changed, before.Tree); err == nil {
			t.Error("torchwood accepted a changed leaf")
		}
		if err := tesseraFsck(changed); err == nil {
			t.Error("tessera fsck accepted a changed leaf")
		}
		setLeaf(t, app.DB, 2, data)

		// A leaf's stored hash changed: the tiles no longer match the leaves.
		leaf := tlog.StoredHashIndex(0, 1)
		hash := setHash(t, app.DB, leaf, make([]byte, 32))
		changed = restart(t, app)
		if err := recount(changed); err == nil {
			t.Error("verify accepted a changed leaf hash")
		}
		if _, err := readTorchwood(changed, before.Tree); err == nil {
			t.Error("torchwood accepted a changed leaf hash")
		}
		if err := tesseraFsck(changed); err == nil {
			t.Error("tessera fsck accepted a changed leaf hash")
		}
		setHash(t, app.DB, leaf, hash)

		// The root's own hashes changed: the checkpoint is no longer
		// consistent with the one seen before.
		top := tlog.StoredHashIndex(2, 0) // the first four leaves' subtree, part of the root of five
		hash = setHash(t, app.DB, top, make([]byte, 32))
		changed = restart(t, app)
		now, _ := fresh(t, changed)
		if err := (&translog.Client{Base: changed.URL}).Consistent(ctx, before.Tree, now.Tree); err == nil {
			t.Error("verify accepted a changed root")
		}
		if err := tesseraFsck(changed); err == nil {
			t.Error("tessera fsck accepted a changed root")
		}
		setHash(t, app.DB, top, hash)

		// A count inflated in the counters: the recount disagrees.
		exec(`UPDATE action_counters SET imported = imported + 100 WHERE action_id = $1`, s.petition)
		if err := recount(app); err == nil || !strings.Contains(err.Error(), "published 105, recounted 5") {
			t.Errorf("an inflated count: %v", err)
		}
		exec(`UPDATE action_counters SET imported = imported - 100 WHERE action_id = $1`, s.petition)

		// Untouched again, and consistent across the restarts.
		again := restart(t, app)
		now, _ = fresh(t, again)
		if err := c.Consistent(ctx, before.Tree, now.Tree); err != nil {
			t.Errorf("after restarts: %v", err)
		}
		if err := recount(again); err != nil {
			t.Errorf("restored: %v", err)
		}
	})
}

// TestErasedPersonsLeavesNoLongerLinkToThem erases a signer: their
// signature's salt is gone, their leaves stay, an erase leaf takes them out of the count, and
// their receipt is no longer served.
func TestErasedPersonsLeavesNoLongerLinkToThem(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		s := newSite(t, app)
		id := s.follow(t, s.sign(t, "erased@example.org"), "confirm")
		s.importOne(t, "kept@example.org")
		var personID string
		if err := app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = 'erased@example.org'`).Scan(&personID); err != nil {
			t.Fatal(err)
		}
		if ok, err := translog.HasSubjectSalt(ctx, app.DB.Reader(), id); err != nil || !ok {
			t.Fatalf("no salt for a signature: %v", err)
		}
		if st, _, _ := get(t, app.URL+"/log/receipt/"+id); st != 200 {
			t.Fatalf("receipt before erasure: %d", st)
		}
		admin := app.Token(t, "admin@example.org", "Admin", true)
		if st := app.API(t, "DELETE", "/api/v1/people/"+personID, admin, nil, nil); st != http.StatusNoContent && st != http.StatusOK {
			t.Fatalf("erase: %d", st)
		}
		if ok, _ := translog.HasSalt(ctx, app.DB.Reader(), personID); ok {
			t.Error("the erased person's salt is still there")
		}
		if ok, _ := translog.HasSubjectSalt(ctx, app.DB.Reader(), id); ok {
			t.Error("the erased signature's salt is still there")
		}
		if st, _, _ := get(t, app.URL+"/log/receipt/"+id); st != 404 {
			t.Errorf("receipt after erasure: %d", st)
		}
		c := &translog.Client{Base: app.URL}
		cp, _ := fresh(t, app)
		entries, err := c.Entries(ctx, cp.Tree)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 3 {
			t.Fatalf("%d leaves, want 3 (two confirmations, one erasure)", len(entries))
		}
		last, _ := translog.ParseEntry(entries[2])
		firstLeaf, _ := translog.ParseEntry(entries[0])
		if last.Kind != translog.Erase || last.Person != firstLeaf.Person {
			t.Errorf("last leaf %+v, want the erasure of %s", last, firstLeaf.Person)
		}
		pc, err := c.PublishedCount(ctx, s.petition)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := translog.Recount(entries, pc.TreeSize, s.petition); n != 1 || pc.Count != 1 {
			t.Errorf("recount %d, published %d, want 1", n, pc.Count)
		}
	})
}

// TestErasureDropsEveryReceipt: a participation withdrawn before its
// person's erasure (no erase leaf: it no longer counts) has leaves too,
// and its receipt goes with the others.
func TestErasureDropsEveryReceipt(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		s := newSite(t, app)
		m := s.sign(t, "withdrawn@example.org")
		id := s.follow(t, m, "confirm")
		s.follow(t, m, "withdraw")
		if st, _, _ := get(t, app.URL+"/log/receipt/"+id); st != 200 {
			t.Fatalf("receipt of the withdrawal before erasure: %d", st)
		}
		var personID string
		if err := app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = 'withdrawn@example.org'`).Scan(&personID); err != nil {
			t.Fatal(err)
		}
		admin := app.Token(t, "admin@example.org", "Admin", true)
		if st := app.API(t, "DELETE", "/api/v1/people/"+personID, admin, nil, nil); st != http.StatusNoContent && st != http.StatusOK {
			t.Fatalf("erase: %d", st)
		}
		if st, _, _ := get(t, app.URL+"/log/receipt/"+id); st != 404 {
			t.Errorf("receipt of an erased person's withdrawn participation: %d", st)
		}
		if n, _ := translog.Size(ctx, app.DB.Reader()); n != 2 {
			t.Errorf("%d leaves, want 2 (a confirmation, a withdrawal; no erasure of what no longer counts)", n)
		}
	})
}

// tesseraFsck runs tessera's fsck on the log: it rebuilds every tile and
// the root from the entry bundles and compares them with those served.
func tesseraFsck(app *testkit.App) error {
	ctx := context.Background()
	c := &translog.Client{Base: app.URL}
	key, err := c.Key(ctx)
	if err != nil {
		return err
	}
	v, err := note.NewVerifier(key)
	if err != nil {
		return err
	}
	u, _ := url.Parse(app.URL + "/log/")
	f, err := tclient.NewHTTPFetcher(u, nil)
	if err != nil {
		return err
	}
	hashes := func(bundle []byte) ([][]byte, error) {
		entries, err := translog.SplitBundle(bundle)
		if err != nil {
			return nil, err
		}
		out := make([][]byte, len(entries))
		for i, e := range entries {
			h := tlog.RecordHash(e)
			out[i] = h[:]
		}
		return out, nil
	}
	return fsck.New(v.Name(), v, f, hashes, fsck.Opts{N: 1}).Check(ctx)
}

// TestPagesLinkTheLog checks what people see: the confirmation page offers
// the receipt, the petition's count says the log's size it is the count
// of, in the reader's language, and links to its count at that size and to
// how to verify it, and /transparency explains it in both languages.
func TestPagesLinkTheLog(t *testing.T) {
	app := testkit.Start(t)
	s := newSite(t, app)
	link := s.sign(t, "reader@example.org").Link(t, "/p/confirm/")
	st, page := app.Browser().Post(t, strings.TrimPrefix(link, app.URL), nil)
	id, _, _ := strings.Cut(link[strings.LastIndex(link, "/")+1:], ".")
	if st != 200 || !strings.Contains(page, `href="/log/receipt/`+id+`"`) || !strings.Contains(page, "Download your receipt") {
		t.Fatalf("confirmation page (%d) without its receipt:\n%s", st, page)
	}
	if st, body, _ := get(t, app.URL+"/log/receipt/"+id); st != 200 || !strings.HasPrefix(string(body), translog.ProofHeader+"\n") {
		t.Errorf("receipt link: %d %q", st, body)
	}
	var path string
	app.DB.Reader().QueryRowContext(context.Background(), `SELECT slug FROM petitions WHERE id = $1`, s.petition).Scan(&path)
	_, petition := app.Browser().Get(t, "/c/users/log-out/petitions/"+path)
	if !strings.Contains(petition, `href="/log/counts/`+s.petition+`"`) || !strings.Contains(petition, `href="/transparency"`) {
		t.Errorf("the petition's count links neither its checkpoint nor how to verify it")
	}
	for lang, want := range map[string]string{"en": "This count when the log held 1 entry", "fr": "Ce chiffre quand le journal comptait 1 entrée"} {
		b := app.Browser()
		b.Lang = lang
		if _, page := b.Get(t, "/c/users/log-out/petitions/"+path); !strings.Contains(page, `<a href="/log/counts/`+s.petition+`">`+want+`</a>`) {
			t.Errorf("the petition's count in %s does not say the log's size (%q)", lang, want)
		}
	}
	st, body, _ := get(t, app.URL+"/log/counts/"+s.petition)
	if st != 200 || !strings.Contains(string(body), `"count":1`) || !strings.Contains(string(body), `"tree_size":1`) {
		t.Errorf("count at checkpoint: %d %s", st, body)
	}
	for lang, want := range map[string]string{"en": "Counts anyone can verify", "fr": "Des chiffres que chacun peut vérifier"} {
		b := app.Browser()
		b.Lang = lang
		st, page := b.Get(t, "/transparency")
		if st != 200 || !strings.Contains(page, want) || !strings.Contains(page, "repertoire verify --log "+app.URL) {
			t.Errorf("/transparency in %s (%d):\n%s", lang, st, page)
		}
	}
}

// TestLogFillsFromEarlierCounts starts on a database whose participations
// were counted before the log existed: at start the log gets a
// confirmation for each, once, and the published count then verifies.
func TestLogFillsFromEarlierCounts(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, before *testkit.App) {
		ctx := context.Background()
		key := before.Server.Config.LogKey
		// The same database, served first without the log.
		app := testkit.StartWith(t, before.DB, func(c *server.Config) { c.NoLog = true })
		s := newSite(t, app)
		for i := range 3 {
			s.importOne(t, fmt.Sprintf("early%d@example.org", i))
		}
		if n, _ := translog.Size(ctx, app.DB.Reader()); n != 0 {
			t.Fatalf("%d leaves with the log off", n)
		}
		on := testkit.StartWith(t, app.DB, func(c *server.Config) { c.LogKey = key })
		again := testkit.StartWith(t, app.DB, func(c *server.Config) { c.LogKey = key })
		if n, _ := translog.Size(ctx, again.DB.Reader()); n != 3 {
			t.Fatalf("%d leaves after two starts, want 3", n)
		}
		c := &translog.Client{Base: on.URL}
		cp, _ := fresh(t, on)
		entries, err := c.Entries(ctx, cp.Tree)
		if err != nil {
			t.Fatal(err)
		}
		pc, err := c.PublishedCount(ctx, s.petition)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := translog.Recount(entries, pc.TreeSize, s.petition); n != 3 || pc.Count != 3 {
			t.Errorf("recount %d, published %d, want 3", n, pc.Count)
		}
	})
}

// TestImportsReceiptFromItsPlace: an import's confirmation writes no
// receipt row (its participation keeps its salt and the log's size before
// its append, migration 47), yet its receipt is served, proves its own
// leaf among others appended around it, and goes with its person's
// erasure; the erase leaf names the person as the confirmation did.
func TestImportsReceiptFromItsPlace(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		s := newSite(t, app)
		s.follow(t, s.sign(t, "online@example.org"), "confirm")
		emails := []string{"paper0@example.org", "paper1@example.org", "paper2@example.org"}
		for _, e := range emails {
			s.importOne(t, e)
		}
		c := &translog.Client{Base: app.URL}
		key, err := c.Key(ctx)
		if err != nil {
			t.Fatal(err)
		}
		idOf := func(email string) (id, personID string) {
			t.Helper()
			if err := app.DB.Reader().QueryRowContext(ctx, `SELECT p.id, p.person_id FROM participations p
				JOIN people ON people.id = p.person_id WHERE people.email = $1`, email).Scan(&id, &personID); err != nil {
				t.Fatal(err)
			}
			return id, personID
		}
		seen := map[int64]bool{}
		var firstLeaf translog.Entry
		for _, e := range emails {
			id, _ := idOf(e)
			if ok, err := translog.HasSubjectSalt(ctx, app.DB.Reader(), id); err != nil || ok {
				t.Errorf("an import has a receipt row (%v)", err)
			}
			st, receipt, _ := get(t, app.URL+"/log/receipt/"+id)
			if st != 200 {
				t.Fatalf("receipt of an import: %d", st)
			}
			p, err := translog.ParseProof(receipt)
			if err != nil {
				t.Fatal(err)
			}
			_, entry, err := translog.CheckProof(p, key)
			if err != nil || entry.Kind != translog.Confirm || entry.ActionID != s.petition {
				t.Errorf("receipt of an import: %+v, %v", entry, err)
			}
			if seen[p.Index] || p.Index == 0 {
				t.Errorf("receipt of %s at %d: another participation's leaf", e, p.Index)
			}
			seen[p.Index] = true
			if e == emails[0] {
				firstLeaf = entry
			}
		}

		id, personID := idOf(emails[0])
		admin := app.Token(t, "admin@example.org", "Admin", true)
		if st := app.API(t, "DELETE", "/api/v1/people/"+personID, admin, nil, nil); st != http.StatusNoContent && st != http.StatusOK {
			t.Fatalf("erase: %d", st)
		}
		if st, _, _ := get(t, app.URL+"/log/receipt/"+id); st != 404 {
			t.Errorf("receipt of an erased import: %d", st)
		}
		cp, _ := fresh(t, app)
		entries, err := c.Entries(ctx, cp.Tree)
		if err != nil {
			t.Fatal(err)
		}
		last, _ := translog.ParseEntry(entries[len(entries)-1])
		if len(entries) != 5 || last.Kind != translog.Erase || last.Person != firstLeaf.Person {
			t.Errorf("%d leaves, the last %+v: want 5, the erasure of %s", len(entries), last, firstLeaf.Person)
		}
		pc, err := c.PublishedCount(ctx, s.petition)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := translog.Recount(entries, pc.TreeSize, s.petition); err != nil || n != pc.Count || n != 3 {
			t.Errorf("recount %d (%v), published %d, want 3", n, err, pc.Count)
		}
	})
}

package vault_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"repertoire"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/vault"
)

var day = time.Date(2018, 3, 20, 9, 30, 0, 0, time.UTC)

// ada is a member's archive with accented text, escaped the Facebook way.
func ada(old bool) vault.Sample {
	return vault.Sample{Name: "Adèle Renée", Email: "adele@example.org", City: "Montréal", Joined: day.AddDate(-8, 0, 0), Old: old,
		Posts:    []vault.SampleText{{Time: day, Text: "Grève générale à Montréal ✊"}, {Time: day.Add(time.Hour), Text: "Second post"}},
		Comments: []vault.SampleText{{Time: day.Add(2 * time.Hour), Text: "Très bien dit", Who: "Zoé"}},
		Reactions: []vault.SampleText{{Time: day.Add(3 * time.Hour), Text: "LIKE", Who: "Zoé"},
			{Time: day.Add(4 * time.Hour), Text: "LOVE", Who: "Noé"}},
		Interests:   []string{"Syndicalisme", "Café"},
		OffPlatform: []vault.SampleText{{Time: day, Text: "PAGE_VIEW", Who: "shop.example"}, {Time: day.Add(time.Minute), Text: "PURCHASE", Who: "shop.example"}}}
}

func archive(t testing.TB, s vault.Sample) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := vault.WriteSample(&buf, s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func importer(db *store.DB) *vault.Importer {
	return &vault.Importer{Store: vault.NewStore(db), Limits: vault.DefaultLimits()}
}

func TestFacebookArchiveBothLayouts(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		im := importer(db)
		for _, old := range []bool{false, true} {
			id := people(t, db, map[bool]string{false: "new@example.org", true: "old@example.org"}[old])[0]
			data := archive(t, ada(old))
			if !bytes.Contains(entry(t, data, "posts/"), []byte(`Gr\u00c3\u00a8ve`)) {
				t.Fatal("the fixture is not escaped the Facebook way")
			}
			res, err := im.Facebook(ctx, id, bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatalf("old layout %v: %v", old, err)
			}
			// Profile: name, emails, current_city.
			want := map[string]int{"profile": 3, "posts": 2, "comments": 1, "reactions": 2, "ads_interests": 2, "off_platform_activity": 2, "other": 0}
			counts, _ := im.Store.Counts(ctx, id)
			for cat, n := range want {
				if counts[cat] != n {
					t.Errorf("old layout %v: %s has %d items, want %d", old, cat, counts[cat], n)
				}
			}
			if res.Files != 6 || res.Read != 12 || res.Added != 12 {
				t.Errorf("old layout %v: result %+v", old, res)
			}
			posts, _ := im.Store.Items(ctx, id, "posts", "", 10)
			var first map[string]any
			json.Unmarshal(posts[0].Data, &first)
			if first["text"] != "Grève générale à Montréal ✊" || !posts[0].Time.Equal(day) || posts[0].Source != vault.SourceFacebook || posts[0].Kind != "post" {
				t.Errorf("old layout %v: first post %+v, %v", old, posts[0], first)
			}
			profile, _ := im.Store.Items(ctx, id, "profile", "", 10)
			var sawName bool
			for _, it := range profile {
				if it.Kind == "name" && strings.Contains(string(it.Data), "Adèle Renée") {
					sawName = true
				}
			}
			if !sawName {
				t.Errorf("old layout %v: no profile name among %d items", old, len(profile))
			}
			// The same archive again adds nothing.
			again, err := im.Facebook(ctx, id, bytes.NewReader(data), int64(len(data)))
			if err != nil || again.Added != 0 || again.Read != 12 {
				t.Errorf("old layout %v: second import %+v, %v", old, again, err)
			}
		}
	})
}

// entry is the content of the archive's first entry whose name holds part.
func entry(t *testing.T, data []byte, part string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.Contains(f.Name, part) {
			rc, _ := f.Open()
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			return b
		}
	}
	t.Fatalf("no entry %s", part)
	return nil
}

// zipOf writes a zip of names and bodies, in order.
func zipOf(t *testing.T, namesAndBodies ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(namesAndBodies); i += 2 {
		name, body := namesAndBodies[i], namesAndBodies[i+1]
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

// An archive refused keeps nothing of itself, whatever was read before
// the fault; each refusal names the file field.
func TestFacebookArchiveRefused(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		id := people(t, db, "ada@example.org")[0]
		many := make([]string, 3000)
		for i := range many {
			many[i] = `{"timestamp": ` + string(rune('1'+i%9)) + `00000000, "data": [{"post": "post ` + strings.Repeat("x", i%50) + `"}], "title": "t` + string(rune('a'+i%26)) + `"}`
		}
		bigPosts := "[" + strings.Join(many, ",") + "]"
		cases := []struct {
			name    string
			data    []byte
			limits  func(*vault.Limits)
			message string
		}{
			{"not a zip", []byte("hello, this is text"), nil, "vault.archive_unreadable"},
			{"no file it knows", zipOf(t, "messages/inbox/a.json", "{}"), nil, "vault.archive_not_facebook"},
			{"broken JSON after good items", zipOf(t,
				"posts/your_posts_1.json", bigPosts, // 3,000 posts read, three batches written
				"comments/comments.json", `{"comments": [{"timestamp": 1, "data": [`), nil, "vault.archive_bad_file"},
			{"too many entries", archive(t, ada(false)), func(l *vault.Limits) { l.MaxEntries = 3 }, "vault.archive_too_many"},
			{"declares too much", archive(t, ada(false)), func(l *vault.Limits) { l.MaxUncompressed = 100 }, "vault.archive_too_large"},
		}
		for _, c := range cases {
			im := importer(db)
			if c.limits != nil {
				c.limits(&im.Limits)
			}
			_, err := im.Facebook(ctx, id, bytes.NewReader(c.data), int64(len(c.data)))
			e, ok := err.(*repertoire.Error)
			if !ok || e.Code != repertoire.EINVALID || e.Field != "file" || e.MessageID != c.message {
				t.Errorf("%s: %v, want %s on file", c.name, err, c.message)
			}
			if items, _ := im.Store.Items(ctx, id, "", "", 10); len(items) != 0 {
				t.Errorf("%s: %d items kept", c.name, len(items))
			}
		}
	})
}

// A zip bomb whose directory lies about its sizes is refused once it
// inflates past what it declared (archive/zip checks each entry; the
// import's own budget of inflated bytes is there besides).
func TestFacebookArchiveBomb(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		id := people(t, db, "ada@example.org")[0]
		// One post file inflating to 4 MiB of spaces, its header saying
		// 10 bytes: archive/zip would find the lie only at the end.
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		f, _ := zw.CreateHeader(&zip.FileHeader{Name: "posts/your_posts_1.json", Method: zip.Deflate})
		f.Write([]byte("[" + strings.Repeat(" ", 4<<20) + "]"))
		zw.Close()
		data := buf.Bytes()
		im := importer(db)
		im.Limits.MaxUncompressed = 1 << 20
		// The central directory says how large the entry is; a bomb lies.
		lie := bytes.LastIndex(data, []byte("PK\x01\x02"))
		if lie < 0 {
			t.Fatal("no central directory")
		}
		copy(data[lie+24:lie+28], []byte{10, 0, 0, 0}) // uncompressed size: 10
		_, err := im.Facebook(context.Background(), id, bytes.NewReader(data), int64(len(data)))
		if e, ok := err.(*repertoire.Error); !ok || e.MessageID != "vault.archive_bad_file" {
			t.Fatalf("bomb: %v", err)
		}
	})
}

func TestGenericFiles(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		id := people(t, db, "ada@example.org")[0]
		im := importer(db)
		csvText := "\ufeffdate,trip,earnings\n2024-05-01,Airport,31.50\n2024-05-02T08:00:00Z,Station,\"12,00\"\n,Unknown,3\n"
		res, err := im.Generic(ctx, id, strings.NewReader(csvText), vault.Generic{Format: "csv", Category: "other", TimeField: "date"})
		if err != nil || res.Read != 3 || res.Added != 3 {
			t.Fatalf("csv: %+v, %v", res, err)
		}
		items, _ := im.Store.Items(ctx, id, "other", "", 10)
		if len(items) != 3 || !items[0].Time.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) ||
			!items[1].Time.Equal(time.Date(2024, 5, 2, 8, 0, 0, 0, time.UTC)) || !items[2].Time.IsZero() {
			t.Fatalf("csv items: %+v", items)
		}
		if string(items[1].Data) != `{"date":"2024-05-02T08:00:00Z","earnings":"12,00","trip":"Station"}` || items[1].Source != "csv" {
			t.Errorf("csv row: %s from %s", items[1].Data, items[1].Source)
		}
		if again, _ := im.Generic(ctx, id, strings.NewReader(csvText), vault.Generic{Format: "csv", Category: "other", TimeField: "date"}); again.Added != 0 {
			t.Errorf("csv again added %d", again.Added)
		}
		jsonText := `{"exported": "today", "rides": [{"at": 1714550400, "from": "Gare", "fare": 12.5}, {"at": "2024-05-02", "from": "Aéroport"}, "a note"]}`
		res, err = im.Generic(ctx, id, strings.NewReader(jsonText), vault.Generic{Format: "json", Category: "posts", TimeField: "at"})
		if err != nil || res.Added != 3 {
			t.Fatalf("json: %+v, %v", res, err)
		}
		posts, _ := im.Store.Items(ctx, id, "posts", "", 10)
		if len(posts) != 3 || string(posts[0].Data) != `{"at":1714550400,"fare":12.5,"from":"Gare"}` ||
			!posts[0].Time.Equal(time.Unix(1714550400, 0)) || string(posts[2].Data) != `{"value":"a note"}` {
			t.Errorf("json items: %s, %s, %v", posts[0].Data, posts[2].Data, posts[0].Time)
		}
		// Refusals name their field, and keep nothing.
		_, err = im.Generic(ctx, id, strings.NewReader("x"), vault.Generic{Format: "xml", Category: "diaries"})
		fields := map[string]bool{}
		for _, fe := range repertoire.FieldErrors(err) {
			fields[fe.Field] = true
		}
		if !fields["format"] || !fields["category"] {
			t.Errorf("bad choices: %v", err)
		}
		_, err = im.Generic(ctx, id, strings.NewReader(`[{"a": 1}, {"a": 2}, {"a": `), vault.Generic{Format: "json", Category: "comments"})
		if e, ok := err.(*repertoire.Error); !ok || e.MessageID != "vault.file_bad_json" {
			t.Errorf("broken json: %v", err)
		}
		if n, _ := im.Store.Items(ctx, id, "comments", "", 10); len(n) != 0 {
			t.Errorf("broken json kept %d items", len(n))
		}
	})
}

func TestFixText(t *testing.T) {
	for in, want := range map[string]string{
		"Gr\u00c3\u00a8ve":          "Grève",
		"caf\u00e9":                 "café", // Latin-1 decoded right: left alone
		"plain":                     "plain",
		"\u00e2\u009c\u008a":        "✊",
		"déjà ✊":                    "déjà ✊",
		"\u00c3\u00a9t\u00c3\u00a9": "été",
	} {
		if got := vault.FixText(in); got != want {
			t.Errorf("FixText(%q) = %q, want %q", in, got, want)
		}
	}
}

package vault

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkItem fails on an item the store could not keep as it is: an
// unknown category, data that is not a JSON object, text that is not UTF-8.
func checkItem(t *testing.T, it Item) {
	t.Helper()
	if !ValidCategory(it.Category) {
		t.Fatalf("item of category %q", it.Category)
	}
	var m map[string]any
	if err := json.Unmarshal(it.Data, &m); err != nil || !utf8.Valid(it.Data) {
		t.Fatalf("item data %q: %v", it.Data, err)
	}
}

// Every kind of Facebook file, on any bytes: an error or items the store
// can keep, never a panic.
func FuzzFacebookFiles(f *testing.F) {
	f.Add([]byte(`{"profile_v2": {"name": {"full_name": "Ad\u00c3\u00a8le"}, "registration_timestamp": 1}}`))
	f.Add([]byte(`[{"timestamp": 1521540000, "data": [{"post": "Gr\u00c3\u00a8ve"}], "title": "t"}]`))
	f.Add([]byte(`{"comments_v2": [{"timestamp": 1, "data": [{"comment": {"comment": "x", "author": "y"}}]}]}`))
	f.Add([]byte(`{"topics_v2": ["a", "b", {"x": 1}]}`))
	f.Add([]byte(`{"off_facebook_activity_v2": [{"name": "s", "events": [{"id": 1, "type": "PURCHASE", "timestamp": 2}]}]}`))
	f.Add([]byte(`{"a": {"b": [1, {"c": []}]}, "list": [null, 1, "x", [2]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, file := range facebookFiles {
			file.kind.read(bytes.NewReader(data), Limits{MaxEntryBytes: 1 << 20}, func(it Item) error {
				it.Category, it.Source = file.kind.category, SourceFacebook
				checkItem(t, it)
				return nil
			})
		}
	})
}

// A generic CSV or JSON file, on any bytes and any time field.
func FuzzGenericFiles(f *testing.F) {
	f.Add([]byte("date,trip\n2024-05-01,Airport\n"), "date")
	f.Add([]byte("\ufeffa;b\n\"x\ny\",2\n"), "")
	f.Add([]byte(`[{"at": 1714550400, "x": 1}, "note", null, [1]]`), "at")
	f.Add([]byte(`{"rides": [{"at": "2024-05-02"}], "meta": {"n": 1}}`), "at")
	f.Fuzz(func(t *testing.T, data []byte, timeField string) {
		for _, format := range []string{SourceCSV, SourceJSON} {
			g := Generic{Format: format, Category: "other", TimeField: timeField}
			add := func(it Item) error {
				checkItem(t, it)
				if !it.Time.IsZero() && (it.Time.Year() < 1 || it.Time.Year() > 9999) {
					t.Fatalf("time %v", it.Time)
				}
				return nil
			}
			if format == SourceCSV {
				readCSV(bytes.NewReader(data), g, add)
			} else {
				streamLists(bytes.NewReader(data), func(_ string, v any) error { return addRecord(g, v, add) })
			}
		}
	})
}

// FixText keeps valid text valid, and undoes what FacebookEscape does.
func FuzzFixText(f *testing.F) {
	for _, s := range []string{"Grève", "café", "✊ déjà", "plain", "\u00c3\u00a9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		if got := FixText(s); !utf8.ValidString(got) {
			t.Fatalf("FixText(%q) = %q, not UTF-8", s, got)
		}
		data, _ := json.Marshal(s)
		var escaped string
		if err := json.Unmarshal(FacebookEscape(data), &escaped); err != nil {
			t.Fatalf("escaped %q: %v", s, err)
		}
		if got := FixText(escaped); got != s && strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 }) {
			t.Fatalf("FixText(FacebookEscape(%q)) = %q", s, got)
		}
	})
}

package vault

import (
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The files of Facebook's "Download your information" archive (JSON) the
// vault reads, in both layouts: your_facebook_activity/… and
// personal_information/… since 2022, top-level folders before. The
// archive's own top folder (facebook-<name>-<date>/) may wrap them.
var facebookFiles = []struct {
	re   *regexp.Regexp
	kind *fbKind
}{
	{regexp.MustCompile(`(^|/)profile_information/profile_information\.json$`), &fbKind{category: "profile", whole: profile}},
	{regexp.MustCompile(`(^|/)posts/your_posts[a-z_]*?(_\d+)?\.json$`), &fbKind{category: "posts", elem: post}},
	{regexp.MustCompile(`(^|/)comments(_and_reactions)?/comments(_\d+)?\.json$`), &fbKind{category: "comments", elem: comment}},
	{regexp.MustCompile(`(^|/)comments_and_reactions/likes_and_reactions(_\d+)?\.json$`), &fbKind{category: "reactions", elem: reaction}},
	{regexp.MustCompile(`(^|/)likes_and_reactions/(posts_and_comments|likes_and_reactions(_\d+)?)\.json$`), &fbKind{category: "reactions", elem: reaction}},
	{regexp.MustCompile(`(^|/)ads_(information|and_businesses)/ads_interests\.json$`), &fbKind{category: "ads_interests", elem: adsInterest}},
	{regexp.MustCompile(`(^|/)apps_and_websites_off_of_facebook/your_(activity_off_meta_technologies|off-facebook_activity)\.json$`),
		&fbKind{category: "off_platform_activity", elem: offPlatform}},
}

// facebookFile is how to read an entry of the archive, nil for one the
// vault leaves alone.
func facebookFile(name string) *fbKind {
	for _, f := range facebookFiles {
		if f.re.MatchString(name) {
			return f.kind
		}
	}
	return nil
}

// fbKind reads one kind of file: an element at a time (elem), or whole
// when small (whole: the profile).
type fbKind struct {
	category string
	elem     func(v any) []Item
	whole    func(v any) []Item
}

func (k *fbKind) read(r io.Reader, lim Limits, add func(Item) error) error {
	emit := func(items []Item) error {
		for _, it := range items {
			it.Category, it.Source = k.category, SourceFacebook
			if err := add(it); err != nil {
				return err
			}
		}
		return nil
	}
	if k.whole != nil {
		dec := json.NewDecoder(io.LimitReader(r, lim.MaxEntryBytes))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return err
		}
		return emit(k.whole(Fix(v)))
	}
	return streamLists(r, func(_ string, v any) error { return emit(k.elem(Fix(v))) })
}

// Fix undoes Facebook's mojibake in every string of v: its JSON escapes
// each byte of UTF-8 as a character (é, C3 A9, arrives as \u00c3\u00a9).
func Fix(v any) any {
	switch x := v.(type) {
	case string:
		return FixText(x)
	case []any:
		for i := range x {
			x[i] = Fix(x[i])
		}
	case map[string]any:
		for k, e := range x {
			if fk := FixText(k); fk != k {
				delete(x, k)
				k = fk
			}
			x[k] = Fix(e)
		}
	}
	return v
}

// FixText reads a string whose characters are all below U+0100 as the
// bytes of UTF-8 they stand for, when they form valid UTF-8 with at least
// one byte over 0x7F; anything else is left as it is (real Latin-1 text
// such as "café" decoded right does not form valid UTF-8 that way).
func FixText(s string) string {
	high := false
	for _, r := range s {
		if r > 0xff {
			return s
		}
		if r >= 0x80 {
			high = true
		}
	}
	if !high {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	if !utf8.Valid(b) {
		return s
	}
	return string(b)
}

// unix reads a Facebook timestamp (seconds); zero when absent or 0.
func unix(v any) time.Time {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}
	}
	s, err := n.Int64()
	if err != nil || s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

func object(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// put sets key when v says something.
func put(m map[string]any, key string, v any) {
	switch x := v.(type) {
	case nil:
		return
	case string:
		if x == "" {
			return
		}
	case []any:
		if len(x) == 0 {
			return
		}
	}
	m[key] = v
}

// one is an item of fields, marshalled with sorted keys: the same item
// always hashes alike. An element with nothing to say is no item.
func one(kind string, at time.Time, fields map[string]any) []Item {
	if len(fields) == 0 {
		return nil
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return nil
	}
	return []Item{{Kind: kind, Time: at, Data: data}}
}

// profile is one item per field of the profile (name, emails, birthday,
// current city, …).
func profile(v any) []Item {
	root := object(v)
	p := object(root["profile_v2"])
	if p == nil {
		p = object(root["profile"])
	}
	if p == nil {
		return nil
	}
	at := unix(p["registration_timestamp"])
	var out []Item
	for k, val := range p {
		if k == "registration_timestamp" {
			continue
		}
		fields := map[string]any{}
		put(fields, "value", val)
		out = append(out, one(k, at, fields)...)
	}
	return out
}

// dataEntries are the objects of an element's "data" list.
func dataEntries(m map[string]any) []map[string]any {
	var out []map[string]any
	list, _ := m["data"].([]any)
	for _, d := range list {
		if o := object(d); o != nil {
			out = append(out, o)
		}
	}
	return out
}

func post(v any) []Item {
	m := object(v)
	if m == nil {
		return nil
	}
	var texts []string
	for _, d := range dataEntries(m) {
		if s, ok := d["post"].(string); ok && s != "" {
			texts = append(texts, s)
		}
	}
	fields := map[string]any{}
	put(fields, "text", strings.Join(texts, "\n"))
	put(fields, "title", m["title"])
	put(fields, "attachments", m["attachments"])
	put(fields, "tags", m["tags"])
	return one("post", unix(m["timestamp"]), fields)
}

func comment(v any) []Item {
	m := object(v)
	if m == nil {
		return nil
	}
	at := unix(m["timestamp"])
	fields := map[string]any{}
	for _, d := range dataEntries(m) {
		c := object(d["comment"])
		if c == nil {
			continue
		}
		put(fields, "text", c["comment"])
		put(fields, "author", c["author"])
		put(fields, "group", c["group"])
		if at.IsZero() {
			at = unix(c["timestamp"])
		}
	}
	put(fields, "title", m["title"])
	put(fields, "attachments", m["attachments"])
	return one("comment", at, fields)
}

func reaction(v any) []Item {
	m := object(v)
	if m == nil {
		return nil
	}
	fields := map[string]any{}
	for _, d := range dataEntries(m) {
		r := object(d["reaction"])
		if r == nil {
			continue
		}
		put(fields, "reaction", r["reaction"])
		put(fields, "actor", r["actor"])
	}
	put(fields, "title", m["title"])
	return one("reaction", unix(m["timestamp"]), fields)
}

func adsInterest(v any) []Item {
	fields := map[string]any{}
	switch x := v.(type) {
	case string:
		put(fields, "topic", x)
	case map[string]any:
		for k, e := range x {
			put(fields, k, e)
		}
	}
	return one("ads_interest", time.Time{}, fields)
}

// offPlatform is one item per event an app or site reported.
func offPlatform(v any) []Item {
	m := object(v)
	if m == nil {
		return nil
	}
	events, _ := m["events"].([]any)
	if len(events) == 0 {
		fields := map[string]any{}
		put(fields, "name", m["name"])
		return one("off_platform_event", time.Time{}, fields)
	}
	var out []Item
	for _, e := range events {
		ev := object(e)
		if ev == nil {
			continue
		}
		fields := map[string]any{}
		put(fields, "name", m["name"])
		put(fields, "type", ev["type"])
		put(fields, "id", ev["id"])
		out = append(out, one("off_platform_event", unix(ev["timestamp"]), fields)...)
	}
	return out
}

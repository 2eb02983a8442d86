package vault

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Sample describes a small "Download your information" archive, written
// by WriteSample the way Facebook writes them (the demo's members, the
// tests). Times are kept to the second, as Facebook's are.
type Sample struct {
	Name        string
	Email       string
	City        string
	Joined      time.Time
	Posts       []SampleText
	Comments    []SampleText // Who: the author of the post commented on
	Reactions   []SampleText // Text: the reaction (LIKE, LOVE…), Who: whose post
	Interests   []string
	OffPlatform []SampleText // Who: the app or site, Text: the event's type
	// Old writes the layout of the archives before 2022 (posts/…,
	// comments/…, likes_and_reactions/…, ads_and_businesses/…).
	Old bool
}

// SampleText is one post, comment, reaction or event.
type SampleText struct {
	Time      time.Time
	Text, Who string
}

// WriteSample writes s as a zip to w, its JSON escaped as Facebook's is
// (every byte of UTF-8 beyond ASCII as \u00XX), inside the archive's own
// top folder.
func WriteSample(w io.Writer, s Sample) error {
	zw := zip.NewWriter(w)
	top := "facebook-sample/"
	paths := map[string]string{
		"profile":   "personal_information/profile_information/profile_information.json",
		"posts":     "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json",
		"comments":  "your_facebook_activity/comments_and_reactions/comments.json",
		"reactions": "your_facebook_activity/comments_and_reactions/likes_and_reactions_1.json",
		"ads":       "ads_information/ads_interests.json",
		"off":       "apps_and_websites_off_of_facebook/your_activity_off_meta_technologies.json",
	}
	keys := map[string]string{"profile": "profile_v2", "comments": "comments_v2", "ads": "topics_v2", "off": "off_facebook_activity_v2"}
	if s.Old {
		paths = map[string]string{
			"profile":   "profile_information/profile_information.json",
			"posts":     "posts/your_posts_1.json",
			"comments":  "comments/comments.json",
			"reactions": "likes_and_reactions/posts_and_comments.json",
			"ads":       "ads_and_businesses/ads_interests.json",
			"off":       "apps_and_websites_off_of_facebook/your_off-facebook_activity.json",
		}
		keys = map[string]string{"profile": "profile", "comments": "comments", "reactions": "reactions", "ads": "topics", "off": "off_facebook_activity"}
	}
	write := func(which string, v any) error {
		if key := keys[which]; key != "" {
			v = map[string]any{key: v}
		}
		f, err := zw.Create(top + paths[which])
		if err != nil {
			return err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = f.Write(FacebookEscape(data))
		return err
	}
	profile := map[string]any{"name": map[string]any{"full_name": s.Name}, "registration_timestamp": s.Joined.Unix()}
	if s.Email != "" {
		profile["emails"] = map[string]any{"emails": []string{s.Email}}
	}
	if s.City != "" {
		profile["current_city"] = map[string]any{"name": s.City}
	}
	var posts, comments, reactions, off []any
	for _, p := range s.Posts {
		posts = append(posts, map[string]any{"timestamp": p.Time.Unix(), "data": []any{map[string]any{"post": p.Text}},
			"title": s.Name + " updated their status."})
	}
	for _, c := range s.Comments {
		comments = append(comments, map[string]any{"timestamp": c.Time.Unix(),
			"data":  []any{map[string]any{"comment": map[string]any{"timestamp": c.Time.Unix(), "comment": c.Text, "author": s.Name}}},
			"title": fmt.Sprintf("%s commented on %s's post.", s.Name, c.Who)})
	}
	for _, r := range s.Reactions {
		reactions = append(reactions, map[string]any{"timestamp": r.Time.Unix(),
			"data":  []any{map[string]any{"reaction": map[string]any{"reaction": r.Text, "actor": s.Name}}},
			"title": fmt.Sprintf("%s reacted to %s's post.", s.Name, r.Who)})
	}
	apps := map[string][]any{}
	var order []string
	for _, e := range s.OffPlatform {
		if _, ok := apps[e.Who]; !ok {
			order = append(order, e.Who)
		}
		apps[e.Who] = append(apps[e.Who], map[string]any{"id": len(apps[e.Who]) + 1, "type": e.Text, "timestamp": e.Time.Unix()})
	}
	for _, name := range order {
		off = append(off, map[string]any{"name": name, "events": apps[name]})
	}
	interests := s.Interests
	if interests == nil {
		interests = []string{}
	}
	for _, f := range []struct {
		which string
		v     any
	}{{"profile", profile}, {"posts", orEmpty(posts)}, {"comments", orEmpty(comments)}, {"reactions", orEmpty(reactions)},
		{"ads", interests}, {"off", orEmpty(off)}} {
		if err := write(f.which, f.v); err != nil {
			return err
		}
	}
	return zw.Close()
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

// FacebookEscape writes JSON the way Facebook's archives do: each byte of
// UTF-8 beyond ASCII as its own \u00XX escape (é becomes \u00c3\u00a9).
func FacebookEscape(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for _, b := range data {
		if b < 0x80 {
			out = append(out, b)
			continue
		}
		out = append(out, fmt.Sprintf(`\u00%02x`, b)...)
	}
	return out
}

package campaign

import (
	"repertoire/internal/web"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"repertoire"
)

func TestSlugify(t *testing.T) {
	cases := []struct{ title, want string }{
		{"Facebook users’ strike, May 1st 2018", "facebook-users-strike-may-1st-2018"},
		{"Grève des usagers : 1er mai !", "greve-des-usagers-1er-mai"},
		{"  --Ünïcödé--  ", "unicode"},
		{"Ανθρωποι", ""},
		{strings.Repeat("ab ", 40), strings.TrimSuffix(strings.Repeat("ab-", 20), "-")},
	}
	for _, tc := range cases {
		if got := web.Slugify(tc.title); got != tc.want {
			t.Errorf("Slugify(%q) = %q, want %q", tc.title, got, tc.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	cases := []struct {
		in   string
		want string // RFC 3339, "" when refused
	}{
		{"2018-05-01", "2018-05-01T00:00:00Z"},
		{" 2018-05-01 ", "2018-05-01T00:00:00Z"},
		{"2018-05-01T12:30:00+02:00", "2018-05-01T10:30:00Z"},
		{"2018-02-30", ""},
		{"01/05/2018", ""},
		{"May 1st", ""},
		{"", ""},
	}
	for _, tc := range cases {
		got, err := ParseDate(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseDate(%q) accepted: %v", tc.in, got)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339) != tc.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestDaysUntil(t *testing.T) {
	now := time.Date(2018, 4, 30, 15, 0, 0, 0, time.UTC)
	cases := []struct {
		day  string
		want int
	}{{"2018-05-01", 1}, {"2018-05-11", 11}, {"2018-04-30", 0}, {"2018-04-29", -1}, {"2018-04-20", -10}}
	for _, tc := range cases {
		d, _ := ParseDate(tc.day)
		if got := DaysUntil(now, d); got != tc.want {
			t.Errorf("DaysUntil(%s) = %d, want %d", tc.day, got, tc.want)
		}
	}
}

// FuzzCampaignForm feeds the new-campaign form's free text (a "one demand
// per line" textarea, a title, a date) through parsing and validation:
// nothing panics, every kept line is a trimmed non-empty line of the
// input, and a valid input normalizes to values within the limits that
// normalize again unchanged.
func FuzzCampaignForm(f *testing.F) {
	f.Add("Facebook users’ strike", "Facebook shares the exact date.\r\n\r\n  Facebook shuts down Messenger Kids.  \n", "2018-05-01")
	f.Add("", "\n\n\n", "")
	f.Add("Grève : 1er mai", "A\x00B\nÜ\u200b\n"+strings.Repeat("x", 1001), "2018-05-01T12:00:00+02:00")
	f.Add("\xff\xfe", "\xff\n\r\r\n\t", "0000-00-00")
	f.Fuzz(func(t *testing.T, title, demands, date string) {
		lines := Lines(demands)
		for _, l := range lines {
			if l == "" || l != strings.TrimSpace(l) || strings.ContainsAny(l, "\n") {
				t.Fatalf("line %q not trimmed", l)
			}
			if !strings.Contains(demands, l) {
				t.Fatalf("line %q not from the input", l)
			}
		}
		if d, err := ParseDate(date); err == nil && (d.Location() != time.UTC || d.Year() < 1) {
			t.Fatalf("date %q parsed to %v", date, d)
		}
		in := CampaignInput{Title: title, Sections: []SectionInput{{Title: title}}}
		for _, l := range lines {
			in.Sections[0].Demands = append(in.Sections[0].Demands, DemandInput{Text: l})
		}
		err := in.normalize()
		for _, fe := range repertoire.FieldErrors(err) {
			if fe.Field == "" || fe.MessageID == "" {
				t.Fatalf("error without field or message: %+v", fe)
			}
		}
		if err != nil {
			return
		}
		if in.Title == "" || utf8.RuneCountInString(in.Title) > MaxTitle || !utf8.ValidString(in.Title) || !ValidSlug(in.Slug) {
			t.Fatalf("accepted title %q, slug %q", in.Title, in.Slug)
		}
		for _, d := range in.Sections[0].Demands {
			if d.Text == "" || utf8.RuneCountInString(d.Text) > MaxDemandText || d.Status != StatusOpen {
				t.Fatalf("accepted demand %+v", d)
			}
		}
		again := in
		again.Sections = []SectionInput{{Title: in.Sections[0].Title, Demands: append([]DemandInput(nil), in.Sections[0].Demands...)}}
		if err := again.normalize(); err != nil || again.Title != in.Title || again.Slug != in.Slug {
			t.Fatalf("normalizing twice changed %q/%q to %q/%q (%v)", in.Title, in.Slug, again.Title, again.Slug, err)
		}
		for j, d := range again.Sections[0].Demands {
			if d.Text != in.Sections[0].Demands[j].Text {
				t.Fatalf("demand %d changed on the second pass: %q → %q", j, in.Sections[0].Demands[j].Text, d.Text)
			}
		}
	})
}

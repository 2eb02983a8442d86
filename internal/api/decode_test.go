package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"repertoire"
)

type sectionBody struct {
	Title   string `json:"title"`
	Demands []struct {
		Text string `json:"text"`
	} `json:"demands"`
}

type strictBody struct {
	Name     *string         `json:"name"`
	Date     json.RawMessage `json:"date"`
	Sections *[]sectionBody  `json:"sections"`
	Tags     map[string]int  `json:"tags"`
}

func unknownFields(t *testing.T, body string) string {
	t.Helper()
	err := unknownMembers([]byte(body), &strictBody{}, nil)
	var names []string
	for _, fe := range repertoire.FieldErrors(err) {
		if fe.MessageID != "field.unknown" {
			t.Fatalf("%s: message %s", body, fe.MessageID)
		}
		names = append(names, fe.Field)
	}
	if err != nil && len(names) == 0 {
		t.Fatalf("%s: %v", body, err)
	}
	return strings.Join(names, " ")
}

// Every unknown member is named, at any depth, once, in the order of the
// body; what the type defines (a map's keys, a raw value's content) and
// the members every document carries, at the top only, are not unknown.
func TestUnknownMembersAreNamed(t *testing.T) {
	cases := []struct{ body, want string }{
		{`{"name": "x", "date": "2018-05-01", "tags": {"any": 1}, "sections": [{"title": "A", "demands": [{"text": "x"}]}]}`, ""},
		{`{"name": "x", "visibilty": "private"}`, "visibilty"},
		{`{"Name": "x"}`, "Name"},
		{`{"date": {"anything": "goes"}, "nmae": 1, "nmae": 2}`, "nmae"},
		{`{"sections": [{"title": "A"}, {"titel": "B", "demands": [{"text": "x"}, {"txet": "y"}]}], "x~/y": 1}`,
			"sections[1].titel sections[1].demands[1].txet x~/y"},
		{`{"identifiers": ["repertoire:1"], "_links": {"self": {"href": "x"}}, "created_date": "2018", "sections": [{"identifiers": []}]}`,
			"sections[0].identifiers"},
		{`{"name": 5, "typo": 1}`, ""}, // a type error comes first: Decode names it
		{`[1, 2]`, ""},
	}
	for _, c := range cases {
		if got := unknownFields(t, c.body); got != c.want {
			t.Errorf("%s: %q, want %q", c.body, got, c.want)
		}
	}
	// With the resource's document, its members are read-only, not
	// unknown, however many elements repeat them.
	type demandDoc struct {
		Text   string `json:"text"`
		Number string `json:"number"`
	}
	type doc struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Sections []struct {
			Letter  string      `json:"letter"`
			Demands []demandDoc `json:"demands"`
		} `json:"sections"`
	}
	var back strings.Builder
	back.WriteString(`{"id": "1", "name": "x", "sections": [`)
	for i := range 200 {
		if i > 0 {
			back.WriteString(",")
		}
		fmt.Fprintf(&back, `{"letter": "A", "title": "T", "demands": [{"text": "x", "number": "A1"}, {"number": "A2", "txet": "y"}]}`)
	}
	back.WriteString(`], "nmae": "y"}`)
	err := unknownMembers([]byte(back.String()), &strictBody{}, &doc{})
	var got []string
	for _, fe := range repertoire.FieldErrors(err) {
		got = append(got, fe.Field)
	}
	if strings.Join(got, " ") != "sections[0].demands[1].txet nmae" {
		t.Errorf("a document sent back: %q (%v)", got, err)
	}

	// At most maxUnknown are named, however many there are.
	var b strings.Builder
	b.WriteString(`{"name": "x"`)
	for i := range 1000 {
		fmt.Fprintf(&b, `, "u%d": %d`, i, i)
	}
	b.WriteString("}")
	if got := strings.Fields(unknownFields(t, b.String())); len(got) != maxUnknown || got[0] != "u0" {
		t.Errorf("a thousand unknown members: %d named, first %q", len(got), got[0])
	}
}

package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"repertoire"
	"repertoire/internal/api"
)

var petitionish = api.Known{"title": nil, "_links": nil, "target": {"name": nil}, "referrer_data": {"source": nil}}

func TestKnownFieldsRefuseTheOthersByName(t *testing.T) {
	cases := []struct {
		body   string
		fields []string // refused, in order
	}{
		{`{"title": "x", "_links": {"anything": {"href": "y"}}, "target": [{"name": "a"}, {"name": "b"}]}`, nil},
		{`{"title": "x", "target": null, "referrer_data": {}}`, nil},
		{`{"titel": "x", "title": "y"}`, []string{"titel"}},
		{`{"target": [{"name": "a"}, {"nmae": "b", "email": "c"}]}`, []string{"target[1].email", "target[1].nmae"}},
		{`{"referrer_data": {"sauce": 1}, "zz": 2, "aa": 3}`, []string{"aa", "referrer_data.sauce", "zz"}},
		{`[{"title": "x"}, {"nope": 1}]`, []string{"[1].nope"}},
	}
	for _, c := range cases {
		err := petitionish.Check(json.RawMessage(c.body))
		var got []string
		for _, fe := range repertoire.FieldErrors(err) {
			if fe.MessageID != "api.unknown_field" {
				t.Errorf("%s: message %s", c.body, fe.MessageID)
			}
			got = append(got, fe.Field)
		}
		if !slices.Equal(got, c.fields) {
			t.Errorf("%s: refused %v, want %v", c.body, got, c.fields)
		}
	}
}

func TestDecodeKnown(t *testing.T) {
	var v struct {
		Title string `json:"title"`
	}
	decode := func(body string) error {
		r := httptest.NewRequest("POST", "/api/v1/petitions", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return api.DecodeKnown(httptest.NewRecorder(), r, &v, petitionish)
	}
	if err := decode(`{"title": "Stop"}`); err != nil || v.Title != "Stop" {
		t.Errorf("known body: %v %q", err, v.Title)
	}
	if err := decode(`{"title": 3}`); repertoire.AsError(err).Field != "title" {
		t.Errorf("wrong type: %v", err)
	}
	if fes := repertoire.FieldErrors(decode(`{"title": "x", "tilte": "y"}`)); len(fes) != 1 || fes[0].Field != "tilte" {
		t.Errorf("typo: %v", fes)
	}
	if err := decode(`{"title": "x"} {}`); repertoire.ErrorCode(err) != repertoire.EMALFORMED {
		t.Errorf("trailing data: %v", err)
	}
}

func TestLinkedID(t *testing.T) {
	for in, want := range map[string]string{
		`{"href": "https://r.example/api/v1/people/abc"}`:     "abc",
		`{"href": "https://r.example/api/v1/people/abc/"}`:    "abc",
		`{"href": "https://r.example/api/v1/people/abc?x=1"}`: "abc",
		`{"href": "repertoire:abc"}`:                          "abc",
		`{"href": ""}`:                                        "",
		`"abc"`:                                               "",
	} {
		got, err := api.LinkedID(json.RawMessage(in))
		if got != want || (err == nil) != (want != "") {
			t.Errorf("%s: %q, %v", in, got, err)
		}
	}
}

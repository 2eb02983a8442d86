package api_test

import (
	"reflect"
	"testing"

	"repertoire/internal/api"
)

func TestParseFilter(t *testing.T) {
	allowed := []string{"modified_date", "email_address"}
	cases := []struct {
		in   string
		want []api.Condition
		bad  bool
	}{
		{in: "", want: nil},
		{in: "modified_date gt '2026-01-01'", want: []api.Condition{{"modified_date", "gt", "2026-01-01"}}},
		{in: "email_address eq 'o''brien@example.org' and modified_date LE '2026-02-01T00:00:00Z'",
			want: []api.Condition{{"email_address", "eq", "o'brien@example.org"}, {"modified_date", "le", "2026-02-01T00:00:00Z"}}},
		{in: "password eq 'x'", bad: true},
		{in: "email_address like 'x'", bad: true},
		{in: "email_address eq 'unterminated", bad: true},
		{in: "email_address eq x", bad: true},
		{in: "email_address eq 'a' or modified_date gt 'b'", bad: true},
	}
	for _, tc := range cases {
		got, err := api.ParseFilter(tc.in, allowed...)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: accepted as %v", tc.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	f.Add("modified_date gt '2026-01-01' and email_address eq 'a@b.org'")
	f.Add("email_address eq 'it''s'")
	f.Fuzz(func(t *testing.T, s string) {
		conds, err := api.ParseFilter(s, "modified_date", "email_address")
		if err != nil {
			return
		}
		for _, c := range conds {
			if c.Field != "modified_date" && c.Field != "email_address" {
				t.Fatalf("field %q let through", c.Field)
			}
			if c.SQLOp() == "" {
				t.Fatalf("operator %q let through", c.Op)
			}
		}
	})
}

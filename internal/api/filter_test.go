package api_test

import (
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"repertoire"
	"repertoire/internal/api"
)

func parse(filters ...string) (api.Filter, error) {
	q := url.Values{"filter": filters}
	r := httptest.NewRequest("GET", "/api/v1/people?"+q.Encode(), nil)
	return api.ParseFilter(r, "email_address")
}

func TestParseFilter(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2026, 2, 1, 10, 30, 0, 0, time.UTC)
	cases := []struct {
		in    []string
		want  api.Filter
		field string // "" when accepted; else the problem's field
		msg   string
	}{
		{in: nil, want: api.Filter{}},
		{in: []string{""}, want: api.Filter{}},
		{in: []string{"modified_date gt '2026-01-01'"}, want: api.Filter{Times: []api.TimeBound{{"modified_date", ">", day}}}},
		{in: []string{"created_date lt '2026-02-01T11:30:00+01:00'"}, want: api.Filter{Times: []api.TimeBound{{"created_date", "<", at}}}},
		// eq matches the unit written: the day, or the second.
		{in: []string{"created_date eq '2026-01-01'"},
			want: api.Filter{Times: []api.TimeBound{{"created_date", ">=", day}, {"created_date", "<", day.AddDate(0, 0, 1)}}}},
		{in: []string{"modified_date EQ '2026-02-01T10:30:00'"},
			want: api.Filter{Times: []api.TimeBound{{"modified_date", ">=", at}, {"modified_date", "<", at.Add(time.Second)}}}},
		{in: []string{"email_address eq 'o''brien@example.org' and modified_date LE '2026-02-01T10:30:00Z'  AND created_date ge '2026-01-01'"},
			want: api.Filter{Times: []api.TimeBound{{"modified_date", "<=", at}, {"created_date", ">=", day}},
				Conditions: []api.Condition{{"email_address", "eq", "o'brien@example.org"}}}},
		// Two filter parameters are both applied.
		{in: []string{"modified_date gt '2026-01-01'", "modified_date lt '2026-02-01T10:30:00Z'"},
			want: api.Filter{Times: []api.TimeBound{{"modified_date", ">", day}, {"modified_date", "<", at}}}},
		{in: []string{"password eq 'x'"}, field: "filter", msg: "api.filter_field"},
		{in: []string{"email_address like 'x'"}, field: "filter", msg: "api.filter_operator"},
		{in: []string{"modified_date ne '2026-01-01'"}, field: "filter", msg: "api.filter_operator"},
		{in: []string{"modified_date gt 'yesterday'"}, field: "filter", msg: "api.filter_date"},
		{in: []string{"created_date gt '2026-13-01'"}, field: "filter", msg: "api.filter_date"},
		{in: []string{"email_address eq 'unterminated"}, field: "filter", msg: "api.bad_filter"},
		{in: []string{"email_address eq x"}, field: "filter", msg: "api.bad_filter"},
		{in: []string{"email_address eq 'a' or modified_date gt 'b'"}, field: "filter", msg: "api.bad_filter"},
		{in: []string{"(modified_date gt '2026-01-01')"}, field: "filter", msg: "api.filter_field"},
		{in: []string{"modified_date"}, field: "filter", msg: "api.bad_filter"},
		{in: []string{"modified_date gt '2026-01-01'", "nonsense"}, field: "filter", msg: "api.bad_filter"},
	}
	for _, tc := range cases {
		got, err := parse(tc.in...)
		if tc.field != "" {
			e := repertoire.AsError(err)
			if err == nil || e.Field != tc.field || e.MessageID != tc.msg || repertoire.ErrorCode(err) != repertoire.EINVALID {
				t.Errorf("%q: got %v, %v; want %s on %s", tc.in, got, err, tc.msg, tc.field)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestFilterWhere(t *testing.T) {
	f, err := parse("created_date eq '2026-01-01' and modified_date gt '2026-01-05T00:00:00Z'")
	if err != nil {
		t.Fatal(err)
	}
	var args []any
	where := f.Where("c.created_at", "c.modified_at", func(v any) string { args = append(args, v); return "$" + string(rune('0'+len(args))) })
	want := []string{"c.created_at >= $1", "c.created_at < $2", "c.modified_at > $3"}
	if !slices.Equal(where, want) || len(args) != 3 || !args[2].(time.Time).Equal(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("where %q, args %v", where, args)
	}
}

func FuzzParseFilter(f *testing.F) {
	f.Add("modified_date gt '2026-01-01' and email_address eq 'a@b.org'")
	f.Add("email_address eq 'it''s'")
	f.Add("created_date eq '2026-01-01T00:00:00.5Z'")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parse(s)
		if err != nil {
			return
		}
		for _, c := range got.Conditions {
			if c.Field != "email_address" || c.SQLOp() == "" {
				t.Fatalf("condition %v let through", c)
			}
		}
		for _, b := range got.Times {
			if !slices.Contains(api.Dates, b.Field) || !slices.Contains([]string{"<", "<=", ">", ">="}, b.Op) {
				t.Fatalf("bound %v let through", b)
			}
		}
	})
}

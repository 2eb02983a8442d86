package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"repertoire"
)

// OSDI collections take an OData subset in ?filter=: comparisons joined by
// "and", values in single quotes (” escapes a quote), e.g.
// modified_date gt '2026-01-01' and email_address eq 'a@b.org'.
// Every collection understands created_date and modified_date; a
// collection names the other fields it understands. Whatever is not
// understood is refused (422 naming filter), never ignored: a client that
// asked for a subset must not receive everything.

// Condition is one comparison of an OData filter: field op 'value'.
type Condition struct {
	Field string
	Op    string // eq, ne, gt, ge, lt, le
	Value string
}

// TimeBound is one bound on a date field: Field Op At, Op an SQL operator
// (<, <=, >, >=).
type TimeBound struct {
	Field string // created_date or modified_date
	Op    string
	At    time.Time
}

// Filter is a collection's ?filter=, parsed: bounds on its dates and
// comparisons of its other fields.
type Filter struct {
	Times      []TimeBound
	Conditions []Condition // fields other than the dates, in the order written
}

// Dates are the fields every collection filters on.
var Dates = []string{"created_date", "modified_date"}

var ops = map[string]string{"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}

// ParseFilter reads the request's ?filter= (several are joined by "and"):
// created_date and modified_date compared with gt, ge, lt, le or eq to a
// date ('2026-01-01', midnight UTC) or a time (RFC 3339, UTC when it has
// no offset), and the fields in allowed with any operator. gt and lt
// compare instants; eq matches the unit written: the whole day of a date,
// the second of a time (documents carry seconds). Anything else is a 422
// problem naming filter.
func ParseFilter(r *http.Request, allowed ...string) (Filter, error) {
	var f Filter
	for _, s := range r.URL.Query()["filter"] {
		conds, err := parseConditions(s, append(slices.Clone(Dates), allowed...))
		if err != nil {
			return Filter{}, err
		}
		for _, c := range conds {
			if !slices.Contains(Dates, c.Field) {
				f.Conditions = append(f.Conditions, c)
				continue
			}
			bounds, err := timeBounds(c)
			if err != nil {
				return Filter{}, err
			}
			f.Times = append(f.Times, bounds...)
		}
	}
	return f, nil
}

// timeBounds turns a comparison of a date field into bounds.
func timeBounds(c Condition) ([]TimeBound, error) {
	at, unit, ok := parseFilterTime(c.Value)
	if !ok {
		return nil, repertoire.Invalid("filter", "api.filter_date", map[string]any{"Field": c.Field})
	}
	switch c.Op {
	case "eq":
		return []TimeBound{{c.Field, ">=", at}, {c.Field, "<", at.Add(unit)}}, nil
	case "gt", "ge", "lt", "le":
		return []TimeBound{{c.Field, ops[c.Op], at}}, nil
	}
	return nil, repertoire.Invalid("filter", "api.filter_operator", map[string]any{"Field": c.Field, "Op": c.Op, "Ops": "gt, lt, eq, ge, le"})
}

// parseFilterTime reads a date or a time, and the unit it was written to.
func parseFilterTime(s string) (time.Time, time.Duration, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, 24 * time.Hour, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			unit := time.Second
			if t.Nanosecond() != 0 {
				unit = time.Microsecond // the database's precision
			}
			return t.UTC(), unit, true
		}
	}
	return time.Time{}, 0, false
}

// Where writes the filter's time bounds as SQL conditions on the columns
// holding created_date and modified_date; arg adds one argument and
// returns its placeholder, so the values are always bound.
func (f Filter) Where(created, modified string, arg func(any) string) []string {
	var out []string
	for _, b := range f.Times {
		col := created
		if b.Field == "modified_date" {
			col = modified
		}
		out = append(out, col+" "+b.Op+" "+arg(b.At.UTC()))
	}
	return out
}

// parseConditions parses the filter's text; fields outside allowed are
// refused.
func parseConditions(s string, allowed []string) ([]Condition, error) {
	bad := repertoire.Invalid("filter", "api.bad_filter", nil)
	var out []Condition
	rest := strings.TrimSpace(s)
	if rest == "" {
		return nil, nil
	}
	for {
		field, after, ok := strings.Cut(rest, " ")
		if !ok {
			return nil, bad
		}
		if !slices.Contains(allowed, field) {
			return nil, repertoire.Invalid("filter", "api.filter_field", map[string]any{"Field": field, "Fields": strings.Join(allowed, ", ")})
		}
		after = strings.TrimLeft(after, " ")
		op, after, ok := strings.Cut(after, " ")
		op = strings.ToLower(op)
		if !ok {
			return nil, bad
		}
		if ops[op] == "" {
			return nil, repertoire.Invalid("filter", "api.filter_operator", map[string]any{"Field": field, "Op": op, "Ops": "eq, ne, gt, ge, lt, le"})
		}
		after = strings.TrimLeft(after, " ")
		if !strings.HasPrefix(after, "'") {
			return nil, bad
		}
		var val strings.Builder
		i := 1
		closed := false
		for i < len(after) {
			if after[i] == '\'' {
				if i+1 < len(after) && after[i+1] == '\'' {
					val.WriteByte('\'')
					i += 2
					continue
				}
				closed = true
				i++
				break
			}
			val.WriteByte(after[i])
			i++
		}
		if !closed {
			return nil, bad
		}
		out = append(out, Condition{Field: field, Op: op, Value: val.String()})
		rest = strings.TrimSpace(after[i:])
		if rest == "" {
			return out, nil
		}
		conj, next, ok := strings.Cut(rest, " ")
		if !ok || !strings.EqualFold(conj, "and") {
			return nil, bad
		}
		rest = strings.TrimSpace(next)
	}
}

// SQLOp maps a condition's operator to SQL.
func (c Condition) SQLOp() string { return ops[c.Op] }

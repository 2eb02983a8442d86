package api

import (
	"strings"

	"repertoire"
)

// Condition is one comparison of an OData filter: field op 'value'.
type Condition struct {
	Field string
	Op    string // eq, ne, gt, ge, lt, le
	Value string
}

var ops = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

// ParseFilter reads the OData subset OSDI clients send: comparisons joined
// by "and", values in single quotes (” escapes a quote), e.g.
// modified_date gt '2026-01-01' and email_address eq 'a@b.org'.
// Fields outside allowed are refused.
func ParseFilter(s string, allowed ...string) ([]Condition, error) {
	bad := repertoire.Invalid("filter", "api.bad_filter", nil)
	var out []Condition
	rest := strings.TrimSpace(s)
	if rest == "" {
		return nil, nil
	}
	for {
		field, after, ok := strings.Cut(rest, " ")
		if !ok || !contains(allowed, field) {
			return nil, bad
		}
		after = strings.TrimLeft(after, " ")
		op, after, ok := strings.Cut(after, " ")
		if !ok || !ops[strings.ToLower(op)] {
			return nil, bad
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
		out = append(out, Condition{Field: field, Op: strings.ToLower(op), Value: val.String()})
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SQLOp maps a condition's operator to SQL.
func (c Condition) SQLOp() string {
	return map[string]string{"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}[c.Op]
}

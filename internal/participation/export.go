package participation

import (
	"slices"
	"strings"
	"sync"

	"repertoire/internal/account"
)

// exportTitles are the queries each tactic gave for its actions' titles.
var exportTitles struct {
	mu sync.Mutex
	m  map[Kind]string
}

// ExportTitle registers how the data export names the actions of a kind:
// a query of the tactic's own store whose only argument, $1, is the
// action's id, and whose one column is its title. Tactics register from
// their package's initialization, so the export built while wiring the
// server knows them all.
func ExportTitle(kind Kind, query string) {
	exportTitles.mu.Lock()
	defer exportTitles.mu.Unlock()
	if exportTitles.m == nil {
		exportTitles.m = map[Kind]string{}
	}
	exportTitles.m[kind] = query
}

// ExportSection is the person's participations in their data export: what
// they took part in, its state, dates, comment and consents. Never the IP
// address, the email domain kept for the rate limits, or the token hash.
// The action's title is read by the query its tactic registered
// (ExportTitle), inside the section's one query.
func ExportSection() account.ExportSection {
	return account.ExportSection{Name: "participations", SQL: exportSQL(titleExpr())}
}

// titleExpr is the SQL expression naming the action of the participation
// p, from the registered queries.
func titleExpr() string {
	exportTitles.mu.Lock()
	defer exportTitles.mu.Unlock()
	if len(exportTitles.m) == 0 {
		return "''"
	}
	kinds := make([]Kind, 0, len(exportTitles.m))
	for k := range exportTitles.m {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var b strings.Builder
	b.WriteString("COALESCE(CASE p.kind")
	for _, k := range kinds {
		b.WriteString(" WHEN '" + string(k) + "' THEN (" + strings.ReplaceAll(exportTitles.m[k], "$1", "p.action_id") + ")")
	}
	b.WriteString(" END, '')")
	return b.String()
}

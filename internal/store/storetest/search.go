package storetest

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"

	"repertoire/internal/store"
)

// Columns lists every column of every table of db, read from the schema
// itself (SQLite's sqlite_master, PostgreSQL's information_schema for the
// test's schema): table → columns. A check over all of them covers the
// tables and columns added after it was written.
func Columns(tb testing.TB, db *store.DB) map[string][]string {
	tb.Helper()
	ctx := context.Background()
	q := `SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid`
	if db.Dialect == store.Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
	}
	rows, err := db.Reader().QueryContext(ctx, q)
	if err != nil {
		tb.Fatalf("list columns: %v", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			tb.Fatal(err)
		}
		out[table] = append(out[table], column)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatal("the schema has no tables")
	}
	return out
}

// Find searches every column of every table (Columns), each value read as
// text, for needle, ignoring ASCII case, and returns where it is found:
// "table.column" with how many rows, sorted.
func Find(tb testing.TB, db *store.DB, needle string) []string {
	tb.Helper()
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(needle)) + "%"
	var found []string
	for table, columns := range Columns(tb, db) {
		sums := make([]string, len(columns))
		for i, c := range columns {
			sums[i] = `COALESCE(SUM(CASE WHEN LOWER(CAST(` + quote(c) + ` AS TEXT)) LIKE $1 ESCAPE '\' THEN 1 ELSE 0 END), 0)`
		}
		counts := make([]int64, len(columns))
		dest := make([]any, len(columns))
		for i := range counts {
			dest[i] = &counts[i]
		}
		q := `SELECT ` + strings.Join(sums, ", ") + ` FROM ` + quote(table)
		if err := db.Reader().QueryRowContext(context.Background(), q, pattern).Scan(dest...); err != nil {
			tb.Fatalf("search %s: %v", table, err)
		}
		for i, n := range counts {
			if n > 0 {
				found = append(found, table+"."+columns[i]+" ("+strconv.FormatInt(n, 10)+" rows)")
			}
		}
	}
	sort.Strings(found)
	return found
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

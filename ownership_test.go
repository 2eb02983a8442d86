package repertoire_test

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The ownership table lives in docs/architecture.md ("Who owns each
// table"): each table has one owning package, the only one whose SQL names
// it, and only in its store files (store.go, store_<topic>.go).

var (
	ownerRow   = regexp.MustCompile("^\\| `([a-z_0-9]+)` \\| `([a-z/]+)` \\|")
	createdRe  = regexp.MustCompile(`(?i)CREATE TABLE(?: IF NOT EXISTS)? ([a-z_0-9]+)`)
	sqlStartRe = regexp.MustCompile(`\b(SELECT|INSERT|UPDATE|DELETE|WITH)\b`)
	wordRe     = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
)

// owners reads the ownership table: table → package path under internal/.
func owners(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = line == "## Who owns each table"
			continue
		}
		if m := ownerRow.FindStringSubmatch(line); in && m != nil {
			if prev, dup := out[m[1]]; dup {
				t.Errorf("table %s has two owners: %s and %s", m[1], prev, m[2])
			}
			out[m[1]] = m[2]
		}
	}
	if len(out) == 0 {
		t.Fatal(`docs/architecture.md has no "## Who owns each table" section with rows "| ` + "`table` | `package`" + ` |"`)
	}
	return out
}

// sqlUse is one table named by the SQL of a Go file.
type sqlUse struct {
	file, pkg, table string
	line             int
}

// sqlUses reads every SQL string literal of the non-test Go files under dir
// and reports the tables it names.
func sqlUses(t *testing.T, dir string, tables map[string]string) []sqlUse {
	t.Helper()
	var out []sqlUse
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, table := range namedTables(s, tables) {
				out = append(out, sqlUse{file: path, pkg: filepath.Dir(path), table: table, line: fset.Position(lit.Pos()).Line})
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// namedTables returns the known tables a string names, when it reads as SQL
// (a statement keyword in capitals, or a clause that continues one).
func namedTables(s string, tables map[string]string) []string {
	if !sqlStartRe.MatchString(s) && !regexp.MustCompile(`\b(FROM|JOIN|WHERE|EXISTS)\b`).MatchString(s) {
		return nil
	}
	var out []string
	for _, loc := range wordRe.FindAllStringIndex(s, -1) {
		w := s[loc[0]:loc[1]]
		if _, ok := tables[w]; !ok {
			continue
		}
		if loc[0] > 0 && (s[loc[0]-1] == '.' || s[loc[0]-1] == '\'' || s[loc[0]-1] == '"' || s[loc[0]-1] == '/') {
			continue // a column of an alias, a quoted word, a path
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// storeFile reports whether a file may hold its package's SQL.
func storeFile(path string) bool {
	base := filepath.Base(path)
	return base == "store.go" || strings.HasPrefix(base, "store_")
}

func TestEachTableHasOneOwner(t *testing.T) {
	own := owners(t)
	// Every table the migrations create is in the ownership table.
	for _, dir := range []string{"internal/store/migrations/sqlite", "internal/store/migrations/postgres"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no migrations in %s: %v", dir, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range createdRe.FindAllStringSubmatch(string(b), -1) {
				name := strings.TrimSuffix(m[1], "_new") // SQLite's table rebuilds
				if _, ok := own[name]; !ok {
					t.Errorf("%s creates table %s, which has no owner in docs/architecture.md", f, name)
				}
			}
		}
	}
	for table, pkg := range own {
		if _, err := os.Stat(filepath.Join("internal", pkg)); err != nil {
			t.Errorf("table %s is owned by internal/%s, which does not exist", table, pkg)
		}
	}
}

func TestOnlyTheOwnerNamesATable(t *testing.T) {
	own := owners(t)
	for _, dir := range []string{"internal", "cmd"} {
		for _, u := range sqlUses(t, dir, own) {
			owner := filepath.Join("internal", own[u.table])
			switch {
			case u.pkg != owner:
				t.Errorf("%s:%d: SQL names table %s, owned by %s: call %s instead", u.file, u.line, u.table, owner, filepath.Base(owner))
			case !storeFile(u.file):
				t.Errorf("%s:%d: SQL names table %s outside the package's store files (store.go, store_*.go)", u.file, u.line, u.table)
			}
		}
	}
}

// The checker itself: it must see a foreign table, wherever the SQL sits.
func TestOwnershipCheckerSeesSQL(t *testing.T) {
	tables := map[string]string{"people": "account", "campaigns": "campaign"}
	cases := []struct {
		sql  string
		want []string
	}{
		{"SELECT id FROM people WHERE email = $1", []string{"people"}},
		{"UPDATE campaigns SET title = $1", []string{"campaigns"}},
		{"\n\t\tFROM people p JOIN campaigns c ON c.id = p.id", []string{"people", "campaigns"}},
		{"INSERT INTO people (id) VALUES ($1)", []string{"people"}},
		{"SELECT p.campaigns FROM x", nil}, // a column, not the table
		{"/api/v1/people", nil},            // a path, not SQL
		{"people who signed", nil},         // prose
	}
	for _, c := range cases {
		if got := namedTables(c.sql, tables); !slices.Equal(got, c.want) {
			t.Errorf("namedTables(%q) = %v, want %v", c.sql, got, c.want)
		}
	}
}

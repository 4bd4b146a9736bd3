package store_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/store"
)

// yieldsNoTime lists result expressions over a timestamp column that SQLite
// returns untyped but that do not produce a time (so nothing scans them into
// time.Time).
var yieldsNoTime = map[string]string{
	"COALESCE(r.email, CASE WHEN g.revoked_at IS NULL THEN '' ELSE 'operator' END)": "the revoker's e-mail address: text",
}

// TestSQLiteTimestampResultsKeepTheirType guards against issue 9's first
// finding coming back in another query. SQLite gives a result column a
// declared type, and the driver turns a TIMESTAMP column into a time.Time,
// only when the column is a plain table column: an aggregate or other
// expression over a timestamp (MAX(at), MIN(created_at), COALESCE(x.at, …),
// a scalar subquery) comes back as text, and scanning it into a time fails —
// on SQLite only, at run time, often only once the data has a second row.
// The test runs every SELECT written in the store's and the audit trail's
// sources against a migrated SQLite database and fails on any untyped result
// that is an expression over a timestamp column. Select the column itself
// instead (ORDER BY it DESC LIMIT 1 for a maximum).
func TestSQLiteTimestampResultsKeepTheirType(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "k.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	timestamps := timestampColumns(t, s)
	if len(timestamps) < 10 {
		t.Fatalf("found only %d timestamp columns in the schema: %v", len(timestamps), timestamps)
	}
	ref := regexp.MustCompile(`(?i)(?:^|[^a-z0-9_.])(?:[a-z_][a-z0-9_]*\.)?(` + strings.Join(timestamps, "|") + `)(?:[^a-z0-9_]|$)`)
	checked := 0
	for _, q := range sqlLiterals(t, "../store", "../audit") {
		stmt := strings.TrimSpace(q.sql)
		head := strings.ToUpper(stmt)
		if !strings.HasPrefix(head, "SELECT") && !strings.HasPrefix(head, "WITH") {
			continue
		}
		rows, err := s.DB().QueryRead(ctx, stmt, make([]any, maxPlaceholder(stmt))...)
		if err != nil {
			continue // a fragment completed at run time, or PostgreSQL only
		}
		types, err := rows.ColumnTypes()
		rows.Close()
		if err != nil {
			t.Fatal(err)
		}
		checked++
		exprs := selectList(stmt)
		for i, ct := range types {
			if ct.DatabaseTypeName() != "" {
				continue
			}
			expr := ct.Name()
			if len(exprs) == len(types) {
				expr = exprs[i]
			}
			upper := strings.ToUpper(strings.TrimSpace(scalarSubquery(expr)))
			if strings.HasPrefix(upper, "EXISTS") || strings.HasPrefix(upper, "COUNT(") {
				continue // a boolean or a number whatever it looks at
			}
			if _, ok := yieldsNoTime[expr]; ok || !ref.MatchString(withoutStrings(expr)) {
				continue
			}
			t.Errorf("%s: result %q is an expression over a timestamp column: SQLite returns it as text, which does not scan into time.Time; select the column itself", q.pos, expr)
		}
	}
	t.Logf("checked %d SELECT statements", checked)
	if checked < 50 {
		t.Fatalf("only %d queries could be checked: the source scan is broken", checked)
	}
}

// timestampColumns are the names of the schema's TIMESTAMP columns.
func timestampColumns(t *testing.T, s *store.Store) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := s.DB().QueryRead(ctx, `SELECT DISTINCT p.name FROM sqlite_schema m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND upper(p.type) = 'TIMESTAMP' ORDER BY p.name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, regexp.QuoteMeta(n))
	}
	return out
}

type sqlLiteral struct {
	pos string
	sql string
}

// sqlLiterals are the string constants (and constant concatenations) that
// hold a SELECT in the non-test Go files of dirs, from the SELECT on.
func sqlLiterals(t *testing.T, dirs ...string) []sqlLiteral {
	t.Helper()
	var out []sqlLiteral
	fset := token.NewFileSet()
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				e, ok := n.(ast.Expr)
				if !ok {
					return true
				}
				s, ok := constString(e)
				if !ok {
					return true
				}
				up := strings.ToUpper(s)
				i := strings.Index(up, "SELECT")
				if i < 0 {
					return false
				}
				if j := strings.Index(up, "WITH "); j >= 0 && j < i {
					i = j
				}
				out = append(out, sqlLiteral{pos: fset.Position(n.Pos()).String(), sql: s[i:]})
				return false
			})
		}
	}
	return out
}

// constString evaluates a string literal or a concatenation of them (the
// literal parts only, when some operand is not constant).
func constString(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.ParenExpr:
		return constString(x.X)
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, okA := constString(x.X)
		b, okB := constString(x.Y)
		return a + b, okA || okB
	}
	return "", false
}

var placeholder = regexp.MustCompile(`\$(\d+)`)

func maxPlaceholder(q string) int {
	n := 0
	for _, m := range placeholder.FindAllStringSubmatch(q, -1) {
		if k, _ := strconv.Atoi(m[1]); k > n {
			n = k
		}
	}
	return n
}

// selectList splits the result list of the statement's outermost (first)
// SELECT into its expressions, without their aliases.
func selectList(q string) []string {
	up := strings.ToUpper(q)
	depth, start := 0, -1
	var out []string
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'':
			if j := strings.IndexByte(q[i+1:], '\''); j >= 0 {
				i += j + 1
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && start < 0 && keywordAt(up, i, "SELECT"):
			start = i + len("SELECT")
			if keywordAt(up, skipSpace(up, start), "DISTINCT") {
				start = skipSpace(up, start) + len("DISTINCT")
			}
		case depth == 0 && start >= 0 && c == ',':
			out = append(out, q[start:i])
			start = i + 1
		case depth == 0 && start >= 0 && keywordAt(up, i, "FROM"):
			out = append(out, q[start:i])
			for k := range out {
				out[k] = stripAlias(strings.TrimSpace(out[k]))
			}
			return out
		}
	}
	return nil
}

func keywordAt(up string, i int, kw string) bool {
	if !strings.HasPrefix(up[i:], kw) {
		return false
	}
	before := i == 0 || !isIdent(up[i-1])
	after := i+len(kw) >= len(up) || !isIdent(up[i+len(kw)])
	return before && after
}

func isIdent(c byte) bool {
	return c == '_' || c == '.' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func skipSpace(s string, i int) int {
	for i < len(s) && strings.ContainsRune(" \t\n\r", rune(s[i])) {
		i++
	}
	return i
}

// scalarSubquery is the result expression of a scalar subquery "(SELECT x
// FROM …)", or expr itself.
func scalarSubquery(expr string) string {
	inner := strings.TrimSpace(expr)
	if !strings.HasPrefix(inner, "(") || !strings.HasSuffix(inner, ")") {
		return expr
	}
	inner = strings.TrimSpace(inner[1 : len(inner)-1])
	if list := selectList(inner); strings.HasPrefix(strings.ToUpper(inner), "SELECT") && len(list) == 1 {
		return list[0]
	}
	return expr
}

var alias = regexp.MustCompile(`(?is)\s+AS\s+[a-z_][a-z0-9_]*$`)

func stripAlias(expr string) string { return alias.ReplaceAllString(expr, "") }

var stringLiteral = regexp.MustCompile(`'[^']*'`)

func withoutStrings(expr string) string { return stringLiteral.ReplaceAllString(expr, "''") }

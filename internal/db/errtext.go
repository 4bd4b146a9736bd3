package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// DescribeError describes err for an application log or an operator's page
// without anything that could be personal data. A database error's own text
// can carry the values of a row: database/sql's conversion errors quote the
// value ("converting driver.Value type string (\"Amina\") to a int64"), and
// PostgreSQL quotes input values and keys ("invalid input syntax for type
// uuid: \"…\"", "Key (personal_identity_code)=(…) already exists"). So only
// the parts that come from the schema and the code are kept: the SQLSTATE
// or SQLite result code and the constraint, table and column names; the
// column and Go types of a failed scan; the kind of a network or context
// error; otherwise the error's types.
func DescribeError(err error) string {
	if err == nil {
		return ""
	}
	var pgErr *pgconn.PgError
	var sqErr *sqlite.Error
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, sql.ErrNoRows):
		return "no rows"
	case errors.Is(err, sql.ErrTxDone):
		return "transaction already ended"
	case errors.Is(err, sql.ErrConnDone):
		return "connection already closed"
	case errors.As(err, &pgErr):
		return describePostgres(pgErr)
	case errors.As(err, &sqErr):
		return fmt.Sprintf("SQLite error %d %s", sqErr.Code(), sqliteCodeName(sqErr.Code()))
	}
	if s, ok := describeScan(err); ok {
		return s
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return "cannot connect to PostgreSQL"
	}
	if errors.As(err, &netErr) {
		if netErr.Timeout() {
			return "network timeout"
		}
		return "network error"
	}
	return "error of type " + errorTypes(err)
}

func describePostgres(e *pgconn.PgError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "PostgreSQL error SQLSTATE %s", e.Code)
	for _, part := range []struct{ what, name string }{{"constraint", e.ConstraintName}, {"table", e.TableName}, {"column", e.ColumnName}} {
		if part.name != "" {
			fmt.Fprintf(&b, ", %s %s", part.what, part.name)
		}
	}
	return b.String()
}

var sqliteCode = regexp.MustCompile(`\((SQLITE_[A-Z_]+)\)`)

// sqliteCodeName is the symbolic name of a SQLite result code.
func sqliteCodeName(code int) string {
	if m := sqliteCode.FindStringSubmatch(sqlite.ErrorCodeString[code]); m != nil {
		return m[1]
	}
	if m := sqliteCode.FindStringSubmatch(sqlite.ErrorCodeString[code&0xff]); m != nil {
		return m[1]
	}
	return ""
}

// scanError matches database/sql's scan error: the column's index and name
// come from the query; what follows may quote the value.
var (
	scanError   = regexp.MustCompile(`^sql: Scan error on column index (\d+), name ("(?:[^"\\]|\\.)*"): `)
	unsupported = regexp.MustCompile(`^unsupported Scan, storing driver\.Value type [^ ]+ into type [^ ]+$`)
)

func describeScan(err error) (string, bool) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		m := scanError.FindStringSubmatchIndex(e.Error())
		if m == nil {
			continue
		}
		msg := e.Error()
		head := fmt.Sprintf("cannot scan column %s %s", msg[m[2]:m[3]], msg[m[4]:m[5]])
		if inner := errors.Unwrap(e); inner != nil && unsupported.MatchString(inner.Error()) {
			return head + ": " + inner.Error(), true
		}
		return head + ": the value does not convert (" + errorTypes(errors.Unwrap(e)) + ")", true
	}
	return "", false
}

// errorTypes names the types of err's chain, outermost first.
func errorTypes(err error) string {
	var names []string
	for ; err != nil; err = errors.Unwrap(err) {
		names = append(names, fmt.Sprintf("%T", err))
	}
	return strings.Join(names, " > ")
}

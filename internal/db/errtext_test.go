package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestDescribeErrorKeepsDataOut: the descriptions that go to logs and the
// jobs page keep the codes and names an operator needs and never a value
// from a row, even where the error's own text quotes one.
func TestDescribeErrorKeepsDataOut(t *testing.T) {
	raw, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx := context.Background()
	var n int64
	var at time.Time
	valueErr := raw.QueryRowContext(ctx, `SELECT 'Amina Yusuf 010190-999W' AS result_count`).Scan(&n)
	typeErr := raw.QueryRowContext(ctx, `SELECT MAX('2026-01-01 10:00:00+00:00')`).Scan(&at)
	_, sqliteErr := raw.ExecContext(ctx, `INSERT INTO nowhere VALUES ('Amina')`)
	pgErr := fmt.Errorf("insert: %w", &pgconn.PgError{Code: "23505", Message: `duplicate key value violates unique constraint "clients_pic_key"`,
		Detail: "Key (personal_identity_code)=(010190-999W) already exists.", ConstraintName: "clients_pic_key", TableName: "clients"})
	pgValue := &pgconn.PgError{Code: "22P02", Message: `invalid input syntax for type uuid: "Amina Yusuf"`}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{valueErr, `cannot scan column 0 "result_count": the value does not convert (*errors.errorString)`},
		{typeErr, `cannot scan column 0 "MAX('2026-01-01 10:00:00+00:00')": unsupported Scan, storing driver.Value type string into type *time.Time`},
		{sqliteErr, "SQLite error 1 SQLITE_ERROR"},
		{pgErr, "PostgreSQL error SQLSTATE 23505, constraint clients_pic_key, table clients"},
		{pgValue, "PostgreSQL error SQLSTATE 22P02"},
		{fmt.Errorf("detect: %w", context.DeadlineExceeded), "deadline exceeded"},
		{fmt.Errorf("client %s not found", "Amina Yusuf"), "error of type *errors.errorString"},
		{fmt.Errorf("run: %w", sql.ErrNoRows), "no rows"},
	} {
		got := DescribeError(tc.err)
		if got != tc.want {
			t.Errorf("DescribeError(%v)\n = %q\nwant %q", tc.err, got, tc.want)
		}
		for _, personal := range []string{"Amina", "010190-999W"} {
			if strings.Contains(got, personal) {
				t.Errorf("%q holds %q", got, personal)
			}
		}
	}
	if valueErr == nil || !strings.Contains(valueErr.Error(), "Amina") {
		t.Fatalf("the driver's own error no longer quotes the value (%v): the test shows nothing", valueErr)
	}
}

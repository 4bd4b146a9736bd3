package store

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/db"
)

// queryKeys runs query ("SELECT … FROM … WHERE …", parameters $1 … $(from-1)
// in args) for the rows whose column key (of PostgreSQL type typ) is one of
// keys, and scans each row.
//
// On PostgreSQL the keys go as one array, and each key is looked up on its
// own (a LATERAL subquery that cannot be flattened), so the lookup is an
// index probe per key whatever the planner's statistics say: right after a
// bulk load into an empty table they are stale, and an IN list was then
// planned as a scan of the municipality's rows filtered by the list, which
// grew with every batch. On SQLite it is an IN list.
func queryKeys(ctx context.Context, tx *db.Tx, query, key, typ string, args []any, keys []string, scan func(*sql.Rows) error) error {
	if len(keys) == 0 {
		return nil
	}
	from := len(args) + 1
	if tx.Dialect == db.Postgres {
		q := `SELECT x.* FROM unnest($` + strconv.Itoa(from) + `::` + typ + `[]) AS k(v) CROSS JOIN LATERAL (` +
			query + ` AND ` + key + ` = k.v OFFSET 0) AS x`
		return queryEach(ctx, tx, q, append(args, keys), scan)
	}
	list, vals := inList(tx, from, keys)
	return queryEach(ctx, tx, query+` AND `+key+` IN (`+list+`)`, append(args, vals...), scan)
}

// Package db opens the database (embedded SQLite or PostgreSQL), applies the
// versioned migrations and runs transactions. SQL is written once in PostgreSQL
// style ($1, $2, …); the SQLite driver binds $N positionally as well.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the database engine.
type Dialect string

const (
	// SQLite is the embedded default.
	SQLite Dialect = "sqlite"
	// Postgres is the production store.
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrations embed.FS

// DB is an open database. On SQLite, writes go through one connection (SQLite
// allows one writer) and reads through a small pool; on PostgreSQL both are the
// same pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	// DSN is the connection string without secrets removed; never log it.
	dsn string
	// writeStmts caches prepared statements of SQLite's writer connection.
	writeStmts *stmtCache
	// appRole: PostgreSQL connections run as AppRole (UseAppRole).
	appRole bool
	// readStmts caches QueryRead's statements on SQLite's reader pool.
	readStmtsMu sync.Mutex
	readStmts   map[string]*sql.Stmt
}

// ParseTarget turns the --db value into a dialect and a driver DSN.
func ParseTarget(target string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(target, "postgres://"), strings.HasPrefix(target, "postgresql://"):
		return Postgres, target, nil
	case target == "":
		return "", "", errors.New("no database given")
	default:
		path := strings.TrimPrefix(target, "sqlite:")
		if path == "" {
			return "", "", errors.New("sqlite: empty path")
		}
		return SQLite, path, nil
	}
}

// Open connects to the database named by target (see ParseTarget).
func Open(ctx context.Context, target string) (*DB, error) {
	dialect, dsn, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	d := &DB{Dialect: dialect, dsn: dsn}
	switch dialect {
	case Postgres:
		// Until UseAppRole, connections run as the connecting (owner) role,
		// which migrations need.
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		pool.SetMaxOpenConns(2)
		d.write, d.read = pool, pool
	case SQLite:
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		q.Set("_time_format", "sqlite")
		w, err := sql.Open("sqlite", "file:"+dsn+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		q.Set("_txlock", "deferred")
		q.Add("_pragma", "query_only(1)")
		r, err := sql.Open("sqlite", "file:"+dsn+"?"+q.Encode())
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		r.SetMaxOpenConns(4)
		r.SetMaxIdleConns(4)
		d.write, d.read = w, r
		d.writeStmts = &stmtCache{m: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
	}
	if err := d.write.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("%s: cannot connect: %w", dialect, err)
	}
	return d, nil
}

// OpenReadOnly connects to the database named by target for reading only,
// without creating or migrating anything: SQLite is opened read-only (the
// file must exist), and on PostgreSQL every transaction is read-only and runs
// as AppRole where the connecting role may become it (the runtime login of a
// production set-up has no rights of its own). For `kotodigi audit verify`.
func OpenReadOnly(ctx context.Context, target string) (*DB, error) {
	dialect, dsn, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	d := &DB{Dialect: dialect, dsn: dsn}
	switch dialect {
	case Postgres:
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
		pool := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
			// Best effort: an auditor's own role may read the trail itself.
			_, _ = c.Exec(ctx, "SET ROLE "+AppRole)
			return nil
		}))
		pool.SetMaxOpenConns(2)
		d.write, d.read = pool, pool
	case SQLite:
		if _, err := os.Stat(dsn); err != nil {
			return nil, fmt.Errorf("sqlite: no database at %s", dsn)
		}
		q := url.Values{}
		for _, p := range []string{"busy_timeout(10000)", "query_only(1)"} {
			q.Add("_pragma", p)
		}
		q.Set("mode", "ro")
		q.Set("_txlock", "deferred")
		q.Set("_time_format", "sqlite")
		r, err := sql.Open("sqlite", "file:"+dsn+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		r.SetMaxOpenConns(1)
		d.write, d.read = r, r
	}
	if err := d.read.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("%s: cannot connect: %w", dialect, err)
	}
	return d, nil
}

// LatestMigration is the version of the newest migration of dialect.
func LatestMigration(dialect Dialect) (int64, error) {
	entries, err := fs.ReadDir(migrations, "migrations/"+string(dialect))
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, e := range entries {
		name := path.Base(e.Name())
		num, _, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") {
			continue
		}
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", name, err)
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// ErrNotMigrated is returned by CheckMigrated for a database whose schema is
// missing or older than this program's migrations.
var ErrNotMigrated = errors.New("the database is not migrated")

// CheckMigrated reads, without changing anything, whether every migration of
// this program has been applied; if not, the error wraps ErrNotMigrated.
func (d *DB) CheckMigrated(ctx context.Context) error {
	latest, err := LatestMigration(d.Dialect)
	if err != nil {
		return err
	}
	var have int64
	err = d.InReadTx(ctx, func(tx *Tx) error {
		var exists bool
		q := `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version')`
		if d.Dialect == Postgres {
			q = `SELECT to_regclass('goose_db_version') IS NOT NULL`
		}
		if err := tx.QueryRow(ctx, q).Scan(&exists); err != nil || !exists {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version`).Scan(&have)
	})
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if have < latest {
		return fmt.Errorf("%w (schema version %d, this program needs %d; run kotodigi migrate)", ErrNotMigrated, have, latest)
	}
	return nil
}

// SessionCanBecomeOwner reports whether the role this PostgreSQL connection
// signed in as could take the rights of the audit trail's owner (it is the
// owner, a member of it, or a superuser): then RESET ROLE undoes AppRole, and
// the application could rewrite the trail. A production set-up signs in as a
// login that is only a member of AppRole (README, "Running on PostgreSQL").
// Always false on SQLite.
func (d *DB) SessionCanBecomeOwner(ctx context.Context) (bool, error) {
	if d.Dialect != Postgres {
		return false, nil
	}
	var can bool
	err := d.InReadTx(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT pg_has_role(session_user, c.relowner, 'MEMBER')
			OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
			FROM pg_class c WHERE c.oid = 'audit_events'::regclass`).Scan(&can)
	})
	return can, err
}

// UseAppRole switches PostgreSQL to a pool whose every connection runs as
// AppRole (SET ROLE on connect), which owns no table: row-level security
// applies to everything the application does, and it cannot rewrite the audit
// trail. Call it after Migrate. On SQLite it does nothing.
func (d *DB) UseAppRole(ctx context.Context) error {
	if d.Dialect != Postgres {
		return nil
	}
	cfg, err := pgx.ParseConfig(d.dsn)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	pool := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, "SET ROLE "+AppRole)
		return err
	}))
	pool.SetMaxOpenConns(40)
	pool.SetMaxIdleConns(40)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("postgres: cannot use role %s: %w", AppRole, err)
	}
	old := d.write
	d.write, d.read = pool, pool
	d.appRole = true
	return old.Close()
}

// QueryRead runs a read-only query outside a transaction (one round trip),
// for lookups that touch no client data (tokens, sessions, accounts). On
// SQLite the statement is prepared once per reader connection and reused
// (parsing is much of SQLite's cost; pgx caches PostgreSQL's statements
// itself).
func (d *DB) QueryRead(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if d.Dialect == SQLite {
		if st := d.readStmt(ctx, query); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return d.read.QueryContext(ctx, query, args...)
}

// maxReadStatements bounds the reader statement cache (QueryRead's queries
// are constants, so a handful).
const maxReadStatements = 64

// readStmt returns the reader pool's prepared statement for query, preparing
// it on first use; nil if it cannot (then the query runs unprepared).
func (d *DB) readStmt(ctx context.Context, query string) *sql.Stmt {
	d.readStmtsMu.Lock()
	st, ok := d.readStmts[query]
	full := len(d.readStmts) >= maxReadStatements
	d.readStmtsMu.Unlock()
	if ok || full {
		return st
	}
	// Not under the lock: preparing may wait for a reader connection.
	st, err := d.read.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	d.readStmtsMu.Lock()
	defer d.readStmtsMu.Unlock()
	if prev, ok := d.readStmts[query]; ok {
		_ = st.Close()
		return prev
	}
	if d.readStmts == nil {
		d.readStmts = map[string]*sql.Stmt{}
	}
	d.readStmts[query] = st
	return st
}

// Close closes all connections.
func (d *DB) Close() error {
	d.readStmtsMu.Lock()
	for _, st := range d.readStmts {
		_ = st.Close()
	}
	d.readStmts = nil
	d.readStmtsMu.Unlock()
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Migrate applies the versioned migrations of this dialect. Safe to run from
// several instances at once on PostgreSQL (goose takes an advisory lock).
func (d *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(d.Dialect))
	if err != nil {
		return err
	}
	var opts []goose.ProviderOption
	gd := goose.DialectSQLite3
	if d.Dialect == Postgres {
		gd = goose.DialectPostgres
		locker, err := lockForPostgres()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, d.write, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

// Tx is a database transaction. All statements of one request that touch
// personal data run in one Tx together with their audit events.
type Tx struct {
	tx      queryer
	Dialect Dialect
	// deferred statements are sent with COMMIT in one round trip (scoped
	// PostgreSQL transactions only); each must return one row.
	canDefer bool
	deferred []deferred
	// pendingScope: BEGIN has not been sent yet; it goes with the first
	// statement (scoped PostgreSQL transactions only).
	pendingScope string
	conn         *sql.Conn
	// stmts, on SQLite's single writer connection, reuses prepared statements
	// (parsing SQL is much of SQLite's cost).
	stmts *stmtCache
	sqlTx *sql.Tx
	pool  *sql.DB
	// afterEnd runs when the transaction has committed or rolled back.
	afterEnd []func()
	// chain is the audit hash chain this transaction appends to (chain+1;
	// 0: none yet). A transaction keeps to one chain, so that it never
	// holds one chain head while waiting for another.
	chain int
}

// AuditChain returns the audit chain this transaction already appends to.
func (t *Tx) AuditChain() (int, bool) { return t.chain - 1, t.chain > 0 }

// SetAuditChain records the audit chain this transaction appends to.
func (t *Tx) SetAuditChain(c int) { t.chain = c + 1 }

// AfterEnd arranges for fn to run once the transaction has ended (committed
// or rolled back).
func (t *Tx) AfterEnd(fn func()) { t.afterEnd = append(t.afterEnd, fn) }

func (t *Tx) ended() {
	for _, fn := range t.afterEnd {
		fn()
	}
	t.afterEnd = nil
}

// stmtCache holds statements prepared on SQLite's one writer connection. A
// statement is prepared after the transaction that first wanted it has
// released the connection (preparing inside it would wait for itself).
type stmtCache struct {
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool
}

// maxCachedStatements bounds the cache (queries built from filters vary).
const maxCachedStatements = 256

func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m)+len(c.wanted) < maxCachedStatements {
		c.wanted[query] = true
	}
	return nil
}

// prepareWanted prepares the statements transactions asked for; call it
// with no transaction open on the pool.
func (c *stmtCache) prepareWanted(ctx context.Context, pool *sql.DB) {
	c.mu.Lock()
	var queries []string
	for q := range c.wanted {
		queries = append(queries, q)
		delete(c.wanted, q)
	}
	c.mu.Unlock()
	// Not under the lock: preparing waits for the connection, which another
	// transaction may hold while it looks up the cache.
	for _, q := range queries {
		st, err := pool.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, dup := c.m[q]; dup {
			_ = st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

// stmt returns the cached prepared statement for query bound to this
// transaction, or nil.
func (t *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.stmts == nil || t.sqlTx == nil {
		return nil
	}
	st := t.stmts.get(query)
	if st == nil {
		return nil
	}
	return t.sqlTx.StmtContext(ctx, st)
}

type deferred struct {
	query string
	args  []any
}

// DeferUntilCommit queues a statement to be sent together with COMMIT, if
// this transaction can do that (else it returns false and the caller runs it
// now). The statement must return exactly one row; if it returns none or
// fails, the transaction rolls back and its caller gets the error.
func (t *Tx) DeferUntilCommit(query string, args ...any) bool {
	if !t.canDefer {
		return false
	}
	t.deferred = append(t.deferred, deferred{query, args})
	return true
}

// queryer is what a transaction runs statements on: a *sql.Tx, or on
// PostgreSQL a *sql.Conn on which BEGIN was sent together with the scope.
type queryer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// Exec runs a statement.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// Query runs a query returning rows.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

// Row is the result of QueryRow.
type Row interface{ Scan(dest ...any) error }

// QueryRow runs a query returning at most one row. The first statement of a
// scoped PostgreSQL transaction goes out together with BEGIN and the scope,
// in one round trip.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) Row {
	if t.pendingScope != "" {
		return &firstRow{t: t, ctx: ctx, query: query, args: args}
	}
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// begin sends a scoped transaction's BEGIN and scope if nothing has yet.
func (t *Tx) begin(ctx context.Context) error {
	if t.pendingScope == "" {
		return nil
	}
	scope := t.pendingScope
	t.pendingScope = ""
	if _, err := t.tx.ExecContext(ctx, "BEGIN; SELECT set_config('kotodigi.municipalities', '"+scope+"', true)"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return nil
}

// firstRow runs BEGIN, the scope and the query as one pgx batch when scanned.
type firstRow struct {
	t     *Tx
	ctx   context.Context
	query string
	args  []any
}

func (r *firstRow) Scan(dest ...any) error {
	t := r.t
	if t.pendingScope == "" { // another statement began the transaction meanwhile
		return t.tx.QueryRowContext(r.ctx, r.query, r.args...).Scan(dest...)
	}
	scope := t.pendingScope
	t.pendingScope = ""
	var scanErr error
	err := t.conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue("SELECT set_config('kotodigi.municipalities', $1, true)", scope)
		b.Queue(r.query, r.args...)
		br := pc.SendBatch(r.ctx, b)
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return err
		}
		var ignored string
		if err := br.QueryRow().Scan(&ignored); err != nil {
			_ = br.Close()
			return err
		}
		scanErr = br.QueryRow().Scan(dest...)
		return br.Close()
	})
	if errors.Is(scanErr, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	if scanErr != nil {
		return scanErr
	}
	return err
}

// AppRole is the PostgreSQL role every transaction runs as. It owns no
// table, so row-level security applies to it; migrations grant it what the
// application needs (and on audit_events only SELECT and INSERT).
const AppRole = "kotodigi_app"

// Scope lists the municipalities whose client rows a transaction may touch on
// PostgreSQL (row-level security, the second fence after the scoped SQL).
// NoMunicipalities sees no client rows; AllMunicipalities is for operator
// commands and the national uniqueness check.
type Scope string

// Scopes.
const (
	NoMunicipalities  Scope = ""
	AllMunicipalities Scope = "*"
)

// ScopeOf builds a scope from municipality codes.
func ScopeOf(codes []string) Scope { return Scope(strings.Join(codes, ",")) }

// InTx runs fn in a read-write transaction that sees no client rows on
// PostgreSQL (InScope widens that). On SQLite the transaction starts with
// BEGIN IMMEDIATE, so it never fails half-way on a lock upgrade.
func (d *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	return d.run(ctx, d.write, false, NoMunicipalities, fn)
}

// InScope runs fn in a read-write transaction whose row-level security scope
// is the given municipalities.
func (d *DB) InScope(ctx context.Context, scope Scope, fn func(*Tx) error) error {
	return d.run(ctx, d.write, false, scope, fn)
}

// InReadTx runs fn in a read-only transaction (statistics, reference data,
// accounts). Anything that returns personal data must use InScope, since it
// writes an audit event.
func (d *DB) InReadTx(ctx context.Context, fn func(*Tx) error) error {
	return d.run(ctx, d.read, true, NoMunicipalities, fn)
}

// SetScope changes the row-level security scope for the rest of tx.
func (t *Tx) SetScope(ctx context.Context, scope Scope) error {
	if t.Dialect != Postgres {
		return nil
	}
	if err := t.begin(ctx); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `SELECT set_config('kotodigi.municipalities', $1, true)`, string(scope))
	return err
}

func (d *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, scope Scope, fn func(*Tx) error) (err error) {
	if d.Dialect == Postgres && scope != NoMunicipalities {
		return d.runScoped(ctx, pool, scope, fn)
	}
	var opts *sql.TxOptions
	if readOnly && d.Dialect == Postgres {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	t := &Tx{tx: tx, Dialect: d.Dialect}
	defer t.ended()
	if d.Dialect == SQLite && pool == d.write {
		t.stmts, t.sqlTx, t.pool = d.writeStmts, tx, pool
	}
	err = fn(t)
	if err != nil {
		_ = tx.Rollback()
	} else if cerr := tx.Commit(); cerr != nil {
		err = fmt.Errorf("commit: %w", cerr)
	}
	if t.stmts != nil {
		// The connection is free again: prepare what this transaction wanted.
		t.stmts.prepareWanted(context.WithoutCancel(ctx), pool)
	}
	return err
}

// runScoped runs a PostgreSQL transaction whose row-level security scope is
// set in the same round trip as BEGIN (one simple-protocol message). The
// scope is a list of 3-digit codes or "*", checked before it is inlined.
func (d *DB) runScoped(ctx context.Context, pool *sql.DB, scope Scope, fn func(*Tx) error) (err error) {
	if strings.Trim(string(scope), "0123456789,*") != "" {
		return fmt.Errorf("begin: malformed scope")
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	done := false
	tx := &Tx{tx: conn, Dialect: d.Dialect, canDefer: true, pendingScope: string(scope), conn: conn}
	defer tx.ended() // after the rollback below
	defer func() {
		if !done {
			// A rollback that fails (e.g. cancelled context) leaves the
			// connection unusable; drop it rather than return it to the pool.
			if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}
		if p := recover(); p != nil {
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if tx.pendingScope != "" && len(tx.deferred) == 0 {
		done = true // nothing was sent: nothing to commit
		return nil
	}
	if len(tx.deferred) == 0 || tx.pendingScope != "" {
		if err := tx.begin(ctx); err != nil {
			return err
		}
	}
	if len(tx.deferred) == 0 {
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		done = true
		return nil
	}
	// The deferred statements and COMMIT in one pipeline.
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		b := &pgx.Batch{}
		for _, q := range tx.deferred {
			b.Queue(q.query, q.args...)
		}
		b.Queue("COMMIT")
		br := pc.SendBatch(ctx, b)
		for range tx.deferred {
			var v any
			if err := br.QueryRow().Scan(&v); err != nil {
				_ = br.Close()
				if errors.Is(err, pgx.ErrNoRows) {
					return errors.New("deferred statement returned no row")
				}
				return err
			}
		}
		tag, err := br.Exec()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err == nil && tag.String() != "COMMIT" {
			err = fmt.Errorf("transaction ended with %s", tag.String())
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	done = true
	return nil
}

// QueryRowCommitted runs query as the one statement of a PostgreSQL
// transaction scoped to scope, in one round trip, and calls scan with the
// query's row. The scope and the query go out as one pipeline ending in one
// Sync: PostgreSQL runs them as one implicit transaction, committed at the
// Sync if both succeed (durably, as any commit) and rolled back otherwise;
// the scope is local to it. If the query returns no row, the result is
// sql.ErrNoRows and the (empty) transaction still commits, so the query must
// change nothing when it returns no row.
func (d *DB) QueryRowCommitted(ctx context.Context, scope Scope, query string, args []any, scan func(Row) error) (err error) {
	if d.Dialect != Postgres {
		return errors.New("db: QueryRowCommitted needs PostgreSQL")
	}
	if strings.Trim(string(scope), "0123456789,*") != "" {
		return fmt.Errorf("begin: malformed scope")
	}
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	var scanErr error
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if pc.PgConn().TxStatus() != 'I' {
			return driver.ErrBadConn // a transaction left open: never run inside it
		}
		b := &pgx.Batch{}
		b.Queue("SELECT set_config('kotodigi.municipalities', $1, true)", string(scope))
		b.Queue(query, args...)
		br := pc.SendBatch(ctx, b)
		var ignored string
		if err := br.QueryRow().Scan(&ignored); err != nil {
			_ = br.Close()
			return err
		}
		scanErr = scan(br.QueryRow())
		// Close reads up to the Sync: an error there (also one at the
		// implicit commit) means nothing was committed.
		if err := br.Close(); err != nil {
			return err
		}
		if pc.PgConn().TxStatus() != 'I' {
			return fmt.Errorf("transaction still open after the pipeline")
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, driver.ErrBadConn) {
			return err
		}
		return fmt.Errorf("query: %w", err)
	}
	if errors.Is(scanErr, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return scanErr
}

// IsUniqueViolation reports whether err is a unique-constraint violation, and
// if so on which constraint or index (best effort; SQLite names the columns).
func IsUniqueViolation(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return pgErr.ConstraintName, true
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) && (sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return sqErr.Error(), true
	}
	return "", false
}

func lockForPostgres() (lock.SessionLocker, error) {
	return lock.NewPostgresSessionLocker()
}

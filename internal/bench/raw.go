package bench

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// The raw workload is what an audited read costs the database at the least:
// one transaction with the client SELECT by primary key and one plain INSERT
// of an audit event with the same columns kotodigi writes. No grant check, no
// hash chain head, no authentication, no HTTP. The tables are kotodigi's own
// (created by its migrations), so rows and indexes have the same shape.

// RawSelect reads the same columns as the store's client reads.
const RawSelect = `SELECT c.id, c.municipality_code, c.personal_identity_code, c.uma_number, c.first_names, c.last_name,
	c.date_of_birth, c.residence_type, c.residence_valid_until, c.first_permit_date, c.residence_permanent,
	c.service_language, c.email, c.phone, c.right_to_work, c.jobseeker, c.created_at, c.updated_at
	FROM clients c WHERE c.id = $1`

// RawInsert is a plain audit insert with the columns audit.Trail.Append writes.
const RawInsert = `INSERT INTO audit_events (shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
	action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, prev_hash, hash)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`

// RawShardBase is where raw audit rows go, far from kotodigi's own chains
// (shards 0..AuditShards-1) and from the pgbench script (2000 + client).
const RawShardBase = 1000

// RawClientID is the deterministic id of prepared client n (1-based), the
// same one bench/pgbench_read_audit.sql computes.
func RawClientID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// SQLiteDSN is the DSN of kotodigi's SQLite write connection (internal/db):
// WAL, synchronous=NORMAL, busy timeout, foreign keys, BEGIN IMMEDIATE.
func SQLiteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode()
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// NewSchemaName returns a fresh name for a scratch PostgreSQL schema.
func NewSchemaName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// SchemaURL returns base with its connections' search_path set to schema.
func SchemaURL(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// CreateSchema creates schema on the server of base (CREATE SCHEMA fails
// when it exists: a scratch schema is never shared by accident) and reports
// whether it already existed when reuse is allowed.
func CreateSchema(ctx context.Context, base, schema string, reuse bool) (existed bool, err error) {
	if !schemaName.MatchString(schema) || schema == "public" {
		return false, fmt.Errorf("postgres: bad scratch schema name %q", schema)
	}
	conn, err := sql.Open("pgx", base)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&existed); err != nil {
		return false, err
	}
	if existed {
		if !reuse {
			return true, fmt.Errorf("postgres: schema %q exists (pass --raw-reuse to use it)", schema)
		}
		return true, nil
	}
	_, err = conn.ExecContext(ctx, `CREATE SCHEMA `+schema)
	return false, err
}

// DropSchema drops a scratch schema and everything in it.
func DropSchema(ctx context.Context, base, schema string) error {
	if !schemaName.MatchString(schema) || schema == "public" {
		return fmt.Errorf("postgres: bad scratch schema name %q", schema)
	}
	conn, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
	return err
}

// Migrate creates kotodigi's tables at target (sqlite:PATH or a postgres URL)
// with kotodigi's own migrations.
func Migrate(ctx context.Context, target string) error {
	d, err := db.Open(ctx, target)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Migrate(ctx)
}

// RawDB runs the raw workload on a database/sql pool.
type RawDB struct {
	DB      *sql.DB
	Dialect db.Dialect
	seq     atomic.Int64
}

// OpenRaw opens target (sqlite:PATH or a postgres URL) with at most conns
// connections. On SQLite it uses kotodigi's write-connection settings.
func OpenRaw(ctx context.Context, target string, conns int) (*RawDB, error) {
	dialect, dsn, err := db.ParseTarget(target)
	if err != nil {
		return nil, err
	}
	var pool *sql.DB
	switch dialect {
	case db.SQLite:
		pool, err = sql.Open("sqlite", SQLiteDSN(dsn))
	default:
		pool, err = sql.Open("pgx", dsn)
	}
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	pool.SetConnMaxLifetime(0)
	r := &RawDB{DB: pool, Dialect: dialect}
	var last int64
	if err := pool.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_events WHERE shard >= $1 AND shard < $2`,
		RawShardBase, RawShardBase+1000).Scan(&last); err != nil {
		pool.Close()
		return nil, fmt.Errorf("raw: %w", err)
	}
	r.seq.Store(last)
	return r, nil
}

// Close closes the pool.
func (r *RawDB) Close() error { return r.DB.Close() }

// PrepareClients makes sure clients 1..n (RawClientID) exist, in one transaction.
func (r *RawDB) PrepareClients(ctx context.Context, municipality string, n int) error {
	tx, err := r.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO clients (id, municipality_code, uma_number, first_names, last_name, name_search,
		date_of_birth, residence_type, residence_valid_until, residence_permanent, service_language, right_to_work, jobseeker,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	until := model.DateOf(now).AddDate(1, 0, 0)
	for i := 1; i <= n; i++ {
		last := fmt.Sprintf("Raw%d", i)
		if _, err := stmt.ExecContext(ctx, RawClientID(i), municipality, fmt.Sprintf("RAW-%d", i), "Amina", last,
			model.FoldForSearch(last+" Amina"), model.Date{Year: 1990, Month: 1, Day: 1}, "residence_permit", until,
			false, "fi", "Unrestricted", false, now); err != nil {
			return fmt.Errorf("raw clients: %w", err)
		}
	}
	return tx.Commit()
}

// ErrNoClient is returned when the SELECT finds no row.
var ErrNoClient = errors.New("raw: no such client")

var zeroHash = make([]byte, sha256.Size)

// ReadAudit is one raw operation: BEGIN; SELECT the client; INSERT the audit
// event; COMMIT. worker picks the shard (like kotodigi's random shard).
func (r *RawDB) ReadAudit(ctx context.Context, worker int, clientID string) error {
	tx, err := r.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var (
		id, muni, first, last, typ, lang, rtw string
		pic, uma, email, phone                sql.NullString
		dob                                   model.Date
		until, firstPermit                    model.NullDate
		permanent, jobseeker                  bool
		created, updated                      time.Time
	)
	err = tx.QueryRowContext(ctx, RawSelect, clientID).Scan(&id, &muni, &pic, &uma, &first, &last, &dob, &typ, &until,
		&firstPermit, &permanent, &lang, &email, &phone, &rtw, &jobseeker, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoClient
	}
	if err != nil {
		return err
	}
	seq := r.seq.Add(1)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	h := sha256.Sum256(append(b[:], id...))
	at := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := tx.ExecContext(ctx, RawInsert, RawShardBase+worker%16, seq, at, int64(1), "raw@bench.example", "municipality:"+muni,
		int64(1), "client.read", "allowed", id, muni, nil, "127.0.0.1", "t:1", "raw", "", zeroHash, h[:]); err != nil {
		return err
	}
	return tx.Commit()
}

// Read is the unaudited comparison: the same client SELECT, no audit
// event, no transaction.
func (r *RawDB) Read(ctx context.Context, clientID string) error {
	var (
		id, muni, first, last, typ, lang, rtw string
		pic, uma, email, phone                sql.NullString
		dob                                   model.Date
		until, firstPermit                    model.NullDate
		permanent, jobseeker                  bool
		created, updated                      time.Time
	)
	err := r.DB.QueryRowContext(ctx, RawSelect, clientID).Scan(&id, &muni, &pic, &uma, &first, &last, &dob, &typ, &until,
		&firstPermit, &permanent, &lang, &email, &phone, &rtw, &jobseeker, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoClient
	}
	return err
}

// Describe names a target without secrets (for reports).
func Describe(target string) string {
	if strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://") {
		if u, err := url.Parse(target); err == nil {
			u.User = nil
			return u.Redacted()
		}
		return "postgres"
	}
	return target
}

// Package store is the single data-access layer. Every read or write of
// personal data goes through an exported method of Store that (1) checks the
// caller's grants, (2) scopes its SQL to what the caller may see, and (3)
// writes the audit event in the same transaction: if the audit write fails,
// nothing is returned or changed. No other package runs SQL on client tables.
package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/kotodigi/kotodigi/internal/accessreview"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/calendar"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/refdata"
	"github.com/kotodigi/kotodigi/internal/signin"
)

// Finland is the time zone in which dates (today, validity) are judged.
var Finland = calendar.Finland

// Options configure a Store.
type Options struct {
	// Clock returns the current time; tests set it.
	Clock func() time.Time
	// AuditShards is the number of audit hash chains (default 64: with fewer,
	// concurrent appends on PostgreSQL wait for each other more often).
	AuditShards int
	// SearchLimit caps the number of clients one search returns (default 50).
	SearchLimit int
	Logger      *slog.Logger
	// Sessions sets session lifetimes and sign-in limits (signin.DefaultPolicy where zero).
	Sessions signin.Policy
	// PasswordGate, when set, bounds password checks instead of a gate of
	// its own built from Sessions (one gate for all stores of a process).
	PasswordGate *signin.Gate
	// BaseURL is the public address of the service, for links in e-mail.
	BaseURL string
	// DisablePasswordSignIn switches password sign-in off (identity provider only).
	DisablePasswordSignIn bool
	// Access sets the access review thresholds (accessreview.Default where zero).
	Access accessreview.Policy
	// Cases sets the limits and deadlines of case records (casepolicy.Default where zero).
	Cases casepolicy.Policy
	// Indicators configures knowledge management (indicators.go).
	Indicators IndicatorOptions
	// MigrateDB, when set, is the database URL (the schema owner) that Open
	// migrates through; it is used for nothing else (see Open).
	MigrateDB string
	// AuditKey seals the audit trail (nil: not sealed; see audit.Key).
	AuditKey *audit.Key
	// Retention is how long each class of records is kept (defaults where zero).
	Retention RetentionPolicy
}

// Store is the data-access layer.
type Store struct {
	db    *db.DB
	ref   *refdata.Data
	clock func() time.Time
	trail audit.Trail
	opts  Options
	log   *slog.Logger
	// principals caches API-token principals while change notifications are
	// received (WatchPrincipals).
	principals principalCache
	// km holds the indicator catalogue and areas (indicators.go).
	km knowledge
}

// New returns a Store over an open, migrated database.
func New(d *db.DB, ref *refdata.Data, opts Options) *Store {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.AuditShards <= 0 {
		opts.AuditShards = 64
	}
	if opts.SearchLimit <= 0 {
		opts.SearchLimit = 50
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.Sessions = opts.Sessions.WithDefaults()
	if opts.PasswordGate == nil {
		opts.PasswordGate = signin.NewGate(opts.Sessions.HashSlots, opts.Sessions.HashQueue, opts.Sessions.HashWait)
	}
	trail := audit.NewTrail(opts.AuditShards)
	trail.Key = opts.AuditKey
	return &Store{db: d, ref: ref, clock: opts.Clock, trail: trail, opts: opts, log: opts.Logger}
}

// DB returns the underlying database (for migrations and audit verification).
func (s *Store) DB() *db.DB { return s.db }

// RefData returns the reference data.
func (s *Store) RefData() *refdata.Data { return s.ref }

// Now returns the current time in UTC, truncated to microseconds (the
// precision both databases store).
func (s *Store) Now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// Today returns today's date in Finland.
func (s *Store) Today() model.Date { return model.DateOf(s.clock().In(Finland)) }

// RequestMeta tells the audit trail where a request came from.
type RequestMeta struct {
	RemoteAddr string
	SessionRef string // a non-secret reference to the session or token
	RequestID  string
}

// Actor is who performs an operation: a signed-in principal, or the operator
// at the command line (Principal nil, Operator set).
type Actor struct {
	Principal *authz.Principal
	Operator  string // e.g. "cli"; only for operator commands
	Meta      RequestMeta
}

// OperatorActor is the operator running a CLI subcommand on the server.
func OperatorActor() Actor { return Actor{Operator: "cli"} }

func (a Actor) event(action authz.Action, outcome string) audit.Event {
	e := audit.Event{Action: string(action), Outcome: outcome, RemoteAddr: a.Meta.RemoteAddr,
		SessionRef: a.Meta.SessionRef, RequestID: a.Meta.RequestID}
	if a.Principal != nil {
		e.ActorAccountID = a.Principal.AccountID
		e.ActorEmail = a.Principal.Email
		e.ActorOrganisation = a.Principal.OrganisationID
	} else {
		e.ActorEmail = "operator:" + a.Operator
	}
	return e
}

func (a Actor) accountID() any {
	if a.Principal == nil {
		return nil
	}
	return a.Principal.AccountID
}

// record writes an audit event in tx.
func (s *Store) record(ctx context.Context, tx *db.Tx, e audit.Event) error {
	e.At = s.Now()
	_, err := s.trail.Append(ctx, tx, e)
	return err
}

// errDenied is returned from inside a transaction whose denied audit event
// must still commit; inTxDenied turns it into the caller-visible error.
type deniedError struct{ err error }

func (d deniedError) Error() string { return d.err.Error() }

// scope is the row-level security scope of the actor: the municipalities it
// holds read grants from, or all of them for the operator.
func (a Actor) scope() db.Scope {
	if a.Principal == nil {
		return db.AllMunicipalities
	}
	return db.ScopeOf(a.Principal.Municipalities(authz.ClientRead))
}

// national runs a lookup that must see every municipality's rows (the
// national uniqueness check, or finding whose client an attempt concerned).
// Such lookups return only ids and municipality codes, never personal data.
func (s *Store) national(ctx context.Context, tx *db.Tx, actor Actor, fn func() error) error {
	if err := tx.SetScope(ctx, db.AllMunicipalities); err != nil {
		return err
	}
	err := fn()
	if serr := tx.SetScope(ctx, actor.scope()); serr != nil {
		return serr
	}
	return err
}

// inTx runs fn in a write transaction scoped to the actor. If fn returns a
// deniedError, the transaction (with its "denied" audit event) commits and the
// wrapped error is returned.
func (s *Store) inTx(ctx context.Context, actor Actor, fn func(*db.Tx) error) error {
	return s.inScopeTx(ctx, actor.scope(), fn)
}

// inScopeTx is inTx with an explicit row-level security scope (for an
// organisation role's reads of its own municipality, such as a main user's
// data-quality lists, which no grant scopes).
func (s *Store) inScopeTx(ctx context.Context, scope db.Scope, fn func(*db.Tx) error) error {
	var denied error
	err := s.db.InScope(ctx, scope, func(tx *db.Tx) error {
		err := fn(tx)
		var d deniedError
		if errors.As(err, &d) {
			denied = d.err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return denied
}

// deny records a denied audit event in tx and returns a deniedError for err.
func (s *Store) deny(ctx context.Context, tx *db.Tx, e audit.Event, err error) error {
	e.Outcome = audit.Denied
	if aerr := s.record(ctx, tx, e); aerr != nil {
		return aerr
	}
	return deniedError{err}
}

// queryEach runs a query in tx and calls scan for each row.
func queryEach(ctx context.Context, tx *db.Tx, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// recordListing finishes an audited listing: the rows' error first, then the
// audit event with the number of items shown.
func (s *Store) recordListing(ctx context.Context, tx *db.Tx, rows *sql.Rows, ev audit.Event, n int) error {
	if err := rows.Err(); err != nil {
		return err
	}
	ev.ResultCount = &n
	return s.record(ctx, tx, ev)
}

// authorizeMunicipal checks that the actor may perform action on the
// municipality's data (the operator always may). It returns the allowed
// audit event to complete, or records a denied event and returns 403.
func (s *Store) authorizeMunicipal(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, muni string) (audit.Event, error) {
	ev := actor.event(action, audit.Allowed)
	ev.Municipality = muni
	if actor.Principal != nil && !actor.Principal.Allowed(action, muni).Allowed {
		return ev, s.deny(ctx, tx, ev, model.ErrForbidden)
	}
	return ev, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

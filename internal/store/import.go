package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// ImportSystem is the default provenance of records brought over by
// `kotodigi import` (--source-system).
const ImportSystem = "import"

// ImportOutcome is what became of one imported row.
type ImportOutcome int

// Outcomes of an imported row.
const (
	Imported ImportOutcome = iota
	Skipped                // already imported from the same source_id
	Rejected               // invalid, or the person is registered already
)

// Import kinds (CONTRACT.md § 3, "Import of case records"); reviews of plans
// are a kind of their own, linked to a plan imported earlier.
const (
	KindClients     = "clients"
	KindAssessments = "assessments"
	KindPlans       = "plans"
	KindReviews     = "reviews"
	KindServices    = "services"
)

// ImportKinds lists the kinds in the order a municipality imports them.
var ImportKinds = []string{KindClients, KindAssessments, KindPlans, KindReviews, KindServices}

// Row-level reason codes of an import (field errors are written FIELD:CODE).
const (
	ReasonDuplicateClient = model.CodeDuplicateClient
	ReasonUnknownClient   = "unknown_client"
	ReasonUnknownPlan     = "unknown_plan"
	ReasonRepeatedSource  = "repeated_source_id"
)

// ImportRun is one run of an import: whose, what, and how.
type ImportRun struct {
	// ID names the run; every record it stores keeps it (import_run).
	ID           string
	Municipality string
	Kind         string
	// SourceSystem is the provenance stored with every record (default ImportSystem).
	SourceSystem string
	// AcceptExpiredResidence imports a client whose recorded residence basis
	// has expired (and puts it on the worklist) instead of rejecting it.
	AcceptExpiredResidence bool
	DryRun                 bool
	// plans are the plans of this run not stored (a dry run): client id →
	// spans, so that the R12 rules see them.
	plans map[string][]casepolicy.Span
}

// NewImportRun returns a run with a fresh id and the default source system.
func NewImportRun(muni, kind, sourceSystem string) ImportRun {
	if sourceSystem == "" {
		sourceSystem = ImportSystem
	}
	return ImportRun{ID: uuid.NewString(), Municipality: muni, Kind: kind, SourceSystem: sourceSystem}
}

// ImportRow is one row of an import file as typed by the importer: the
// member of its kind is set. Link is client_source_id (plan_source_id for
// reviews).
type ImportRow struct {
	Line     int
	SourceID string
	Link     string
	Client   *model.ClientFields
	// RegisteredOn is the client's registration date in the earlier system.
	RegisteredOn *model.Date
	Assessment   *model.Assessment
	Plan         *model.Plan
	Review       *model.PlanReview
	Service      *model.Service
}

// RowResult is what became of one row: its outcome, the reasons of a
// rejection (codes only) and the warnings of a stored historic record that
// breaks a rule of today. Err is the domain error of a rejection (for the
// command line's messages); Municipality names the municipality
// responsible for a duplicate client.
type RowResult struct {
	Line         int
	SourceID     string
	Outcome      ImportOutcome
	Reasons      []string
	Warnings     []string
	Municipality string
	Err          error
}

// reasonsOf turns a domain error into reason codes: FIELD:CODE for field
// errors, the error code otherwise.
func reasonsOf(err error) []string {
	var e *model.Error
	if !errors.As(err, &e) {
		return []string{model.CodeInternal}
	}
	if len(e.Fields) == 0 {
		return []string{e.Code}
	}
	out := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func reject(row ImportRow, err error) RowResult {
	r := RowResult{Line: row.Line, SourceID: row.SourceID, Outcome: Rejected, Reasons: reasonsOf(err), Err: err}
	var e *model.Error
	if errors.As(err, &e) && e.Code == model.CodeDuplicateClient {
		r.Municipality = e.Municipality
	}
	return r
}

// authorizeImport checks that the actor may import into the municipality:
// the operator always may, a principal with authz.ImportManage there.
func (s *Store) authorizeImport(run ImportRun) error {
	if _, ok := s.ref.Municipality(run.Municipality); !ok {
		return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "municipality", Code: model.FieldUnknownMunicipality}}}
	}
	return nil
}

// ImportConcurrency is how many batches of a kind ImportBatch may be given
// at once by one run: two on PostgreSQL (the database works on one while it
// commits the other), one on SQLite (one writer). A kind's rules depend only
// on rows of earlier runs (clients on assessments, reviews on plans) and on
// the run's own rows, which the importer has made unique in the file, with
// one exception: the R12 rules of a plan depend on the client's plans stored
// before it, so batches of plans that concern the same client must be stored
// one after the other (ImportSameLinkInOrder).
func (s *Store) ImportConcurrency(kind string) int {
	if s.db.Dialect != db.Postgres {
		return 1
	}
	return 2
}

// ImportSameLinkInOrder reports whether batches of kind whose rows link to
// the same client must be stored one after the other.
func ImportSameLinkInOrder(kind string) bool { return kind == KindPlans }

// ImportBatch validates and stores one batch of rows of a run: every rule
// that needs stored data (a source id imported before, national uniqueness,
// the linked client or plan, R12 over the client's earlier records) is
// checked for the whole batch at once, and the rows that pass are stored in
// one transaction with one audit event (client.import, with the clients
// concerned), or nothing at all. A dry run stores nothing. Rows that a
// concurrent writer made conflict are checked again.
func (s *Store) ImportBatch(ctx context.Context, actor Actor, run *ImportRun, rows []ImportRow) ([]RowResult, error) {
	if err := s.authorizeImport(*run); err != nil {
		return nil, err
	}
	if actor.Principal != nil && !actor.Principal.Allowed(authz.ImportManage, run.Municipality).Allowed {
		return nil, model.ErrForbidden
	}
	if run.SourceSystem == "" {
		run.SourceSystem = ImportSystem
	}
	for attempt := 0; ; attempt++ {
		var out []RowResult
		err := s.db.InScope(ctx, db.ScopeOf([]string{run.Municipality}), func(tx *db.Tx) error {
			if err := noJIT(ctx, tx); err != nil {
				return err
			}
			b := &importBatch{s: s, tx: tx, run: run, actor: actor, results: make([]RowResult, len(rows))}
			if err := b.check(ctx, rows); err != nil {
				return err
			}
			if err := b.store(ctx, rows); err != nil {
				return err
			}
			out = b.results
			return nil
		})
		if isUniqueViolation(err) && attempt < 3 {
			continue // someone stored a conflicting row meanwhile: check again
		}
		return out, err
	}
}

// noJIT turns PostgreSQL's JIT compilation off for the rest of tx. A batch's
// lookups probe an index once per key, but right after a bulk load into an
// empty table the planner's statistics are stale, its cost estimates go
// past jit_above_cost, and compiling took longer (40–50 ms) than the probes.
func noJIT(ctx context.Context, tx *db.Tx) error {
	if tx.Dialect != db.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT set_config('jit', 'off', true)`)
	return err
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// importBatch is one batch being checked and stored.
type importBatch struct {
	s       *Store
	tx      *db.Tx
	run     *ImportRun
	actor   Actor
	results []RowResult
	// clients are the clients the stored rows concern (for the audit event).
	clients []string
	// linked are the clients case record rows link to, by client_source_id.
	linked map[string]*importedClient
}

func (b *importBatch) check(ctx context.Context, rows []ImportRow) error {
	for i, r := range rows {
		b.results[i] = RowResult{Line: r.Line, SourceID: r.SourceID, Outcome: Imported}
	}
	if err := b.skipImported(ctx, rows); err != nil {
		return err
	}
	switch b.run.Kind {
	case KindClients:
		return b.checkClients(ctx, rows)
	case KindAssessments, KindPlans, KindServices:
		return b.checkCaseRecords(ctx, rows)
	case KindReviews:
		return b.checkReviews(ctx, rows)
	}
	return model.Errorf(model.CodeBadRequest, "unknown import kind")
}

func (b *importBatch) store(ctx context.Context, rows []ImportRow) error {
	if b.run.DryRun {
		return nil
	}
	var n int
	var err error
	switch b.run.Kind {
	case KindClients:
		n, err = b.storeClients(ctx, rows)
	case KindAssessments:
		n, err = b.storeAssessments(ctx, rows)
	case KindPlans:
		n, err = b.storePlans(ctx, rows)
	case KindReviews:
		n, err = b.storeReviews(ctx, rows)
	case KindServices:
		n, err = b.storeServices(ctx, rows)
	}
	if err != nil || n == 0 {
		return err
	}
	ev := b.actor.event(authz.ClientImport, audit.Allowed)
	ev.Municipality = b.run.Municipality
	ev.Detail = "run=" + b.run.ID + " kind=" + b.run.Kind + " records=" + strconv.Itoa(n) + " source=" + b.run.SourceSystem
	ev.ClientIDs = b.clients
	return b.s.record(ctx, b.tx, ev)
}

// pending reports whether row i is still to be imported.
func (b *importBatch) pending(i int) bool { return b.results[i].Outcome == Imported }

// sourceTable is where a kind's rows are stored, and the column that names
// the importing municipality there.
func sourceTable(kind string) (table, muniColumn string) {
	switch kind {
	case KindClients:
		return "clients", "municipality_code"
	case KindAssessments:
		return "assessments", "source_municipality"
	case KindPlans:
		return "plans", "source_municipality"
	case KindReviews:
		return "plan_reviews", "source_municipality"
	}
	return "services", "source_municipality"
}

// skipImported marks the rows whose source id this municipality already
// imported from the same source system.
func (b *importBatch) skipImported(ctx context.Context, rows []ImportRow) error {
	table, muniCol := sourceTable(b.run.Kind)
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.SourceID
	}
	seen := map[string]bool{}
	err := queryKeys(ctx, b.tx, `SELECT source_id FROM `+table+` WHERE `+muniCol+` = $1 AND source_system = $2`, "source_id", "text",
		[]any{b.run.Municipality, b.run.SourceSystem}, ids, func(r *sql.Rows) error {
			var id string
			if err := r.Scan(&id); err != nil {
				return err
			}
			seen[id] = true
			return nil
		})
	for i, r := range rows {
		if seen[r.SourceID] {
			b.results[i].Outcome = Skipped
		}
	}
	return err
}

// inList is the parameters of tx for values from number from on (NULL for
// none), and the values as arguments.
func inList(tx *db.Tx, from int, values []string) (string, []any) {
	if len(values) == 0 {
		return "NULL", nil
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return tx.Params(from, len(values)), args
}

// RecordImportRun writes the one audit event of a whole import run with its
// counts (no personal data).
func (s *Store) RecordImportRun(ctx context.Context, actor Actor, run ImportRun, counts ImportCounts) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		e := actor.event(authz.ImportRun, audit.Allowed)
		e.Municipality = run.Municipality
		e.Detail = "run=" + run.ID + " kind=" + run.Kind + " source=" + run.SourceSystem + " read=" + strconv.Itoa(counts.Read) +
			" imported=" + strconv.Itoa(counts.Imported) + " skipped=" + strconv.Itoa(counts.Skipped) +
			" rejected=" + strconv.Itoa(counts.Rejected) + " warnings=" + strconv.Itoa(counts.Warnings)
		if run.DryRun {
			e.Detail += " dry-run"
		}
		return s.record(ctx, tx, e)
	})
}

// ImportCounts are the counts of a run.
type ImportCounts struct {
	Read, Imported, Skipped, Rejected, Warnings int
}

package store

import (
	"context"
	"strconv"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// SyntheticSystem is the source system of every row the synthetic data
// generator (`kotodigi demo generate`) writes.
const SyntheticSystem = "kotodigi-generate"

// SyntheticClient is one client made by the synthetic data generator, with
// its case records. Fields are normalised (as model.ClientFields.Normalize
// leaves them); ids are uuids; every record names the municipality that
// recorded it.
type SyntheticClient struct {
	ID          string
	SourceID    string
	Fields      model.ClientFields
	Registered  time.Time
	Assessments []SyntheticAssessment
	Plans       []SyntheticPlan
	Services    []SyntheticService
	Transfer    *SyntheticTransfer
}

// SyntheticAssessment is a generated assessment (§ 14).
type SyntheticAssessment struct {
	ID, Municipality string
	Date             model.Date
	PlanNeeded       bool
	PlannedPlanDate  *model.Date
}

// SyntheticPlan is a generated integration plan (§ 16) with its reviews.
type SyntheticPlan struct {
	ID, Municipality string
	Start, End       model.Date
	PlannedReview    *model.Date
	Reviews          []SyntheticReview
}

// SyntheticReview is a generated review of a plan.
type SyntheticReview struct {
	ID   string
	Date model.Date
}

// SyntheticService is a generated service; TestLevel (with TestDate) is the
// final language test of integration training.
type SyntheticService struct {
	ID, Municipality, Type string
	Date                   model.Date
	End                    *model.Date
	Attendance             string
	TestLevel              string
	TestDate               *model.Date
}

// SyntheticTransfer moves the client from its first municipality to To.
type SyntheticTransfer struct {
	ID, From, To string
	At           time.Time
	ReadUntil    model.Date
}

// ForeignClients counts the clients that the synthetic data generator did
// not write: a database with any is in real use (or holds the demo), and
// the generator refuses it unless told otherwise.
func (s *Store) ForeignClients(ctx context.Context) (int, error) {
	var n int
	err := s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM clients WHERE source_system IS NULL OR source_system <> $1`, SyntheticSystem).Scan(&n)
	})
	return n, err
}

// LoadSynthetic writes a batch of generated clients with their case records
// in one transaction through bulk (COPY on PostgreSQL when bulk is the schema
// owner's connection; see db.CopyRows). It is a benchmark loader: it writes
// no audit event per client (RecordSynthetic writes one for the whole run),
// and each row carries the run's provenance (source_system
// SyntheticSystem, import_run run) so that it can be told apart.
func (s *Store) LoadSynthetic(ctx context.Context, bulk *db.DB, run string, batch []SyntheticClient) error {
	if bulk == nil {
		bulk = s.db
	}
	now := s.Now()
	tables := syntheticTables()
	for _, c := range batch {
		tables[0].Rows = append(tables[0].Rows, syntheticClientRow(c, run))
		tables[1].Rows = append(tables[1].Rows, []any{c.ID, c.Fields.Jobseeker, c.Registered})
		for _, a := range c.Assessments {
			tables[2].Rows = append(tables[2].Rows, []any{a.ID, c.ID, a.Municipality, a.Date, syntheticAssessmentContent, a.PlanNeeded,
				model.NullDateOf(a.PlannedPlanDate), syntheticPreparers, syntheticSources, true,
				a.Municipality, SyntheticSystem, c.SourceID + "/a/" + a.ID[:8], run, now})
		}
		for _, p := range c.Plans {
			tables[3].Rows = append(tables[3].Rows, []any{p.ID, c.ID, p.Municipality, p.Start, p.End, "Finnish to level A2; a first job or training place",
				syntheticMeasures, syntheticPreparers, model.NullDateOf(p.PlannedReview), syntheticSources, true,
				p.Municipality, SyntheticSystem, c.SourceID + "/p/" + p.ID[:8], run, now})
			for _, r := range p.Reviews {
				tables[4].Rows = append(tables[4].Rows, []any{r.ID, p.ID, c.ID, r.Date, "Goals and measures checked",
					p.Municipality, SyntheticSystem, c.SourceID + "/r/" + r.ID[:8], run, now})
			}
		}
		for _, v := range c.Services {
			tables[5].Rows = append(tables[5].Rows, syntheticServiceRow(c, v, run, now))
		}
		if t := c.Transfer; t != nil {
			tables[6].Rows = append(tables[6].Rows, []any{t.ID, c.ID, t.From, t.To, "The client moved", t.At, t.ReadUntil})
		}
	}
	return bulk.CopyRows(ctx, tables)
}

// Fixed content of generated case records (valid JSON as the application
// writes it).
const (
	syntheticAssessmentContent = `{"literacy":"literate","finnish_level":"A1","education":"Secondary school","work_history":"Shop assistant",` +
		`"service_needs":"Language training, guidance to work","integration_plan_needed":true}`
	syntheticPreparers = `[{"name":"Synthetic worker","contact":"kotoutuminen@example.invalid"}]`
	syntheticSources   = `["client"]`
	syntheticMeasures  = `[{"service_type":"integration_training","description":"Integration training, 40 credits"}]`
)

func syntheticTables() []db.TableRows {
	prov := []string{"source_municipality text", "source_system text", "source_id text", "import_run text", "created_at timestamptz"}
	return []db.TableRows{
		{Table: "clients", Columns: []string{"id uuid", "municipality_code text", "personal_identity_code text", "uma_number text",
			"first_names text", "last_name text", "name_search text", "date_of_birth date", "residence_type text",
			"residence_valid_until date", "first_permit_date date", "residence_permanent boolean", "service_language text",
			"right_to_work text", "jobseeker boolean", "source_system text", "source_id text", "import_run text",
			"created_at timestamptz", "updated_at timestamptz", "sex text", "citizenships text", "mother_tongue text",
			"arrival_date date", "client_group text"}},
		{Table: "jobseeker_statuses", Columns: []string{"client_id uuid", "jobseeker boolean", "valid_from timestamptz"}},
		{Table: "assessments", Columns: append([]string{"id uuid", "client_id uuid", "municipality_code text", "date date", "content jsonb",
			"plan_needed boolean", "planned_plan_date date", "preparers jsonb", "sources jsonb", "eligibility_checked boolean"}, prov...)},
		{Table: "plans", Columns: append([]string{"id uuid", "client_id uuid", "municipality_code text", "start_date date", "end_date date",
			"goals text", "measures jsonb", "preparers jsonb", "planned_review_date date", "sources jsonb", "eligibility_checked boolean"}, prov...)},
		{Table: "plan_reviews", Columns: append([]string{"id uuid", "plan_id uuid", "client_id uuid", "date date", "changes text"}, prov...)},
		{Table: "services", Columns: append([]string{"id uuid", "client_id uuid", "municipality_code text", "service_type text", "date date",
			"end_date date", "provider text", "description text", "attendance text", "final_language_test jsonb"}, prov...)},
		{Table: "client_transfers", Columns: []string{"id uuid", "client_id uuid", "from_municipality text", "to_municipality text",
			"reason text", "transferred_at timestamptz", "read_until date"}},
	}
}

func syntheticClientRow(c SyntheticClient, run string) []any {
	n := c.Fields
	rb := *n.ResidenceBasis
	return []any{c.ID, n.Municipality, nullable(n.PersonalIdentityCode), nullable(n.UMANumber), n.FirstNames, n.LastName,
		searchName(n.FirstNames, n.LastName), *n.DateOfBirth, rb.Type, model.NullDateOf(rb.ValidUntil), model.NullDateOf(rb.FirstPermitDate),
		rb.Permanent, n.ServiceLanguage, n.RightToWork, n.Jobseeker, SyntheticSystem, c.SourceID, run, c.Registered, c.Registered,
		nullable(n.Sex), nullable(citizenshipsColumn(n.Citizenships)), nullable(n.MotherTongue), model.NullDateOf(n.ArrivalDate),
		nullable(n.ClientGroup)}
}

func syntheticServiceRow(c SyntheticClient, v SyntheticService, run string, now time.Time) []any {
	var attendance, test any
	if v.Attendance != "" {
		attendance = v.Attendance
	}
	if v.TestLevel != "" {
		t := `{"level":"` + v.TestLevel + `","date":null}`
		if v.TestDate != nil {
			t = `{"level":"` + v.TestLevel + `","date":"` + v.TestDate.String() + `"}`
		}
		test = t
	}
	return []any{v.ID, c.ID, v.Municipality, v.Type, v.Date, model.NullDateOf(v.End), "Synthetic provider", "Synthetic service",
		attendance, test, v.Municipality, SyntheticSystem, c.SourceID + "/s/" + v.ID[:8], run, now}
}

// AnalyzeSynthetic refreshes the planner statistics of the tables a
// generator run filled (through bulk, the schema owner's connection: only
// the owner may ANALYZE). Right after a bulk load PostgreSQL still takes
// the tables for nearly empty until autovacuum gets to them, and a
// statistics refresh started then chose nested loops over a million
// clients (minutes per query instead of seconds).
func (s *Store) AnalyzeSynthetic(ctx context.Context, bulk *db.DB) error {
	if bulk == nil {
		bulk = s.db
	}
	return bulk.InTx(ctx, func(tx *db.Tx) error {
		for _, t := range syntheticTables() {
			if _, err := tx.Exec(ctx, "ANALYZE "+t.Table); err != nil {
				return err
			}
		}
		return nil
	})
}

// SyntheticCounts are the counts of one generator run.
type SyntheticCounts struct {
	Clients, Assessments, Plans, Reviews, Services, Transfers int
}

// RecordSynthetic writes the one audit event of a generator run (no
// personal data: the run, the seed and the counts).
func (s *Store) RecordSynthetic(ctx context.Context, actor Actor, run string, seed uint64, n SyntheticCounts) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		e := actor.event(authz.SyntheticGenerate, audit.Allowed)
		e.Detail = "run=" + run + " seed=" + strconv.FormatUint(seed, 10) + " clients=" + strconv.Itoa(n.Clients) +
			" assessments=" + strconv.Itoa(n.Assessments) + " plans=" + strconv.Itoa(n.Plans) + " reviews=" + strconv.Itoa(n.Reviews) +
			" services=" + strconv.Itoa(n.Services) + " transfers=" + strconv.Itoa(n.Transfers)
		return s.record(ctx, tx, e)
	})
}

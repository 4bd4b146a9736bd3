package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// BenchmarkImport imports KOTODIGI_BENCH_IMPORT_ROWS synthetic clients
// (default 100,000) and then three case records for each (assessments,
// plans and services: 300,000 rows) with the command, on SQLite and, when
// KOTODIGI_TEST_POSTGRES is set, on PostgreSQL, and reports rows per second.
// On PostgreSQL it then loads the same client rows and case record rows
// with PostgreSQL's own COPY into tables like clients, assessments, plans
// and services (same columns and indexes, no row-level security, no foreign
// keys, no audit) in the same run, and reports the ratios (COPY's time over
// the import's: 1 is as fast as COPY). Run it as
//
//	go test -run '^$' -bench BenchmarkImport -benchtime 1x ./cmd/kotodigi
func BenchmarkImport(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("KOTODIGI_BENCH_IMPORT_ROWS")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	clients, assessments, plans, services, err := bigFiles(dir, n)
	if err != nil {
		b.Fatal(err)
	}
	for _, tg := range testdb.Targets(b) {
		b.Run(tg.Name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ctx := context.Background()
				if _, err := cliRun(ctx, "migrate", "--db="+tg.URL); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				start := time.Now()
				out, err := cliRun(ctx, "import", "--db="+tg.URL, "--municipality", "091", clients)
				clientSecs := time.Since(start).Seconds()
				if err != nil || lastLine(out) != fmt.Sprintf("imported %d, skipped 0, rejected 0", n) {
					b.Fatalf("clients: %q %v", out, err)
				}
				start = time.Now()
				for _, f := range []struct{ kind, path string }{{"assessments", assessments}, {"plans", plans}, {"services", services}} {
					out, err := cliRun(ctx, "import", "--db="+tg.URL, "--municipality", "091", "--kind", f.kind, f.path)
					if err != nil || lastLine(out) != fmt.Sprintf("imported %d, skipped 0, rejected 0", n) {
						b.Fatalf("%s: %q %v", f.kind, out, err)
					}
				}
				caseSecs := time.Since(start).Seconds()
				b.StopTimer()
				b.ReportMetric(float64(n)/clientSecs, "clients/s")
				b.ReportMetric(float64(3*n)/caseSecs, "case-records/s")
				if tg.Name == "postgres" {
					copySecs, ids := copyClients(b, tg, clients)
					b.ReportMetric(float64(n)/copySecs, "COPY-clients/s")
					b.ReportMetric(copySecs/clientSecs, "clients-import/COPY")
					caseCopySecs := copyCases(b, tg, ids, assessments, plans, services)
					b.ReportMetric(float64(3*n)/caseCopySecs, "COPY-case-records/s")
					b.ReportMetric(caseCopySecs/caseSecs, "case-import/COPY")
				}
			}
		})
	}
}

func cliRun(ctx context.Context, args ...string) (string, error) {
	var out strings.Builder
	err := run(ctx, args, strings.NewReader(""), &out, io.Discard)
	return out.String(), err
}

// readCSV returns the rows of a semicolon CSV file without its header.
func readCSV(b *testing.B, path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	return recs[1:]
}

// copyRows loads rows into a new table like table (same columns, indexes
// and checks) with COPY, as the table's owner, and returns the seconds COPY
// took.
func copyRows(b *testing.B, tg testdb.Target, table string, cols []string, rows [][]any) float64 {
	ctx := context.Background()
	raw := tg.Raw(b)
	if _, err := raw.ExecContext(ctx, `CREATE TABLE bench_`+table+` (LIKE `+table+` INCLUDING ALL)`); err != nil {
		b.Fatal(err)
	}
	conn, err := raw.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	err = conn.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"bench_" + table}, cols, pgx.CopyFromRows(rows))
		return err
	})
	secs := time.Since(start).Seconds()
	if err != nil {
		b.Fatal(err)
	}
	return secs
}

// copyClients loads the client rows of the file with COPY and returns the
// seconds COPY took and the new ids by source id.
func copyClients(b *testing.B, tg testdb.Target, path string) (float64, map[string]uuid.UUID) {
	var rows [][]any
	ids := map[string]uuid.UUID{}
	now := time.Now().UTC()
	for _, rec := range readCSV(b, path) {
		pic, _ := model.ParsePersonalIdentityCode(rec[1])
		first := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
		id := uuid.New()
		ids[rec[0]] = id
		rows = append(rows, []any{id, "091", rec[1], nil, rec[2], rec[3], strings.ToLower(rec[3] + " " + rec[2]), pic.DateOfBirth,
			rec[4], time.Date(2099, 6, 30, 0, 0, 0, 0, time.UTC), first, false, rec[7], rec[8], nil, rec[9], false, "import", rec[0],
			"bench", now, now, nil})
	}
	cols := []string{"id", "municipality_code", "personal_identity_code", "uma_number", "first_names", "last_name", "name_search",
		"date_of_birth", "residence_type", "residence_valid_until", "first_permit_date", "residence_permanent", "service_language",
		"email", "phone", "right_to_work", "jobseeker", "source_system", "source_id", "import_run", "created_at", "updated_at", "created_by"}
	return copyRows(b, tg, "clients", cols, rows), ids
}

// copyCases loads the assessment, plan and service rows of the files with
// COPY and returns the seconds COPY took for all three.
func copyCases(b *testing.B, tg testdb.Target, clients map[string]uuid.UUID, assessments, plans, services string) float64 {
	now := time.Now().UTC()
	day := func(s string) time.Time {
		if d, err := time.Parse("2006-01-02", s); err == nil {
			return d
		}
		d, err := time.Parse("2.1.2006", s)
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	prov := []string{"source_municipality", "source_system", "source_id", "import_run", "created_at", "created_by"}
	var secs float64
	var rows [][]any
	for _, rec := range readCSV(b, assessments) {
		rows = append(rows, []any{uuid.New(), clients[rec[1]], "091", day(rec[2]), `{"service_needs":"` + rec[3] + `"}`, nil, rec[4],
			day(rec[5]), "[]", "[]", false, nil, true, "091", "import", rec[0], "bench", now, nil})
	}
	secs += copyRows(b, tg, "assessments", append([]string{"id", "client_id", "municipality_code", "date", "content", "plan_needed",
		"specifying_measures", "planned_plan_date", "preparers", "sources", "wellbeing_county_participated", "eligibility_exception",
		"eligibility_checked"}, prov...), rows)
	rows = nil
	for _, rec := range readCSV(b, plans) {
		rows = append(rows, []any{uuid.New(), clients[rec[1]], "091", day(rec[2]), day(rec[3]), rec[4], "[]", "[]", day(rec[5]), "[]",
			nil, nil, true, "091", "import", rec[0], "bench", now, nil})
	}
	secs += copyRows(b, tg, "plans", append([]string{"id", "client_id", "municipality_code", "start_date", "end_date", "goals", "measures",
		"preparers", "planned_review_date", "sources", "exceeds_two_years_reason", "eligibility_exception", "eligibility_checked"}, prov...), rows)
	rows = nil
	for _, rec := range readCSV(b, services) {
		rows = append(rows, []any{uuid.New(), clients[rec[1]], "091", rec[2], day(rec[3]), nil, rec[4], rec[5], nil, false,
			"091", "import", rec[0], "bench", now, nil})
	}
	return secs + copyRows(b, tg, "services", append([]string{"id", "client_id", "municipality_code", "service_type", "date", "end_date",
		"provider", "description", "attendance", "missed_with_interpreter_costs"}, prov...), rows)
}

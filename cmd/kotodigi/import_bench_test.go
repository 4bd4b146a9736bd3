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
// On PostgreSQL it then loads the same client rows with PostgreSQL's own
// COPY into a table like clients (same columns and indexes, no row-level
// security, no audit) in the same run, and reports the ratio. Run it as
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
					copySecs := copyClients(b, tg, clients)
					b.ReportMetric(float64(n)/copySecs, "COPY-rows/s")
					b.ReportMetric(copySecs/clientSecs, "import/COPY")
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

// copyClients loads the client rows of the file with COPY, as the table's
// owner, into a new table like clients, and returns the seconds COPY took.
func copyClients(b *testing.B, tg testdb.Target, path string) float64 {
	ctx := context.Background()
	raw := tg.Raw(b)
	if _, err := raw.ExecContext(ctx, `CREATE TABLE bench_clients (LIKE clients INCLUDING ALL)`); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.Comma = ';'
	if _, err := r.Read(); err != nil {
		b.Fatal(err)
	}
	var rows [][]any
	now := time.Now().UTC()
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		pic, _ := model.ParsePersonalIdentityCode(rec[1])
		first := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
		rows = append(rows, []any{uuid.New(), "091", rec[1], nil, rec[2], rec[3], strings.ToLower(rec[3] + " " + rec[2]), pic.DateOfBirth,
			rec[4], time.Date(2099, 6, 30, 0, 0, 0, 0, time.UTC), first, false, rec[7], rec[8], nil, rec[9], false, "import", rec[0],
			"bench", now, now, nil})
	}
	cols := []string{"id", "municipality_code", "personal_identity_code", "uma_number", "first_names", "last_name", "name_search",
		"date_of_birth", "residence_type", "residence_valid_until", "first_permit_date", "residence_permanent", "service_language",
		"email", "phone", "right_to_work", "jobseeker", "source_system", "source_id", "import_run", "created_at", "updated_at", "created_by"}
	conn, err := raw.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	err = conn.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"bench_clients"}, cols, pgx.CopyFromRows(rows))
		return err
	})
	secs := time.Since(start).Seconds()
	if err != nil {
		b.Fatal(err)
	}
	return secs
}

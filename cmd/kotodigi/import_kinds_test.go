package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/importer"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
	"github.com/xuri/excelize/v2"
)

func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

func readReport(t *testing.T, path string) importer.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r importer.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	for _, pii := range []string{"999W", "998L", "Haddad", "Yusuf", "Abdi", "AB-"} {
		if strings.Contains(string(b), pii) {
			t.Errorf("the report holds personal data %q", pii)
		}
	}
	return r
}

func reasonsByLine(r importer.Report) map[int]string {
	out := map[int]string{}
	for _, rej := range r.Rejections {
		out[rej.Line] = strings.Join(rej.Reasons, " ")
		if rej.Municipality != "" {
			out[rej.Line] += " @" + rej.Municipality
		}
	}
	return out
}

func warningsByLine(r importer.Report) map[int]string {
	out := map[int]string{}
	for _, w := range r.Warnings {
		out[w.Line] = strings.Join(w.Codes, " ")
	}
	return out
}

// A municipality's whole history: clients, then assessments, plans, their
// reviews and services linked by source ids, from CSV and XLSX, with a
// mapping; historic records that break a rule of today are stored with
// warnings and count as the client's earlier records for R12.
func TestImportEveryKind(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		dir := t.TempDir()
		dbFlag := "--db=" + tg.URL
		write := func(name, data string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		clients := write("clients.csv", "source_id;personal_identity_code;uma_number;first_names;last_name;date_of_birth;residence_basis_type;residence_valid_until;"+
			"first_permit_date;service_language;jobseeker;registration_date\n"+
			"C-1;010190-999W;;Amina;Yusuf;;residence_permit;2099-06-30;1.3.2019;fi;false;2.3.2019\n"+
			"C-2;;AB-90;Hodan;Abdi;1991-07-07;residence_permit;2099-06-30;2022-01-10;sv;true;\n"+
			"C-3;020295-998L;;Rasha;Haddad;;temporary_protection;2024-01-31;2022-03-01;fi;;\n"+ // expired
			"C-4;;AB-91;Zahra;Ahmadi;1993-03-03;residence_permit;2099-06-30;2030-01-01;fi;;\n") // first permit in the future
		rep := filepath.Join(dir, "report.json")
		out, errOut, err := cli(t, "", "import", dbFlag, "--municipality", "091", "--source-system", "vanha", "--report", rep, clients)
		if err != nil || lastLine(out) != "imported 2, skipped 0, rejected 2" {
			t.Fatalf("clients: %q %q %v", out, errOut, err)
		}
		r := readReport(t, rep)
		if got := reasonsByLine(r); got[4] != "residence_valid_until:residence_basis_expired" || got[5] != "first_permit_date:date_in_future" || r.Kind != "clients" || r.Read != 4 {
			t.Errorf("client rejections %v, report %+v", got, r)
		}
		out, errOut, err = cli(t, "", "import", dbFlag, "--municipality", "091", "--source-system", "vanha", "--accept-expired-residence", "--report", rep, clients)
		if err != nil || lastLine(out) != "imported 1, skipped 2, rejected 1" {
			t.Fatalf("clients with expired residence: %q %q %v", out, errOut, err)
		}
		if w := warningsByLine(readReport(t, rep)); w[4] != "residence_valid_until:residence_basis_expired" {
			t.Errorf("warnings %v", w)
		}

		assessments := write("assessments.csv", "source_id,client_source_id,date,service_needs,planned_plan_date\n"+
			"A-1,C-1,2019-04-01,language,2019-05-01\n"+
			"A-2,C-1,2023-06-01,again,\n"+ // over three years after the first permit
			"A-3,C-9,2023-06-01,,\n") // no such client
		out, errOut, err = cli(t, "", "import", dbFlag, "--municipality", "091", "--kind", "assessments", "--source-system", "vanha", "--report", rep, assessments)
		if err != nil || lastLine(out) != "imported 2, skipped 0, rejected 1" {
			t.Fatalf("assessments: %q %q %v", out, errOut, err)
		}
		r = readReport(t, rep)
		if reasonsByLine(r)[4] != "client_source_id:unknown_client" || warningsByLine(r)[3] != "date:outside_eligibility_period" {
			t.Errorf("assessments report %+v", r)
		}

		// Plans from a workbook with the old system's column names.
		book := excelize.NewFile()
		for i, row := range [][]any{{"Tunniste", "Asiakas", "Alku", "Loppu", "Tavoitteet", "Muistiinpano"},
			{"P-1", "C-1", "1.5.2019", "2020-08-31", "Finnish B1", "x"}, // a first plan over a year
			{"P-3", "C-1", "2020-09-01", "2021-12-31", "More", ""},      // over two years in total
			{"P-2", "C-2", "2022-02-01", "2022-12-31", "", ""}} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			_ = book.SetSheetRow("Sheet1", cell, &row)
		}
		plans := filepath.Join(dir, "plans.xlsx")
		if err := book.SaveAs(plans); err != nil {
			t.Fatal(err)
		}
		mapping := write("mapping.txt", "[columns]\nTunniste = source_id\nAsiakas = client_source_id\nAlku = start_date\nLoppu = end_date\nTavoitteet = goals\nMuistiinpano = -\n")
		// One row a batch: P-3 is checked after P-1 (the same client) is
		// stored, also where batches are stored at once.
		out, errOut, err = cli(t, "", "import", dbFlag, "--municipality", "091", "--kind", "plans", "--source-system", "vanha", "--mapping", mapping,
			"--report", rep, "--batch", "1", plans)
		if err != nil || lastLine(out) != "imported 3, skipped 0, rejected 0" {
			t.Fatalf("plans: %q %q %v", out, errOut, err)
		}
		if w := warningsByLine(readReport(t, rep)); w[2] != "end_date:plan_too_long" || w[4] != "goals:required" || w[3] != "end_date:plans_exceed_two_years" {
			t.Errorf("plan warnings %v", w)
		}

		reviews := write("reviews.csv", "source_id,plan_source_id,date,changes\nR-1,P-1,2019-11-01,more hours\nR-2,P-9,2019-11-01,x\n")
		out, errOut, err = cli(t, "", "import", dbFlag, "--municipality", "091", "--kind", "reviews", "--source-system", "vanha", reviews)
		if err != nil || lastLine(out) != "imported 1, skipped 0, rejected 1" || !strings.Contains(errOut, "line 3:") {
			t.Fatalf("reviews: %q %q %v", out, errOut, err)
		}
		services := write("services.csv", "source_id,client_source_id,service_type,date,provider\n"+
			"S-1,C-1,civic_orientation,2019-06-01,City\nS-2,C-2,language_course,2022-03-01,Institute\nS-3,C-2,yoga,2022-03-01,\n")
		rejects := filepath.Join(dir, "rejects.csv")
		out, errOut, err = cli(t, "", "import", dbFlag, "--municipality", "091", "--kind", "services", "--source-system", "vanha",
			"--report", rep, "--rejects", rejects, services)
		if err != nil || lastLine(out) != "imported 2, skipped 0, rejected 1" {
			t.Fatalf("services: %q %q %v", out, errOut, err)
		}
		if w := warningsByLine(readReport(t, rep)); w[3] != "service_type:recorded_by_employment_authority" {
			t.Errorf("service warnings %v", w)
		}
		if b, _ := os.ReadFile(rejects); !strings.Contains(string(b), "S-3,C-2,yoga") || !strings.Contains(string(b), "service_type:invalid_choice") {
			t.Errorf("reject file %q", b)
		}
		// Running a file again stores nothing twice.
		out, _, err = cli(t, "", "import", dbFlag, "--municipality", "091", "--kind", "plans", "--source-system", "vanha", "--mapping", mapping, plans)
		if err != nil || lastLine(out) != "imported 0, skipped 3, rejected 0" {
			t.Fatalf("plans again: %q %v", out, err)
		}
		checkImportedHistory(t, tg)
	})
}

// checkImportedHistory looks at what the import stored: provenance, dates,
// R12 over the imported plans, and the worklist.
func checkImportedHistory(t *testing.T, tg testdb.Target) {
	ctx := context.Background()
	s, err := store.Open(ctx, tg.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var amina string
	var sys, run string
	var created string
	err = s.DB().InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT c.id, CAST(c.created_at AS text) FROM clients c WHERE c.source_id = 'C-1'`).Scan(&amina, &created); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT p.source_system, p.import_run FROM plans p WHERE p.source_id = 'P-3' AND p.client_id = $1`, amina).Scan(&sys, &run)
	})
	if err != nil {
		t.Fatal(err)
	}
	if sys != "vanha" || run == "" || !strings.HasPrefix(created, "2019-03-02") {
		t.Errorf("provenance %q %q, registered %q", sys, run, created)
	}
	op := store.OperatorActor()
	id, err := s.CreateAccount(ctx, op, store.NewAccount{Email: "w@hel.example", Name: "Worker", OrganisationID: "municipality:091"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateGrant(ctx, op, store.NewGrant{Email: "w@hel.example", Municipality: "091", Role: "worker", Task: "§ 16 plans"}); err != nil {
		t.Fatal(err)
	}
	p, err := s.PrincipalByAccountID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	worker := store.Actor{Principal: p}
	// The imported plans are the client's earlier plans: a new plan is not
	// her first (no one-year limit) but the two-year total applies.
	start, end := "2022-01-01", "2022-06-30"
	_, err = s.CreatePlan(ctx, worker, amina, model.PlanInput{StartDate: &start, EndDate: &end, Goals: "x",
		Measures: []model.PlanMeasure{{ServiceType: "other"}}, Preparers: []model.Preparer{{Name: "W", Contact: "w"}}, Sources: []string{"client"}})
	var e *model.Error
	if err == nil || !errors.As(err, &e) || !slices.ContainsFunc(e.Fields, func(f model.FieldError) bool { return f.Code == model.FieldPlansExceedTwoYears }) {
		t.Errorf("a plan after the imported ones: %v", err)
	}
	items, err := s.Worklist(ctx, worker, store.WorklistFilter{Municipality: "091"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range items {
		found = found || it.Kind == casepolicy.ResidenceUpdate && it.Overdue
	}
	if !found {
		t.Errorf("the client with an expired residence basis is not on the worklist: %+v", items)
	}
}

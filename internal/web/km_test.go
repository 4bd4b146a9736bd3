package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// kmEnv is a test environment with knowledge management's users and three
// Helsinki clients (a count that outsiders see suppressed), refreshed.
func kmEnv(t *testing.T, tg testdb.Target) (*env, *browser) {
	t.Helper()
	e := newEnv(t, tg)
	ctx := context.Background()
	for _, a := range []struct {
		email, org string
		role       authz.Role
	}{
		{"stats@tem.test", "tem", authz.Statistician},
		{"stats@uusimaa.test", "regional_centre:uudenmaan-elinvoimakeskus", authz.Statistician},
		{"main@helsinki.test", "municipality:091", authz.MainUser},
	} {
		if _, err := e.store.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: a.email, Name: "Tilda Tilastoija",
			OrganisationID: a.org, Roles: []authz.Role{a.role}, Password: password}); err != nil {
			t.Fatal(err)
		}
	}
	w := e.signedIn(helsinkiWorker)
	for _, code := range []int{950, 951, 952} {
		w.register(clientForm(identityCode(code), "Amina", "Yusuf"))
	}
	if _, err := e.store.RefreshIndicators(ctx, store.Actor{Operator: "test"}); err != nil {
		t.Fatal(err)
	}
	return e, w
}

// cellsOf returns the cells of the table row whose header is name.
func cellsOf(t *testing.T, body, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`<tr[^>]*><th scope="row">` + regexp.QuoteMeta(name) + `</th>(.*?)</tr>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row %q", name)
	}
	var out []string
	for _, c := range regexp.MustCompile(`<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, c[1])
	}
	return out
}

func TestMunicipalDashboardShowsOwnFiguresAndSuppressedComparisons(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, w := kmEnv(t, tg)
		m := e.signedIn("main@helsinki.test")
		home := m.get("/")
		mustContain(t, "main user's front page", home.body, `href="/statistics"`, `href="/data-quality"`, `href="/statistics/table"`)
		p := m.get("/statistics")
		wantStatus(t, "dashboard", p, http.StatusOK)
		mustContain(t, "dashboard", p.body, "Helsinki", `<svg`, `class="chart chart-line"`, `class="km-summary"`)
		// The clients_registered table: Helsinki's own 3 in this quarter,
		// Uusimaa and the country (3 as well) suppressed, never 3 or 0.
		block := regexp.MustCompile(`(?s)<section class="km-block" aria-labelledby="clients_registered-heading">.*?</section>`).FindString(p.body)
		if block == "" {
			t.Fatal("no block of clients_registered")
		}
		cols := regexp.MustCompile(`<th scope="col" class="num">([^<]*)</th>`).FindAllStringSubmatch(block, -1)
		if len(cols) != 3 || cols[0][1] != "Helsinki" {
			t.Fatalf("columns %v, want Helsinki, its region and the country", cols)
		}
		today := e.store.Today()
		label := fmt.Sprintf("%d-Q%d", today.Year, (int(today.Month)-1)/3+1)
		cells := cellsOf(t, block, label)
		if cells[0] != "3" {
			t.Errorf("Helsinki's own figure %q, want 3", cells[0])
		}
		for _, c := range cells[1:] {
			if !strings.Contains(c, "suojattu") || strings.Contains(c, "3") {
				t.Errorf("comparison cell %q, want suppressed", c)
			}
		}
		// Its table downloads as the three formats.
		for format, ctype := range map[string]string{"csv": "text/csv", "xlsx": "spreadsheetml", "json-stat": "json"} {
			f := m.get("/statistics?chart=clients_registered&format=" + format)
			wantStatus(t, format, f, http.StatusOK)
			if !strings.Contains(f.header.Get("Content-Type"), ctype) || !strings.Contains(f.header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s download: %s, %s", format, f.header.Get("Content-Type"), f.header.Get("Content-Disposition"))
			}
			if format == "csv" {
				mustContain(t, "csv", f.body, "clients_registered,091,"+label+",,3,false", "clients_registered,FI,"+label+",,,true")
			}
		}
		checkPages(t, map[string]string{"dashboard": p.body})
		if got := w.get("/statistics"); got.status != http.StatusForbidden {
			t.Errorf("a worker opens the dashboard: %d", got.status)
		}
		mustNotContain(t, "worker's front page", w.get("/").body, `href="/statistics"`, `href="/data-quality"`)
	})
}

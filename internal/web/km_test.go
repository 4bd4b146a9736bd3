package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

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

func testMunicipalDashboardShowsOwnFiguresAndSuppressedComparisons(t *testing.T, e *env, w *browser) {
	{
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
		quarter := (int(today.Month)-1)/3 + 1
		code := fmt.Sprintf("%d-Q%d", today.Year, quarter)
		// Periods are named in the page's language: the table's rows in full,
		// the chart's axis in short.
		label := fmt.Sprintf("%d. neljännes %d", quarter, today.Year)
		mustContain(t, "chart axis", block, fmt.Sprintf(">Q%d/%d</text>", quarter, today.Year))
		mustNotContain(t, "dashboard", block, ">"+code+"<")
		cells := cellsOf(t, block, label)
		// Helsinki's own 3, which everyone else sees suppressed, is shown
		// marked as unpublishable, with the mark's legend, in the chart too.
		if !strings.HasPrefix(cells[0], `3<sup aria-hidden="true">†</sup>`) || !strings.Contains(cells[0], "näytetään vain omalle kunnallesi") {
			t.Errorf("Helsinki's own figure %q, want 3 marked †", cells[0])
		}
		mustContain(t, "own figure's marks", block, `class="km-own-only-legend">† = Näytetään vain omalle kunnallesi: julkaistuissa tilastoissa salattu.`,
			`class="chart-own-only"`, "vain omalle kunnallesi (†)", "Merkityt luvut (†")
		for _, c := range cells[1:] {
			if !strings.Contains(c, "suojattu") || strings.Contains(c, "3") || strings.Contains(c, "†") {
				t.Errorf("comparison cell %q, want suppressed", c)
			}
		}
		// Its table downloads as the three formats, the own figure marked in each.
		for format, ctype := range map[string]string{"csv": "text/csv", "xlsx": "spreadsheetml", "json-stat": "json"} {
			f := m.get("/statistics?chart=clients_registered&format=" + format)
			wantStatus(t, format, f, http.StatusOK)
			if !strings.Contains(f.header.Get("Content-Type"), ctype) || !strings.Contains(f.header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s download: %s, %s", format, f.header.Get("Content-Type"), f.header.Get("Content-Disposition"))
			}
			switch format {
			case "csv":
				mustContain(t, "csv", f.body, "indicator,area,period,by,value,suppressed,suppressed_for_others,period_label\r\n",
					"clients_registered,091,"+code+",,3,false,true,"+label, "clients_registered,FI,"+code+",,,true,false,"+label)
			case "json-stat":
				mustContain(t, "json-stat", f.body, `:"†"`, `"own_only_symbol":"†"`, `"`+code+`":"`+label+`"`, "† näytetään vain omalle kunnallesi")
			case "xlsx":
				x, err := excelize.OpenReader(strings.NewReader(f.body))
				if err != nil {
					t.Fatal(err)
				}
				sheet := x.GetSheetList()[0]
				rows, _ := x.GetRows(sheet)
				if len(rows) < 5 || strings.Join(rows[2], "|") != "†|näytetään vain omalle kunnallesi: julkaistuissa tilastoissa salattu" || !slices.Contains(rows[3], label) {
					t.Errorf("workbook's legend and header: %q", rows)
				}
				if i := slices.Index(rows[3], label); i < 0 || len(rows[4]) <= i || rows[4][0] != "091" || rows[4][i] != "3 †" {
					t.Errorf("Helsinki's row %q under %q", rows[4], rows[3])
				}
				x.Close()
			}
		}
		// In Swedish and English.
		for _, tc := range []struct{ lang, period, cell, legend string }{
			{"sv", fmt.Sprintf("kvartal %d %d", quarter, today.Year), "visas endast för din egen kommun", "† = Visas endast för din egen kommun: skyddad i publicerad statistik."},
			{"en", fmt.Sprintf("Q%d %d", quarter, today.Year), "shown to your municipality only", "† = Shown to your municipality only: suppressed in published statistics."},
		} {
			m.post("/language", url.Values{"lang": {tc.lang}, "next": {"/statistics"}})
			block := regexp.MustCompile(`(?s)<section class="km-block" aria-labelledby="clients_registered-heading">.*?</section>`).FindString(m.get("/statistics").body)
			if c := cellsOf(t, block, tc.period); !strings.HasPrefix(c[0], "3<sup") || !strings.Contains(c[0], tc.cell) {
				t.Errorf("%s: Helsinki's own figure %q", tc.lang, c[0])
			}
			mustContain(t, tc.lang+" legend", block, tc.legend)
			csv := m.get("/statistics?chart=clients_registered&format=csv")
			mustContain(t, tc.lang+" csv", csv.body, "clients_registered,091,"+code+",,3,false,true,"+tc.period)
		}
		m.post("/language", url.Values{"lang": {"fi"}, "next": {"/statistics"}})
		checkPages(t, map[string]string{"dashboard": p.body})
		if got := w.get("/statistics"); got.status != http.StatusForbidden {
			t.Errorf("a worker opens the dashboard: %d", got.status)
		}
		mustNotContain(t, "worker's front page", w.get("/").body, `href="/statistics"`, `href="/data-quality"`)
	}
}

// Month names as a Finnish and a Swedish statistician writes them.
var (
	fiMonths = []string{"tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu", "heinäkuu", "elokuu", "syyskuu", "lokakuu", "marraskuu", "joulukuu"}
	svMonths = []string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"}
)

// contractColumns is an annotated CSV with the contract's six columns only.
func contractColumns(t *testing.T, body string) string {
	t.Helper()
	var b strings.Builder
	for _, line := range strings.SplitAfter(body, "\r\n") {
		if line == "" {
			continue
		}
		fields := strings.Split(strings.TrimSuffix(line, "\r\n"), ",")
		if len(fields) != 8 {
			t.Fatalf("annotated CSV line %q has %d columns, want 8", line, len(fields))
		}
		b.WriteString(strings.Join(fields[:6], ",") + "\r\n")
	}
	return b.String()
}

// auditCount counts the audit events of action by email (about client, if given).
func auditCount(t *testing.T, e *env, email, action, client string) int {
	t.Helper()
	items, err := e.store.AuditEvents(context.Background(), store.OperatorActor(), store.AuditFilter{ActorEmail: email, Action: action, ClientID: client, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(items)
}

func testTableBuilderAnswersAsTheAPIAndDownloads(t *testing.T, e *env, w *browser) {
	{
		s := e.signedIn("stats@tem.test")
		form := s.get("/statistics/table")
		wantStatus(t, "table builder form", form, http.StatusOK)
		mustContain(t, "form", form.body, `<form method="get" action="/statistics/table"`, `id="tb-indicator"`, `id="tb-by"`)
		mustNotContain(t, "form before asking", form.body, `class="km-block"`)
		before := auditCount(t, e, "stats@tem.test", "indicator.read", "")
		today := e.store.Today()
		q := fmt.Sprintf("indicator=clients_registered&area=municipality&period=year&from=%d-01-01&to=%s&by=", today.Year, today)
		p := s.get("/statistics/table?" + q)
		wantStatus(t, "table", p, http.StatusOK)
		// Every municipality, Helsinki's 3 suppressed for the ministry.
		cells := cellsOf(t, p.body, "Helsinki")
		if len(cells) != 1 || !strings.Contains(cells[0], "suojattu") {
			t.Errorf("Helsinki for the ministry: %v, want suppressed", cells)
		}
		mustContain(t, "table", p.body, "Tampere", `format=csv`, `format=xlsx`, `format=json-stat`)
		if got := auditCount(t, e, "stats@tem.test", "indicator.read", ""); got != before+1 {
			t.Errorf("the table read wrote %d indicator.read events, want 1", got-before)
		}
		mustNotContain(t, "table for an outsider", p.body, "†", "km-own-only")
		csv := s.get("/statistics/table?" + q + "&format=csv")
		wantStatus(t, "csv", csv, http.StatusOK)
		mustContain(t, "csv", csv.body, "indicator,area,period,by,value,suppressed,suppressed_for_others,period_label",
			fmt.Sprintf("clients_registered,091,%d,,,true,false,%d", today.Year, today.Year))
		mustNotContain(t, "csv", csv.body, fmt.Sprintf("clients_registered,091,%d,,3", today.Year), ",true,"+strconv.Itoa(today.Year))
		// The same figures as the API's file (one code path); the API's file
		// has the contract's six columns only.
		tok, err := e.store.CreateToken(context.Background(), store.OperatorActor(), "stats@tem.test", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, e.url+"/api/v1/indicators/clients_registered/data?"+strings.TrimSuffix(q[len("indicator=clients_registered&"):], "&by=")+"&format=csv", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		api := e.browser().do(req)
		wantStatus(t, "API csv", api, http.StatusOK)
		if !strings.HasPrefix(api.body, "indicator,area,period,by,value,suppressed\r\n") || contractColumns(t, csv.body) != api.body {
			t.Errorf("the web download differs from the API's file:\n%s\n---\n%s", csv.body, api.body)
		}
		// Helsinki's own main user gets its 3, marked.
		ownCSV := e.signedIn("main@helsinki.test").get("/statistics/table?" + q + "&format=csv")
		mustContain(t, "owner's csv", ownCSV.body, fmt.Sprintf("clients_registered,091,%d,,3,false,true,%d", today.Year, today.Year))
		// Months and quarters are named in the page's language: in full as
		// the column of a one-period table, in short as columns of many.
		month := fmt.Sprintf("indicator=clients_registered&area=region&period=month&from=%d-%02d-01&to=%s", today.Year, int(today.Month), today)
		quarters := fmt.Sprintf("indicator=clients_registered&area=region&period=quarter&from=%d-01-01&to=%s", today.Year-1, today)
		months := fmt.Sprintf("indicator=clients_registered&area=region&period=month&from=%d-12-01&to=%s", today.Year-1, today)
		last := strconv.Itoa(today.Year - 1)
		for _, tc := range []struct{ lang, month, quarter, december string }{
			{"fi", fiMonths[today.Month-1] + " " + strconv.Itoa(today.Year), "Q1/" + last, "12/" + last},
			{"sv", svMonths[today.Month-1] + " " + strconv.Itoa(today.Year), "kv. 1/" + last, "12/" + last},
			{"en", today.Month.String() + " " + strconv.Itoa(today.Year), "Q1 " + last, "Dec " + last},
		} {
			s.post("/language", url.Values{"lang": {tc.lang}, "next": {"/statistics/table"}})
			mp := s.get("/statistics/table?" + month)
			wantStatus(t, tc.lang+" month table", mp, http.StatusOK)
			mustContain(t, tc.lang+" month table", mp.body, `<th scope="col" class="num">`+tc.month+`</th>`)
			qp := s.get("/statistics/table?" + quarters)
			mustContain(t, tc.lang+" quarter table", qp.body, `<th scope="col" class="num">`+tc.quarter+`</th>`)
			mustNotContain(t, tc.lang+" quarter table", qp.body, `>`+strconv.Itoa(today.Year-1)+`-Q1<`)
			mp = s.get("/statistics/table?" + months)
			mustContain(t, tc.lang+" months table", mp.body, `<th scope="col" class="num">`+tc.december+`</th>`)
			mustNotContain(t, tc.lang+" months table", mp.body, `>`+last+`-12<`)
			// The form keeps the codes.
			mustContain(t, tc.lang+" form", qp.body, `<option value="quarter" selected>`)
		}
		s.post("/language", url.Values{"lang": {"fi"}, "next": {"/statistics/table"}})
		xlsx := s.get("/statistics/table?" + q + "&format=xlsx")
		if !strings.Contains(xlsx.header.Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(xlsx.body, "PK") {
			t.Errorf("xlsx: %s", xlsx.header.Get("Content-Type"))
		}
		// Workbooks are cached per snapshot by their content: the same table
		// again is the same file, and Helsinki's own main user (who sees its
		// 3 unsuppressed) never gets the ministry's file, nor the reverse.
		if again := s.get("/statistics/table?" + q + "&format=xlsx"); again.body != xlsx.body {
			t.Error("the same table gave another workbook")
		}
		own := e.signedIn("main@helsinki.test").get("/statistics/table?" + q + "&format=xlsx")
		wantStatus(t, "main user's xlsx", own, http.StatusOK)
		if own.body == xlsx.body {
			t.Error("the owner got the outsider's workbook")
		}
		if again := s.get("/statistics/table?" + q + "&format=xlsx"); again.body != xlsx.body {
			t.Error("after the owner's download the ministry got another workbook")
		}
		// A breakdown the indicator lacks and dates in the wrong order: field errors.
		bad := s.get(fmt.Sprintf("/statistics/table?indicator=jobseeker_share&area=region&period=year&from=%d-12-31&to=%d-01-01&by=service_type", today.Year, today.Year))
		wantStatus(t, "invalid table", bad, http.StatusUnprocessableEntity)
		mustContain(t, "invalid table", bad.body, `class="error-summary"`, `href="#tb-to"`, `id="tb-to-error"`, `aria-invalid="true"`)
		checkPages(t, map[string]string{"table builder": form.body, "table": p.body, "invalid table": bad.body})
	}
}

func testRegionalDashboardShowsOnlyItsArea(t *testing.T, e *env, w *browser) {
	{
		r := e.signedIn("stats@uusimaa.test")
		p := r.get("/statistics?level=municipality")
		wantStatus(t, "regional dashboard", p, http.StatusOK)
		mustContain(t, "regional dashboard", p.body, "Helsinki", "Espoo", `class="chart chart-bars"`, `<option value="municipality" selected>`)
		mustNotContain(t, "regional dashboard", p.body, "Tampere", "Vaasa", "†", "km-own-only", "chart-own-only")
		// Outside the municipality Helsinki's 3 are suppressed.
		if c := cellsOf(t, p.body, "Helsinki"); !strings.Contains(c[0], "suojattu") {
			t.Errorf("Helsinki for the regional centre: %v", c)
		}
		f := r.get("/statistics?level=municipality&chart=clients_registered&format=json-stat")
		wantStatus(t, "json-stat", f, http.StatusOK)
		mustContain(t, "json-stat", f.body, `"version":"2.0"`, `"class":"dataset"`)
		mustNotContain(t, "json-stat", f.body, `"837"`, "†") // Tampere; no figure of its own
		ind := r.get("/statistics/indicators/plans_reviewed_on_time")
		wantStatus(t, "indicator page", ind, http.StatusOK)
		mustContain(t, "indicator page", ind.body, "Nimittäjä", "Osoittaja", "plan_reviews", `lang="sv"`, `lang="en"`)
		cat := r.get("/statistics/indicators")
		mustContain(t, "catalogue", cat.body, `href="/statistics/indicators/clients_registered"`, `href="/statistics/indicators/jobseeker_share"`)
		if nf := r.get("/statistics/indicators/no_such"); nf.status != http.StatusNotFound {
			t.Errorf("unknown indicator: %d", nf.status)
		}
		checkPages(t, map[string]string{"regional dashboard": p.body, "indicator": ind.body, "catalogue": cat.body})
	}
}

func testDataQualityCountsAndAuditedLists(t *testing.T, e *env, w *browser) {
	{
		m := e.signedIn("main@helsinki.test")
		p := m.get("/data-quality")
		wantStatus(t, "data quality", p, http.StatusOK)
		// The three clients have no background data.
		mustContain(t, "data quality", p.body, `href="/data-quality/no_background_data">3`)
		if n := auditCount(t, e, "main@helsinki.test", "data_quality.read", ""); n != 1 {
			t.Errorf("%d data_quality.read events, want 1", n)
		}
		l := m.get("/data-quality/no_background_data")
		wantStatus(t, "list", l, http.StatusOK)
		if n := strings.Count(l.body, "Yusuf, Amina"); n != 3 {
			t.Errorf("list names %d clients, want 3", n)
		}
		// Opening the list is audited with every client listed.
		wid, err := e.store.AccountIDByEmail(context.Background(), helsinkiWorker)
		if err != nil {
			t.Fatal(err)
		}
		wp, err := e.store.PrincipalByAccountID(context.Background(), wid)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := e.store.SearchClients(context.Background(), store.Actor{Principal: wp}, "Yusuf")
		if err != nil || len(ids) != 3 {
			t.Fatalf("search: %v %d", err, len(ids))
		}
		for _, c := range ids {
			if n := auditCount(t, e, "main@helsinki.test", "data_quality.clients", c.ID); n != 1 {
				t.Errorf("client %s: %d data_quality.clients events, want 1", c.ID, n)
			}
		}
		if nf := m.get("/data-quality/no_such_check"); nf.status != http.StatusNotFound {
			t.Errorf("unknown check: %d", nf.status)
		}
		for _, path := range []string{"/data-quality", "/data-quality/no_background_data"} {
			if got := w.get(path); got.status != http.StatusForbidden {
				t.Errorf("a worker opens %s: %d", path, got.status)
			}
		}
		checkPages(t, map[string]string{"data quality": p.body, "list": l.body})
	}
}

// TestKnowledgeManagementPages: the dashboards, the table builder, the
// indicator pages and data quality, on one environment per database.
func TestKnowledgeManagementPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, w := kmEnv(t, tg)
		for name, fn := range map[string]func(*testing.T, *env, *browser){
			"municipal dashboard": testMunicipalDashboardShowsOwnFiguresAndSuppressedComparisons,
			"table builder":       testTableBuilderAnswersAsTheAPIAndDownloads,
			"regional dashboard":  testRegionalDashboardShowsOnlyItsArea,
			"data quality":        testDataQualityCountsAndAuditedLists,
		} {
			t.Run(name, func(t *testing.T) { fn(t, e, w) })
		}
	})
}

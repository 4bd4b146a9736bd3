package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

func TestStatisticsPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		if _, err := e.store.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "stats@tem.test", Name: "Tilda Tilastoija",
			OrganisationID: "tem", Roles: []authz.Role{authz.Statistician}, Password: password}); err != nil {
			t.Fatal(err)
		}
		w := e.signedIn(helsinkiWorker)
		for _, code := range []int{950, 951, 952} {
			w.register(clientForm(identityCode(code), "Amina", "Yusuf"))
		}
		s := e.signedIn("stats@tem.test")
		home := s.get("/")
		mustContain(t, "statistician's navigation", home.body, `href="/statistics"`)
		p := s.get("/statistics?group_by=municipality")
		wantStatus(t, "statistics", p, http.StatusOK)
		// Helsinki's 3 clients are a small cell: protected, never the number.
		r := row(t, p.body, "Helsinki")
		mustContain(t, "Helsinki row", r, "suojattu")
		if strings.Contains(r, ">3<") {
			t.Errorf("small count shown: %s", r)
		}
		mustContain(t, "zero row", row(t, p.body, "Tampere"), ">0<")
		pr := s.get("/statistics?group_by=region")
		wantStatus(t, "statistics by region", pr, http.StatusOK)
		mustContain(t, "region table", pr.body, "Uusimaa", `<select id="group_by" name="group_by">`, `<option value="region" selected>`)
		checkPages(t, map[string]string{"statistics": p.body, "statistics by region": pr.body})
		if got := w.get("/statistics"); got.status != http.StatusForbidden {
			t.Errorf("worker opens statistics: %d", got.status)
		}
	})
}

package store_test

import (
	"context"
	"testing"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestIndicatorRefreshSmoke: every indicator's query runs on both engines
// and a registered client is counted.
func TestIndicatorRefreshSmoke(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		if _, err := f.s.RegisterClient(ctx, f.helsinki, validClient("091", "010190-999W")); err != nil {
			t.Fatal(err)
		}
		res, err := f.s.RefreshIndicators(ctx, store.OperatorActor())
		if err != nil {
			t.Fatal(err)
		}
		if !res.Published || res.Cells == 0 {
			t.Fatalf("refresh: %+v", res)
		}
		id, err := f.s.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "stats@tem.example", Name: "S", OrganisationID: "tem", Roles: []authz.Role{authz.Statistician}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.s.PrincipalByAccountID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		q := indicators.Query{Indicator: "clients_registered", AreaLevel: "country", PeriodLevel: "year",
			From: model.Date{Year: 2026, Month: 1, Day: 1}, To: model.Date{Year: 2026, Month: 12, Day: 31}, Format: "json"}
		tab, err := f.s.IndicatorData(ctx, store.Actor{Principal: p}, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(tab.Cells) != 1 || !tab.Cells[0].Suppressed {
			t.Fatalf("country 2026 with one client: %+v", tab.Cells)
		}
	})
}

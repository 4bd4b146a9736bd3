package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// publishedCells reads every cell of the published indicator snapshot.
func publishedCells(t *testing.T, s *store.Store) []string {
	t.Helper()
	var out []string
	err := s.DB().InReadTx(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT indicator, area_level, area, period_level, period, breakdown, category,
			value, n, suppressed FROM indicator_cells WHERE snapshot_id = (SELECT snapshot_id FROM indicator_published WHERE id = 1)
			ORDER BY indicator, area_level, area, period_level, period, breakdown, category`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a [7]string
			var v *float64
			var n *int64
			var sup bool
			if err := rows.Scan(&a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6], &v, &n, &sup); err != nil {
				return err
			}
			row := strings.Join(a[:], "|")
			if v != nil {
				row += fmt.Sprintf("|%.6f", *v)
			}
			if n != nil {
				row += fmt.Sprintf("|%d", *n)
			}
			out = append(out, row+fmt.Sprintf("|%v", sup))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameCells(a, b []string) (string, bool) {
	if len(a) != len(b) {
		return fmt.Sprintf("%d cells, then %d", len(a), len(b)), false
	}
	for i := range a {
		if a[i] != b[i] {
			return a[i] + " became " + b[i], false
		}
	}
	return "", true
}

// TestRetentionLeavesStatisticsUnchanged: clients inactive for longer than
// the client period are removed with their case records, except a client
// under a legal hold and a client with recent activity; the dry run counts
// exactly what the run removes; and a refresh after the removal publishes
// the same cells as before it (the removed records' facts are frozen),
// while without the frozen facts it would not.
func TestRetentionLeavesStatisticsUnchanged(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		then := time.Date(2019, 3, 1, 10, 0, 0, 0, time.UTC)
		old, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return then }})
		if err != nil {
			t.Fatal(err)
		}
		defer old.Close()
		op := store.OperatorActor()
		str := func(s string) *string { return &s }
		workers := map[string]int64{}
		for _, muni := range []string{"091", "049"} {
			email := "worker" + muni + "@example.invalid"
			id, err := old.CreateAccount(ctx, op, store.NewAccount{Email: email, Name: "W", OrganisationID: "municipality:" + muni})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := old.CreateGrant(ctx, op, store.NewGrant{Email: email, Municipality: muni, Role: "worker", Task: "t"}); err != nil {
				t.Fatal(err)
			}
			workers[muni] = id
		}
		as := func(s *store.Store, muni string) store.Actor {
			p, err := s.PrincipalByAccountID(ctx, workers[muni])
			if err != nil {
				t.Fatal(err)
			}
			return store.Actor{Principal: p}
		}
		var ids []string
		for i := range 10 {
			muni := "091"
			if i >= 7 {
				muni = "049"
			}
			until, first := model.Date{Year: 2029, Month: 6, Day: 30}, model.Date{Year: 2018, Month: 10, Day: 1}
			pic := model.SyntheticIdentityCode(time.Date(1980+i, 5, 17, 0, 0, 0, 0, time.UTC), 900+2*i)
			w := as(old, muni)
			c, err := old.RegisterClient(ctx, w, model.ClientFields{Municipality: muni, PersonalIdentityCode: &pic, FirstNames: "A", LastName: "B",
				ResidenceBasis: &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until, FirstPermitDate: &first}, ServiceLanguage: "fi"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
			if _, err := old.CreateAssessment(ctx, w, c.ID, model.AssessmentInput{Date: str(fmt.Sprintf("2019-02-%02d", 10+i)),
				Content: &model.AssessmentContent{ServiceNeeds: "Language"}, Sources: []string{"client"},
				Preparers: []model.Preparer{{Name: "P", Contact: "p"}}}); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				if _, err := old.CreatePlan(ctx, w, c.ID, model.PlanInput{StartDate: str("2019-02-25"), EndDate: str("2019-12-31"), Goals: "B1",
					Measures: []model.PlanMeasure{{ServiceType: "language_course", Description: "d"}}, Sources: []string{"client"},
					Preparers: []model.Preparer{{Name: "P", Contact: "p"}}}); err != nil {
					t.Fatal(err)
				}
				if _, err := old.CreateService(ctx, w, c.ID, model.ServiceInput{ServiceType: "language_course", Date: str("2019-02-27")}); err != nil {
					t.Fatal(err)
				}
			}
		}

		now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		// Client 0 is changed now (active); client 1 is under a legal hold.
		if _, err := s.UpdateClient(ctx, as(s, "091"), ids[0], model.ClientPatch{Phone: model.Set(str("+358401234567"))}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetLegalHold(ctx, op, ids[1], "Appeal pending at the administrative court"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RefreshIndicators(ctx, op); err != nil {
			t.Fatal(err)
		}
		before := publishedCells(t, s)

		policy := store.RetentionPolicy{}
		dry, err := s.RetentionDryRun(ctx, op, policy)
		if err != nil {
			t.Fatal(err)
		}
		if dry.Clients != 8 || dry.Held != 1 || dry.Assessments != 8 || dry.Plans != 4 || dry.Services != 4 {
			t.Fatalf("dry run: %+v", dry)
		}
		done, err := s.ApplyRetention(ctx, op, policy)
		if err != nil {
			t.Fatal(err)
		}
		if done.Clients != dry.Clients || done.Assessments != dry.Assessments || done.Plans != dry.Plans || done.Services != dry.Services {
			t.Errorf("run %+v, dry run %+v", done, dry)
		}
		for i, id := range ids {
			muni := "091"
			if i >= 7 {
				muni = "049"
			}
			_, err := s.ClientByID(ctx, as(s, muni), id)
			if kept := i < 2; kept != (err == nil) {
				t.Errorf("client %d: kept %v, read error %v", i, kept, err)
			}
		}
		if again, err := s.RetentionDryRun(ctx, op, policy); err != nil || again.Clients != 0 || again.Held != 1 {
			t.Errorf("dry run after the run: %+v %v", again, err)
		}

		if _, err := s.RefreshIndicators(ctx, op); err != nil {
			t.Fatal(err)
		}
		if diff, ok := sameCells(before, publishedCells(t, s)); !ok {
			t.Errorf("published figures changed by the removal: %s", diff)
		}
		// The frozen facts are what keeps them: without them the figures
		// change. (On PostgreSQL the application may not delete them.)
		if tg.Name == "sqlite" {
			if err := s.DB().InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `DELETE FROM indicator_frozen_facts`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RefreshIndicators(ctx, op); err != nil {
				t.Fatal(err)
			}
			if _, ok := sameCells(before, publishedCells(t, s)); ok {
				t.Error("without the frozen facts the figures are the same: the test proves nothing")
			}
		}

		events, err := s.AuditEvents(ctx, op, store.AuditFilter{Action: "retention.run"})
		if err != nil || len(events) != 1 {
			t.Fatalf("retention.run events: %v %v", events, err)
		}
	})
}

package demo_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/demo"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// The demo clients have varied background data, unknowns included, that a
// statistician would see broken down: both sexes (derived, and entered for
// clients without an identity code), many citizenships (stateless and dual
// too), mother tongues, client groups, arrival dates; and identity codes
// only from the temporary range 900–999.
func TestDemoBackgroundData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := demo.Load(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := demo.Load(ctx, s); err != nil { // idempotent
			t.Fatal(err)
		}
		type row struct {
			pic, sex, cits, tongue, group sql.NullString
			arrival, dob                  model.NullDate
		}
		var rows []row
		err = s.DB().InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
			rs, err := tx.Query(ctx, `SELECT personal_identity_code, sex, citizenships, mother_tongue, client_group, arrival_date, date_of_birth FROM clients`)
			if err != nil {
				return err
			}
			defer rs.Close()
			for rs.Next() {
				var r row
				if err := rs.Scan(&r.pic, &r.sex, &r.cits, &r.tongue, &r.group, &r.arrival, &r.dob); err != nil {
					return err
				}
				rows = append(rows, r)
			}
			return rs.Err()
		})
		if err != nil || len(rows) != 50 {
			t.Fatalf("%d demo clients, %v", len(rows), err)
		}
		count := map[string]map[string]int{"sex": {}, "citizenships": {}, "mother_tongue": {}, "client_group": {}, "arrival": {}, "entered sex": {}}
		val := func(v sql.NullString) string {
			if !v.Valid {
				return "unknown"
			}
			return v.String
		}
		for _, r := range rows {
			count["sex"][val(r.sex)]++
			count["citizenships"][val(r.cits)]++
			count["mother_tongue"][val(r.tongue)]++
			count["client_group"][val(r.group)]++
			if r.arrival.Valid {
				count["arrival"]["known"]++
				if a, d := r.arrival.Ptr(), r.dob.Ptr(); a.Before(*d) {
					t.Errorf("arrival %v before birth %v", a, d)
				}
			} else {
				count["arrival"]["unknown"]++
			}
			if r.pic.Valid {
				pic, err := model.ParsePersonalIdentityCode(r.pic.String)
				if err != nil || !pic.Temporary {
					t.Errorf("demo identity code outside 900–999: %v", err)
				}
				if err == nil && r.sex.String != model.SexFromIdentityCode(pic) {
					t.Errorf("sex %v does not follow the identity code", r.sex)
				}
			} else {
				count["entered sex"][val(r.sex)]++
			}
		}
		for field, min := range map[string]int{"sex": 3, "citizenships": 10, "mother_tongue": 10, "client_group": 6, "arrival": 2, "entered sex": 2} {
			if len(count[field]) < min {
				t.Errorf("%s: only %v", field, count[field])
			}
		}
		for _, field := range []string{"sex", "citizenships", "mother_tongue", "client_group"} {
			if count[field]["unknown"] == 0 {
				t.Errorf("%s: no unknowns: %v", field, count[field])
			}
		}
		dual, stateless := false, false
		for c := range count["citizenships"] {
			dual = dual || strings.Contains(c, " ")
			stateless = stateless || c == model.StatelessCitizenship
		}
		if !dual || !stateless {
			t.Errorf("citizenships without a dual or a stateless one: %v", count["citizenships"])
		}
		t.Logf("%v", count)
	})
}

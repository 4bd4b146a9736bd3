package demo_test

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/demo"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestGenerate fills each engine with 2,000 synthetic clients: exactly as
// many per municipality as its share of the population gives, identity codes
// valid and only from 900–999, case records of every kind over three years,
// one audit event for the run. (TestGenerateThenRefresh runs the indicator
// refresh over generated data.)
func TestGenerate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var bulk *db.DB
		if s.DB().Dialect == db.Postgres {
			if bulk, err = db.Open(ctx, tg.URL); err != nil { // the owner: COPY
				t.Fatal(err)
			}
			defer bulk.Close()
		}
		const n = 2000
		res, err := demo.Generate(ctx, s, bulk, demo.GenerateOptions{Clients: n, Seed: 5, Batch: 700})
		if err != nil {
			t.Fatal(err)
		}
		if res.Clients != n || res.Assessments < n/2 || res.Plans < n/4 || res.Reviews == 0 || res.Services < n/2 || res.Transfers == 0 {
			t.Fatalf("counts %+v", res.SyntheticCounts)
		}
		checkGenerated(t, ctx, s, n, now)
		if foreign, err := s.ForeignClients(ctx); err != nil || foreign != 0 {
			t.Errorf("foreign clients %d, %v", foreign, err)
		}
		t.Logf("%+v", res.SyntheticCounts)
	})
}

// TestGenerateThenRefresh: the indicator refresh runs over generated data
// and publishes figures of every kind of record. (Few clients: 2,000 spread
// over 309 municipalities and four calendar years make almost every cell
// small, and planning their protection takes minutes; the figures at scale
// are in bench/RESULTS.md.)
func TestGenerateThenRefresh(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := demo.Generate(ctx, s, nil, demo.GenerateOptions{Clients: 80, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		ref, err := s.RefreshIndicators(ctx, store.OperatorActor())
		if err != nil {
			t.Fatal(err)
		}
		if !ref.Published || ref.Cells == 0 || ref.Primary == 0 {
			t.Errorf("refresh %+v", ref)
		}
		var kinds int
		err = s.DB().InTx(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(DISTINCT indicator) FROM indicator_cells WHERE snapshot_id = $1 AND area_level = 'country'
				AND period_level = 'year' AND breakdown = '' AND value > 0`, ref.SnapshotID).Scan(&kinds)
		})
		if err != nil || kinds < 10 {
			t.Errorf("%d indicators with a national figure, %v", kinds, err)
		}
		t.Logf("refresh: %d cells, %d suppressed, %s (read %s, plan %s, write %s)", ref.Cells, ref.Suppressed, ref.Elapsed, ref.Read, ref.Build, ref.Write)
	})
}

func checkGenerated(t *testing.T, ctx context.Context, s *store.Store, n int, now time.Time) {
	t.Helper()
	perMuni := map[string]int{}
	codes := map[string]bool{}
	var events, registeredBefore, tests, oldest int
	err := s.DB().InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.municipality_code, c.personal_identity_code, c.source_system,
			(SELECT from_municipality FROM client_transfers t WHERE t.client_id = c.id) FROM clients c`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var muni, system string
			var pic, from *string
			if err := rows.Scan(&muni, &pic, &system, &from); err != nil {
				return err
			}
			if from != nil {
				muni = *from // counted where registered
			}
			perMuni[muni]++
			if system != store.SyntheticSystem {
				t.Errorf("source system %q", system)
			}
			if pic != nil {
				if _, err := model.ParsePersonalIdentityCode(*pic); err != nil || codes[*pic] {
					t.Errorf("identity code %s: %v, repeated %v", *pic, err, codes[*pic])
				}
				codes[*pic] = true
				if in, _ := strconv.Atoi((*pic)[7:10]); in < 900 || in > 999 {
					t.Errorf("identity code %s outside 900-999", *pic)
				}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'synthetic.generate'`).Scan(&events); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM clients WHERE created_at < $1`, now.AddDate(-2, 0, 0)).Scan(&registeredBefore); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM services WHERE final_language_test IS NOT NULL`).Scan(&tests); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM clients WHERE created_at < $1`, now.AddDate(-3, 0, -1)).Scan(&oldest)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := demo.Allocate(s.RefData().Municipalities, n)
	total, pop := 0, 0
	for _, m := range s.RefData().Municipalities {
		pop += m.Population
	}
	for i, m := range s.RefData().Municipalities {
		total += perMuni[m.Code]
		if perMuni[m.Code] != want[i] {
			t.Errorf("municipality %s: %d clients, want %d", m.Code, perMuni[m.Code], want[i])
		}
		if share := float64(n) * float64(m.Population) / float64(pop); math.Abs(float64(want[i])-share) >= 1 {
			t.Errorf("municipality %s: %d clients for a share of %.2f", m.Code, want[i], share)
		}
	}
	if total != n || len(codes) < n*3/4 {
		t.Errorf("%d clients, %d identity codes", total, len(codes))
	}
	if events != 1 || registeredBefore < n/5 || oldest != 0 || tests == 0 {
		t.Errorf("audit events %d, registered over two years ago %d, over three %d, language tests %d", events, registeredBefore, oldest, tests)
	}
}

// TestGenerateIsDeterministic: the same seed gives the same clients.
func TestGenerateIsDeterministic(t *testing.T) {
	var first []string
	for range 2 {
		tg := testdb.Targets(t)[0]
		ctx := context.Background()
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Generate(ctx, s, nil, demo.GenerateOptions{Clients: 50, Seed: 9}); err != nil {
			t.Fatal(err)
		}
		var got []string
		err = s.DB().InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id || municipality_code || COALESCE(personal_identity_code, uma_number) || first_names FROM clients ORDER BY id`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var x string
				if err := rows.Scan(&x); err != nil {
					return err
				}
				got = append(got, x)
			}
			return rows.Err()
		})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = got
		} else if len(got) != 50 || len(first) != len(got) || first[0] != got[0] || first[49] != got[49] {
			t.Fatalf("two runs with one seed differ: %v vs %v", first[:1], got[:1])
		}
	}
}

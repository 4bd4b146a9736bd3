package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestGrantFilterIsTheRule: for every action on a client's personal data and
// every role, what the SQL grant filter lets through on a real database is
// what authz decides (the golden permission matrix): for a client of the
// caller's municipality, of another municipality, and of another
// municipality that the caller's municipality transferred the client to
// (reads only, until the read period ends).
func TestGrantFilterIsTheRule(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx, s := context.Background(), testStore(t, tg)
		op := OperatorActor()

		// One account per role, held as authz.PrincipalFor(role, "091") holds it.
		principals := map[authz.Role]*authz.Principal{}
		for _, r := range authz.AllRoles {
			m := authz.PrincipalFor(r, "091")
			in := NewAccount{Email: m.Email, Name: string(r), OrganisationID: m.OrganisationID, Roles: m.Roles}
			id, err := s.CreateAccount(ctx, op, in)
			if err != nil {
				t.Fatal(r, err)
			}
			for _, g := range m.Grants {
				if _, err := s.CreateGrant(ctx, op, NewGrant{Email: m.Email, Municipality: g.Municipality, Role: string(g.Role), Task: "t"}); err != nil {
					t.Fatal(r, err)
				}
			}
			if principals[r], err = s.PrincipalByAccountID(ctx, id); err != nil {
				t.Fatal(err)
			}
		}

		register := func(muni, uma string) string {
			t.Helper()
			until, born := model.Date{Year: 2027, Month: 6, Day: 30}, model.Date{Year: 1990, Month: 1, Day: 1}
			c, err := s.RegisterClient(ctx, op, model.ClientFields{Municipality: muni, UMANumber: &uma, DateOfBirth: &born,
				FirstNames: "A", LastName: "B", ResidenceBasis: &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until},
				ServiceLanguage: "fi"})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		own, other := register("091", "UMA-1"), register("049", "UMA-2")
		transferred, expired := register("049", "UMA-3"), register("049", "UMA-4")
		if err := s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
			for id, until := range map[string]model.Date{transferred: s.Today(), expired: s.Today().AddDate(0, 0, -1)} {
				if _, err := tx.Exec(ctx, `INSERT INTO client_transfers (id, client_id, from_municipality, to_municipality, reason,
					transferred_at, read_until) VALUES ($1, $2, '091', '049', 'moved', $3, $4)`, uuid.NewString(), id, s.Now(), until); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		passes := func(action authz.Action, p *authz.Principal, clientID string) (ok bool, err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("%v", r)
				}
			}()
			q := `SELECT 1 FROM clients c WHERE c.id = $1 AND EXISTS (` + grantFilter(action, "$2", "$3") + `)`
			err = s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
				var one int
				err := tx.QueryRow(ctx, q, clientID, p.AccountID, s.Today()).Scan(&one)
				ok = err == nil
				if isNoRows(err) {
					return nil
				}
				return err
			})
			return ok, err
		}
		checked := 0
		for _, a := range authz.Actions() {
			rule := authz.Rules[a]
			if rule.Scope != authz.ScopeMunicipality || !rule.PersonalData || len(rule.GrantRoles) == 0 {
				// Not scoped by grants in SQL: the store asks Allowed (a
				// main user's actions on the own municipality's clients).
				continue
			}
			checked++
			for _, r := range authz.AllRoles {
				matrix, p := authz.PrincipalFor(r, "091"), principals[r]
				for _, c := range []struct {
					name, id string
					want     bool
				}{
					{"own municipality", own, matrix.Allowed(a, "091").Allowed},
					{"other municipality", other, matrix.Allowed(a, "049").Allowed},
					{"transferred away, read period on", transferred, matrix.Allowed(a, "049").Allowed || a.Read() && matrix.Allowed(a, "091").Allowed},
					{"transferred away, read period over", expired, matrix.Allowed(a, "049").Allowed},
				} {
					if p.Allowed(a, "091").Allowed != matrix.Allowed(a, "091").Allowed || p.Allowed(a, "049").Allowed != matrix.Allowed(a, "049").Allowed {
						t.Fatalf("%s: the stored principal is not the matrix's", r)
					}
					got, err := passes(a, p, c.id)
					if err != nil {
						t.Fatalf("%s: %v", a, err)
					}
					if got != c.want {
						t.Errorf("%s by %s, client of %s: SQL lets through %v, the rule says %v", a, r, c.name, got, c.want)
					}
				}
			}
		}
		if checked < 10 {
			t.Fatalf("only %d actions checked", checked)
		}
	})
}

// testStore opens a store on the target at 2026-11-25 10:00 UTC, closed when the test ends.
func testStore(t *testing.T, tg testdb.Target) *Store {
	t.Helper()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s, err := Open(context.Background(), tg.URL, Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

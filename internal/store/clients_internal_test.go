package store

import (
	"context"
	"testing"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestOneTripReadIsTheAuditedRead: on PostgreSQL a visible client is read by
// the one-statement path, which writes the same allowed event as the usual
// path (grant, municipality, request id) into a chain that still verifies;
// a client the caller may not see is not read there and nothing is written
// (the usual path then records the denied attempt).
func TestOneTripReadIsTheAuditedRead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx, s := context.Background(), testStore(t, tg)
		op := OperatorActor()
		actor := func(email, muni string) Actor {
			t.Helper()
			id, err := s.CreateAccount(ctx, op, NewAccount{Email: email, Name: "W", OrganisationID: "municipality:" + muni})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateGrant(ctx, op, NewGrant{Email: email, Municipality: muni, Role: "worker", Task: "t"}); err != nil {
				t.Fatal(err)
			}
			p, err := s.PrincipalByAccountID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return Actor{Principal: p, Meta: RequestMeta{RequestID: "req-" + muni, RemoteAddr: "127.0.0.1"}}
		}
		hel, esp := actor("w@hel.example", "091"), actor("w@espoo.example", "049")
		pic := "010190-999W"
		until := model.Date{Year: 2027, Month: 6, Day: 30}
		c, err := s.RegisterClient(ctx, hel, model.ClientFields{Municipality: "091", PersonalIdentityCode: &pic,
			FirstNames: "Amina", LastName: "Yusuf", ResidenceBasis: &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until},
			ServiceLanguage: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		events := func() int {
			var n int
			if err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events`).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}

		before := events()
		got, ok, err := s.clientByIDOneTrip(ctx, hel, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tg.Name != "postgres" {
			if ok || events() != before {
				t.Fatal("SQLite must take the usual path")
			}
			return
		}
		if !ok || got.ID != c.ID || got.PersonalIdentityCode == nil || *got.PersonalIdentityCode != pic {
			t.Fatalf("one-trip read: ok=%v client=%+v", ok, got)
		}
		var action, outcome, muni, reqID string
		var grantID int64
		if err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT action, outcome, municipality_code, request_id, grant_id FROM audit_events
				WHERE client_id = $1 ORDER BY id DESC LIMIT 1`, c.ID).Scan(&action, &outcome, &muni, &reqID, &grantID)
		}); err != nil {
			t.Fatal(err)
		}
		if action != "client.read" || outcome != audit.Allowed || muni != "091" || reqID != "req-091" || grantID != hel.Principal.Grants[0].ID {
			t.Errorf("event: %s %s %s %s grant %d", action, outcome, muni, reqID, grantID)
		}

		before = events()
		if _, ok, err := s.clientByIDOneTrip(ctx, esp, c.ID); ok || err != nil {
			t.Fatalf("another municipality's worker: ok=%v err=%v", ok, err)
		}
		if events() != before {
			t.Fatal("the one-trip path wrote something for a client it did not show")
		}
		if _, err := s.ClientByID(ctx, esp, c.ID); model.ErrorCode(err) != model.ErrorCode(model.ErrNotFound) {
			t.Fatalf("ClientByID for another municipality: %v", err)
		}
		if events() != before+1 {
			t.Fatal("the denied attempt was not recorded")
		}
		rep, err := audit.Verify(ctx, s.db)
		if err != nil || rep.Broken != "" {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	})
}

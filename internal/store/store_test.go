package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// fixture is a store with a worker of Helsinki (091) and one of Espoo (049).
type fixture struct {
	s               *store.Store
	helsinki, espoo store.Actor
}

var fixedNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, tg testdb.Target) fixture {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	op := store.OperatorActor()
	f := fixture{s: s}
	for _, w := range []struct {
		email, muni string
		dst         *store.Actor
	}{{"worker@hel.example", "091", &f.helsinki}, {"worker@espoo.example", "049", &f.espoo}} {
		id, err := s.CreateAccount(ctx, op, store.NewAccount{Email: w.email, Name: "Worker", OrganisationID: "municipality:" + w.muni})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateGrant(ctx, op, store.NewGrant{Email: w.email, Municipality: w.muni, Role: "worker", Task: "§ 14 assessments"}); err != nil {
			t.Fatal(err)
		}
		p, err := s.PrincipalByAccountID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		*w.dst = store.Actor{Principal: p}
	}
	return f
}

func validClient(muni, pic string) model.ClientFields {
	until := model.Date{Year: 2027, Month: 6, Day: 30}
	return model.ClientFields{
		Municipality: muni, PersonalIdentityCode: &pic, FirstNames: "Amina", LastName: "Yusuf",
		ResidenceBasis:  &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until},
		ServiceLanguage: "fi", RightToWork: "Unrestricted",
	}
}

func code(err error) string { return model.ErrorCode(err) }

func TestRegisterReadAndScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		c, err := f.s.RegisterClient(ctx, f.helsinki, validClient("091", "010190-999W"))
		if err != nil {
			t.Fatal(err)
		}
		if c.DateOfBirth == nil || c.DateOfBirth.String() != "1990-01-01" {
			t.Fatalf("date of birth not derived: %v", c.DateOfBirth)
		}
		got, err := f.s.ClientByID(ctx, f.helsinki, c.ID)
		if err != nil || got.LastName != "Yusuf" || *got.PersonalIdentityCode != "010190-999W" {
			t.Fatalf("read back: %+v %v", got, err)
		}
		// Espoo's worker cannot see Helsinki's client, cannot find it, and cannot register it again.
		if _, err := f.s.ClientByID(ctx, f.espoo, c.ID); code(err) != model.CodeNotFound {
			t.Fatalf("other municipality read: %v", err)
		}
		if res, err := f.s.SearchClients(ctx, f.espoo, "yusuf"); err != nil || len(res) != 0 {
			t.Fatalf("other municipality search: %v %v", res, err)
		}
		_, err = f.s.RegisterClient(ctx, f.espoo, validClient("049", "010190-999W"))
		var de *model.Error
		if !errors.As(err, &de) || de.Code != model.CodeDuplicateClient || de.Municipality != "091" {
			t.Fatalf("duplicate across municipalities: %v", err)
		}
		// Espoo's worker cannot register into Helsinki.
		if _, err := f.s.RegisterClient(ctx, f.espoo, validClient("091", "020295-998L")); code(err) != model.CodeForbidden {
			t.Fatalf("register into other municipality: %v", err)
		}
		rep, err := audit.Verify(ctx, f.s.DB())
		if err != nil || rep.Broken != "" {
			t.Fatalf("audit verify: %+v %v", rep, err)
		}
	})
}

func TestConcurrentDuplicateRegistration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		var wg sync.WaitGroup
		results := make([]error, 12)
		for i := range results {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				actor, muni := f.helsinki, "091"
				if i%2 == 1 {
					actor, muni = f.espoo, "049"
				}
				_, results[i] = f.s.RegisterClient(ctx, actor, validClient(muni, "131052-308T"))
			}(i)
		}
		wg.Wait()
		created := 0
		for _, err := range results {
			switch code(err) {
			case model.CodeInternal:
				if err == nil {
					created++
					continue
				}
				t.Fatalf("unexpected error: %v", err)
			case model.CodeDuplicateClient:
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if created != 1 {
			t.Fatalf("created %d clients with one identity code, want exactly 1", created)
		}
	})
}

func TestSearchFoldsCaseAndAccents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		names := []struct{ first, last, pic string }{
			{"Thị Lan", "Nguyễn", "010190-998V"}, {"Jürgen", "Müller", "010190-997U"}, {"Åsa", "Öberg", "010190-996T"},
		}
		for _, n := range names {
			in := validClient("091", n.pic)
			in.FirstNames, in.LastName = n.first, n.last
			if _, err := f.s.RegisterClient(ctx, f.helsinki, in); err != nil {
				t.Fatal(err)
			}
		}
		for q, want := range map[string]string{"nguyen": "Nguyễn", "MULLER": "Müller", "oberg asa": "Öberg", "öBERG": "Öberg", "010190-997U": "Müller"} {
			res, err := f.s.SearchClients(ctx, f.helsinki, q)
			if err != nil || len(res) != 1 || res[0].LastName != want {
				t.Errorf("search %q: %v %v", q, res, err)
			}
		}
		if _, err := f.s.SearchClients(ctx, f.helsinki, "a"); code(err) != model.CodeValidationFailed {
			t.Errorf("one-letter search: %v", err)
		}
	})
}

func TestRevokedGrantStopsAtOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		c, err := f.s.RegisterClient(ctx, f.helsinki, validClient("091", "010190-999W"))
		if err != nil {
			t.Fatal(err)
		}
		g := f.helsinki.Principal.Grants[0]
		if err := f.s.RevokeGrant(ctx, store.OperatorActor(), g.ID); err != nil {
			t.Fatal(err)
		}
		// Even with the stale principal (grants loaded before the revocation), the scoped SQL refuses.
		if _, err := f.s.ClientByID(ctx, f.helsinki, c.ID); code(err) != model.CodeNotFound {
			t.Fatalf("read after revoke: %v", err)
		}
		p, err := f.s.PrincipalByAccountID(ctx, f.helsinki.Principal.AccountID)
		if err != nil || len(p.Grants) != 0 {
			t.Fatalf("grants after revoke: %+v %v", p, err)
		}
		if p.Allowed(authz.ClientRead, "091").Allowed {
			t.Fatal("revoked grant still allows reading")
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

func TestSessionsTimeOutAndSignOut(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		now := fixedNow
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "w@hel.example", Name: "W", OrganisationID: "municipality:091", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		meta := store.RequestMeta{RemoteAddr: "192.0.2.7"}
		signIn := func() string {
			tok, _, err := s.SignInWithPassword(ctx, "W@hel.example", "correct horse battery", meta)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		// Idle timeout: 29 minutes apart keeps it alive, 31 ends it.
		tok := signIn()
		for range 3 {
			now = now.Add(29 * time.Minute)
			if _, err := s.SessionByToken(ctx, tok); err != nil {
				t.Fatalf("active session ended: %v", err)
			}
		}
		now = now.Add(31 * time.Minute)
		if _, err := s.SessionByToken(ctx, tok); err == nil {
			t.Error("idle session still works")
		}
		// Absolute timeout: 10 hours however active.
		tok = signIn()
		for range 21 {
			now = now.Add(29 * time.Minute)
			_, err = s.SessionByToken(ctx, tok)
		}
		if err == nil {
			t.Error("session older than 10 hours still works")
		}
		// Sign-out everywhere ends every session of the account.
		a, b := signIn(), signIn()
		if err := s.SignOut(ctx, a, true, meta); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, b); err == nil {
			t.Error("other session survived sign-out everywhere")
		}
	})
}

func TestSignInRateLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		now := fixedNow
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "w@hel.example", Name: "W", OrganisationID: "municipality:091", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		from := func(addr string) store.RequestMeta { return store.RequestMeta{RemoteAddr: addr} }
		for range 5 {
			if _, _, err := s.SignInWithPassword(ctx, "w@hel.example", "wrong", from("192.0.2.1")); model.ErrorCode(err) != model.CodeUnauthenticated {
				t.Fatalf("wrong password: %v", err)
			}
		}
		// Per account: even the right password from another address waits.
		var rl *store.RateLimitedError
		if _, _, err := s.SignInWithPassword(ctx, "w@hel.example", "correct horse battery", from("192.0.2.2")); !errors.As(err, &rl) {
			t.Fatalf("sixth attempt: %v", err)
		}
		now = now.Add(16 * time.Minute)
		if _, _, err := s.SignInWithPassword(ctx, "w@hel.example", "correct horse battery", from("192.0.2.2")); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// Per address: many accounts tried from one address.
		for i := range 20 {
			_, _, _ = s.SignInWithPassword(ctx, "nobody"+string(rune('a'+i))+"@x.example", "wrong", from("198.51.100.9"))
		}
		if _, _, err := s.SignInWithPassword(ctx, "w@hel.example", "correct horse battery", from("198.51.100.9")); !errors.As(err, &rl) {
			t.Errorf("address limit: %v", err)
		}
	})
}

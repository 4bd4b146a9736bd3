package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// waitFor polls cond until it holds, failing after a generous deadline. It is
// for asynchronous events (notifications), not for measuring time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *principalCache) state() (on bool, listens, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.on, c.listens, len(c.entries)
}

// TestPrincipalCacheRules checks the cache's own rules without a database.
func TestPrincipalCacheRules(t *testing.T) {
	var c principalCache
	key := sha256.Sum256([]byte("kd_token"))
	today := model.Date{Year: 2026, Month: 11, Day: 25}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	p := &authz.Principal{AccountID: 7, Roles: []authz.Role{authz.MainUser}, Grants: []authz.Grant{{ID: 1, Municipality: "091", Role: "worker"}}}

	gen, on := c.generation()
	c.put(gen, key, p, 3, today, now.Add(time.Minute))
	if _, _, ok := c.get(key, now, today); ok || on {
		t.Fatal("the cache kept a principal while not listening")
	}
	c.setOn(true)
	gen, _ = c.generation()
	c.put(gen, key, p, 3, today, now.Add(time.Minute))
	got, tokenID, ok := c.get(key, now, today)
	if !ok || tokenID != 3 || got.AccountID != 7 || len(got.Grants) != 1 {
		t.Fatalf("cached principal not returned: %v %d %+v", ok, tokenID, got)
	}
	// Callers get copies: changing one does not change the cache.
	got.Grants[0].Municipality = "049"
	got.Roles = append(got.Roles[:0], authz.KehaAdmin)
	again, _, _ := c.get(key, now, today)
	if again.Grants[0].Municipality != "091" || again.Roles[0] != authz.MainUser {
		t.Fatal("a caller's change reached the cached principal")
	}
	if _, _, ok := c.get(key, now.Add(time.Minute), today); ok {
		t.Error("an entry was used at its end time (token expiry or TTL)")
	}
	if _, _, ok := c.get(key, now, model.Date{Year: 2026, Month: 11, Day: 26}); ok {
		t.Error("an entry was used on another day (grants end by date)")
	}
	// A principal read before a change is not stored after it.
	gen, _ = c.generation()
	c.invalidate()
	if _, _, ok := c.get(key, now, today); ok {
		t.Fatal("invalidate left an entry")
	}
	c.put(gen, key, p, 3, today, now.Add(time.Minute))
	if _, _, ok := c.get(key, now, today); ok {
		t.Error("a principal read before a change was stored after it")
	}
	// Not listening any more: nothing is served.
	gen, _ = c.generation()
	c.put(gen, key, p, 3, today, now.Add(time.Minute))
	c.setOn(false)
	if _, _, ok := c.get(key, now, today); ok {
		t.Error("the cache served a principal after listening stopped")
	}
}

// TestPrincipalCacheFollowsTheDatabase: on PostgreSQL, token principals are
// cached while change notifications arrive, and a change made anywhere (here:
// by another connection, as another instance or the command line would) ends
// them; on SQLite nothing is cached.
func TestPrincipalCacheFollowsTheDatabase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		s, err := Open(ctx, tg.URL, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		op := OperatorActor()
		if _, err := s.CreateAccount(ctx, op, NewAccount{Email: "w@hel.example", Name: "W", OrganisationID: "municipality:091"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateGrant(ctx, op, NewGrant{Email: "w@hel.example", Municipality: "091", Role: "worker", Task: "t"}); err != nil {
			t.Fatal(err)
		}
		newToken := func() string {
			tok, err := s.CreateToken(ctx, op, "w@hel.example", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		authenticated := func(tok string) *authz.Principal {
			t.Helper()
			p, _, err := s.PrincipalForToken(ctx, tok)
			if errors.Is(err, model.ErrNotFound) {
				return nil
			}
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		watch, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { s.WatchPrincipals(watch); close(done) }()
		t.Cleanup(func() { stop(); <-done })

		if tg.Name == "sqlite" {
			<-done // returns at once: nothing to listen to
			tok := newToken()
			if authenticated(tok) == nil {
				t.Fatal("token refused")
			}
			err := s.db.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $1`, s.Now())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if authenticated(tok) != nil {
				t.Fatal("SQLite: a token revoked in the database was still accepted (nothing may be cached)")
			}
			return
		}

		waitFor(t, "listening", func() bool { on, _, _ := s.principals.state(); return on })
		owner := tg.Raw(t) // the tables' owner, like a second instance's migrations
		exec := func(q string) {
			t.Helper()
			if _, err := owner.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}

		// 1. Cached: with the announcement switched off, a revoked token is
		// still served from the cache; the local invalidation ends it.
		tok := newToken()
		if authenticated(tok) == nil {
			t.Fatal("token refused")
		}
		if _, _, n := s.principals.state(); n != 1 {
			t.Fatalf("%d cached principals, want 1", n)
		}
		exec(`ALTER TABLE api_tokens DISABLE TRIGGER api_tokens_announce`)
		exec(`UPDATE api_tokens SET revoked_at = now()`)
		exec(`ALTER TABLE api_tokens ENABLE TRIGGER api_tokens_announce`)
		if authenticated(tok) == nil {
			t.Fatal("the principal was not served from the cache (this test relies on it)")
		}
		s.principalsChanged()
		if authenticated(tok) != nil {
			t.Fatal("revoked token accepted after the cache was emptied")
		}

		// 2. Announced: another connection revokes the token; the
		// notification ends the cached principal.
		tok = newToken()
		if authenticated(tok) == nil {
			t.Fatal("token refused")
		}
		exec(`UPDATE api_tokens SET revoked_at = now() WHERE revoked_at IS NULL`)
		waitFor(t, "the revoked token to be refused", func() bool { return authenticated(tok) == nil })

		// 3. A new grant from elsewhere shows up; so does a disabled account.
		tok = newToken()
		if p := authenticated(tok); p == nil || len(p.Grants) != 1 {
			t.Fatalf("principal %+v, want one grant", p)
		}
		exec(`INSERT INTO grants (account_id, municipality_code, role, task, created_at)
			SELECT id, '049', 'viewer', 't', now() FROM accounts WHERE email = 'w@hel.example'`)
		waitFor(t, "the new grant", func() bool { p := authenticated(tok); return p != nil && len(p.Grants) == 2 })
		exec(`UPDATE accounts SET disabled_at = now() WHERE email = 'w@hel.example'`)
		waitFor(t, "the disabled account's token to be refused", func() bool { return authenticated(tok) == nil })
		exec(`UPDATE accounts SET disabled_at = NULL WHERE email = 'w@hel.example'`)

		// 4. Losing the notification connection empties the cache; listening
		// again starts from empty (changes may have been missed meanwhile).
		tok = newToken()
		waitFor(t, "the re-enabled account's token", func() bool { return authenticated(tok) != nil })
		_, listens, _ := s.principals.state()
		exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE query = 'LISTEN "` + PrincipalsChannel + `"' AND pid <> pg_backend_pid()`)
		waitFor(t, "listening again", func() bool { on, n, _ := s.principals.state(); return on && n > listens })
		if _, _, n := s.principals.state(); n != 0 {
			t.Errorf("%d cached principals survived a lost notification connection", n)
		}
	})
}

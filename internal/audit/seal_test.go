package audit_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

func newKey(t *testing.T) *audit.Key {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	k, err := audit.ParseKey(hex.EncodeToString(b))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sealed is a trail written by kotodigi with an audit key: accounts, a
// grant, registrations, reads (on PostgreSQL the one-statement read) and
// searches that showed clients. conn is the owner's connection (an attacker
// with write access to the database).
type sealed struct {
	s      *store.Store
	conn   *sql.DB
	owner  *db.DB // the same as conn, for the attacker's helpers
	key    *audit.Key
	worker store.Actor
	client string
	search int64 // a search event that showed 3 clients
}

func sealedTrail(t *testing.T, tg testdb.Target, now time.Time) sealed {
	t.Helper()
	ctx := context.Background()
	key := newKey(t)
	s, conn := trailWith(t, tg, store.Options{Clock: func() time.Time { return now }, AuditShards: 2, AuditKey: key}, 3)
	op := store.OperatorActor()
	account, err := s.CreateAccount(ctx, op, store.NewAccount{Email: "w@hel.example", Name: "W", OrganisationID: "municipality:091"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateGrant(ctx, op, store.NewGrant{Email: "w@hel.example", Municipality: "091", Role: "worker", Task: "§ 14"}); err != nil {
		t.Fatal(err)
	}
	p, err := s.PrincipalByAccountID(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	owner, err := db.Open(ctx, tg.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close() })
	out := sealed{s: s, conn: conn, owner: owner, key: key, worker: store.Actor{Principal: p}}
	until := model.Date{Year: 2030, Month: 6, Day: 30}
	for _, pic := range []string{"010190-999W", "131052-308T", "020295-998L"} {
		c, err := s.RegisterClient(ctx, out.worker, model.ClientFields{Municipality: "091", PersonalIdentityCode: &pic, FirstNames: "Amina",
			LastName: "Yusuf", ResidenceBasis: &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until}, ServiceLanguage: "fi", RightToWork: "-"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClientByID(ctx, out.worker, c.ID); err != nil {
			t.Fatal(err)
		}
		out.client = c.ID
	}
	for range 2 {
		if found, err := s.SearchClients(ctx, out.worker, "yusuf"); err != nil || len(found) != 3 {
			t.Fatalf("search: %d %v", len(found), err)
		}
	}
	if err := conn.QueryRow(`SELECT MAX(id) FROM audit_events WHERE action = $1`, string(authz.ClientSearch)).Scan(&out.search); err != nil {
		t.Fatal(err)
	}
	return out
}

func verifyWith(t *testing.T, tr sealed, key *audit.Key) audit.Report {
	t.Helper()
	rep, err := audit.VerifyWith(context.Background(), tr.s.DB(), key)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (tr sealed) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := tr.conn.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (tr sealed) chainOf(t *testing.T, id int64) int {
	t.Helper()
	var shard int
	if err := tr.conn.QueryRow(`SELECT shard FROM audit_events WHERE id = $1`, id).Scan(&shard); err != nil {
		t.Fatal(err)
	}
	return shard
}

var sealNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func TestSealedTrailVerifies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		tr := sealedTrail(t, tg, sealNow)
		rep := verifyWith(t, tr, tr.key)
		if rep.Broken != "" || rep.Events < 13 || rep.Sealed != rep.Events || rep.Unsealed != 0 {
			t.Fatalf("untampered sealed trail: %+v", rep)
		}
		// Without the key it verifies too, and says the seals were not checked.
		if rep := verifyWith(t, tr, nil); rep.Broken != "" || rep.KeyChecked || rep.Unchecked != rep.Events {
			t.Fatalf("without the key: %+v", rep)
		}
		// Another key: every seal is someone else's.
		if rep := verifyWith(t, tr, newKey(t)); !strings.Contains(rep.Broken, "sealed with another key") {
			t.Fatalf("with another key: %+v", rep)
		}
		// The reads were attributed to the grant (on PostgreSQL by the one-statement read).
		var reads int
		if err := tr.conn.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = 'client.read' AND grant_id IS NOT NULL AND municipality_code = '091'`).Scan(&reads); err != nil || reads != 3 {
			t.Fatalf("attributed reads: %d %v", reads, err)
		}
		// Once sealed, nothing may append without the key, or with another.
		ctx := context.Background()
		if _, err := store.Open(ctx, tg.URL, store.Options{}); !errors.Is(err, audit.ErrKeyNeeded) {
			t.Errorf("opened a sealed trail without the key: %v", err)
		}
		if _, err := store.Open(ctx, tg.URL, store.Options{AuditKey: newKey(t)}); !errors.Is(err, audit.ErrOtherKey) {
			t.Errorf("opened a sealed trail with another key: %v", err)
		}
	})
}

// TestSealsRevealForgery: the probe's four forgeries, each by someone with
// write access to the database but without the audit key, and what reveals
// each with and without the key.
func TestSealsRevealForgery(t *testing.T) {
	ctx := context.Background()
	for _, attack := range []struct {
		name string
		do   func(t *testing.T, tr sealed)
		// withoutKey: part of Verify's report without the key ("" when the
		// forgery cannot be seen without it); withKey: with it.
		withoutKey, withKey string
	}{
		{"appended event, link recomputed", func(t *testing.T, tr sealed) {
			audit.ForgeAppend(t, ctx, tr.owner, 0, audit.Event{At: sealNow, ActorEmail: "w@hel.example", ActorOrganisation: "municipality:091",
				Action: "client.read", Outcome: audit.Allowed, ClientID: tr.client, Municipality: "091"}, []byte{0})
		}, "", "is not sealed"},
		{"appended event with a made-up seal", func(t *testing.T, tr sealed) {
			seal := make([]byte, 56)
			var real []byte
			if err := tr.conn.QueryRow(`SELECT seal FROM audit_events ORDER BY id LIMIT 1`).Scan(&real); err != nil {
				t.Fatal(err)
			}
			copy(seal, real[:8]) // the key id is no secret
			audit.ForgeAppend(t, ctx, tr.owner, 1, audit.Event{At: sealNow, ActorEmail: "w@hel.example", Action: "client.read", Outcome: audit.Allowed, ClientID: tr.client}, seal)
		}, "", "does not match its seal"},
		{"a copy of an event appended, link recomputed", func(t *testing.T, tr sealed) {
			// A genuine read event again, later: a second look that never happened.
			var e audit.Event
			var seal []byte
			var shard int
			var grant sql.NullInt64
			if err := tr.conn.QueryRow(`SELECT shard, at, actor_account_id, actor_email, actor_organisation, grant_id, client_id, municipality_code, detail, seal
				FROM audit_events WHERE action = 'client.read' ORDER BY id LIMIT 1`).Scan(&shard, &e.At, &e.ActorAccountID, &e.ActorEmail,
				&e.ActorOrganisation, &grant, &e.ClientID, &e.Municipality, &e.Detail, &seal); err != nil {
				t.Fatal(err)
			}
			e.GrantID, e.Action, e.Outcome = grant.Int64, "client.read", audit.Allowed
			id := audit.ForgeAppend(t, ctx, tr.owner, shard, e, seal)
			tr.exec(t, `UPDATE audit_events SET actor_account_id = $2, grant_id = $3 WHERE id = $1`, id, e.ActorAccountID, grant)
		}, "a copy of event", "a copy of event"},
		{"first events removed, matching checkpoint written", func(t *testing.T, tr sealed) {
			var hash []byte
			if err := tr.conn.QueryRow(`SELECT hash FROM audit_events WHERE shard = 0 AND seq = 3`).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			tr.exec(t, `DELETE FROM audit_event_clients WHERE event_id IN (SELECT id FROM audit_events WHERE shard = 0 AND seq <= 3)`)
			tr.exec(t, `DELETE FROM audit_events WHERE shard = 0 AND seq <= 3`)
			tr.exec(t, `INSERT INTO audit_checkpoints (shard, seq, hash, cut_at, removed) VALUES (0, 3, $1, $2, 3)`, hash, sealNow)
		}, "", "checkpoint (position 3) is not sealed"},
		{"two event ids swapped", func(t *testing.T, tr sealed) {
			var a, b int64
			if err := tr.conn.QueryRow(`SELECT MIN(id), MAX(id) FROM audit_events WHERE action = 'client.read'`).Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			tr.exec(t, `UPDATE audit_events SET id = -1 WHERE id = $1`, a)
			tr.exec(t, `UPDATE audit_events SET id = $1 WHERE id = $2`, a, b)
			tr.exec(t, `UPDATE audit_events SET id = $1 WHERE id = -1`, b)
		}, "content does not match its hash", "content does not match its hash"},
		{"shown clients removed", func(t *testing.T, tr sealed) {
			tr.exec(t, `DELETE FROM audit_event_clients WHERE event_id = $1`, tr.search)
		}, "clients it showed do not match", "clients it showed do not match"},
		{"shown clients removed, record and links rewritten", func(t *testing.T, tr sealed) {
			tr.exec(t, `DELETE FROM audit_event_clients WHERE event_id = $1`, tr.search)
			audit.Rebuild(t, ctx, tr.owner, tr.chainOf(t, tr.search), -1, func(e *audit.Event) {
				if e.ID == tr.search {
					e.Detail = ""
				}
			})
		}, "", "does not match its seal"},
	} {
		t.Run(attack.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, tg testdb.Target) {
				tr := sealedTrail(t, tg, sealNow)
				if rep := verifyWith(t, tr, tr.key); rep.Broken != "" {
					t.Fatalf("before: %s", rep.Broken)
				}
				attack.do(t, tr)
				without := verifyWith(t, tr, nil)
				if attack.withoutKey == "" && without.Broken != "" {
					t.Errorf("without the key: %q (the table in the README says this is not seen without the key)", without.Broken)
				}
				if attack.withoutKey != "" && !strings.Contains(without.Broken, attack.withoutKey) {
					t.Errorf("without the key: %q, want %q", without.Broken, attack.withoutKey)
				}
				if with := verifyWith(t, tr, tr.key); !strings.Contains(with.Broken, attack.withKey) {
					t.Errorf("with the key: %q, want %q", with.Broken, attack.withKey)
				}
			})
		})
	}
}

// TestSignedHeadsRevealARewrittenChain: ids swapped and every link after
// them recomputed verifies even with the key; the signed heads published
// before reveal it, and a published heads file changed afterwards is found.
func TestSignedHeadsRevealARewrittenChain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		tr := sealedTrail(t, tg, sealNow)
		dir := t.TempDir()
		first, err := audit.PublishHeads(ctx, tr.s.DB(), tr.key, dir, sealNow)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.s.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "later@hel.example", Name: "L", OrganisationID: "municipality:091"}); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.PublishHeads(ctx, tr.s.DB(), tr.key, dir, sealNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		pc, err := audit.CheckPublished(ctx, tr.s.DB(), tr.key, dir)
		if err != nil || len(pc.Problems) != 0 || pc.Files != 2 || !pc.Signed || !pc.Checked.Taken.Equal(sealNow.Add(time.Hour)) {
			t.Fatalf("untouched: %+v %v", pc, err)
		}

		var a, b int64
		if err := tr.conn.QueryRow(`SELECT MIN(id), MAX(id) FROM audit_events WHERE shard = 0 AND action <> 'client.search'`).Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		tr.exec(t, `UPDATE audit_events SET id = -1 WHERE id = $1`, a)
		tr.exec(t, `UPDATE audit_events SET id = $1 WHERE id = $2`, a, b)
		tr.exec(t, `UPDATE audit_events SET id = $1 WHERE id = -1`, b)
		audit.Rebuild(t, ctx, tr.owner, 0, -1, func(*audit.Event) {})
		if rep := verifyWith(t, tr, tr.key); rep.Broken != "" {
			t.Fatalf("a rewritten chain verifies on its own (that is why heads are published): %s", rep.Broken)
		}
		pc, err = audit.CheckPublished(ctx, tr.s.DB(), tr.key, dir)
		if err != nil || len(pc.Problems) != 1 || !strings.Contains(pc.Problems[0], "chain 0") || !strings.Contains(pc.Problems[0], "rewritten") {
			t.Fatalf("rewritten chain against the published heads: %+v %v", pc, err)
		}

		// A heads file changed after publication (to match the rewrite) is refused.
		b1, err := os.ReadFile(first)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "z.json"), []byte(strings.Replace(string(b1), `"seq": `, `"seq": 1`, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		pc, err = audit.CheckPublished(ctx, tr.s.DB(), tr.key, dir)
		if err != nil || len(pc.Problems) < 2 || !strings.Contains(strings.Join(pc.Problems, "\n"), "z.json: the signature does not match") {
			t.Fatalf("changed heads file: %+v %v", pc, err)
		}
	})
}

// TestSealedRetentionVerifies: retention seals its checkpoints, so the
// trail verifies with the key after old events were removed.
func TestSealedRetentionVerifies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		old := time.Date(2019, 3, 1, 10, 0, 0, 0, time.UTC)
		tr := sealedTrail(t, tg, old)
		later, err := store.Open(ctx, tg.URL, store.Options{Clock: time.Now, AuditShards: 2, AuditKey: tr.key})
		if err != nil {
			t.Fatal(err)
		}
		defer later.Close()
		n, err := later.ApplyAuditRetention(ctx, store.DefaultAuditRetention)
		if err != nil || n < 10 {
			t.Fatalf("retention removed %d: %v", n, err)
		}
		rep, err := audit.VerifyWith(ctx, later.DB(), tr.key)
		if err != nil || rep.Broken != "" || rep.Checkpoints == 0 || rep.Sealed != rep.Events {
			t.Fatalf("after retention: %+v %v", rep, err)
		}
		// A checkpoint moved on by hand, keeping its seal, is found.
		tr.exec(t, `UPDATE audit_checkpoints SET seq = seq + 1, hash = (SELECT hash FROM audit_events e WHERE e.shard = audit_checkpoints.shard AND e.seq = audit_checkpoints.seq + 1)
			WHERE shard = (SELECT shard FROM audit_events ORDER BY id LIMIT 1)`)
		tr.exec(t, `DELETE FROM audit_events WHERE id = (SELECT MIN(id) FROM audit_events)`)
		if rep, err := audit.VerifyWith(ctx, later.DB(), tr.key); err != nil || !strings.Contains(rep.Broken, "does not match its seal") {
			t.Fatalf("moved checkpoint: %+v %v", rep, err)
		}
	})
}

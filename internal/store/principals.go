package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/credential"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// PrincipalsChannel is the PostgreSQL notification channel on which the
// database announces (by triggers, migration 00008) every committed change to
// accounts, their roles and grants, API tokens and organisations.
const PrincipalsChannel = "kotodigi_principals"

// principalTTL bounds how long a cached principal is used even if no change
// was announced (a backstop; announcements normally end it at once).
const principalTTL = 30 * time.Second

// principalCache keeps authenticated API-token principals, so that a request
// need not read the token, the account and its grants again. It is on only
// while this process listens for change announcements (WatchPrincipals on
// PostgreSQL); otherwise every request reads them from the database. Rules:
//   - any announced or local change to accounts, roles, grants or tokens
//     empties the whole cache (such changes are rare);
//   - a principal read before that change is not stored after it (the
//     generation check), so a revocation is never undone by a slow request;
//   - an entry ends after principalTTL, when the token expires, or when the
//     Finnish date changes (grants end by date);
//   - losing the notification connection empties the cache and turns it off
//     until listening again (fail closed: back to reading every time).
//
// A change committed by another instance reaches this one with the
// notification (normally within milliseconds); until then this instance may
// still accept the old principal. Client data is safe even then: every client
// query checks the live grants in SQL.
type principalCache struct {
	mu      sync.Mutex
	on      bool
	gen     uint64
	entries map[[sha256.Size]byte]principalEntry
	// listens counts how often listening (re)started.
	listens int
}

type principalEntry struct {
	p       authz.Principal
	tokenID int64
	day     model.Date
	until   time.Time
}

// maxCachedPrincipals bounds the cache; when full it is emptied.
const maxCachedPrincipals = 10000

// get returns a copy of the cached principal for the token hash.
func (c *principalCache) get(hash [sha256.Size]byte, now time.Time, today model.Date) (*authz.Principal, int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on {
		return nil, 0, false
	}
	e, ok := c.entries[hash]
	if !ok || !now.Before(e.until) || e.day != today {
		return nil, 0, false
	}
	p := e.p
	p.Roles = slices.Clone(p.Roles)
	p.Grants = slices.Clone(p.Grants)
	return &p, e.tokenID, true
}

// generation is read before a principal is loaded from the database.
func (c *principalCache) generation() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, c.on
}

// put stores a principal loaded while the generation was gen, unless
// anything changed since.
func (c *principalCache) put(gen uint64, hash [sha256.Size]byte, p *authz.Principal, tokenID int64, today model.Date, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on || c.gen != gen {
		return
	}
	if len(c.entries) >= maxCachedPrincipals {
		clear(c.entries)
	}
	e := principalEntry{p: *p, tokenID: tokenID, day: today, until: until}
	e.p.Roles = slices.Clone(p.Roles)
	e.p.Grants = slices.Clone(p.Grants)
	c.entries[hash] = e
}

// invalidate forgets every cached principal.
func (c *principalCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// setOn turns the cache on (listening) or off (not listening); either way it
// starts empty, since announcements may have been missed.
func (c *principalCache) setOn(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.on = on
	if on {
		c.listens++
	}
	if c.entries == nil {
		c.entries = map[[sha256.Size]byte]principalEntry{}
	}
	clear(c.entries)
}

// WatchPrincipals listens for announced changes to accounts, grants and
// tokens and keeps the principal cache on while it does; it returns when ctx
// ends. On SQLite (one process, and command-line tools that write the same
// file could not announce their changes) it returns at once and nothing is
// cached.
func (s *Store) WatchPrincipals(ctx context.Context) {
	if !s.db.CanListen() {
		return
	}
	s.db.Listen(ctx, PrincipalsChannel, func(listening bool) {
		s.principals.setOn(listening)
		if !listening && ctx.Err() == nil {
			s.log.Warn("principal cache off: lost the change notifications; reading every request's principal")
		}
	}, s.principals.invalidate)
}

// CachingPrincipals reports whether API-token principals are cached now,
// i.e. this process is listening for change notifications.
func (s *Store) CachingPrincipals() bool {
	_, on := s.principals.generation()
	return on
}

// principalsChanged is called after a transaction that changed accounts,
// roles, grants or tokens has committed, so that this instance sees the
// change on the very next request (others see it through the notification).
func (s *Store) principalsChanged() { s.principals.invalidate() }

// PrincipalForToken authenticates an API bearer token and returns the account
// with its roles and currently active grants, read now (a revoked grant or
// token stops working on the very next request). One query, no transaction;
// none while the principal cache holds the token (see principalCache).
func (s *Store) PrincipalForToken(ctx context.Context, token string) (*authz.Principal, int64, error) {
	if !strings.HasPrefix(token, "kd_") || len(token) > 100 {
		return nil, 0, model.ErrNotFound
	}
	hash := credential.HashToken(token)
	key := [sha256.Size]byte(hash)
	now, today := s.Now(), s.Today()
	if p, tokenID, ok := s.principals.get(key, now, today); ok {
		return p, tokenID, nil
	}
	gen, caching := s.principals.generation()
	rows, err := s.db.QueryRead(ctx, `
		SELECT t.id, a.id, a.email, a.name, a.organisation_id, o.kind, o.code, 'role', r.role, 0, '', '', NULL, t.expires_at
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id JOIN organisations o ON o.id = a.organisation_id
		LEFT JOIN account_roles r ON r.account_id = a.id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND a.disabled_at IS NULL
		UNION ALL
		SELECT t.id, a.id, '', '', '', '', '', 'grant', g.role, g.id, g.municipality_code, g.task, g.valid_until, t.expires_at
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id JOIN grants g ON g.account_id = a.id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND a.disabled_at IS NULL
		AND g.revoked_at IS NULL AND (g.valid_until IS NULL OR g.valid_until >= $3)`,
		hash, now, today)
	if err != nil {
		return nil, 0, err
	}
	var expires any // the token's expiry: a time on PostgreSQL
	p, tokenID, err := scanPrincipal(rows, &expires)
	if err != nil {
		return nil, 0, err
	}
	if p == nil {
		return nil, 0, model.ErrNotFound
	}
	if t, ok := expires.(time.Time); ok && caching {
		until := now.Add(principalTTL)
		if t.Before(until) {
			until = t
		}
		s.principals.put(gen, key, p, tokenID, today, until)
	}
	return p, tokenID, nil
}

// scanPrincipal reads the rows of a principal query: "role" rows (the
// account, one per organisation role) and "grant" rows.
// Extra columns after the usual ones are scanned into extra.
func scanPrincipal(rows *sql.Rows, extra ...any) (*authz.Principal, int64, error) {
	defer rows.Close()
	var p *authz.Principal
	var grants []authz.Grant
	var ref int64
	for rows.Next() {
		var accountID, id int64
		var email, name, org, kind, code, typ, muni, task string
		var role sql.NullString
		var until model.NullDate
		if err := rows.Scan(append([]any{&ref, &accountID, &email, &name, &org, &kind, &code, &typ, &role, &id, &muni, &task, &until}, extra...)...); err != nil {
			return nil, 0, err
		}
		switch typ {
		case "role":
			if p == nil {
				p = &authz.Principal{AccountID: accountID, Email: email, Name: name, OrganisationID: org, OrgKind: kind, OrgCode: code}
			}
			if role.Valid {
				p.Roles = append(p.Roles, authz.Role(role.String))
			}
		case "grant":
			grants = append(grants, authz.Grant{ID: id, Municipality: muni, Role: authz.Role(role.String), Task: task, ValidUntil: until.Ptr()})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if p != nil {
		p.Grants = grants
	}
	return p, ref, nil
}

// PrincipalByAccountID loads an account's principal (roles and active grants).
func (s *Store) PrincipalByAccountID(ctx context.Context, accountID int64) (*authz.Principal, error) {
	var p *authz.Principal
	err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
		var err error
		p, err = s.principal(ctx, tx, accountID)
		return err
	})
	if isNoRows(err) {
		return nil, model.ErrNotFound
	}
	return p, err
}

// principal loads an account with its roles and active grants in one query.
func (s *Store) principal(ctx context.Context, tx *db.Tx, accountID int64) (*authz.Principal, error) {
	rows, err := tx.Query(ctx, `
		SELECT 0, a.id, a.email, a.name, a.organisation_id, o.kind, o.code, 'role', r.role, 0, '', '', NULL
		FROM accounts a JOIN organisations o ON o.id = a.organisation_id
		LEFT JOIN account_roles r ON r.account_id = a.id
		WHERE a.id = $1 AND a.disabled_at IS NULL
		UNION ALL
		SELECT 0, g.account_id, '', '', '', '', '', 'grant', g.role, g.id, g.municipality_code, g.task, g.valid_until
		FROM grants g WHERE g.account_id = $1 AND g.revoked_at IS NULL AND (g.valid_until IS NULL OR g.valid_until >= $2)`,
		accountID, s.Today())
	if err != nil {
		return nil, err
	}
	p, _, err := scanPrincipal(rows)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, sql.ErrNoRows
	}
	return p, nil
}

package store

import (
	"context"
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
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

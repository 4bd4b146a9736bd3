package store

import (
	"context"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/credential"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// SessionPolicy sets session lifetimes and sign-in rate limits.
type SessionPolicy struct {
	Idle     time.Duration // ends after this long without requests (default 30 min)
	Absolute time.Duration // ends this long after sign-in whatever happens (default 10 h)
	// At most MaxFailures failed sign-ins per account, and MaxFailuresPerAddr
	// per address, within Window.
	MaxFailures        int
	MaxFailuresPerAddr int
	Window             time.Duration
}

// DefaultSessionPolicy is used when the options leave the policy empty.
var DefaultSessionPolicy = SessionPolicy{Idle: 30 * time.Minute, Absolute: 10 * time.Hour, MaxFailures: 5, MaxFailuresPerAddr: 20, Window: 15 * time.Minute}

// Session is a signed-in web session.
type Session struct {
	Ref       string // non-secret reference (first bytes of the id hash, hex) for audit events
	CSRFToken string
	Principal *authz.Principal
}

// RateLimitedError says how long to wait before the next sign-in attempt.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string { return "too many failed sign-ins" }

func (s *Store) policy() SessionPolicy {
	p := s.opts.Sessions
	if p.Idle == 0 {
		p = DefaultSessionPolicy
	}
	return p
}

// SignInWithPassword checks an account's password, applying the per-account
// and per-address rate limits, and on success opens a session. Success and
// failure are both audited; the response never tells which part was wrong.
func (s *Store) SignInWithPassword(ctx context.Context, email, password string, meta RequestMeta) (token string, sess Session, err error) {
	if s.opts.DisablePasswordSignIn {
		return "", sess, model.Errorf(model.CodeForbidden, "password sign-in is switched off; use the organisation's identity provider")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	pol := s.policy()
	now := s.Now()
	var accountID int64
	var hash *string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var perAccount, perAddr int
		if err := tx.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM sign_in_attempts WHERE email = $1 AND at > $3),
			(SELECT COUNT(*) FROM sign_in_attempts WHERE remote_addr = $2 AND at > $3)`,
			email, meta.RemoteAddr, now.Add(-pol.Window)).Scan(&perAccount, &perAddr); err != nil {
			return err
		}
		if perAccount >= pol.MaxFailures || perAddr >= pol.MaxFailuresPerAddr {
			e := Actor{Meta: meta}.event(authz.AuthSignIn, audit.Denied)
			e.ActorEmail, e.Detail = email, "rate limited"
			if err := s.record(ctx, tx, e); err != nil {
				return err
			}
			return deniedError{&RateLimitedError{RetryAfter: pol.Window}}
		}
		err := tx.QueryRow(ctx, `SELECT id, password_hash FROM accounts WHERE email = $1 AND disabled_at IS NULL`, email).Scan(&accountID, &hash)
		if err != nil && !isNoRows(err) {
			return err
		}
		return nil
	})
	if d, ok := err.(deniedError); ok {
		return "", sess, d.err
	}
	if err != nil {
		return "", sess, err
	}
	ok := false
	if hash != nil && *hash != "" {
		ok = credential.CheckPassword(*hash, password)
	} else {
		credential.DummyCheck(password)
	}
	if !ok {
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO sign_in_attempts (email, remote_addr, at) VALUES ($1, $2, $3)`, email, meta.RemoteAddr, now); err != nil {
				return err
			}
			e := Actor{Meta: meta}.event(authz.AuthSignIn, audit.Denied)
			e.ActorEmail, e.ActorAccountID, e.Detail = email, accountID, "wrong credentials"
			return s.record(ctx, tx, e)
		})
		if err != nil {
			return "", sess, err
		}
		return "", sess, model.Errorf(model.CodeUnauthenticated, "wrong e-mail or password")
	}
	return s.openSession(ctx, accountID, "password", meta)
}

// openSession creates a session for an authenticated account.
func (s *Store) openSession(ctx context.Context, accountID int64, method string, meta RequestMeta) (string, Session, error) {
	token, hash, err := credential.NewToken("")
	if err != nil {
		return "", Session{}, err
	}
	csrf, _, err := credential.NewToken("")
	if err != nil {
		return "", Session{}, err
	}
	pol := s.policy()
	now := s.Now()
	var sess Session
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, last_seen_at, expires_at, remote_addr)
			VALUES ($1, $2, $3, $4, $4, $5, $6)`, hash, accountID, csrf, now, now.Add(pol.Absolute), meta.RemoteAddr); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET last_sign_in_at = $2 WHERE id = $1`, accountID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sign_in_attempts WHERE email = (SELECT email FROM accounts WHERE id = $1)`, accountID); err != nil {
			return err
		}
		p, err := s.principal(ctx, tx, accountID)
		if err != nil {
			return err
		}
		sess = Session{Ref: sessionRef(hash), CSRFToken: csrf, Principal: p}
		a := Actor{Principal: p, Meta: meta}
		a.Meta.SessionRef = sess.Ref
		e := a.event(authz.AuthSignIn, audit.Allowed)
		e.Detail = "method=" + method
		return s.record(ctx, tx, e)
	})
	return token, sess, err
}

func sessionRef(hash []byte) string {
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 0, 16)
	for _, b := range hash[:8] {
		out = append(out, hexdigits[b>>4], hexdigits[b&15])
	}
	return "s:" + string(out)
}

// SessionByToken returns the live session for a cookie value and extends its
// idle timeout. Expired, idle or unknown sessions are not found.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, error) {
	if len(token) < 20 || len(token) > 100 {
		return Session{}, model.ErrNotFound
	}
	hash := credential.HashToken(token)
	pol := s.policy()
	now := s.Now()
	var sess Session
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var accountID int64
		err := tx.QueryRow(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $3
			RETURNING account_id, csrf_token`, hash, now, now.Add(-pol.Idle)).Scan(&accountID, &sess.CSRFToken)
		if err != nil {
			return err
		}
		sess.Ref = sessionRef(hash)
		sess.Principal, err = s.principal(ctx, tx, accountID)
		return err
	})
	if isNoRows(err) {
		return Session{}, model.ErrNotFound
	}
	return sess, err
}

// SignOut ends a session; with everywhere, every session of its account.
func (s *Store) SignOut(ctx context.Context, token string, everywhere bool, meta RequestMeta) error {
	hash := credential.HashToken(token)
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var accountID int64
		err := tx.QueryRow(ctx, `SELECT account_id FROM sessions WHERE id_hash = $1`, hash).Scan(&accountID)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		q := `DELETE FROM sessions WHERE id_hash = $1`
		arg := any(hash)
		if everywhere {
			q, arg = `DELETE FROM sessions WHERE account_id = $1`, accountID
		}
		if _, err := tx.Exec(ctx, q, arg); err != nil {
			return err
		}
		e := Actor{Meta: meta}.event(authz.AuthSignOut, audit.Allowed)
		e.ActorAccountID = accountID
		if everywhere {
			e.Detail = "everywhere"
		}
		return s.record(ctx, tx, e)
	})
}

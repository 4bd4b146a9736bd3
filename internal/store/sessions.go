package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/credential"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/signin"
)

// Session is a signed-in web session.
type Session struct {
	Ref       string // non-secret reference (first bytes of the id hash, hex) for audit events
	CSRFToken string
	Principal *authz.Principal
}

// RateLimitedError says how long to wait before the next sign-in attempt.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string { return "too many failed sign-ins" }

// ErrSignInBusy is returned when too many password checks are running or
// waiting at once (signin.Gate); nothing was checked, nothing counted.
var ErrSignInBusy = model.Errorf(model.CodeBusy, "too many sign-ins at this moment")

func (s *Store) policy() signin.Policy { return s.opts.Sessions }

// SignInWithPassword checks an account's password, applying the per-account
// and per-address rate limits, and on success opens a session. Success and
// failure are both audited; the response never tells which part was wrong.
//
// The attempt is first recorded (committed) as a failure, and only then are
// the attempts within the window counted, its own included: of any number of
// concurrent attempts, on any number of instances, at most the limit see a
// count within it, so at most that many passwords are ever checked. A refused
// attempt is removed again, so that hammering a locked account does not keep
// it locked. Password checks then pass through the store's gate.
func (s *Store) SignInWithPassword(ctx context.Context, email, password string, meta RequestMeta) (token string, sess Session, err error) {
	if s.opts.DisablePasswordSignIn {
		return "", sess, model.Errorf(model.CodeForbidden, "password sign-in is switched off; use the organisation's identity provider")
	}
	id := signin.Identifier(email)
	attempt, err := s.reserveSignIn(ctx, id, meta)
	if err != nil {
		return "", sess, err
	}
	if id == "" {
		// Not an e-mail address: no account can match, and what was typed
		// (perhaps a password) is not recorded.
		return "", sess, s.signInFailed(ctx, 0, "", "identifier not an e-mail address", meta)
	}
	var accountID int64
	var hash sql.NullString
	err = s.db.InReadTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, password_hash FROM accounts WHERE email = $1 AND disabled_at IS NULL`, id).Scan(&accountID, &hash)
		if isNoRows(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return "", sess, err
	}
	ok := false
	err = s.opts.PasswordGate.Do(ctx, func() {
		if hash.String != "" {
			ok = credential.CheckPassword(hash.String, password)
		} else {
			credential.DummyCheck(password)
		}
	})
	if err != nil {
		// Nothing was checked: the attempt does not count.
		bg := context.WithoutCancel(ctx)
		if derr := s.db.InTx(bg, func(tx *db.Tx) error {
			_, err := tx.Exec(bg, `DELETE FROM sign_in_attempts WHERE id = $1`, attempt)
			return err
		}); derr != nil {
			return "", sess, derr
		}
		if errors.Is(err, signin.ErrBusy) {
			return "", sess, ErrSignInBusy
		}
		return "", sess, err
	}
	if !ok {
		return "", sess, s.signInFailed(ctx, accountID, id, "wrong credentials", meta)
	}
	return s.openSession(ctx, accountID, "password", meta)
}

// reserveSignIn records a sign-in attempt as a failure and then checks the
// limits with it counted; over a limit, the attempt is removed, the refusal
// audited and a RateLimitedError returned. id is "" for a sign-in name that
// is not an e-mail address (only the per-address limit applies).
func (s *Store) reserveSignIn(ctx context.Context, id string, meta RequestMeta) (attempt int64, err error) {
	pol := s.policy()
	now := s.Now()
	since := now.Add(-pol.Window)
	addr := signin.AddressKey(meta.RemoteAddr)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sign_in_attempts WHERE (email = $1 OR remote_addr = $2) AND at <= $3`, id, addr, since); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO sign_in_attempts (email, remote_addr, at) VALUES ($1, $2, $3) RETURNING id`, id, addr, now).Scan(&attempt)
	})
	if err != nil {
		return 0, err
	}
	limited := false
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var perAccount, perAddr int
		if err := tx.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM sign_in_attempts WHERE email = $1 AND $1 <> '' AND at > $3),
			(SELECT COUNT(*) FROM sign_in_attempts WHERE remote_addr = $2 AND at > $3)`,
			id, addr, since).Scan(&perAccount, &perAddr); err != nil {
			return err
		}
		if perAccount <= pol.MaxFailures && perAddr <= pol.MaxFailuresPerAddr {
			return nil
		}
		// The refusal commits: the attempt is removed, the refusal audited.
		limited = true
		if _, err := tx.Exec(ctx, `DELETE FROM sign_in_attempts WHERE id = $1`, attempt); err != nil {
			return err
		}
		e := Actor{Meta: meta}.event(authz.AuthSignIn, audit.Denied)
		e.ActorEmail, e.Detail = id, "rate limited"
		return s.record(ctx, tx, e)
	})
	if err == nil && limited {
		err = &RateLimitedError{RetryAfter: pol.Window}
	}
	return attempt, err
}

// signInFailed audits a failed sign-in (its attempt stays counted) and
// returns the answer the person sees, which never says what was wrong.
func (s *Store) signInFailed(ctx context.Context, accountID int64, id, detail string, meta RequestMeta) error {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		e := Actor{Meta: meta}.event(authz.AuthSignIn, audit.Denied)
		e.ActorEmail, e.ActorAccountID, e.Detail = id, accountID, detail
		return s.record(ctx, tx, e)
	})
	if err != nil {
		return err
	}
	return model.Errorf(model.CodeUnauthenticated, "wrong e-mail or password")
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

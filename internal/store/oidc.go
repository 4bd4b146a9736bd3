package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/credential"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/signin"
)

// Bounds of what an identity provider's ID token may name (OpenID Connect
// Core 1.0 § 2: a subject is at most 255 ASCII characters).
const (
	maxOIDCSubject = 255
	maxOIDCIssuer  = 2048
)

// OIDCStateTTL is how long a started OpenID Connect sign-in may take.
const OIDCStateTTL = 10 * time.Minute

// SaveOIDCState remembers a started sign-in (state, PKCE verifier, nonce and
// where to go afterwards).
func (s *Store) SaveOIDCState(ctx context.Context, state, verifier, nonce, next string) error {
	now := s.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM oidc_states WHERE expires_at < $1`, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO oidc_states (state_hash, verifier, nonce, next, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			credential.HashToken(state), verifier, nonce, next, now.Add(OIDCStateTTL))
		return err
	})
}

// TakeOIDCState returns and forgets a started sign-in: each state works once.
func (s *Store) TakeOIDCState(ctx context.Context, state string) (verifier, nonce, next string, err error) {
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `DELETE FROM oidc_states WHERE state_hash = $1 AND expires_at > $2 RETURNING verifier, nonce, next`,
			credential.HashToken(state), s.Now()).Scan(&verifier, &nonce, &next)
	})
	if isNoRows(err) {
		err = model.Errorf(model.CodeUnauthenticated, "unknown or expired sign-in state")
	}
	return
}

// SignInWithOIDC opens a session for the account bound to the identity
// provider's subject. On an account's first sign-in through the provider, the
// account is found by its (verified) e-mail and bound to the subject; after
// that only the subject counts. Nobody gets an account by signing in: staff
// accounts are created by main users.
func (s *Store) SignInWithOIDC(ctx context.Context, issuer, subject, email string, emailVerified bool, meta RequestMeta) (string, Session, error) {
	// Only a plausible address is looked up or recorded (signin.Identifier).
	email = signin.Identifier(email)
	var accountID int64
	refused := false
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		// A refusal commits its audit event.
		fail := func(reason string) error {
			refused = true
			e := Actor{Meta: meta}.event(authz.AuthSignIn, audit.Denied)
			e.ActorEmail, e.Detail = email, "oidc: "+reason
			return s.record(ctx, tx, e)
		}
		if subject == "" || len(subject) > maxOIDCSubject || len(issuer) > maxOIDCIssuer {
			return fail("subject or issuer missing or too long")
		}
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE oidc_issuer = $1 AND oidc_subject = $2 AND disabled_at IS NULL`, issuer, subject).Scan(&accountID)
		if err == nil || !isNoRows(err) {
			return err
		}
		if email == "" {
			return fail("no e-mail address from the provider")
		}
		// First sign-in: bind by e-mail, only if the provider verified it and
		// the account is not bound to another subject.
		var bound sql.NullString
		err = tx.QueryRow(ctx, `SELECT id, oidc_subject FROM accounts WHERE email = $1 AND disabled_at IS NULL`, email).Scan(&accountID, &bound)
		switch {
		case isNoRows(err):
			return fail("no account")
		case err != nil:
			return err
		case bound.Valid:
			return fail("account bound to another identity")
		case !emailVerified:
			return fail("e-mail not verified by the provider")
		}
		_, err = tx.Exec(ctx, `UPDATE accounts SET oidc_issuer = $2, oidc_subject = $3 WHERE id = $1`, accountID, issuer, subject)
		return err
	})
	if err != nil {
		return "", Session{}, err
	}
	if refused {
		return "", Session{}, model.Errorf(model.CodeUnauthenticated, "no kotodigi account for this identity")
	}
	return s.openSession(ctx, accountID, "oidc", meta)
}

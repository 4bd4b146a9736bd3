package store

import (
	"context"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/credential"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// InvitationTTL is how long an invitation link to set a password works.
const InvitationTTL = 72 * time.Hour

// invitationPrefix starts every invitation token (so that one is recognised
// in a leak report).
const invitationPrefix = "kdinv_"

// Invitation is a new one-time link's token, for the person it invites.
type Invitation struct {
	Token     string
	ExpiresAt time.Time
	Email     string
	Name      string
}

// PasswordSignIn reports whether password sign-in is on (else only the
// identity provider signs people in, and there are no invitations).
func (s *Store) PasswordSignIn() bool { return !s.opts.DisablePasswordSignIn }

// InviteAccount makes a one-time invitation for an enabled account to set
// its password, valid for InvitationTTL; an earlier unused invitation of the
// account stops working. Only the token's hash is stored: the token is shown
// or sent once. Who may is as for DisableAccount. Audited as account.invite.
func (s *Store) InviteAccount(ctx context.Context, actor Actor, accountID int64) (Invitation, error) {
	var inv Invitation
	if s.opts.DisablePasswordSignIn {
		return inv, &model.Error{Code: model.CodeNotInThisVersion, Detail: "password sign-in is switched off: people sign in through the identity provider"}
	}
	token, hash, err := credential.NewToken(invitationPrefix)
	if err != nil {
		return inv, err
	}
	err = s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev, err := s.accountInCharge(ctx, tx, actor, authz.AccountInvite, accountID, false)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT email, name FROM accounts WHERE id = $1`, accountID).Scan(&inv.Email, &inv.Name); err != nil {
			return err
		}
		now := s.Now()
		inv.Token, inv.ExpiresAt = token, now.Add(InvitationTTL).UTC()
		if _, err := tx.Exec(ctx, `UPDATE account_invitations SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL`, accountID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO account_invitations (account_id, token_hash, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			accountID, hash, now, actor.accountID(), inv.ExpiresAt); err != nil {
			return err
		}
		return s.record(ctx, tx, ev)
	})
	return inv, err
}

// InvitationFor returns whom a working (unused, unexpired) invitation is
// for, without using it up; any other token is "not found".
func (s *Store) InvitationFor(ctx context.Context, token string) (Invitation, error) {
	inv := Invitation{Token: token}
	if s.opts.DisablePasswordSignIn {
		return inv, model.ErrNotFound
	}
	err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT a.email, a.name, i.expires_at FROM account_invitations i JOIN accounts a ON a.id = i.account_id
			WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2 AND a.disabled_at IS NULL`,
			credential.HashToken(token), s.Now()).Scan(&inv.Email, &inv.Name, &inv.ExpiresAt)
	})
	if isNoRows(err) {
		return inv, model.ErrNotFound
	}
	return inv, err
}

// AcceptInvitation sets the password of a working invitation's account and
// uses the invitation up, in one transaction audited as
// account.set_password (by the account itself). A password too short is
// refused at the field, with the invitation still working.
func (s *Store) AcceptInvitation(ctx context.Context, token, password string, meta RequestMeta) (Invitation, error) {
	inv, err := s.InvitationFor(ctx, token)
	if err != nil {
		return inv, err
	}
	h, err := credential.HashPassword(password)
	if err != nil {
		return inv, &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "password", Code: "password_too_short"}}}
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var accountID int64
		now := s.Now()
		err := tx.QueryRow(ctx, `UPDATE account_invitations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
			RETURNING account_id`, credential.HashToken(token), now).Scan(&accountID)
		if isNoRows(err) {
			return model.ErrNotFound // used or expired meanwhile
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = $2 WHERE id = $1 AND disabled_at IS NULL`, accountID, h); err != nil {
			return err
		}
		e := Actor{Meta: meta}.event(authz.AccountSetPassword, audit.Allowed)
		e.ActorEmail, e.ActorAccountID, e.Detail = inv.Email, accountID, "invitation"
		return s.record(ctx, tx, e)
	})
	return inv, err
}

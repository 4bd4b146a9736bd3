package store

import (
	"context"
	"strings"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// AppointMainUser gives a municipality's employee the main_user role (KEHA admins only).
func (s *Store) AppointMainUser(ctx context.Context, actor Actor, email string) error {
	return s.changeMainUser(ctx, actor, `a.email = $1`, strings.ToLower(strings.TrimSpace(email)), true)
}

// RemoveMainUser takes the main_user role away from an account (KEHA admins only).
func (s *Store) RemoveMainUser(ctx context.Context, actor Actor, accountID int64) error {
	return s.changeMainUser(ctx, actor, `a.id = $1`, accountID, false)
}

func (s *Store) changeMainUser(ctx context.Context, actor Actor, where string, who any, appoint bool) error {
	defer s.principalsChanged()
	action := authz.MainUserAppoint
	if !appoint {
		action = authz.MainUserRemove
	}
	return s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(action, audit.Allowed)
		if actor.Principal != nil && !actor.Principal.Allowed(action, "").Allowed {
			return s.deny(ctx, tx, ev, model.ErrForbidden)
		}
		var id int64
		var kind, code string
		err := tx.QueryRow(ctx, `SELECT a.id, o.kind, o.code FROM accounts a JOIN organisations o ON o.id = a.organisation_id WHERE `+where, who).
			Scan(&id, &kind, &code)
		if isNoRows(err) && !appoint {
			return model.ErrNotFound
		}
		if isNoRows(err) {
			return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "email", Code: "unknown_account"}}}
		}
		if err != nil {
			return err
		}
		if kind != "municipality" {
			return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "email", Code: "main_user_needs_municipality"}}}
		}
		ev.Municipality = code
		ev.Detail = "account=" + itoa(id)
		if appoint {
			_, err = tx.Exec(ctx, `INSERT INTO account_roles (account_id, role, created_at, created_by) VALUES ($1, 'main_user', $2, $3) ON CONFLICT DO NOTHING`,
				id, s.Now(), actor.accountID())
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM account_roles WHERE account_id = $1 AND role = 'main_user'`, id)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, ev)
	})
}

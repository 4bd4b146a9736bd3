package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/credential"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// NewAccount is the input of CreateAccount.
type NewAccount struct {
	Email          string
	Name           string
	OrganisationID string
	Roles          []authz.Role
	Password       string // optional
}

// CreateAccount creates a staff account employed by an organisation, with
// organisation-level roles. main_user is valid only for a municipality.
func (s *Store) CreateAccount(ctx context.Context, actor Actor, in NewAccount) (int64, error) {
	var v model.Validation
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if !model.ValidEmail(email) {
		v.Add("email", model.FieldInvalidEmail)
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		v.Add("name", model.FieldRequired)
	} else if len([]rune(name)) > model.MaxNameLength*2 || model.HasControlChars(name) {
		v.Add("name", model.FieldInvalidCharacters)
	} else if !model.HasLetter(name) {
		v.Add("name", model.FieldNoLetters)
	}
	var hash any
	if in.Password != "" {
		h, err := credential.HashPassword(in.Password)
		if err != nil {
			v.Add("password", "password_too_short")
		}
		hash = h
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		if err := s.mayCreateAccount(ctx, tx, actor, in); err != nil {
			return err
		}
		if strings.HasPrefix(in.OrganisationID, "service_provider:") {
			if err := ensureServiceProvider(ctx, tx, in.OrganisationID); err != nil {
				return err
			}
		}
		var kind string
		if err := tx.QueryRow(ctx, `SELECT kind FROM organisations WHERE id = $1`, in.OrganisationID).Scan(&kind); err != nil {
			if isNoRows(err) {
				return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "organisation", Code: "unknown_organisation"}}}
			}
			return err
		}
		if err := checkAccountRoles(kind, in.Roles); err != nil {
			return err
		}
		now := s.Now()
		err := tx.QueryRow(ctx, `INSERT INTO accounts (email, name, organisation_id, password_hash, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING id`,
			email, name, in.OrganisationID, hash, now, actor.accountID()).Scan(&id)
		if isNoRows(err) {
			return &model.Error{Code: model.CodeConflict, Detail: "an account with this e-mail exists",
				Fields: []model.FieldError{{Field: "email", Code: "account_exists"}}}
		}
		if err != nil {
			return err
		}
		for _, r := range in.Roles {
			if _, err := tx.Exec(ctx, `INSERT INTO account_roles (account_id, role, created_at, created_by) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING`, id, string(r), now, actor.accountID()); err != nil {
				return err
			}
		}
		e := actor.event(authz.AccountCreate, audit.Allowed)
		e.Municipality = strings.TrimPrefix(in.OrganisationID, "municipality:")
		if e.Municipality == in.OrganisationID {
			e.Municipality = ""
		}
		e.Detail = "account=" + itoa(id) + " organisation=" + in.OrganisationID + " roles=" + joinRoles(in.Roles)
		return s.record(ctx, tx, e)
	})
	return id, err
}

func joinRoles(rs []authz.Role) string {
	ss := make([]string, len(rs))
	for i, r := range rs {
		ss[i] = string(r)
	}
	return strings.Join(ss, ",")
}

// SetPassword sets an account's password (operator command).
func (s *Store) SetPassword(ctx context.Context, email, password string) error {
	h, err := credential.HashPassword(password)
	if err != nil {
		return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "password", Code: "password_too_short"}}}
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = $2 WHERE email = $1`, strings.ToLower(email), h)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return model.Errorf(model.CodeNotFound, "no such account")
		}
		return nil
	})
}

// AccountIDByEmail returns the id of an account.
func (s *Store) AccountIDByEmail(ctx context.Context, email string) (int64, error) {
	var id int64
	err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM accounts WHERE email = $1`, strings.ToLower(strings.TrimSpace(email))).Scan(&id)
	})
	if isNoRows(err) {
		return 0, model.Errorf(model.CodeNotFound, "no such account")
	}
	return id, err
}

// mayCreateAccount applies who may create which accounts: the operator any; a
// KEHA admin any organisation's staff; a municipality's main user only its own
// employees and its wellbeing services county's employees, without roles.
func (s *Store) mayCreateAccount(ctx context.Context, tx *db.Tx, actor Actor, in NewAccount) error {
	p := actor.Principal
	if p == nil || p.HasRole(authz.KehaAdmin) {
		return nil
	}
	ev := actor.event(authz.AccountCreate, audit.Denied)
	if !p.HasRole(authz.MainUser) || p.OrgKind != "municipality" {
		return s.deny(ctx, tx, ev, model.ErrForbidden)
	}
	ev.Municipality = p.OrgCode
	if len(in.Roles) > 0 {
		return s.deny(ctx, tx, ev, &model.Error{Code: model.CodeForbidden, Detail: "only KEHA-keskus appoints main users and other roles"})
	}
	m, _ := s.ref.Municipality(p.OrgCode)
	switch in.OrganisationID {
	case "municipality:" + p.OrgCode, "wellbeing_county:" + m.WellbeingCountyCode:
		return nil
	}
	if strings.HasPrefix(in.OrganisationID, "service_provider:") {
		return s.deny(ctx, tx, ev, &model.Error{Code: model.CodeNotInThisVersion, Detail: "accounts for a service provider's staff are not in this version"})
	}
	return s.deny(ctx, tx, ev, &model.Error{Code: model.CodeForbidden,
		Detail: "a main user creates accounts only for the municipality's and its wellbeing services county's staff"})
}

// DisableAccount ends an account: its sessions and API tokens stop working at
// once and its grants are revoked. A main user may disable the accounts of the
// municipality's own staff; a KEHA admin any account. Nobody disables themself.
func (s *Store) DisableAccount(ctx context.Context, actor Actor, accountID int64) error {
	defer s.principalsChanged()
	return s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev, err := s.accountInCharge(ctx, tx, actor, authz.AccountDisable, accountID, false)
		if err != nil {
			return err
		}
		now := s.Now()
		for _, q := range []string{
			`UPDATE accounts SET disabled_at = $2 WHERE id = $1`,
			`UPDATE grants SET revoked_at = $2, revoked_by = $3 WHERE account_id = $1 AND revoked_at IS NULL`,
			`UPDATE api_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`,
			`DELETE FROM sessions WHERE account_id = $1`,
		} {
			args := []any{accountID, now, actor.accountID()}
			switch {
			case !strings.Contains(q, "$2"):
				args = args[:1]
			case !strings.Contains(q, "$3"):
				args = args[:2]
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, ev)
	})
}

// accountInCharge checks that the actor may act on another account (a main
// user on the own municipality's staff, a KEHA admin on anyone's, the
// operator on all) and that the account is enabled (or, with disabled, that
// it is disabled); it returns the audit event to record. An account out of
// reach is "not found"; one's own account is refused.
func (s *Store) accountInCharge(ctx context.Context, tx *db.Tx, actor Actor, a authz.Action, accountID int64, disabled bool) (audit.Event, error) {
	ev := actor.event(a, audit.Allowed)
	ev.Detail = "account=" + itoa(accountID)
	var org, kind, code string
	err := tx.QueryRow(ctx, `SELECT o.id, o.kind, o.code FROM accounts a JOIN organisations o ON o.id = a.organisation_id
		WHERE a.id = $1 AND (a.disabled_at IS NOT NULL) = $2`, accountID, disabled).Scan(&org, &kind, &code)
	if isNoRows(err) {
		return ev, s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	if err != nil {
		return ev, err
	}
	if kind == "municipality" {
		ev.Municipality = code
	}
	if p := actor.Principal; p != nil {
		own := p.HasRole(authz.MainUser) && p.OrganisationID == org
		if !(p.HasRole(authz.KehaAdmin) || own) {
			return ev, s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		if p.AccountID == accountID {
			return ev, &model.Error{Code: model.CodeValidationFailed, Detail: "you cannot change your own account this way",
				Fields: []model.FieldError{{Field: "id", Code: model.FieldNotAllowed}}}
		}
	}
	return ev, nil
}

// EnableAccount lets a disabled account sign in again. Its grants stay
// revoked: access to clients needs a new grant. Who may is as for
// DisableAccount.
func (s *Store) EnableAccount(ctx context.Context, actor Actor, accountID int64) error {
	defer s.principalsChanged()
	return s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev, err := s.accountInCharge(ctx, tx, actor, authz.AccountEnable, accountID, true)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET disabled_at = NULL WHERE id = $1`, accountID); err != nil {
			return err
		}
		return s.record(ctx, tx, ev)
	})
}

// StaffAccount is an account as a main user or KEHA admin sees it.
type StaffAccount struct {
	ID           int64        `json:"id"`
	Email        string       `json:"email"`
	Name         string       `json:"name"`
	Organisation string       `json:"organisation"`
	Roles        []authz.Role `json:"roles"`
	LastSignInAt *time.Time   `json:"last_sign_in_at"`
	CreatedAt    time.Time    `json:"created_at"`
	// Disabled and HasPassword are for the UI (StaffAccounts lists disabled
	// accounts too).
	Disabled    bool `json:"-"`
	HasPassword bool `json:"-"`
}

// Accounts lists the accounts employed by a municipality and by its wellbeing
// services county (for its main users), or by any organisation (KEHA admins,
// with org "" meaning all municipalities' main users).
func (s *Store) Accounts(ctx context.Context, actor Actor, muni string) ([]StaffAccount, error) {
	return s.StaffAccounts(ctx, actor, muni, false)
}

// StaffAccounts is Accounts, with the disabled accounts too when withDisabled.
func (s *Store) StaffAccounts(ctx context.Context, actor Actor, muni string, withDisabled bool) ([]StaffAccount, error) {
	var out []StaffAccount
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev, err := s.authorizeMunicipal(ctx, tx, actor, authz.AccountList, muni)
		if err != nil {
			return err
		}
		m, ok := s.ref.Municipality(muni)
		if !ok {
			return model.ErrNotFound
		}
		rows, err := tx.Query(ctx, `SELECT a.id, a.email, a.name, a.organisation_id, a.last_sign_in_at, a.created_at, COALESCE(r.role, ''),
			a.disabled_at, COALESCE(a.password_hash, '') <> ''
			FROM accounts a LEFT JOIN account_roles r ON r.account_id = a.id
			WHERE a.organisation_id IN ($1, $2) AND (a.disabled_at IS NULL OR $3) ORDER BY a.name, a.id`, "municipality:"+muni, "wellbeing_county:"+m.WellbeingCountyCode, withDisabled)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a StaffAccount
			var last, disabled sql.NullTime
			var role string
			if err := rows.Scan(&a.ID, &a.Email, &a.Name, &a.Organisation, &last, &a.CreatedAt, &role, &disabled, &a.HasPassword); err != nil {
				return err
			}
			a.Disabled = disabled.Valid
			if n := len(out); n > 0 && out[n-1].ID == a.ID {
				out[n-1].Roles = append(out[n-1].Roles, authz.Role(role))
				continue
			}
			if last.Valid {
				t := last.Time.UTC()
				a.LastSignInAt = &t
			}
			a.CreatedAt = a.CreatedAt.UTC()
			a.Roles = []authz.Role{}
			if role != "" {
				a.Roles = append(a.Roles, authz.Role(role))
			}
			out = append(out, a)
		}
		return s.recordListing(ctx, tx, rows, ev, len(out))
	})
	return out, err
}

// checkAccountRoles checks the organisation roles of a new account against
// the kind of its employer: main_user only for a municipality's staff,
// keha_admin and log_monitor only for KEHA-keskus staff, statistician not
// for a service provider's or a wellbeing services county's staff.
func checkAccountRoles(kind string, roles []authz.Role) error {
	for _, r := range roles {
		switch r {
		case authz.MainUser:
			if kind != "municipality" {
				return &model.Error{Code: model.CodeValidationFailed, Detail: "main_user is only for a municipality's staff",
					Fields: []model.FieldError{{Field: "roles", Code: "main_user_needs_municipality"}}}
			}
		case authz.KehaAdmin, authz.LogMonitor:
			if kind != "keha" {
				return &model.Error{Code: model.CodeValidationFailed, Detail: string(r) + " is only for KEHA-keskus staff",
					Fields: []model.FieldError{{Field: "roles", Code: "role_needs_keha"}}}
			}
		case authz.Statistician:
			if kind == "service_provider" {
				return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "roles", Code: model.FieldNotAllowed}}}
			}
		default:
			return &model.Error{Code: model.CodeValidationFailed, Detail: "unknown role " + string(r),
				Fields: []model.FieldError{{Field: "roles", Code: model.FieldInvalidChoice}}}
		}
	}
	return nil
}

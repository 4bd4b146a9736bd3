package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/credential"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

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
		for _, r := range in.Roles {
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

// CreateToken makes an API bearer token for the account; only its hash is stored.
func (s *Store) CreateToken(ctx context.Context, actor Actor, email string, ttl time.Duration) (string, error) {
	if ttl <= 0 || ttl > 366*24*time.Hour {
		return "", model.Errorf(model.CodeValidationFailed, "ttl must be between 1s and 366 days")
	}
	token, hash, err := credential.NewToken("kd_")
	if err != nil {
		return "", err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var id int64
		var disabled sql.NullTime
		err := tx.QueryRow(ctx, `SELECT id, disabled_at FROM accounts WHERE email = $1`, strings.ToLower(strings.TrimSpace(email))).Scan(&id, &disabled)
		if isNoRows(err) {
			return model.Errorf(model.CodeNotFound, "no such account")
		}
		if err != nil {
			return err
		}
		if disabled.Valid {
			return model.Errorf(model.CodeForbidden, "the account is disabled")
		}
		now := s.Now()
		var tokenID int64
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (account_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			id, hash, now, now.Add(ttl)).Scan(&tokenID); err != nil {
			return err
		}
		e := actor.event(authz.TokenCreate, audit.Allowed)
		e.Detail = "account=" + itoa(id) + " token=" + itoa(tokenID) + " ttl=" + ttl.String()
		return s.record(ctx, tx, e)
	})
	return token, err
}

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

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

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
		ev := actor.event(authz.AccountDisable, audit.Allowed)
		ev.Detail = "account=" + itoa(accountID)
		var org, kind, code string
		err := tx.QueryRow(ctx, `SELECT o.id, o.kind, o.code FROM accounts a JOIN organisations o ON o.id = a.organisation_id
			WHERE a.id = $1 AND a.disabled_at IS NULL`, accountID).Scan(&org, &kind, &code)
		if isNoRows(err) {
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if kind == "municipality" {
			ev.Municipality = code
		}
		if p := actor.Principal; p != nil {
			own := p.HasRole(authz.MainUser) && p.OrganisationID == org
			if !(p.HasRole(authz.KehaAdmin) || own) {
				return s.deny(ctx, tx, ev, model.ErrNotFound)
			}
			if p.AccountID == accountID {
				return &model.Error{Code: model.CodeValidationFailed, Detail: "you cannot disable your own account",
					Fields: []model.FieldError{{Field: "id", Code: model.FieldNotAllowed}}}
			}
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

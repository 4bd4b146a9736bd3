package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// AccessPolicy sets the thresholds of the access review.
type AccessPolicy struct {
	// DormantAfter: an account that has not signed in for this long is dormant (default 90 days).
	DormantAfter time.Duration
	// ExpiringWithin: grants ending within this many days are "about to expire" (default 30).
	ExpiringWithin int
}

// AccessPolicy returns the access review thresholds in force.
func (s *Store) AccessPolicy() AccessPolicy { return s.access() }

func (s *Store) access() AccessPolicy {
	p := s.opts.Access
	if p.DormantAfter == 0 {
		p.DormantAfter = 90 * 24 * time.Hour
	}
	if p.ExpiringWithin == 0 {
		p.ExpiringWithin = 30
	}
	return p
}

// GrantReviewItem is a grant with what the access review needs to know.
type GrantReviewItem struct {
	GrantInfo
	AccountID    int64      `json:"account_id"`
	Organisation string     `json:"organisation"`
	LastSignInAt *time.Time `json:"last_sign_in_at"`
	Dormant      bool       `json:"dormant"`
	ExpiresSoon  bool       `json:"expires_soon"`
	Active       bool       `json:"active"`
	RevokedBy    string     `json:"revoked_by,omitempty"`
}

// GrantReview lists every grant a municipality has given (active first), with
// who granted what and when, which grants are about to expire and which
// grantees are dormant. Only the municipality's main users may see it.
func (s *Store) GrantReview(ctx context.Context, actor Actor, muni string) ([]GrantReviewItem, error) {
	var out []GrantReviewItem
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev, err := s.authorizeMunicipal(ctx, tx, actor, authz.GrantList, muni)
		if err != nil {
			return err
		}
		pol := s.access()
		today := s.Today()
		rows, err := tx.Query(ctx, `SELECT g.id, a.id, a.email, a.name, a.organisation_id, a.last_sign_in_at, a.created_at, g.municipality_code, g.role, g.task,
			g.valid_until, g.created_at, COALESCE(c.email, 'operator'), g.revoked_at, COALESCE(r.email, CASE WHEN g.revoked_at IS NULL THEN '' ELSE 'operator' END)
			FROM grants g JOIN accounts a ON a.id = g.account_id LEFT JOIN accounts c ON c.id = g.created_by LEFT JOIN accounts r ON r.id = g.revoked_by
			WHERE g.municipality_code = $1 ORDER BY (g.revoked_at IS NULL) DESC, g.created_at DESC, g.id DESC LIMIT 5000`, muni)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it GrantReviewItem
			var last, revoked sql.NullTime
			var accCreated time.Time
			var until model.NullDate
			if err := rows.Scan(&it.ID, &it.AccountID, &it.Email, &it.Name, &it.Organisation, &last, &accCreated, &it.Municipality, &it.Role, &it.Task,
				&until, &it.CreatedAt, &it.CreatedBy, &revoked, &it.RevokedBy); err != nil {
				return err
			}
			it.ValidUntil = until.Ptr()
			it.CreatedAt = it.CreatedAt.UTC()
			if last.Valid {
				t := last.Time.UTC()
				it.LastSignInAt = &t
			}
			if revoked.Valid {
				t := revoked.Time.UTC()
				it.RevokedAt = &t
			}
			expired := it.ValidUntil != nil && it.ValidUntil.Before(today)
			it.Active = !revoked.Valid && !expired
			it.ExpiresSoon = it.Active && it.ValidUntil != nil && !it.ValidUntil.After(today.AddDate(0, 0, pol.ExpiringWithin))
			seen := accCreated
			if last.Valid {
				seen = last.Time
			}
			it.Dormant = it.Active && s.Now().Sub(seen) > pol.DormantAfter
			out = append(out, it)
		}
		return s.recordListing(ctx, tx, rows, ev, len(out))
	})
	return out, err
}

// GrantPatch changes a grant; nil members stay as they are. ValidUntil is a
// raw JSON value so that null can clear the end date.
type GrantPatch struct {
	Role       *string         `json:"role"`
	Task       *string         `json:"task"`
	ValidUntil json.RawMessage `json:"valid_until"`
}

// UpdateGrant changes a grant's role, task or end date with immediate effect.
func (s *Store) UpdateGrant(ctx context.Context, actor Actor, grantID int64, patch GrantPatch) (GrantInfo, error) {
	defer s.principalsChanged()
	var out GrantInfo
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.GrantUpdate, audit.Allowed)
		ev.Detail = "grant=" + itoa(grantID)
		var g GrantInfo
		var until model.NullDate
		var revoked sql.NullTime
		err := tx.QueryRow(ctx, `SELECT g.id, a.email, a.name, g.municipality_code, g.role, g.task, g.valid_until, g.created_at,
			COALESCE(c.email, 'operator'), g.revoked_at
			FROM grants g JOIN accounts a ON a.id = g.account_id LEFT JOIN accounts c ON c.id = g.created_by WHERE g.id = $1`, grantID).
			Scan(&g.ID, &g.Email, &g.Name, &g.Municipality, &g.Role, &g.Task, &until, &g.CreatedAt, &g.CreatedBy, &revoked)
		if isNoRows(err) {
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		ev.Municipality = g.Municipality
		if actor.Principal != nil && !actor.Principal.Allowed(authz.GrantUpdate, g.Municipality).Allowed {
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		if revoked.Valid {
			return &model.Error{Code: model.CodeConflict, Detail: "a revoked grant cannot be changed; make a new one"}
		}
		g.ValidUntil = until.Ptr()
		var v model.Validation
		var changed []string
		if patch.Role != nil {
			if *patch.Role != string(authz.Worker) && *patch.Role != string(authz.Viewer) {
				v.Add("role", model.FieldInvalidChoice)
			} else if *patch.Role != g.Role {
				g.Role = *patch.Role
				changed = append(changed, "role")
			}
		}
		if patch.Task != nil {
			t := strings.TrimSpace(*patch.Task)
			switch {
			case t == "":
				v.Add("task", model.FieldRequired)
			case len([]rune(t)) > MaxTaskLength || model.HasControlChars(t):
				v.Add("task", model.FieldInvalidCharacters)
			case t != g.Task:
				g.Task = t
				changed = append(changed, "task")
			}
		}
		if len(patch.ValidUntil) > 0 {
			var d *model.Date
			if err := json.Unmarshal(patch.ValidUntil, &d); err != nil {
				v.Add("valid_until", model.FieldInvalidDate)
			} else if d != nil && d.Before(s.Today()) {
				v.Add("valid_until", "date_in_past")
			} else {
				g.ValidUntil = d
				changed = append(changed, "valid_until")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE grants SET role = $2, task = $3, valid_until = $4 WHERE id = $1`,
			g.ID, g.Role, g.Task, model.NullDateOf(g.ValidUntil)); err != nil {
			return err
		}
		ev.Detail += " fields=" + strings.Join(changed, ",")
		g.CreatedAt = g.CreatedAt.UTC()
		out = g
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// RevokeDormantGrants revokes, in one action and one transaction, every
// active grant of the municipality whose grantee is dormant (see
// AccessPolicy). It returns the revoked grant ids; each revocation is its own
// audit event.
func (s *Store) RevokeDormantGrants(ctx context.Context, actor Actor, muni string) ([]int64, error) {
	defer s.principalsChanged()
	var ids []int64
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev, err := s.authorizeMunicipal(ctx, tx, actor, authz.GrantRevoke, muni)
		if err != nil {
			return err
		}
		now := s.Now()
		cutoff := now.Add(-s.access().DormantAfter)
		rows, err := tx.Query(ctx, `SELECT g.id FROM grants g JOIN accounts a ON a.id = g.account_id
			WHERE g.municipality_code = $1 AND g.revoked_at IS NULL AND (g.valid_until IS NULL OR g.valid_until >= $2)
			AND COALESCE(a.last_sign_in_at, a.created_at) < $3 ORDER BY g.id`, muni, s.Today(), cutoff)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.Exec(ctx, `UPDATE grants SET revoked_at = $2, revoked_by = $3 WHERE id = $1`, id, now, actor.accountID()); err != nil {
				return err
			}
			e := ev
			e.Detail = "grant=" + itoa(id) + " dormant"
			if err := s.record(ctx, tx, e); err != nil {
				return err
			}
		}
		// The review itself (who is dormant) is recorded even when nothing was revoked.
		n := len(ids)
		review := actor.event(authz.GrantList, audit.Allowed)
		review.Municipality, review.ResultCount, review.Detail = muni, &n, "dormant review"
		return s.record(ctx, tx, review)
	})
	return ids, err
}

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

// StaffAccount is an account as a main user or KEHA admin sees it.
type StaffAccount struct {
	ID           int64        `json:"id"`
	Email        string       `json:"email"`
	Name         string       `json:"name"`
	Organisation string       `json:"organisation"`
	Roles        []authz.Role `json:"roles"`
	LastSignInAt *time.Time   `json:"last_sign_in_at"`
	CreatedAt    time.Time    `json:"created_at"`
}

// Accounts lists the accounts employed by a municipality and by its wellbeing
// services county (for its main users), or by any organisation (KEHA admins,
// with org "" meaning all municipalities' main users).
func (s *Store) Accounts(ctx context.Context, actor Actor, muni string) ([]StaffAccount, error) {
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
		rows, err := tx.Query(ctx, `SELECT a.id, a.email, a.name, a.organisation_id, a.last_sign_in_at, a.created_at, COALESCE(r.role, '')
			FROM accounts a LEFT JOIN account_roles r ON r.account_id = a.id
			WHERE a.organisation_id IN ($1, $2) AND a.disabled_at IS NULL ORDER BY a.name, a.id`, "municipality:"+muni, "wellbeing_county:"+m.WellbeingCountyCode)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a StaffAccount
			var last sql.NullTime
			var role string
			if err := rows.Scan(&a.ID, &a.Email, &a.Name, &a.Organisation, &last, &a.CreatedAt, &role); err != nil {
				return err
			}
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

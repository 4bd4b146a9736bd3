package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/accessreview"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/refdata"
)

// MaxTaskLength bounds the statutory task text of a grant.
const MaxTaskLength = 300

// NewGrant is the input of CreateGrant.
type NewGrant struct {
	Email        string      `json:"email"`
	Municipality string      `json:"municipality"`
	Role         string      `json:"role"`
	Task         string      `json:"task"`
	ValidUntil   *model.Date `json:"valid_until"`
}

// GrantInfo is a grant as listed to main users and to the grantee.
type GrantInfo struct {
	ID           int64       `json:"id"`
	Email        string      `json:"email"`
	Name         string      `json:"name"`
	Municipality string      `json:"municipality"`
	Role         string      `json:"role"`
	Task         string      `json:"task"`
	ValidUntil   *model.Date `json:"valid_until"`
	CreatedAt    time.Time   `json:"created_at"`
	CreatedBy    string      `json:"created_by"`
	RevokedAt    *time.Time  `json:"revoked_at,omitempty"`
}

// CreateGrant grants access on behalf of a municipality (R8, R9). The actor
// must be a main user of that municipality (or the operator). The grantee
// must be employed by the municipality or by its wellbeing services county;
// employees of service providers are not in this version.
func (s *Store) CreateGrant(ctx context.Context, actor Actor, in NewGrant) (GrantInfo, error) {
	defer s.principalsChanged()
	in, muni, muniOK, v := s.checkNewGrant(actor, in)
	var out GrantInfo
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.GrantCreate, audit.Allowed)
		ev.Municipality = in.Municipality
		if muniOK && actor.Principal != nil && !actor.Principal.Allowed(authz.GrantCreate, in.Municipality).Allowed {
			return s.deny(ctx, tx, ev, model.Errorf(model.CodeForbidden, "only a main user of the municipality can grant its access"))
		}
		if err := v.Err(); err != nil {
			return err
		}
		var accountID int64
		var name, kind, code string
		err := tx.QueryRow(ctx, `SELECT a.id, a.name, o.kind, o.code FROM accounts a JOIN organisations o ON o.id = a.organisation_id
			WHERE a.email = $1 AND a.disabled_at IS NULL`, in.Email).Scan(&accountID, &name, &kind, &code)
		if isNoRows(err) {
			return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "email", Code: "unknown_account"}}}
		}
		if err != nil {
			return err
		}
		switch {
		case kind == "service_provider":
			return s.deny(ctx, tx, ev, &model.Error{Code: model.CodeNotInThisVersion,
				Detail: "access for a service provider's staff is not in this version"})
		case kind == "municipality" && code == muni.Code:
		case kind == "wellbeing_county" && code == muni.WellbeingCountyCode:
		default:
			return s.deny(ctx, tx, ev, &model.Error{Code: model.CodeValidationFailed,
				Detail: "a municipality grants access only to its own staff and to its wellbeing services county's staff",
				Fields: []model.FieldError{{Field: "email", Code: "employer_not_eligible"}}})
		}
		now := s.Now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO grants (account_id, municipality_code, role, task, valid_until, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			accountID, in.Municipality, in.Role, in.Task, model.NullDateOf(in.ValidUntil), now, actor.accountID()).Scan(&id); err != nil {
			return err
		}
		ev.Detail = "grant=" + itoa(id) + " account=" + itoa(accountID) + " role=" + in.Role
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		out = GrantInfo{ID: id, Email: in.Email, Name: name, Municipality: in.Municipality, Role: in.Role, Task: in.Task,
			ValidUntil: in.ValidUntil, CreatedAt: now, CreatedBy: ev.ActorEmail}
		return nil
	})
	return out, err
}

// RevokeGrant revokes a grant with immediate effect. The actor must be a main
// user of the grant's municipality; a grant the actor may not manage is not found.
func (s *Store) RevokeGrant(ctx context.Context, actor Actor, grantID int64) error {
	defer s.principalsChanged()
	return s.inTx(ctx, actor, func(tx *db.Tx) error {
		var muni string
		var revoked *time.Time
		err := tx.QueryRow(ctx, `SELECT municipality_code, revoked_at FROM grants WHERE id = $1`, grantID).Scan(&muni, &revoked)
		ev := actor.event(authz.GrantRevoke, audit.Allowed)
		ev.Detail = "grant=" + itoa(grantID)
		if isNoRows(err) {
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		ev.Municipality = muni
		if actor.Principal != nil && !actor.Principal.Allowed(authz.GrantRevoke, muni).Allowed {
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		if revoked == nil {
			if _, err := tx.Exec(ctx, `UPDATE grants SET revoked_at = $2, revoked_by = $3 WHERE id = $1`, grantID, s.Now(), actor.accountID()); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, ev)
	})
}

// access is the access review policy in force.
func (s *Store) access() accessreview.Policy { return s.opts.Access.WithDefaults() }

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
	// CreatedByName is the granting account's name, for the UI ("" for the operator).
	CreatedByName string `json:"-"`
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
			g.valid_until, g.created_at, COALESCE(c.email, 'operator'), COALESCE(c.name, ''), g.revoked_at, COALESCE(r.email, CASE WHEN g.revoked_at IS NULL THEN '' ELSE 'operator' END)
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
				&until, &it.CreatedAt, &it.CreatedBy, &it.CreatedByName, &revoked, &it.RevokedBy); err != nil {
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
			it.Active = accessreview.Active(revoked.Valid, it.ValidUntil, today)
			it.ExpiresSoon = it.Active && pol.ExpiresSoon(it.ValidUntil, today)
			seen := accCreated
			if last.Valid {
				seen = last.Time
			}
			it.Dormant = it.Active && pol.Dormant(seen, s.Now())
			out = append(out, it)
		}
		return s.recordListing(ctx, tx, rows, ev, len(out))
	})
	return out, err
}

// GrantPatch changes a grant; nil members and a ValidUntil that is not Set
// stay as they are. ValidUntil is the end date as given ("YYYY-MM-DD"); Set
// with nil clears it.
type GrantPatch struct {
	Role       *string
	Task       *string
	ValidUntil model.Optional[*string]
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
			case model.Invisible(t):
				v.Add("task", model.FieldRequired)
			case len([]rune(t)) > MaxTaskLength || model.HasControlChars(t):
				v.Add("task", model.FieldInvalidCharacters)
			case t != g.Task:
				g.Task = t
				changed = append(changed, "task")
			}
		}
		if patch.ValidUntil.Set {
			var d *model.Date
			if given := patch.ValidUntil.Value; given != nil {
				if pd, err := model.ParseDate(*given); err == nil {
					d = &pd
				}
			}
			if patch.ValidUntil.Value != nil && d == nil {
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
		cutoff := s.access().DormantBefore(now)
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

// checkNewGrant normalises a new grant and validates what can be checked
// without the database; it returns the municipality (and whether it exists).
func (s *Store) checkNewGrant(actor Actor, in NewGrant) (NewGrant, refdata.Municipality, bool, model.Validation) {
	var v model.Validation
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Municipality = strings.TrimSpace(in.Municipality)
	in.Task = strings.TrimSpace(in.Task)
	muni, muniOK := s.ref.Municipality(in.Municipality)
	switch {
	case in.Municipality == "":
		v.Add("municipality", model.FieldRequired)
	case !muniOK:
		v.Add("municipality", model.FieldUnknownMunicipality)
	}
	if in.Email == "" {
		v.Add("email", model.FieldRequired)
	}
	if in.Role != string(authz.Worker) && in.Role != string(authz.Viewer) {
		v.Add("role", model.FieldInvalidChoice)
	}
	switch {
	case model.Invisible(in.Task):
		v.Add("task", model.FieldRequired)
	case len([]rune(in.Task)) > MaxTaskLength:
		v.AddParam("task", model.FieldTooLong, itoa(MaxTaskLength))
	case model.HasControlChars(in.Task):
		v.Add("task", model.FieldInvalidCharacters)
	}
	if in.ValidUntil != nil && in.ValidUntil.Before(s.Today()) {
		v.Add("valid_until", "date_in_past")
	}
	if actor.Principal != nil && in.Email == actor.Principal.Email {
		v.Add("email", "self_grant")
	}
	return in, muni, muniOK, v
}

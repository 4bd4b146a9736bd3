package store

import (
	"context"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
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
	case in.Task == "":
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

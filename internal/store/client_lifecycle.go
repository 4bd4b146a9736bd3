package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// CloseClient closes a client relationship with a reason and a date (not in
// the future, not before the registration). A closed client takes no new
// case records and leaves the worklists; its data stays readable and
// correctable. The closing is kept in the change history (field "closed")
// and audited as client.close. Closing a closed client is a conflict.
func (s *Store) CloseClient(ctx context.Context, actor Actor, id string, in model.CloseInput) (model.Client, error) {
	var out model.Client
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.ClientClose, id)
		if err != nil {
			return err
		}
		if _, err := lockClient(ctx, tx, c.ID); err != nil {
			return err
		}
		if c.Closed != nil {
			return s.refuse(ctx, tx, actor, authz.ClientClose, c, grantID, model.Errorf(model.CodeConflict, "the client is closed already"))
		}
		closure, err := in.Normalize(s.Today(), model.DateOf(c.CreatedAt.In(Finland)))
		if err != nil {
			if fieldErrors(err) == nil {
				return err
			}
			return s.refuse(ctx, tx, actor, authz.ClientClose, c, grantID, err)
		}
		now := s.Now()
		if _, err := tx.Exec(ctx, `UPDATE clients SET closed_reason = $2, closed_date = $3, updated_at = $4 WHERE id = $1`,
			c.ID, closure.Reason, closure.Date, now); err != nil {
			return err
		}
		if err := clientChange(ctx, tx, actor, c.ID, now, "closed", nil, closureText(&closure)); err != nil {
			return err
		}
		ev := actor.event(authz.ClientClose, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID = c.ID, c.Municipality, grantID
		ev.Detail = "reason=" + closure.Reason + " date=" + closure.Date.String()
		c.Closed, c.UpdatedAt = &closure, now
		out = c
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// ReopenClient reopens a closed client relationship (client.reopen); the
// closing stays in the change history. Reopening an open client is a conflict.
func (s *Store) ReopenClient(ctx context.Context, actor Actor, id string) (model.Client, error) {
	var out model.Client
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.ClientReopen, id)
		if err != nil {
			return err
		}
		if _, err := lockClient(ctx, tx, c.ID); err != nil {
			return err
		}
		if c.Closed == nil {
			return s.refuse(ctx, tx, actor, authz.ClientReopen, c, grantID, model.Errorf(model.CodeConflict, "the client is not closed"))
		}
		now := s.Now()
		if _, err := tx.Exec(ctx, `UPDATE clients SET closed_reason = NULL, closed_date = NULL, updated_at = $2 WHERE id = $1`, c.ID, now); err != nil {
			return err
		}
		if err := clientChange(ctx, tx, actor, c.ID, now, "closed", closureText(c.Closed), nil); err != nil {
			return err
		}
		ev := actor.event(authz.ClientReopen, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID, ev.Detail = c.ID, c.Municipality, grantID, "closed_reason="+c.Closed.Reason
		c.Closed, c.UpdatedAt = nil, now
		out = c
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// closureText is a closing as the change history keeps it: "REASON DATE".
func closureText(c *model.Closure) *string {
	t := c.Reason + " " + c.Date.String()
	return &t
}

// ParseClosure reads a closing as the change history keeps it.
func ParseClosure(s string) (model.Closure, bool) {
	reason, date, ok := strings.Cut(s, " ")
	d, err := model.ParseDate(date)
	return model.Closure{Reason: reason, Date: d}, ok && err == nil
}

func clientChange(ctx context.Context, tx *db.Tx, actor Actor, clientID string, at any, field string, old, new *string) error {
	_, err := tx.Exec(ctx, `INSERT INTO client_changes (client_id, changed_at, account_id, field, old_value, new_value)
		VALUES ($1, $2, $3, $4, $5, $6)`, clientID, at, actor.accountID(), field, nullable(old), nullable(new))
	return err
}

// ResponsibleWorker is a worker responsible for a client. HasAccess: the
// account is active and holds an active worker grant from the client's
// municipality (a revoked grant, or a transfer, takes it away).
type ResponsibleWorker struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	HasAccess bool   `json:"has_access"`
}

// workerAccess is "account a may work on municipality $M's clients on day
// $T" for the two parameters given.
func workerAccess(muni, today string) string {
	return `a.disabled_at IS NULL AND EXISTS (SELECT 1 FROM grants g WHERE g.account_id = a.id AND g.municipality_code = ` + muni + `
		AND g.role = 'worker' AND g.revoked_at IS NULL AND (g.valid_until IS NULL OR g.valid_until >= ` + today + `))`
}

// responsibleWorkers lists a client's responsible workers by name.
func responsibleWorkers(ctx context.Context, tx *db.Tx, clientID, muni string, today model.Date) ([]ResponsibleWorker, error) {
	out := []ResponsibleWorker{}
	err := queryEach(ctx, tx, `SELECT a.id, a.name, a.email, CASE WHEN `+workerAccess("$2", "$3")+` THEN 1 ELSE 0 END
		FROM client_responsible_workers w JOIN accounts a ON a.id = w.account_id WHERE w.client_id = $1 ORDER BY a.name, a.id`,
		[]any{clientID, muni, today}, func(r *sql.Rows) error {
			var w ResponsibleWorker
			var access int
			if err := r.Scan(&w.AccountID, &w.Name, &w.Email, &access); err != nil {
				return err
			}
			w.HasAccess = access == 1
			out = append(out, w)
			return nil
		})
	return out, err
}

package store

import (
	"context"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// RecentWindow is how far back "recently handled clients" look.
const RecentWindow = 30 * 24 * time.Hour

// RecentClients lists, most recent first, up to limit clients on whom the
// caller recorded work in the last RecentWindow, as far as the caller may
// still read them (a revoked grant hides them). It is a listing of clients:
// audited as client.search with the number and the ids of the clients
// shown, never more.
func (s *Store) RecentClients(ctx context.Context, actor Actor, limit int) ([]model.Client, error) {
	var out []model.Client
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.ClientSearch, audit.Allowed)
		ev.Detail = "recently handled"
		if actor.Principal == nil || !actor.Principal.Allowed(authz.ClientSearch, "").Allowed {
			return s.deny(ctx, tx, ev, model.Errorf(model.CodeForbidden, "no access to any municipality's clients"))
		}
		args := []any{actor.Principal.AccountID, s.Today(), s.Now().Add(-RecentWindow), min(max(limit, 1), 50)}
		rows, err := tx.Query(ctx, `SELECT `+clientColumns+` FROM clients c
			JOIN (SELECT e.client_id AS id, MAX(e.id) AS last FROM audit_events e
				WHERE e.actor_account_id = $1 AND e.at >= $3 AND e.outcome = 'allowed' AND e.client_id IS NOT NULL
				AND e.action IN (`+workActions+`) GROUP BY e.client_id) r ON r.id = c.id
			WHERE EXISTS (`+grantFilter(authz.ClientSearch, "$1", "$2")+`)
			ORDER BY r.last DESC LIMIT $4`, args...)
		if err != nil {
			return err
		}
		out, err = s.listedClients(ctx, tx, rows, ev)
		return err
	})
	return out, err
}

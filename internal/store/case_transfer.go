package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// TransferClient hands a client over to another responsible municipality.
// Only a worker of the current municipality may do it; the new municipality
// needs nothing from the old one (its own grants apply from now on). The
// previous municipality keeps read access, never write access, for
// CasePolicy.ReadAfterTransferDays (read_until is the last such day). The
// change of municipality is kept in the client's change history and the
// transfer is audited as client.transfer.
func (s *Store) TransferClient(ctx context.Context, actor Actor, clientID string, raw model.TransferInput) (model.Transfer, error) {
	var out model.Transfer
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.ClientTransfer, clientID)
		if err != nil {
			return err
		}
		if err := s.refuseClosed(ctx, tx, actor, authz.ClientTransfer, c, grantID); err != nil {
			return err
		}
		in, verr := raw.Normalize()
		v := fieldErrors(verr)
		if verr != nil && v == nil {
			return verr
		}
		if !v.Has("municipality") {
			if _, ok := s.ref.Municipality(in.Municipality); !ok {
				v.Add("municipality", model.FieldUnknownMunicipality)
			} else if in.Municipality == c.Municipality {
				v.Add("municipality", model.FieldSameMunicipality)
			}
		}
		if err := v.Err(); err != nil {
			return s.refuse(ctx, tx, actor, authz.ClientTransfer, c, grantID, err)
		}
		now := s.Now()
		t := model.Transfer{ID: uuid.NewString(), ClientID: c.ID, FromMunicipality: c.Municipality, ToMunicipality: in.Municipality,
			Reason: in.Reason, TransferredAt: now, ReadUntil: s.cases().ReadUntil(s.Today())}
		if _, err := tx.Exec(ctx, `INSERT INTO client_transfers (id, client_id, from_municipality, to_municipality, reason,
			transferred_at, read_until, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			t.ID, t.ClientID, t.FromMunicipality, t.ToMunicipality, t.Reason, t.TransferredAt, t.ReadUntil, actor.accountID()); err != nil {
			return err
		}
		// The row moves into the new municipality: on PostgreSQL row-level
		// security must let the new row through for this one statement.
		scope := actor.scope()
		if err := tx.SetScope(ctx, withMunicipality(scope, t.ToMunicipality)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE clients SET municipality_code = $2, updated_at = $3 WHERE id = $1 AND municipality_code = $4`,
			c.ID, t.ToMunicipality, now, t.FromMunicipality)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return model.Errorf(model.CodeConflict, "the client was transferred at the same time")
		}
		if err := s.noticeTransferIn(ctx, tx, c.ID, t.FromMunicipality, t.ToMunicipality); err != nil {
			return err
		}
		if err := tx.SetScope(ctx, scope); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO client_changes (client_id, changed_at, account_id, field, old_value, new_value)
			VALUES ($1, $2, $3, 'municipality', $4, $5)`, c.ID, now, actor.accountID(), t.FromMunicipality, t.ToMunicipality); err != nil {
			return err
		}
		ev := actor.event(authz.ClientTransfer, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID = c.ID, c.Municipality, grantID
		ev.Detail = "transfer=" + t.ID + " from=" + t.FromMunicipality + " to=" + t.ToMunicipality + " read_until=" + t.ReadUntil.String()
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// withMunicipality widens a row-level security scope by one municipality.
func withMunicipality(scope db.Scope, muni string) db.Scope {
	switch scope {
	case db.AllMunicipalities:
		return scope
	case db.NoMunicipalities:
		return db.Scope(muni)
	}
	return scope + db.Scope(","+muni)
}

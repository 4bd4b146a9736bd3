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

// LegalHold stops retention from removing a client (e.g. pending court
// proceedings or an appeal), with the reason and who set it (organisation).
type LegalHold struct {
	Reason       string    `json:"reason"`
	SetAt        time.Time `json:"set_at"`
	Organisation string    `json:"set_by_organisation"`
}

// SetLegalHold sets (or replaces) a legal hold on a client, for the
// responsible municipality's main user or KEHA-keskus' admin. The reason is
// required; it is kept with the hold, not in the audit trail (free text).
// Audited as client.legal_hold with detail "set".
func (s *Store) SetLegalHold(ctx context.Context, actor Actor, clientID, reason string) (LegalHold, error) {
	reason = strings.TrimSpace(reason)
	var out LegalHold
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		id, muni, err := s.responsibleClient(ctx, tx, actor, authz.ClientLegalHold, clientID)
		if err != nil {
			return err
		}
		switch {
		case reason == "":
			return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "reason", Code: model.FieldRequired}}}
		case len([]rune(reason)) > 1000 || model.HasControlChars(strings.ReplaceAll(reason, "\n", " ")):
			return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "reason", Code: model.FieldTooLong}}}
		}
		out = LegalHold{Reason: reason, SetAt: s.Now()}
		if actor.Principal != nil {
			out.Organisation = actor.Principal.OrganisationID
		}
		if err := s.inMunicipality(ctx, tx, actor, muni, func() error {
			if _, err := tx.Exec(ctx, `DELETE FROM client_legal_holds WHERE client_id = $1`, id); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO client_legal_holds (client_id, reason, set_at, set_by, set_by_organisation) VALUES ($1, $2, $3, $4, $5)`,
				id, out.Reason, out.SetAt, actor.accountID(), out.Organisation)
			return err
		}); err != nil {
			return err
		}
		ev := actor.event(authz.ClientLegalHold, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.Detail = id, muni, "set"
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// ClearLegalHold removes a client's legal hold (retention may then remove
// the client when its period has passed). Audited as client.legal_hold
// with detail "cleared". A client without a hold is not found.
func (s *Store) ClearLegalHold(ctx context.Context, actor Actor, clientID string) error {
	return s.inTx(ctx, actor, func(tx *db.Tx) error {
		id, muni, err := s.responsibleClient(ctx, tx, actor, authz.ClientLegalHold, clientID)
		if err != nil {
			return err
		}
		var n int64
		if err := s.inMunicipality(ctx, tx, actor, muni, func() error {
			r, err := tx.Exec(ctx, `DELETE FROM client_legal_holds WHERE client_id = $1`, id)
			if err == nil {
				n, err = r.RowsAffected()
			}
			return err
		}); err != nil {
			return err
		}
		ev := actor.event(authz.ClientLegalHold, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.Detail = id, muni, "cleared"
		if n == 0 {
			ev.Detail = "no hold"
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		return s.record(ctx, tx, ev)
	})
}

// LegalHoldOf returns a client's legal hold (nil: none), for the
// responsible municipality's main user or KEHA-keskus' admin; not audited
// by itself (the lookup or report that shows it is).
func (s *Store) LegalHoldOf(ctx context.Context, actor Actor, clientID string) (*LegalHold, error) {
	var out *LegalHold
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		id, muni, err := s.responsibleClient(ctx, tx, actor, authz.ClientLegalHold, clientID)
		if err != nil {
			return err
		}
		return s.inMunicipality(ctx, tx, actor, muni, func() error {
			out, err = legalHoldOf(ctx, tx, id)
			return err
		})
	})
	return out, err
}

func legalHoldOf(ctx context.Context, tx *db.Tx, clientID string) (*LegalHold, error) {
	var h LegalHold
	err := tx.QueryRow(ctx, `SELECT reason, set_at, set_by_organisation FROM client_legal_holds WHERE client_id = $1`, clientID).
		Scan(&h.Reason, &h.SetAt, &h.Organisation)
	if isNoRows(err) {
		return nil, nil
	}
	h.SetAt = h.SetAt.UTC()
	return &h, err
}

package store

import (
	"context"
	"errors"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// ImportSystem is the provenance of records brought over by `kotodigi import`.
const ImportSystem = "import"

// ImportOutcome is what became of one imported row.
type ImportOutcome int

// Outcomes of ImportClient.
const (
	Imported ImportOutcome = iota
	Skipped                // already imported from the same source_id
	Rejected               // invalid, or the person is registered already
)

// ImportClient registers one migrated record with its provenance (R14),
// through the same rules as a registration. A record already imported from the
// same source id is skipped. With dryRun nothing is stored.
func (s *Store) ImportClient(ctx context.Context, actor Actor, in model.ClientFields, sourceID string, dryRun bool) (ImportOutcome, error) {
	if !dryRun {
		_, err := s.registerClient(ctx, actor, in, Provenance{System: ImportSystem, SourceID: sourceID})
		var already errAlreadyImported
		switch {
		case err == nil:
			return Imported, nil
		case errors.As(err, &already):
			return Skipped, nil
		case model.ErrorCode(err) != model.CodeInternal:
			return Rejected, err
		}
		return Rejected, err
	}
	var seen bool
	err := s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM clients WHERE municipality_code = $1 AND source_system = $2 AND source_id = $3`,
			in.Municipality, ImportSystem, sourceID).Scan(&n); err != nil {
			return err
		}
		seen = n > 0
		return nil
	})
	if err != nil || seen {
		return Skipped, err
	}
	n, err := in.Normalize(s.Today())
	if err != nil {
		return Rejected, err
	}
	if _, ok := s.ref.Municipality(n.Municipality); !ok {
		return Rejected, &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "municipality", Code: model.FieldUnknownMunicipality}}}
	}
	var muni string
	err = s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT municipality_code FROM clients WHERE personal_identity_code = $1 OR uma_number = $2 LIMIT 1`,
			nullable(n.PersonalIdentityCode), nullable(n.UMANumber)).Scan(&muni)
	})
	if err == nil {
		return Rejected, duplicateError(muni)
	}
	if !isNoRows(err) {
		return Rejected, err
	}
	return Imported, nil
}

// RecordImportRun writes the audit event of a whole import run.
func (s *Store) RecordImportRun(ctx context.Context, actor Actor, muni string, imported, skipped, rejected int, dryRun bool) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		e := actor.event(authz.ImportRun, audit.Allowed)
		e.Municipality = muni
		e.Detail = "imported=" + strconv.Itoa(imported) + " skipped=" + strconv.Itoa(skipped) + " rejected=" + strconv.Itoa(rejected)
		if dryRun {
			e.Detail += " dry-run"
		}
		return s.record(ctx, tx, e)
	})
}

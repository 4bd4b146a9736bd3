package store

import (
	"context"
	"database/sql"
	"slices"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// UndoClientMerge undoes a merge within MergeUndoPeriod of it (by the
// database's clock), for either record's municipality's main user or
// KEHA-keskus' admin: the merged record comes back as it was, with the rows
// the merge moved, and the survivor gets back its identifiers. Records made
// on the survivor after the merge stay there (reviews of a moved plan go
// back with the plan). Audited as client.merge_undo.
func (s *Store) UndoClientMerge(ctx context.Context, actor Actor, id string) (ClientMerge, error) {
	var out ClientMerge
	err := s.inScopeTx(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		m, ev, err := s.loadMerge(ctx, tx, actor, authz.ClientMergeUndo, id)
		if err != nil {
			return err
		}
		if m.state != "merged" {
			return model.Errorf(model.CodeConflict, "the merge is %s", m.state)
		}
		dbNow, err := tx.Now(ctx)
		if err != nil {
			return err
		}
		if !m.undoUntil.Valid || dbNow.After(m.undoUntil.Time) {
			ev.Detail += " undo period over"
			return s.deny(ctx, tx, ev, &model.Error{Code: model.CodeUndoPeriodOver, Detail: "a merge can be undone for 30 days"})
		}
		if err := restoreMerged(ctx, tx, m); err != nil {
			return err
		}
		org := ""
		if actor.Principal != nil {
			org = actor.Principal.OrganisationID
		}
		m.state, m.undoneAt, m.undoneBy = "undone", sql.NullTime{Time: s.Now(), Valid: true}, sql.NullString{String: org, Valid: true}
		if _, err := tx.Exec(ctx, `UPDATE client_merges SET state = 'undone', undone_at = $2, undone_by = $3, undone_by_organisation = $4
			WHERE id = $1`, m.id, m.undoneAt.Time, actor.accountID(), org); err != nil {
			return err
		}
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		out, err = s.mergeView(ctx, tx, actor, m)
		return err
	})
	return out, err
}

// restoreMerged puts back what mergeRecords did: the survivor's
// identifiers (and its updated_at, unless it changed since), the merged
// record's row and the rows moved; then forgets the snapshot and moves.
func restoreMerged(ctx context.Context, tx *db.Tx, m mergeRow) error {
	keep, gone := m.kept()
	if _, err := tx.Exec(ctx, `UPDATE clients SET personal_identity_code = $2, uma_number = $3,
		updated_at = CASE WHEN updated_at = $4 THEN $5 ELSE updated_at END WHERE id = $1`,
		keep, m.picBefore, m.umaBefore, m.decidedAt, m.updatedBefore); err != nil {
		return err
	}
	cols, err := clientColumnList(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO clients (`+cols+`) SELECT `+cols+` FROM client_merge_snapshots WHERE merge_id = $1`, m.id); err != nil {
		return err
	}
	moved := func(table string) string {
		return `(SELECT row_id FROM client_merge_moves WHERE merge_id = $3 AND table_name = '` + table + `')`
	}
	for _, t := range append(slices.Clone(mergedTables), "client_legal_holds") {
		idCol := "id"
		if t == "client_legal_holds" {
			idCol = "client_id"
		}
		q := `UPDATE ` + t + ` SET client_id = $1 WHERE client_id = $2 AND CAST(` + idCol + ` AS text) IN ` + moved(t)
		if t == "client_legal_holds" {
			q = `UPDATE client_legal_holds SET client_id = $1 WHERE client_id = $2 AND EXISTS (SELECT 1 FROM client_merge_moves
				WHERE merge_id = $3 AND table_name = 'client_legal_holds')`
		}
		if _, err := tx.Exec(ctx, q, gone, keep, m.id); err != nil {
			return err
		}
	}
	// Reviews recorded after the merge follow their plan back.
	if _, err := tx.Exec(ctx, `UPDATE plan_reviews SET client_id = $1 WHERE client_id = $2 AND CAST(plan_id AS text) IN `+moved("plans"),
		gone, keep, m.id); err != nil {
		return err
	}
	if err := restoreResponsibleWorkers(ctx, tx, m); err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM client_merge_moves WHERE merge_id = $1`, `DELETE FROM client_merge_snapshots WHERE merge_id = $1`} {
		if _, err := tx.Exec(ctx, q, m.id); err != nil {
			return err
		}
	}
	return nil
}

// mergeView is a merge as the actor sees it: who the records are only for
// the municipalities whose merges the actor reads (KEHA-keskus: both), and
// what the actor may do now.
func (s *Store) mergeView(ctx context.Context, tx *db.Tx, actor Actor, m mergeRow) (ClientMerge, error) {
	keep, gone := m.kept()
	out := ClientMerge{ID: m.id, State: m.state, SurvivorClientID: keep, MergedClientID: gone, RequestedAt: m.requestedAt.UTC(),
		RequestedBy: m.requestedBy, DecidedAt: timePtr(m.decidedAt), DecidedBy: ptr(m.decidedBy), UndoUntil: timePtr(m.undoUntil),
		UndoneAt: timePtr(m.undoneAt), UndoneBy: ptr(m.undoneBy), Actions: []string{}}
	seeA, seeB := mergeSides(actor.Principal, authz.ClientMergeRead, m)
	for _, r := range []struct {
		id, muni, side string
		see            bool
	}{{m.a, m.muniA, "requesting", seeA}, {m.b, m.muniB, "other", seeB}} {
		rec := MergeRecord{ClientID: r.id, Municipality: r.muni, Side: r.side, Survives: r.id == keep}
		if r.see {
			p, err := mergePerson(ctx, tx, m.id, r.id)
			if err != nil {
				return out, err
			}
			rec.Person = p
		}
		out.Records = append(out.Records, rec)
	}
	switch m.state {
	case "requested":
		decideA, decideB := mergeSides(actor.Principal, authz.ClientMergeDecide, m)
		if decideB {
			out.Actions = append(out.Actions, "approve")
		}
		if decideA || decideB {
			out.Actions = append(out.Actions, "refuse")
		}
	case "merged":
		dbNow, err := tx.Now(ctx)
		if err != nil {
			return out, err
		}
		if a, b := mergeSides(actor.Principal, authz.ClientMergeUndo, m); (a || b) && m.undoUntil.Valid && !dbNow.After(m.undoUntil.Time) {
			out.Actions = append(out.Actions, "undo")
		}
	}
	return out, nil
}

// mergePerson says who a record of a merge is: from the register, or from
// the merge's snapshot when the record was merged away (nil: removed since).
func mergePerson(ctx context.Context, tx *db.Tx, mergeID, clientID string) (*ClientSummary, error) {
	var c ClientSummary
	err := tx.QueryRow(ctx, `SELECT id, municipality_code, first_names, last_name, date_of_birth, service_language FROM clients WHERE id = $1
		UNION ALL SELECT id, municipality_code, first_names, last_name, date_of_birth, service_language FROM client_merge_snapshots
		WHERE merge_id = $2 AND id = $1`, clientID, mergeID).Scan(&c.ID, &c.Municipality, &c.FirstNames, &c.LastName, &c.DateOfBirth, &c.ServiceLanguage)
	if isNoRows(err) {
		return nil, nil
	}
	return &c, err
}

// ClientMerges lists the merges the actor may read, newest first: a main
// user's those of the own municipality's records, KEHA-keskus' admin's
// all. Audited as client.merge_read with the number shown and the records
// whose person it shows.
func (s *Store) ClientMerges(ctx context.Context, actor Actor) ([]ClientMerge, error) {
	out := []ClientMerge{}
	err := s.inScopeTx(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		ev := actor.event(authz.ClientMergeRead, audit.Allowed)
		p := actor.Principal
		if p != nil && !p.Allowed(authz.ClientMergeRead, "").Allowed {
			return s.deny(ctx, tx, ev, model.ErrForbidden)
		}
		where, args := ``, []any{}
		if p != nil && !slices.ContainsFunc(authz.Rules[authz.ClientMergeRead].NationalRoles, p.HasRole) {
			where, args = `WHERE municipality_a = $1 OR municipality_b = $1`, []any{p.OrgCode}
			ev.Municipality = p.OrgCode
		}
		var rows []mergeRow
		if err := queryEach(ctx, tx, `SELECT `+mergeColumns+` FROM client_merges `+where+` ORDER BY requested_at DESC, id LIMIT 500`, args,
			func(r *sql.Rows) error {
				m, err := scanMerge(r)
				rows = append(rows, m)
				return err
			}); err != nil {
			return err
		}
		for _, m := range rows {
			v, err := s.mergeView(ctx, tx, actor, m)
			if err != nil {
				return err
			}
			out = append(out, v)
			for _, r := range v.Records {
				if r.Person != nil {
					ev.ClientIDs = append(ev.ClientIDs, r.ClientID)
				}
			}
		}
		n := len(out)
		ev.ResultCount = &n
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// ClientMergeByID reads one merge the actor may read; any other is not
// found. Audited as client.merge_read naming both records.
func (s *Store) ClientMergeByID(ctx context.Context, actor Actor, id string) (ClientMerge, error) {
	var out ClientMerge
	err := s.inScopeTx(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		m, ev, err := s.loadMerge(ctx, tx, actor, authz.ClientMergeRead, id)
		if err != nil {
			return err
		}
		if out, err = s.mergeView(ctx, tx, actor, m); err != nil {
			return err
		}
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// mergedInto is the record that client id cid was merged into (a merge
// not undone), or "". The transaction's scope must be national.
func mergedInto(ctx context.Context, tx *db.Tx, cid string) (string, error) {
	var keep string
	err := tx.QueryRow(ctx, `SELECT CASE WHEN survivor = 'a' THEN client_a ELSE client_b END FROM client_merges
		WHERE state = 'merged' AND ((survivor = 'a' AND client_b = $1) OR (survivor = 'b' AND client_a = $1))`, cid).Scan(&keep)
	if isNoRows(err) {
		return "", nil
	}
	return keep, err
}

// refuseMerged answers an action on a client id that was merged away: when
// the actor may read the surviving record, a client_merged error naming it
// (a read is redirected there), recorded as an allowed event on the old id
// with detail "merged_into=ID"; otherwise nil (the caller answers not found).
func (s *Store) refuseMerged(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, cid string, mayRead func(keep string) bool) error {
	var keep string
	if err := s.national(ctx, tx, actor, func() (err error) {
		keep, err = mergedInto(ctx, tx, cid)
		return err
	}); err != nil || keep == "" || !mayRead(keep) {
		return err
	}
	ev := actor.event(action, audit.Allowed)
	ev.ClientID, ev.Detail = cid, "merged_into="+keep
	if err := s.record(ctx, tx, ev); err != nil {
		return err
	}
	return deniedError{&model.Error{Code: model.CodeClientMerged, MergedInto: keep, Detail: "the client was merged into another record"}}
}

// readsClient says whether the actor may read client id (grantFilter),
// in the actor's scope.
func (s *Store) readsClient(ctx context.Context, tx *db.Tx, actor Actor, id string) bool {
	var g sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT (`+grantFilter(authz.ClientRead, "$2", "$3")+` LIMIT 1) FROM clients c WHERE c.id = $1`,
		id, actor.Principal.AccountID, s.Today()).Scan(&g)
	return err == nil && g.Valid
}

// responsibleFor says whether the actor may perform action in the
// municipality responsible for client id.
func (s *Store) responsibleFor(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, id string) bool {
	var muni string
	err := s.national(ctx, tx, actor, func() error {
		return tx.QueryRow(ctx, `SELECT municipality_code FROM clients WHERE id = $1`, id).Scan(&muni)
	})
	return err == nil && (actor.Principal == nil || actor.Principal.Allowed(action, muni).Allowed)
}

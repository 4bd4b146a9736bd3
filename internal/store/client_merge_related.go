package store

import (
	"context"
	"database/sql"

	"github.com/kotodigi/kotodigi/internal/db"
)

// The merged record's responsible workers are noted in client_merge_moves
// under two names: its own set (for the undo to give back exactly) and
// those the survivor did not have (moved to the survivor; the undo takes
// them away again).
const (
	movedWorkers = "client_responsible_workers"
	addedWorkers = "client_responsible_workers_added"
)

// mergeResponsibleWorkers gives the survivor the union of both records'
// responsible workers (a worker both had is kept once, as the survivor had
// it) and removes the merged record's own.
func mergeResponsibleWorkers(ctx context.Context, tx *db.Tx, mergeID, gone, keep string) error {
	steps := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO client_merge_moves (merge_id, table_name, row_id) SELECT m.id, '` + movedWorkers + `', CAST(w.account_id AS text)
			FROM client_responsible_workers w, client_merges m WHERE w.client_id = $1 AND m.id = $2`, []any{gone, mergeID}},
		{`INSERT INTO client_merge_moves (merge_id, table_name, row_id) SELECT m.id, '` + addedWorkers + `', CAST(w.account_id AS text)
			FROM client_responsible_workers w, client_merges m WHERE w.client_id = $1 AND m.id = $2 AND NOT EXISTS (
			SELECT 1 FROM client_responsible_workers k WHERE k.client_id = $3 AND k.account_id = w.account_id)`, []any{gone, mergeID, keep}},
		{`UPDATE client_responsible_workers SET client_id = $1 WHERE client_id = $2 AND CAST(account_id AS text) IN (
			SELECT row_id FROM client_merge_moves WHERE merge_id = $3 AND table_name = '` + addedWorkers + `')`, []any{keep, gone, mergeID}},
		{`DELETE FROM client_responsible_workers WHERE client_id = $1`, []any{gone}},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
			return err
		}
	}
	return nil
}

// restoreResponsibleWorkers gives the restored record back exactly its own
// responsible workers: those the merge added to the survivor move back
// (taken away from the survivor); those both had are copied back as the
// survivor has them (or assigned now, if the survivor no longer has them).
func restoreResponsibleWorkers(ctx context.Context, tx *db.Tx, m mergeRow) error {
	keep, gone := m.kept()
	own := `SELECT row_id FROM client_merge_moves WHERE merge_id = $3 AND table_name = '` + movedWorkers + `'`
	steps := []struct {
		q    string
		args []any
	}{
		{`UPDATE client_responsible_workers SET client_id = $1 WHERE client_id = $2 AND CAST(account_id AS text) IN (
			SELECT row_id FROM client_merge_moves WHERE merge_id = $3 AND table_name = '` + addedWorkers + `')`, []any{gone, keep, m.id}},
		{`INSERT INTO client_responsible_workers (client_id, account_id, assigned_at, assigned_by)
			SELECT c.id, k.account_id, k.assigned_at, k.assigned_by FROM client_responsible_workers k, clients c
			WHERE c.id = $1 AND k.client_id = $2 AND CAST(k.account_id AS text) IN (` + own + `) AND NOT EXISTS (
			SELECT 1 FROM client_responsible_workers g WHERE g.client_id = $1 AND g.account_id = k.account_id)`, []any{gone, keep, m.id}},
		// Corrections recorded since follow their record back.
		{`UPDATE case_record_versions SET client_id = $1 WHERE client_id = $2 AND (
			(record_kind = 'assessment' AND CAST(record_id AS text) IN (SELECT CAST(id AS text) FROM assessments WHERE client_id = $1)) OR
			(record_kind = 'plan' AND CAST(record_id AS text) IN (SELECT CAST(id AS text) FROM plans WHERE client_id = $1)) OR
			(record_kind = 'review' AND CAST(record_id AS text) IN (SELECT CAST(id AS text) FROM plan_reviews WHERE client_id = $1)) OR
			(record_kind = 'service' AND CAST(record_id AS text) IN (SELECT CAST(id AS text) FROM services WHERE client_id = $1)))`, []any{gone, keep}},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
			return err
		}
	}
	return reassignLostWorkers(ctx, tx, m.id, gone)
}

// reassignLostWorkers assigns again, as of now, the restored record's own
// responsible workers the survivor no longer had at the undo.
func reassignLostWorkers(ctx context.Context, tx *db.Tx, mergeID, gone string) error {
	rows, err := tx.Query(ctx, `SELECT a.id FROM accounts a WHERE CAST(a.id AS text) IN (
		SELECT row_id FROM client_merge_moves WHERE merge_id = $1 AND table_name = '`+movedWorkers+`') AND NOT EXISTS (
		SELECT 1 FROM client_responsible_workers g WHERE g.client_id = $2 AND g.account_id = a.id)`, mergeID, gone)
	if err != nil {
		return err
	}
	var lost []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		lost = append(lost, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now, err := tx.Now(ctx)
	if err != nil {
		return err
	}
	for _, id := range lost {
		if _, err := tx.Exec(ctx, `INSERT INTO client_responsible_workers (client_id, account_id, assigned_at) VALUES ($1, $2, $3)`,
			gone, id, now); err != nil {
			return err
		}
	}
	return nil
}

// withMerged is id and the ids of the records merged into it (and into
// those) while the merges stand: the audit events recorded under them are
// the person's too (subject access report, "who has seen").
func withMerged(ctx context.Context, tx *db.Tx, id string) ([]string, error) {
	ids := []string{id}
	for i := 0; i < len(ids) && i < 100; i++ {
		err := queryEach(ctx, tx, `SELECT CASE WHEN survivor = 'a' THEN client_b ELSE client_a END FROM client_merges
			WHERE state = 'merged' AND CASE WHEN survivor = 'a' THEN client_a ELSE client_b END = $1`, []any{ids[i]}, func(r *sql.Rows) error {
			var gone string
			err := r.Scan(&gone)
			ids = append(ids, gone)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

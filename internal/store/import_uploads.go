package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// States of an uploaded import file: checking (the dry run waits or runs),
// checked (the dry-run report waits for the main user), queued (confirmed),
// running, done, failed (a bad file, or the job could not finish), discarded.
const (
	UploadChecking  = "checking"
	UploadChecked   = "checked"
	UploadQueued    = "queued"
	UploadRunning   = "running"
	UploadDone      = "done"
	UploadFailed    = "failed"
	UploadDiscarded = "discarded"
)

// UploadRetention is how long an upload's reports and reject file are kept.
const UploadRetention = 7 * 24 * time.Hour

// NewImportUpload is a file a main user uploads to import.
type NewImportUpload struct {
	Municipality  string
	Kind          string
	Format        string // csv or xlsx, from the file's name
	Content       []byte
	Mapping       string
	SourceSystem  string
	AcceptExpired bool
}

// ImportUpload is an upload as its page shows it: no file content. The
// reports are JSON with codes only.
type ImportUpload struct {
	ID, Municipality, Kind, Format, SourceSystem, State string
	AcceptExpired                                       bool
	RowsDone, RowsTotal                                 int
	CheckReport, Report, Error                          string
	HasRejects                                          bool
	CreatedAt, UpdatedAt                                time.Time
}

// importInMunicipality runs fn in a transaction scoped to muni after checking that
// the actor may manage imports there (a denied attempt is audited).
func (s *Store) importInMunicipality(ctx context.Context, actor Actor, muni string, fn func(tx *db.Tx, ev audit.Event) error) error {
	return s.inScopeTx(ctx, db.ScopeOf([]string{muni}), func(tx *db.Tx) error {
		ev, err := s.authorizeMunicipal(ctx, tx, actor, authz.ImportManage, muni)
		if err != nil {
			return err
		}
		return fn(tx, ev)
	})
}

// CreateImportUpload stores an uploaded file to be checked by the import
// job, and audits the upload (import.manage, with its kind and size).
func (s *Store) CreateImportUpload(ctx context.Context, actor Actor, in NewImportUpload) (string, error) {
	if actor.Principal == nil {
		return "", model.ErrForbidden
	}
	if _, ok := s.ref.Municipality(in.Municipality); !ok {
		return "", model.ErrNotFound
	}
	if in.SourceSystem == "" {
		in.SourceSystem = ImportSystem
	}
	id := uuid.NewString()
	err := s.importInMunicipality(ctx, actor, in.Municipality, func(tx *db.Tx, ev audit.Event) error {
		now := s.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO import_uploads (id, municipality_code, kind, format, content, mapping, source_system,
			accept_expired, state, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			id, in.Municipality, in.Kind, in.Format, in.Content, nullIfEmpty(in.Mapping), in.SourceSystem, in.AcceptExpired,
			UploadChecking, actor.Principal.AccountID, now); err != nil {
			return err
		}
		ev.Detail = "upload=" + id + " kind=" + in.Kind + " bytes=" + strconv.Itoa(len(in.Content)) + " uploaded"
		return s.record(ctx, tx, ev)
	})
	return id, err
}

const uploadColumns = `id, municipality_code, kind, format, source_system, state, accept_expired, rows_done, rows_total,
	COALESCE(check_report, ''), COALESCE(report, ''), COALESCE(error, ''), rejects IS NOT NULL, created_at, updated_at`

func scanUpload(r interface{ Scan(...any) error }) (ImportUpload, error) {
	var u ImportUpload
	err := r.Scan(&u.ID, &u.Municipality, &u.Kind, &u.Format, &u.SourceSystem, &u.State, &u.AcceptExpired, &u.RowsDone, &u.RowsTotal,
		&u.CheckReport, &u.Report, &u.Error, &u.HasRejects, &u.CreatedAt, &u.UpdatedAt)
	return u, err
}

// ImportUploads lists the municipality's uploads, newest first (the
// reports left out).
func (s *Store) ImportUploads(ctx context.Context, actor Actor, muni string) ([]ImportUpload, error) {
	var out []ImportUpload
	err := s.importInMunicipality(ctx, actor, muni, func(tx *db.Tx, _ audit.Event) error {
		return queryEach(ctx, tx, `SELECT `+uploadColumns+` FROM import_uploads WHERE municipality_code = $1 AND state <> $2
			ORDER BY created_at DESC, id LIMIT 50`, []any{muni, UploadDiscarded}, func(r *sql.Rows) error {
			u, err := scanUpload(r)
			u.CheckReport, u.Report = "", ""
			out = append(out, u)
			return err
		})
	})
	return out, err
}

// ImportUploadByID returns one of the municipality's uploads.
func (s *Store) ImportUploadByID(ctx context.Context, actor Actor, muni, id string) (ImportUpload, error) {
	var u ImportUpload
	err := s.importInMunicipality(ctx, actor, muni, func(tx *db.Tx, _ audit.Event) error {
		var err error
		u, err = scanUpload(tx.QueryRow(ctx, `SELECT `+uploadColumns+` FROM import_uploads
			WHERE id = $1 AND municipality_code = $2 AND state <> $3`, id, muni, UploadDiscarded))
		if isNoRows(err) {
			return model.ErrNotFound
		}
		return err
	})
	return u, err
}

// ConfirmImportUpload queues a checked upload for import, or discards it
// (its file and reject file are removed at once); audited.
func (s *Store) ConfirmImportUpload(ctx context.Context, actor Actor, muni, id string, confirm bool) error {
	return s.importInMunicipality(ctx, actor, muni, func(tx *db.Tx, ev audit.Event) error {
		q := `UPDATE import_uploads SET state = $1, confirmed_by = $2, updated_at = $3 WHERE id = $4 AND municipality_code = $5 AND state = $6`
		args := []any{UploadQueued, actor.accountID(), s.Now(), id, muni, UploadChecked}
		ev.Detail = "upload=" + id + " confirmed"
		if !confirm {
			q = `UPDATE import_uploads SET state = $1, content = NULL, rejects = NULL, mapping = NULL, updated_at = $2
				WHERE id = $3 AND municipality_code = $4 AND state IN ($5, $6, $7)`
			args = []any{UploadDiscarded, s.Now(), id, muni, UploadChecked, UploadDone, UploadFailed}
			ev.Detail = "upload=" + id + " discarded"
		}
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM import_uploads WHERE id = $1 AND municipality_code = $2)`,
				id, muni).Scan(&exists); err != nil || !exists {
				return cmpErr(err, model.ErrNotFound)
			}
			return model.Errorf(model.CodeConflict, "the upload is not waiting for this")
		}
		return s.record(ctx, tx, ev)
	})
}

// ImportUploadRejects returns the reject file of an upload (the rejected
// rows in the file's own format: personal data); the download is audited.
func (s *Store) ImportUploadRejects(ctx context.Context, actor Actor, muni, id string) ([]byte, string, error) {
	var body []byte
	var format string
	err := s.importInMunicipality(ctx, actor, muni, func(tx *db.Tx, ev audit.Event) error {
		err := tx.QueryRow(ctx, `SELECT rejects, format FROM import_uploads WHERE id = $1 AND municipality_code = $2
			AND rejects IS NOT NULL AND state <> $3`, id, muni, UploadDiscarded).Scan(&body, &format)
		if isNoRows(err) {
			return model.ErrNotFound
		}
		if err != nil {
			return err
		}
		ev.Detail = "upload=" + id + " rejects downloaded"
		return s.record(ctx, tx, ev)
	})
	return body, format, err
}

// UploadJob is an upload leased by the import job: what it needs to run.
type UploadJob struct {
	ID, Municipality, Kind, Format, SourceSystem, Mapping string
	AcceptExpired                                         bool
	// DryRun: the upload is to be checked; otherwise imported.
	DryRun bool
	// Account is who uploaded it (a check) or confirmed it (an import):
	// the job acts as that main user, whose rights are checked again.
	Account int64
	Content []byte
}

// LeaseImportUpload takes the oldest upload that waits to be checked or
// imported, or whose job's lease ran out (its server stopped: the import is
// run again, and the re-run rule skips what was stored), for this instance
// for lease. It returns false when there is none.
func (s *Store) LeaseImportUpload(ctx context.Context, instance string, lease time.Duration) (UploadJob, bool, error) {
	var j UploadJob
	now := s.Now()
	err := s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		var state, mapping sql.NullString
		var confirmed sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT id, municipality_code, kind, format, source_system, mapping, accept_expired, state, created_by,
			confirmed_by, content FROM import_uploads WHERE state IN ($1, $2, $3) AND (lease_until IS NULL OR lease_until < $4)
			ORDER BY created_at, id LIMIT 1`, UploadChecking, UploadQueued, UploadRunning, now).Scan(&j.ID, &j.Municipality, &j.Kind,
			&j.Format, &j.SourceSystem, &mapping, &j.AcceptExpired, &state, &j.Account, &confirmed, &j.Content)
		if err != nil {
			return err
		}
		j.Mapping, j.DryRun = mapping.String, state.String == UploadChecking
		next := UploadChecking
		if !j.DryRun {
			j.Account, next = confirmed.Int64, UploadRunning
		}
		res, err := tx.Exec(ctx, `UPDATE import_uploads SET state = $1, lease_owner = $2, lease_until = $3, updated_at = $4
			WHERE id = $5 AND (lease_until IS NULL OR lease_until < $4)`, next, instance, now.Add(lease), now, j.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sql.ErrNoRows // another instance took it
		}
		return nil
	})
	if isNoRows(err) {
		return j, false, nil
	}
	return j, err == nil, err
}

// ImportUploadProgress records the rows done and extends the lease; it
// returns false when this instance no longer holds the upload.
func (s *Store) ImportUploadProgress(ctx context.Context, j UploadJob, instance string, lease time.Duration, done, total int) (bool, error) {
	var n int64
	err := s.db.InScope(ctx, db.ScopeOf([]string{j.Municipality}), func(tx *db.Tx) error {
		now := s.Now()
		res, err := tx.Exec(ctx, `UPDATE import_uploads SET rows_done = $1, rows_total = $2, lease_until = $3, updated_at = $4
			WHERE id = $5 AND lease_owner = $6`, done, total, now.Add(lease), now, j.ID, instance)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}

// UploadResult is how an upload's job ended.
type UploadResult struct {
	// Report is the JSON report (codes only); Rejects the reject file.
	Report  string
	Rejects []byte
	// Error is why the job failed (a file error's code, or a safe
	// description); empty when it ran to its end.
	Error string
}

// FinishImportUpload records the end of a check (the upload waits for
// confirmation) or of an import (its file is removed), or a failure (the
// file is removed too); the lease is released.
func (s *Store) FinishImportUpload(ctx context.Context, j UploadJob, instance string, r UploadResult) error {
	return s.db.InScope(ctx, db.ScopeOf([]string{j.Municipality}), func(tx *db.Tx) error {
		state, column, keep := UploadDone, "report", false
		switch {
		case r.Error != "":
			state, column = UploadFailed, "report"
		case j.DryRun:
			state, column, keep = UploadChecked, "check_report", true
		}
		q := `UPDATE import_uploads SET state = $1, ` + column + ` = $2, rejects = $3, error = $4, updated_at = $5,
			lease_owner = NULL, lease_until = NULL`
		if !keep {
			q += `, content = NULL`
		}
		_, err := tx.Exec(ctx, q+` WHERE id = $6 AND lease_owner = $7`, state, nullIfEmpty(r.Report), r.Rejects, nullIfEmpty(r.Error),
			s.Now(), j.ID, instance)
		return err
	})
}

// PurgeImportUploads deletes the uploads (with their reports and reject
// files) last changed before UploadRetention ago and no longer in work.
func (s *Store) PurgeImportUploads(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM import_uploads WHERE updated_at < $1 AND state IN ($2, $3, $4, $5)`,
			s.Now().Add(-UploadRetention), UploadChecked, UploadDone, UploadFailed, UploadDiscarded)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}

// cmpErr is err, or fallback when err is nil.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

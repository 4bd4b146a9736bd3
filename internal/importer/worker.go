package importer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
)

// Worker checks and imports the files main users upload in the web UI, as
// a background job of every server instance: an upload is leased, so that
// one instance works on it at a time and another takes it up when its
// server stopped (the import is run again from the file's start; the re-run
// rule skips what was stored). The file is written to a private temporary
// directory for the run and removed with it.
type Worker struct {
	Store *store.Store
	Log   *slog.Logger
	// Lease is how long an upload stays with this instance without a sign
	// of progress (default 2 minutes); progress extends it.
	Lease time.Duration
	// Poll is how often the worker looks for uploads (default 2 s).
	Poll     time.Duration
	instance string
}

func (w *Worker) defaults() {
	if w.Lease <= 0 {
		w.Lease = 2 * time.Minute
	}
	if w.Poll <= 0 {
		w.Poll = 2 * time.Second
	}
	if w.instance == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		w.instance = hex.EncodeToString(b)
	}
}

// Loop works until ctx ends.
func (w *Worker) Loop(ctx context.Context) {
	w.defaults()
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	purged := time.Time{}
	for {
		for {
			did, err := w.RunOne(ctx)
			if err != nil && ctx.Err() == nil {
				w.Log.Error("import upload job failed", "error", db.DescribeError(err))
			}
			if !did || err != nil {
				break
			}
		}
		if time.Since(purged) > time.Hour {
			if _, err := w.Store.PurgeImportUploads(ctx); err != nil && ctx.Err() == nil {
				w.Log.Error("import uploads not purged", "error", db.DescribeError(err))
			}
			purged = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOne checks or imports one waiting upload; it returns false when none
// waits.
func (w *Worker) RunOne(ctx context.Context) (bool, error) {
	w.defaults()
	job, ok, err := w.Store.LeaseImportUpload(ctx, w.instance, w.Lease)
	if err != nil || !ok {
		return false, err
	}
	res, err := w.run(ctx, job)
	if err != nil {
		if ctx.Err() != nil {
			return true, err // the server stops: another run takes it up
		}
		res = store.UploadResult{Error: failure(err)}
	}
	return true, w.Store.FinishImportUpload(context.WithoutCancel(ctx), job, w.instance, res)
}

// failure is why a job failed, without personal data: a bad file's code,
// or a domain error's code.
func failure(err error) string {
	var fe *FileError
	if errors.As(err, &fe) {
		return "file:" + fe.Code
	}
	var me *model.Error
	if errors.As(err, &me) {
		return me.Code
	}
	return model.CodeInternal
}

// run writes the upload to a private temporary directory and runs the
// check or the import as the main user who asked for it.
func (w *Worker) run(ctx context.Context, job store.UploadJob) (store.UploadResult, error) {
	p, err := w.Store.PrincipalByAccountID(ctx, job.Account)
	if err != nil {
		return store.UploadResult{}, err
	}
	if !p.Allowed(authz.ImportManage, job.Municipality).Allowed {
		return store.UploadResult{}, model.ErrForbidden
	}
	dir, err := os.MkdirTemp("", "kotodigi-import-")
	if err != nil {
		return store.UploadResult{}, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "upload."+job.Format)
	if err := os.WriteFile(in, job.Content, 0o600); err != nil {
		return store.UploadResult{}, err
	}
	cfg := Config{Kind: job.Kind, Municipality: job.Municipality, SourceSystem: job.SourceSystem, DryRun: job.DryRun,
		AcceptExpiredResidence: job.AcceptExpired, Open: Options{TempDir: dir}, RejectsPath: filepath.Join(dir, "rejects."+job.Format)}
	if job.Mapping != "" {
		if cfg.Mapping, err = ParseMapping(strings.NewReader(job.Mapping)); err != nil {
			return store.UploadResult{}, err
		}
	}
	last := time.Time{}
	var lost error
	cfg.Progress = func(done, total int) {
		if time.Since(last) < time.Second && done < total {
			return
		}
		last = time.Now()
		if held, err := w.Store.ImportUploadProgress(ctx, job, w.instance, w.Lease, done, total); err == nil && !held {
			lost = errors.New("the upload's lease was lost")
		}
	}
	rep, err := Run(ctx, w.Store, store.Actor{Principal: p, Meta: store.RequestMeta{RequestID: "import-" + job.ID}}, in, cfg)
	if err == nil {
		err = lost
	}
	if err != nil {
		return store.UploadResult{}, err
	}
	var res store.UploadResult
	b, err := json.Marshal(rep)
	if err != nil {
		return res, err
	}
	res.Report = string(b)
	if rep.Rejected > 0 {
		if res.Rejects, err = os.ReadFile(cfg.RejectsPath); err != nil {
			return res, err
		}
	}
	return res, nil
}

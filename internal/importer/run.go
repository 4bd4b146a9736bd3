package importer

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
)

// DefaultBatch is how many rows are checked and stored together: each batch
// is one transaction, wholly stored or not at all.
const DefaultBatch = 2000

// Config is one import run.
type Config struct {
	Kind         string
	Municipality string
	SourceSystem string
	DryRun       bool
	// AcceptExpiredResidence imports clients whose residence basis has
	// expired (on the worklist as "residence basis to update").
	AcceptExpiredResidence bool
	Open                   Options
	Mapping                *Mapping
	BatchSize              int
	// RejectsPath, when set, is where the rejected rows are written in the
	// file's own format.
	RejectsPath string
	// Progress is told the rows done and the rows in all after each batch.
	Progress func(done, total int)
	// OnReject is told each rejected row with the domain error that
	// rejected it (for messages; nil for a row that could not be read).
	OnReject func(r Rejection, err error)
}

// Run imports the file at path: it checks the whole file first (nothing is
// stored from a file that is not readable to its end), then reads it again
// and stores it batch by batch. Running the same file again skips what was
// stored, so a run killed at any moment is completed by running it again.
// The run is audited as one import.run event with its counts.
func Run(ctx context.Context, s *store.Store, actor store.Actor, path string, cfg Config) (*Report, error) {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatch
	}
	total, err := Check(path, cfg)
	if err != nil {
		return nil, err
	}
	t, err := Open(path, cfg.Open)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	cols, err := ResolveHeader(cfg.Kind, t.Header(), cfg.Mapping, t.Format())
	if err != nil {
		return nil, err
	}
	run := store.NewImportRun(cfg.Municipality, cfg.Kind, cfg.SourceSystem)
	run.DryRun, run.AcceptExpiredResidence = cfg.DryRun, cfg.AcceptExpiredResidence
	rep := &Report{Kind: cfg.Kind, Run: run.ID, Municipality: cfg.Municipality, SourceSystem: run.SourceSystem, DryRun: cfg.DryRun,
		Format: t.Format(), Rejections: []Rejection{}, Warnings: []Warning{}}
	r := &runner{s: s, actor: actor, cfg: cfg, cols: cols, run: &run, rep: rep, sources: map[[16]byte]bool{}, identities: map[[16]byte]bool{}}
	if cfg.RejectsPath != "" {
		if r.rejects, err = NewRejectWriter(cfg.RejectsPath, t.Format(), t.Header()); err != nil {
			return nil, err
		}
	}
	err = r.loop(ctx, t, total)
	if r.rejects != nil {
		if cerr := r.rejects.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return nil, err
	}
	rep.sort()
	counts := store.ImportCounts{Read: rep.Read, Imported: rep.Imported, Skipped: rep.Skipped, Rejected: rep.Rejected, Warnings: len(rep.Warnings)}
	if err := s.RecordImportRun(ctx, actor, run, counts); err != nil {
		return nil, err
	}
	return rep, nil
}

// Check reads the whole file once without storing anything: the header
// must suit the kind, and every row must be readable within the limits. It
// returns the number of rows.
func Check(path string, cfg Config) (int, error) {
	t, err := Open(path, cfg.Open)
	if err != nil {
		return 0, err
	}
	defer t.Close()
	if _, err := ResolveHeader(cfg.Kind, t.Header(), cfg.Mapping, t.Format()); err != nil {
		return 0, err
	}
	n := 0
	for {
		_, err := t.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		n++
	}
}

// runner is one run in progress.
type runner struct {
	s       *store.Store
	actor   store.Actor
	cfg     Config
	cols    *Columns
	run     *store.ImportRun
	rep     *Report
	rejects *RejectWriter
	// sources and identities seen in the file so far (hashed, so that memory
	// stays small and holds no identity codes).
	sources, identities map[[16]byte]bool
}

// pending is a batch being gathered: rows for the store, and each row's
// record, warnings and (if decided already) result.
type pending struct {
	recs     []Record
	rows     []store.ImportRow
	warnings [][]string
	decided  []*store.RowResult
}

// loop reads and converts the file in one goroutine while the batch
// before is being checked and stored in this one (the database and Go's own
// checks work at the same time); batches are stored in the file's order.
func (r *runner) loop(ctx context.Context, t Table, total int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *pending, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- r.read(ctx, t, batches)
	}()
	// Up to ImportConcurrency batches are stored at once; they are reported
	// in the file's order.
	var inflight []*flight
	finish := func() error {
		f := inflight[0]
		inflight = inflight[1:]
		if err := <-f.err; err != nil {
			return err
		}
		r.rep.Read += len(f.b.recs)
		for i, d := range f.b.decided {
			r.report(f.b.recs[i], *d, f.b.warnings[i])
		}
		if r.cfg.Progress != nil {
			r.cfg.Progress(r.rep.Read, total)
		}
		return nil
	}
	fail := func(err error) error {
		cancel()
		for range batches { // let the reader end
		}
		for _, f := range inflight {
			<-f.err
		}
		return err
	}
	most := r.s.ImportConcurrency(r.cfg.Kind)
	for b := range batches {
		f := &flight{b: b, err: make(chan error, 1)}
		if store.ImportSameLinkInOrder(r.cfg.Kind) {
			f.links = links(b)
			for len(inflight) > 0 && sharesLink(f.links, inflight) {
				if err := finish(); err != nil {
					return fail(err)
				}
			}
		}
		go func() { f.err <- r.store(ctx, f.b) }()
		inflight = append(inflight, f)
		if len(inflight) >= most {
			if err := finish(); err != nil {
				return fail(err)
			}
		}
	}
	for len(inflight) > 0 {
		if err := finish(); err != nil {
			return fail(err)
		}
	}
	return <-readErr
}

// links are the clients (client_source_id) the undecided rows of b link to.
func links(b *pending) map[string]bool {
	out := map[string]bool{}
	for i, row := range b.rows {
		if b.decided[i] == nil {
			out[row.Link] = true
		}
	}
	return out
}

// sharesLink reports whether a batch being stored links to one of the
// clients.
func sharesLink(clients map[string]bool, inflight []*flight) bool {
	for _, f := range inflight {
		for l := range clients {
			if f.links[l] {
				return true
			}
		}
	}
	return false
}

// flight is a batch being stored.
type flight struct {
	b     *pending
	links map[string]bool
	err   chan error
}

// read sends the file's rows in batches, the last one possibly short.
func (r *runner) read(ctx context.Context, t Table, out chan<- *pending) error {
	b := &pending{}
	send := func() error {
		select {
		case out <- b:
			b = &pending{}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		rec, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		r.add(b, rec)
		if len(b.rows) >= r.cfg.BatchSize {
			if err := send(); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if len(b.recs) == 0 {
		return nil
	}
	return send()
}

func hash(s string) [16]byte {
	sum := sha256.Sum256([]byte(s))
	return [16]byte(sum[:16])
}

// add converts a record and decides at once what needs no database: a row
// that cannot be read or converted, a source id seen before in the file
// (skipped, as on a re-run), a person seen before in the file (rejected).
func (r *runner) add(b *pending, rec Record) {
	b.recs = append(b.recs, rec)
	b.warnings = append(b.warnings, nil)
	b.decided = append(b.decided, nil)
	b.rows = append(b.rows, store.ImportRow{})
	i := len(b.recs) - 1
	if rec.Err != nil {
		b.decided[i] = &store.RowResult{Line: rec.Line, Outcome: store.Rejected, Reasons: []string{"malformed_row"},
			Err: model.Errorf(model.CodeBadRequest, "malformed CSV: %v", rec.Err)}
		return
	}
	row, warnings, err := r.cols.Convert(rec)
	b.rows[i], b.warnings[i] = row, warnings
	if err != nil {
		res := store.RowResult{Line: rec.Line, SourceID: row.SourceID, Outcome: store.Rejected, Err: err}
		for _, f := range err.(*model.Error).Fields {
			res.Reasons = append(res.Reasons, f.Field+":"+f.Code)
		}
		b.decided[i] = &res
		return
	}
	key := hash(row.SourceID)
	if r.sources[key] {
		b.decided[i] = &store.RowResult{Line: rec.Line, SourceID: row.SourceID, Outcome: store.Skipped}
		return
	}
	r.sources[key] = true
	if row.Client == nil {
		return
	}
	for _, id := range identityKeys(*row.Client) {
		if r.identities[hash(id)] {
			b.decided[i] = &store.RowResult{Line: rec.Line, SourceID: row.SourceID, Outcome: store.Rejected, Reasons: []string{store.ReasonDuplicateClient},
				Municipality: r.cfg.Municipality, Err: &model.Error{Code: model.CodeDuplicateClient, Municipality: r.cfg.Municipality,
					Detail: "the same person is on an earlier row of the file"}}
			return
		}
	}
	for _, id := range identityKeys(*row.Client) {
		r.identities[hash(id)] = true
	}
}

// identityKeys are a row's identities as the store will normalise them.
func identityKeys(f model.ClientFields) []string {
	n := model.ClientFields{}
	if f.PersonalIdentityCode != nil {
		if p, err := model.ParsePersonalIdentityCode(*f.PersonalIdentityCode); err == nil {
			n.PersonalIdentityCode = &p.Code
		}
	}
	if f.UMANumber != nil {
		if u, err := model.NormalizeUMA(*f.UMANumber); err == nil {
			n.UMANumber = &u
		}
	}
	return store.IdentityKeys(n)
}

// store sends the undecided rows of a batch to the store and keeps their
// results in the batch.
func (r *runner) store(ctx context.Context, b *pending) error {
	var rows []store.ImportRow
	var at []int
	for i, d := range b.decided {
		if d == nil {
			rows = append(rows, b.rows[i])
			at = append(at, i)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	results, err := r.s.ImportBatch(ctx, r.actor, r.run, rows)
	if err != nil {
		return err
	}
	for k, res := range results {
		b.decided[at[k]] = &res
	}
	return nil
}

// column names the file column of a reason FIELD:CODE given by the model's
// rules (residence_basis.first_permit_date → first_permit_date).
func column(reason string) string {
	field, code, ok := strings.Cut(reason, ":")
	if !ok {
		return reason
	}
	switch field {
	case "residence_basis":
		field = "residence_basis_type"
		if code == model.FieldResidenceBasisExpired {
			field = "residence_valid_until"
		}
	case "residence_basis.permanent":
		field = "residence_permanent"
	case "municipality":
		return reason
	}
	return modelField(field) + ":" + code
}

func columns(reasons []string) []string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = column(r)
	}
	return out
}

func (r *runner) report(rec Record, res store.RowResult, warnings []string) {
	res.Reasons, res.Warnings = columns(res.Reasons), columns(res.Warnings)
	switch res.Outcome {
	case store.Imported:
		r.rep.Imported++
		warnings = append(warnings, res.Warnings...)
		if len(warnings) > 0 {
			slices.Sort(warnings)
			r.rep.Warnings = append(r.rep.Warnings, Warning{Line: rec.Line, SourceID: res.SourceID, Codes: slices.Compact(warnings)})
		}
	case store.Skipped:
		r.rep.Skipped++
	case store.Rejected:
		r.rep.Rejected++
		rej := Rejection{Line: rec.Line, SourceID: res.SourceID, Reasons: res.Reasons, Municipality: res.Municipality}
		r.rep.Rejections = append(r.rep.Rejections, rej)
		if r.cfg.OnReject != nil {
			r.cfg.OnReject(rej, res.Err)
		}
		if r.rejects != nil {
			if err := r.rejects.Write(rec, res.Reasons); err != nil && r.cfg.OnReject != nil {
				r.cfg.OnReject(rej, err)
			}
		}
	}
}

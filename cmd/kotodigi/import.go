package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/importer"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

const importUsage = "usage: kotodigi import --municipality CODE [--kind clients|assessments|plans|reviews|services] [--dry-run] " +
	"[--report FILE] [--rejects FILE] [--mapping FILE] [--sheet NAME] [--source-system NAME] [--accept-expired-residence] FILE"

// importCmd is `kotodigi import`: data migration from a municipality's
// earlier system (R14; CONTRACT.md § 2 and § 3).
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("import", &c)
	muni := fs.String("municipality", "", "the importing municipality's 3-digit code")
	kind := fs.String("kind", store.KindClients, "what the file holds: "+strings.Join(store.ImportKinds, ", "))
	dry := fs.Bool("dry-run", false, "check the file and report without storing anything")
	reportPath := fs.String("report", "", "write the report (JSON: counts, rejections and warnings by reason code) to FILE")
	rejectsPath := fs.String("rejects", "", "write the rejected rows to FILE in the input's own format, to fix and import again")
	mappingPath := fs.String("mapping", "", "map other column names and code values (format in the README)")
	sheet := fs.String("sheet", "", "XLSX: the sheet to read (default: the first)")
	source := fs.String("source-system", store.ImportSystem, "the earlier system's name, kept with every record (provenance)")
	acceptExpired := fs.Bool("accept-expired-residence", false, "import clients whose residence basis has expired and list them on the worklist")
	batch := fs.Int("batch", importer.DefaultBatch, "rows stored in one transaction")
	fs.SetOutput(stderr)
	// Flags may come before or after FILE.
	var files []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if *muni == "" || len(files) != 1 {
		return errors.New(importUsage)
	}
	if _, ok := importer.Kinds[*kind]; !ok {
		return fmt.Errorf("unknown --kind %q (one of: %s)", *kind, strings.Join(store.ImportKinds, ", "))
	}
	cfg := importer.Config{Kind: *kind, Municipality: *muni, SourceSystem: strings.TrimSpace(*source), DryRun: *dry,
		AcceptExpiredResidence: *acceptExpired, Open: importer.Options{Sheet: *sheet}, BatchSize: *batch, RejectsPath: *rejectsPath}
	if *mappingPath != "" {
		f, err := os.Open(*mappingPath)
		if err != nil {
			return err
		}
		cfg.Mapping, err = importer.ParseMapping(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	if _, err := os.Stat(files[0]); err != nil {
		return err
	}
	s, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, ok := s.RefData().Municipality(*muni); !ok {
		return fmt.Errorf("unknown municipality %q", *muni)
	}
	cfg.OnReject = func(r importer.Rejection, err error) {
		msg := strings.Join(r.Reasons, " ")
		if err != nil {
			msg = rejectionMessage(err)
		}
		fmt.Fprintf(stderr, "line %d: %s\n", r.Line, msg)
	}
	progress := newProgress(stderr)
	cfg.Progress = progress.update
	actor := store.OperatorActor()
	actor.Operator = "import"
	rep, err := importer.Run(ctx, s, actor, files[0], cfg)
	progress.finish()
	if err != nil {
		return err
	}
	if *reportPath != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*reportPath, append(b, '\n'), 0o600); err != nil {
			return err
		}
	}
	if *dry {
		fmt.Fprintln(stdout, "dry run: nothing was stored")
	}
	fmt.Fprintf(stdout, "municipality %s, kind %s, file %s, source system %s\n", *muni, *kind, files[0], rep.SourceSystem)
	if n := len(rep.Warnings); n > 0 {
		fmt.Fprintf(stdout, "%d rows stored with warnings (historic records that break a rule of today; see --report)\n", n)
	}
	fmt.Fprintln(stdout, rep.Summary())
	return nil
}

// progress shows how an import goes: a bar with rows per second and the
// time left on a terminal, plain lines now and then otherwise.
type progress struct {
	w         io.Writer
	bar       *progressbar.ProgressBar
	start     time.Time
	lastPrint time.Time
	done      int
	total     int
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(), progressbar.OptionFullWidth())
	}
	return p
}

func (p *progress) update(done, total int) {
	p.done, p.total = done, total
	if p.bar != nil {
		if p.bar.GetMax() != total {
			p.bar.ChangeMax(total)
		}
		_ = p.bar.Set(done)
		return
	}
	if time.Since(p.lastPrint) >= 5*time.Second && done < total {
		p.lastPrint = time.Now()
		p.line()
	}
}

func (p *progress) line() {
	secs := time.Since(p.start).Seconds()
	rate := float64(p.done) / max(secs, 0.001)
	left := ""
	if rate > 0 && p.done < p.total {
		left = fmt.Sprintf(", about %s left", (time.Duration(float64(p.total-p.done)/rate) * time.Second).Round(time.Second))
	}
	pct := 100
	if p.total > 0 {
		pct = p.done * 100 / p.total
	}
	fmt.Fprintf(p.w, "progress: %d/%d rows (%d%%), %.0f rows/s%s\n", p.done, p.total, pct, rate, left)
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
	if p.total > 0 {
		p.line()
	}
}

// rejectionMessage is a rejected row's reasons in words (English), field by
// field; the import's own reasons (an unknown client or plan) have their
// own texts.
func rejectionMessage(err error) string {
	var e *model.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return oneLine(err)
	}
	cat := locale.MustLoad()
	var parts []string
	for _, f := range e.Fields {
		key := "import.reason." + f.Code
		if !cat.Has(key) {
			key = "field." + f.Code
		}
		msg := cat.T("en", key)
		if f.Param != "" {
			msg = cat.T("en", key, f.Param)
		}
		parts = append(parts, f.Field+": "+msg)
	}
	return strings.Join(parts, " ")
}

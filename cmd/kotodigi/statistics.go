package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/store"
)

// thresholdFlag adds --statistics-threshold to fs.
func thresholdFlag(fs *flag.FlagSet) *int {
	def, err := strconv.Atoi(env("KOTODIGI_STATISTICS_THRESHOLD", "5"))
	if err != nil {
		def = 5
	}
	return fs.Int("statistics-threshold", def, "outside the owning municipality, counts below this and medians and shares over fewer cases are suppressed (env KOTODIGI_STATISTICS_THRESHOLD)")
}

// statisticsRefresh brings every indicator up to date now (CONTRACT.md § 3).
func statisticsRefresh(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("statistics refresh", &c)
	threshold := thresholdFlag(fs)
	verbose := fs.Bool("verbose", false, "log how long each indicator's query took")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *threshold < 2 {
		return fmt.Errorf("--statistics-threshold must be at least 2")
	}
	key, err := c.auditKey()
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	s, err := store.Open(ctx, c.db, store.Options{Logger: slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level})),
		MigrateDB: c.migrateDB, AuditKey: key, Indicators: store.IndicatorOptions{Threshold: *threshold}})
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.RefreshIndicators(ctx, store.OperatorActor())
	if err != nil {
		return err
	}
	if !res.Published {
		fmt.Fprintf(stdout, "snapshot %d not published: a newer refresh finished first\n", res.SnapshotID)
		return nil
	}
	fmt.Fprintf(stdout, "statistics refreshed: snapshot %d, data as of %s, %d figures (%d suppressed) in %s (read %s, plan %s, write %s; %d of %d parts unchanged, their plans reused)\n",
		res.SnapshotID, res.DataDate, res.Cells, res.Suppressed, res.Elapsed.Round(1e6), res.Read.Round(1e6), res.Build.Round(1e6), res.Write.Round(1e6),
		res.Reused, res.Parts)
	return nil
}

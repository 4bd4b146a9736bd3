package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kotodigi/kotodigi/internal/importer"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
)

// importCmd is `kotodigi import --municipality CODE [--dry-run] FILE`: data
// migration from a municipality's earlier system (R14).
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("import", &c)
	muni := fs.String("municipality", "", "the importing municipality's 3-digit code")
	dry := fs.Bool("dry-run", false, "check the file without storing anything")
	// Flags may come before or after FILE.
	files, err := parseArgs(fs, args, stderr)
	if err != nil {
		return err
	}
	if *muni == "" || len(files) != 1 {
		return errors.New("usage: kotodigi import --municipality CODE [--dry-run] FILE")
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	s, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, ok := s.RefData().Municipality(*muni); !ok {
		return fmt.Errorf("unknown municipality %q", *muni)
	}
	rd, err := importer.NewReader(f, *muni)
	if err != nil {
		return err
	}
	actor := store.OperatorActor()
	actor.Operator = "import"
	var imported, skipped, rejected int
	seenSource, seenIdentity := map[string]bool{}, map[string]bool{}
	reject := func(line int, reason string) {
		rejected++
		fmt.Fprintf(stderr, "line %d: %s\n", line, reason)
	}
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if row.Err != nil {
			reject(row.Line, row.Err.Error())
			continue
		}
		if *dry {
			// A real run would skip a repeated source id and refuse a repeated person.
			if seenSource[row.SourceID] {
				skipped++
				continue
			}
			seenSource[row.SourceID] = true
			if id := identityKey(row.Fields); id != "" && seenIdentity[id] {
				reject(row.Line, oneLine(&model.Error{Code: model.CodeDuplicateClient, Municipality: *muni}))
				continue
			} else if id != "" {
				seenIdentity[id] = true
			}
		}
		outcome, err := s.ImportClient(ctx, actor, row.Fields, row.SourceID, *dry)
		switch outcome {
		case store.Imported:
			imported++
		case store.Skipped:
			skipped++
		case store.Rejected:
			if model.ErrorCode(err) == model.CodeInternal {
				return err
			}
			reject(row.Line, oneLine(err))
		}
	}
	if err := s.RecordImportRun(ctx, actor, *muni, imported, skipped, rejected, *dry); err != nil {
		return err
	}
	verb := "imported"
	if *dry {
		verb = "would import"
		fmt.Fprintln(stdout, "dry run: nothing was stored")
	}
	fmt.Fprintf(stdout, "municipality %s, file %s\n", *muni, files[0])
	fmt.Fprintf(stdout, "%s %d, skipped %d, rejected %d\n", verb, imported, skipped, rejected)
	return nil
}

// identityKey is the normalised identity of a row, for finding repeats in one file.
func identityKey(f model.ClientFields) string {
	if f.PersonalIdentityCode != nil {
		if p, err := model.ParsePersonalIdentityCode(*f.PersonalIdentityCode); err == nil {
			return "pic:" + p.Code
		}
	}
	if f.UMANumber != nil {
		if u, err := model.NormalizeUMA(*f.UMANumber); err == nil {
			return "uma:" + u
		}
	}
	return ""
}

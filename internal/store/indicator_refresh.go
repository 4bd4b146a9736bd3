package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
)

// RefreshResult describes a refresh of the indicators.
type RefreshResult struct {
	SnapshotID int64
	// Published is false when a snapshot started later was published first.
	Published bool
	DataDate  model.Date
	indicators.Stats
	Elapsed time.Duration
	// Read, Build and Write: the time spent reading the registry (the
	// GROUP BY queries), rolling up and planning the suppression, and
	// writing the cells.
	Read, Build, Write time.Duration
}

// maxHistoryYears bounds how far back a refresh looks (a stray date decades
// off must not make every snapshot cover them).
const maxHistoryYears = 20

// cellsPerTx is how many cells one write transaction stores.
const cellsPerTx = 5000

// copyCellsPerTx is how many cells one COPY stores on PostgreSQL.
const copyCellsPerTx = 100000

// RefreshIndicators brings every indicator up to date: it computes the
// fine-grained aggregates from one consistent read of the registry, rolls
// them up and plans their suppression together (indicators.Build), writes
// the new snapshot's cells, and then publishes it in one statement, so that
// no query ever sees a half-written snapshot. The previous snapshot is kept
// until the next one is published (queries in flight finish on it). The
// actor is the operator (command line) or the job; audited as
// statistics.refresh.
func (s *Store) RefreshIndicators(ctx context.Context, actor Actor) (RefreshResult, error) {
	started := time.Now()
	km := s.knowledge()
	res := RefreshResult{DataDate: s.Today()}
	last := indicators.MonthOf(res.DataDate)
	if err := s.prepareIndicatorTables(ctx, last); err != nil {
		return res, err
	}
	prev, err := s.publishedSnapshot(ctx)
	if err != nil && !isNoRows(err) {
		return res, err
	}
	available := km.cat.Available(s.indicatorRequirement(ctx))
	var ids []string
	for _, ind := range available {
		ids = append(ids, ind.ID)
	}
	threshold := s.indicatorThreshold()
	if err := s.db.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO indicator_snapshots (started_at, status, data_date, first_month, last_month, threshold, indicators)
			VALUES ($1, 'building', $2, $3, $3, $4, $5) RETURNING id`, s.Now(), res.DataDate, int64(last), threshold, strings.Join(ids, " ")).Scan(&res.SnapshotID)
	}); err != nil {
		return res, err
	}
	phase := time.Now()
	first, facts, err := s.readIndicatorFacts(ctx, available, last, res.DataDate)
	res.Read = time.Since(phase)
	if err != nil {
		return res, s.discardSnapshot(ctx, res.SnapshotID, err)
	}
	in := indicators.Input{Catalogue: km.cat, Geography: km.geo, Indicators: available, First: first, Last: last, Facts: facts, Threshold: threshold}
	if prev.ID != 0 {
		if in.Previous, err = s.snapshotCells(ctx, prev.ID); err != nil {
			return res, s.discardSnapshot(ctx, res.SnapshotID, err)
		}
		in.PreviousCovers, in.PreviousThreshold = prev.covers, prev.threshold
	}
	phase = time.Now()
	cells, stats, err := indicators.Build(in)
	res.Build = time.Since(phase)
	if err != nil {
		return res, s.discardSnapshot(ctx, res.SnapshotID, err)
	}
	res.Stats = stats
	phase = time.Now()
	if err := s.writeCells(ctx, res.SnapshotID, cells); err != nil {
		return res, s.discardSnapshot(ctx, res.SnapshotID, err)
	}
	res.Write = time.Since(phase)
	res.Published, err = s.publishSnapshot(ctx, actor, res, first, prev.ID)
	res.Elapsed = time.Since(started)
	return res, err
}

// indicatorThreshold is the configured suppression threshold (default 5).
func (s *Store) indicatorThreshold() int {
	if t := s.opts.Indicators.Threshold; t > 0 {
		return t
	}
	return indicators.DefaultThreshold
}

// prepareIndicatorTables fills the month table up to month last, the
// citizenship group table and the due dates of every day (idempotent).
func (s *Store) prepareIndicatorTables(ctx context.Context, last indicators.Month) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.fillIndicatorDays(ctx, tx, last); err != nil {
			return err
		}
		var have sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT MAX(month) FROM indicator_months`).Scan(&have); err != nil {
			return err
		}
		from := last - 12*maxHistoryYears
		if have.Valid && indicators.Month(have.Int64) >= last {
			from = last + 1
		}
		for m := from; m <= last; m++ {
			if _, err := tx.Exec(ctx, `INSERT INTO indicator_months (month, label, first_day, last_day, next_first_day, starts_at, ends_at,
				age18_born_before, age25_born_before, age35_born_before, age45_born_before, age55_born_before, age65_born_before)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (month) DO NOTHING`, monthRow(m)...); err != nil {
				return err
			}
		}
		if from <= last && tx.Dialect == db.Postgres {
			// Fresh statistics of the tables just filled: PostgreSQL took
			// them for empty and chose nested loops over a million clients.
			// (Only the owner may ANALYZE; for others it is a warning.)
			if _, err := tx.Exec(ctx, `ANALYZE indicator_months, indicator_days`); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM indicator_citizenship_groups`).Scan(&n); err != nil {
			return err
		}
		groups := indicators.CountryGroups()
		if n == len(groups) {
			return nil
		}
		for code, g := range groups {
			if _, err := tx.Exec(ctx, `INSERT INTO indicator_citizenship_groups (code, citizenship_group) VALUES ($1, $2)
				ON CONFLICT (code) DO UPDATE SET citizenship_group = excluded.citizenship_group`, code, g); err != nil {
				return err
			}
		}
		return nil
	})
}

// readIndicatorFacts runs every available indicator's query in one
// consistent read of the whole registry, from the earliest month with data
// (at most maxHistoryYears back) to month last. It returns that first month.
func (s *Store) readIndicatorFacts(ctx context.Context, available []indicators.Indicator, last indicators.Month, today model.Date) (indicators.Month, []indicators.Fact, error) {
	queries := factQueries(s.db.Dialect, s.hasClientColumn(ctx))
	var ids []string
	for _, ind := range available {
		ids = append(ids, ind.ID)
	}
	first := last
	var facts []indicators.Fact
	err := s.db.InReadSnapshot(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		if tx.Dialect == db.Postgres {
			// Every query here reads whole tables. Through the row-level
			// security policies PostgreSQL expects a fraction of the rows
			// and picks nested loops, which at a million clients ran for
			// minutes per query; hash and merge joins take seconds.
			if _, err := tx.Exec(ctx, `SET LOCAL enable_nestloop = off`); err != nil {
				return err
			}
		}
		var err error
		if first, err = firstDataMonth(ctx, tx, last); err != nil {
			return err
		}
		if facts, err = factsOf(ctx, tx, queries, ids, first, last, today, s.Now()); err != nil {
			return err
		}
		facts, err = frozenFacts(ctx, tx, ids, first, last, facts)
		return err
	})
	return first, facts, err
}

// factsOf runs the queries of indicators ids over months first to last.
func factsOf(ctx context.Context, tx *db.Tx, queries map[string]string, ids []string, first, last indicators.Month, today model.Date,
	now time.Time) ([]indicators.Fact, error) {
	var facts []indicators.Fact
	args := []any{int64(first), int64(last), today, now}
	var months []stockMonth
	var spells map[string][]spell
	for _, id := range ids {
		q := queries[id]
		if _, stock := stockKinds[id]; stock {
			if months == nil {
				months = stockMonths(first, last, today, now)
				var err error
				if spells, err = transferSpells(ctx, tx); err != nil {
					return nil, err
				}
			}
			var err error
			if facts, err = readStock(ctx, tx, id, q, months, spells, facts); err != nil {
				return nil, err
			}
			continue
		}
		n := 2
		for n < len(args) && strings.Contains(q, "$"+itoa(int64(n+1))) {
			n++
		}
		var err error
		if facts, err = readFacts(ctx, tx, id, q, args[:n], facts); err != nil {
			return nil, err
		}
	}
	return facts, nil
}

// firstDataMonth is the month of the earliest event, at most
// maxHistoryYears before last.
func firstDataMonth(ctx context.Context, tx *db.Tx, last indicators.Month) (indicators.Month, error) {
	first := last
	for _, q := range []string{`SELECT MIN(date) FROM assessments`, `SELECT MIN(start_date) FROM plans`, `SELECT MIN(date) FROM services`} {
		var d model.NullDate
		if err := tx.QueryRow(ctx, q).Scan(&d); err != nil {
			return 0, err
		}
		if d.Valid && indicators.MonthOf(d.Date) < first {
			first = indicators.MonthOf(d.Date)
		}
	}
	// What removed records counted (retention) stays in the figures.
	var frozen sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT MIN(month) FROM indicator_frozen_facts`).Scan(&frozen); err != nil {
		return 0, err
	}
	if frozen.Valid && indicators.Month(frozen.Int64) < first {
		first = indicators.Month(frozen.Int64)
	}
	// Timestamps: ORDER BY … LIMIT 1 keeps the column's type (SQLite's MIN
	// would return text).
	for _, q := range []string{`SELECT created_at FROM clients ORDER BY created_at LIMIT 1`,
		`SELECT transferred_at FROM client_transfers ORDER BY transferred_at LIMIT 1`} {
		var t time.Time
		err := tx.QueryRow(ctx, q).Scan(&t)
		if err != nil && !isNoRows(err) {
			return 0, err
		}
		if err == nil {
			if m := indicators.MonthOf(model.DateOf(t.In(Finland))); m < first {
				first = m
			}
		}
	}
	return max(first, last-12*maxHistoryYears), nil
}

// cellColumns are the columns writeCells fills.
var cellColumns = []string{"snapshot_id bigint", "indicator text", "area_level text", "period_level text", "breakdown text",
	"period text", "area text", "category text", "value double precision", "n bigint", "suppressed boolean", "owner text"}

// writeCells stores a snapshot's cells, cellsPerTx in each write
// transaction, so that SQLite's one writer is free in between (the snapshot
// is invisible until published); on PostgreSQL with COPY, copyCellsPerTx at
// a time (indicator_cells has no row-level security).
func (s *Store) writeCells(ctx context.Context, snapshot int64, cells []indicators.Cell) error {
	per := cellsPerTx
	if s.db.Dialect == db.Postgres {
		per = copyCellsPerTx
	}
	for start := 0; start < len(cells); start += per {
		chunk := cells[start:min(start+per, len(cells))]
		rows := make([][]any, len(chunk))
		for i, c := range chunk {
			var owner any
			if c.Owner != "" {
				owner = c.Owner
			}
			rows[i] = []any{snapshot, c.Indicator, c.AreaLevel, c.PeriodLevel, c.Breakdown, c.Period, c.Area, c.Category,
				c.Value, c.N, c.Suppressed, owner}
		}
		if err := s.db.CopyRowsNoRLS(ctx, []db.TableRows{{Table: "indicator_cells", Columns: cellColumns, Rows: rows}}); err != nil {
			return err
		}
	}
	return nil
}

// publishSnapshot makes snapshot res.SnapshotID the published one, unless a
// snapshot started later has been published meanwhile, and removes the cells
// of snapshots older than the one it replaces.
func (s *Store) publishSnapshot(ctx context.Context, actor Actor, res RefreshResult, first indicators.Month, replaced int64) (bool, error) {
	published := false
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO indicator_published (id, snapshot_id) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`); err != nil {
			return err
		}
		r, err := tx.Exec(ctx, `UPDATE indicator_published SET snapshot_id = $1 WHERE id = 1 AND snapshot_id < $1`, res.SnapshotID)
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		published = n == 1
		status := "discarded"
		if published {
			status = "published"
		}
		if _, err := tx.Exec(ctx, `UPDATE indicator_snapshots SET status = $2, finished_at = $3, first_month = $4, cells = $5, suppressed = $6
			WHERE id = $1`, res.SnapshotID, status, s.Now(), int64(first), int64(res.Cells), int64(res.Suppressed)); err != nil {
			return err
		}
		if !published {
			_, err := tx.Exec(ctx, `DELETE FROM indicator_cells WHERE snapshot_id = $1`, res.SnapshotID)
			return err
		}
		ev := actor.event(authz.StatisticsRefresh, audit.Allowed)
		ev.Detail = "snapshot=" + itoa(res.SnapshotID) + " cells=" + itoa(int64(res.Cells)) + " suppressed=" + itoa(int64(res.Suppressed)) +
			" data_date=" + res.DataDate.String()
		return s.record(ctx, tx, ev)
	})
	if err != nil || !published {
		return published, err
	}
	// Older snapshots than the one just replaced are read by nobody now.
	keep := min(replaced, res.SnapshotID)
	if keep == 0 {
		keep = res.SnapshotID
	}
	return true, s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM indicator_cells WHERE snapshot_id < $1`, keep); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE indicator_snapshots SET status = 'discarded' WHERE status = 'building' AND id < $1`, res.SnapshotID)
		return err
	})
}

// discardSnapshot marks a snapshot that failed and removes its cells; it
// returns the failure.
func (s *Store) discardSnapshot(ctx context.Context, id int64, cause error) error {
	ctx = context.WithoutCancel(ctx)
	_ = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM indicator_cells WHERE snapshot_id = $1`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE indicator_snapshots SET status = 'discarded', finished_at = $2 WHERE id = $1`, id, s.Now())
		return err
	})
	return cause
}

// snapshotCells reads every stored cell of a snapshot (for the sticky
// suppression of the next one).
func (s *Store) snapshotCells(ctx context.Context, id int64) (map[indicators.CellID]indicators.Previous, error) {
	out := map[indicators.CellID]indicators.Previous{}
	err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT indicator, area_level, area, period_level, period, breakdown, category, value, n, suppressed
			FROM indicator_cells WHERE snapshot_id = $1`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		// Millions of cells name a few thousand distinct codes: one copy of
		// each (at a million clients the map held gigabytes otherwise).
		seen := map[string]string{}
		intern := func(b sql.RawBytes) string {
			if v, ok := seen[string(b)]; ok {
				return v
			}
			v := string(b)
			seen[v] = v
			return v
		}
		var raw [7]sql.RawBytes
		for rows.Next() {
			var p indicators.Previous
			if err := rows.Scan(&raw[0], &raw[1], &raw[2], &raw[3], &raw[4], &raw[5], &raw[6], &p.Value, &p.N, &p.Suppressed); err != nil {
				return err
			}
			c := indicators.CellID{Indicator: intern(raw[0]), AreaLevel: intern(raw[1]), Area: intern(raw[2]), PeriodLevel: intern(raw[3]),
				Period: intern(raw[4]), Breakdown: intern(raw[5]), Category: intern(raw[6])}
			out[c] = p
		}
		return rows.Err()
	})
	return out, err
}

// hasClientColumn reports which optional columns of clients exist (the
// background data and closing are added by later migrations); a column found
// once is remembered.
func (s *Store) hasClientColumn(ctx context.Context) func(string) bool {
	km := s.knowledge()
	return func(column string) bool {
		km.mu.Lock()
		found := km.columns[column]
		km.mu.Unlock()
		if found {
			return true
		}
		if !slices.Contains(optionalClientColumns, column) {
			return false
		}
		err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT `+column+` FROM clients WHERE 1 = 0`)
			if err != nil {
				return err
			}
			return rows.Close()
		})
		if err == nil {
			km.mu.Lock()
			km.columns[column] = true
			km.mu.Unlock()
		}
		return err == nil
	}
}

// optionalClientColumns are the columns of clients the indicators use when
// they exist (names agreed with the background-data and lifecycle work).
var optionalClientColumns = []string{"sex", "citizenships", "client_group", "closed_reason", "closed_date"}

// indicatorRequirement reports whether the data an indicator requires exists.
func (s *Store) indicatorRequirement(ctx context.Context) func(string) bool {
	has := s.hasClientColumn(ctx)
	return func(r string) bool {
		return r == indicators.RequiresClientClosing && has("closed_reason") && has("closed_date")
	}
}

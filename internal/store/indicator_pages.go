package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
)

// maxAreaFilter: a query for at most this many visible areas names them in
// its SQL (a municipality's dashboard reads its own row, not the country's).
const maxAreaFilter = 20

// readIndicatorCells reads the cells of query q that viewer v may see from
// snapshot sn.
func (s *Store) readIndicatorCells(ctx context.Context, tx *db.Tx, sn Snapshot, q indicators.Query, v indicators.Viewer) ([]indicators.Stored, error) {
	periods := indicators.Periods(q.PeriodLevel, indicators.MonthOf(q.From), indicators.MonthOf(q.To))
	if len(periods) == 0 {
		return nil, nil
	}
	query := `SELECT area, period, category, value, n, suppressed FROM indicator_cells
		WHERE snapshot_id = $1 AND indicator = $2 AND area_level = $3 AND period_level = $4 AND breakdown = $5
		AND period >= $6 AND period <= $7`
	args := []any{sn.ID, q.Indicator, q.AreaLevel, q.PeriodLevel, q.By, periods[0].Label(), periods[len(periods)-1].Label()}
	geo := s.knowledge().geo
	var visible []string
	for _, a := range geo.Areas(q.AreaLevel) {
		if geo.Visible(v, a) {
			visible = append(visible, a.Code)
		}
	}
	if len(visible) <= maxAreaFilter {
		if len(visible) == 0 {
			return nil, nil
		}
		marks := make([]string, len(visible))
		for i, code := range visible {
			args = append(args, code)
			marks[i] = "$" + itoa(int64(len(args)))
		}
		query += ` AND area IN (` + strings.Join(marks, ", ") + `)`
	}
	// A snapshot's cells never change: the answer is cached per snapshot
	// under the query's arguments (the visible areas included).
	keys := make([]string, len(args)-1)
	for i, a := range args[1:] {
		keys[i] = fmt.Sprint(a)
	}
	key := strings.Join(keys, "\x00")
	if cached, ok := s.knowledge().cells.get(sn.ID, key); ok {
		return cached, nil
	}
	var out []indicators.Stored
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c indicators.Stored
		if err := rows.Scan(&c.Area, &c.Period, &c.Category, &c.Value, &c.N, &c.Suppressed); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.knowledge().cells.put(sn.ID, key, out)
	return out, nil
}

// IndicatorTables answers several indicator queries for one page (a
// dashboard) from the published snapshot, in one read transaction, as
// IndicatorData answers each: the same visibility and suppression. Audited
// as one indicator.read event naming the queries; the figures are returned
// only if it was written.
func (s *Store) IndicatorTables(ctx context.Context, actor Actor, qs []indicators.Query) ([]IndicatorTable, error) {
	p := actor.Principal
	if p == nil || !p.Allowed(authz.IndicatorRead, "").Allowed {
		return nil, model.ErrForbidden
	}
	km := s.knowledge()
	v := km.geo.ViewerFor(p.OrgKind, p.OrgCode)
	inds := make([]*indicators.Indicator, len(qs))
	for i, q := range qs {
		ind, err := s.IndicatorByID(ctx, q.Indicator)
		if err != nil {
			return nil, err
		}
		inds[i] = ind
	}
	sn, err := s.publishedSnapshot(ctx)
	if isNoRows(err) {
		if _, err = s.RefreshIndicators(ctx, Actor{Operator: "job"}); err == nil {
			sn, err = s.publishedSnapshot(ctx)
		}
	}
	if err != nil {
		return nil, err
	}
	out := make([]IndicatorTable, len(qs))
	err = s.db.InReadTx(ctx, func(tx *db.Tx) error {
		for i, q := range qs {
			stored, err := s.readIndicatorCells(ctx, tx, sn, q, v)
			if err != nil {
				return err
			}
			out[i] = IndicatorTable{Table: indicators.Assemble(km.cat, km.geo, inds[i], q, v, stored), Snapshot: sn}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev := actor.event(authz.IndicatorRead, audit.Allowed)
	if p.OrgKind == "municipality" {
		ev.Municipality = p.OrgCode
	}
	var b strings.Builder
	n := 0
	for _, t := range out {
		q := t.Query
		b.WriteString("indicator=" + q.Indicator + " area=" + q.AreaLevel + " period=" + q.PeriodLevel + " from=" + q.From.String() +
			" to=" + q.To.String() + " by=" + q.By + "; ")
		n += len(t.Cells)
	}
	ev.Detail = b.String() + "snapshot=" + itoa(sn.ID)
	ev.ResultCount = &n
	if err := s.db.InTx(ctx, func(tx *db.Tx) error { return s.record(ctx, tx, ev) }); err != nil {
		return nil, err
	}
	return out, nil
}

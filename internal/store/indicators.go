package store

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
)

// IndicatorOptions configure knowledge management.
type IndicatorOptions struct {
	// Threshold: outside the owning municipality, counts from 1 to
	// Threshold-1 and medians and shares over fewer cases are suppressed
	// (default indicators.DefaultThreshold, 5).
	Threshold int
	// OpenData publishes the country, region and wellbeing-county levels
	// without sign-in (--open-data).
	OpenData bool
	// OpenDataRate is how many open-data requests one address may make a
	// minute (default 120).
	OpenDataRate int
}

// OpenData reports whether open data is switched on.
func (s *Store) OpenData() bool { return s.opts.Indicators.OpenData }

// OpenDataRate is how many open-data requests one address may make a minute.
func (s *Store) OpenDataRate() int {
	if r := s.opts.Indicators.OpenDataRate; r > 0 {
		return r
	}
	return 120
}

// knowledge holds what the indicators need besides the database: the
// catalogue, the areas, and which optional columns of clients exist.
type knowledge struct {
	once    sync.Once
	cat     *indicators.Catalogue
	geo     *indicators.Geography
	mu      sync.Mutex
	columns map[string]bool
	cells   cellCache
}

// cellCache keeps the cells that queries read from one published snapshot
// (what is stored does not depend on who asks: indicators.Assemble applies
// the caller's view), so that a query asked again costs no database read.
// A new snapshot empties it; it holds at most cellCacheLimit cells and is
// emptied when full.
type cellCache struct {
	mu       sync.Mutex
	snapshot int64
	n        int
	m        map[string][]indicators.Stored
}

// At 1,000,000 clients a snapshot has about 6.5 million cells (about 0.6 GB
// cached): all of it fits, so queries in every format are answered from
// memory (at 2 million the cache was emptied again and again, and 16 callers
// got half the throughput).
const cellCacheLimit = 8_000_000

func (c *cellCache) get(snapshot int64, key string) ([]indicators.Stored, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snapshot != snapshot {
		return nil, false
	}
	v, ok := c.m[key]
	return v, ok
}

func (c *cellCache) put(snapshot int64, key string, v []indicators.Stored) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snapshot != snapshot || c.m == nil || c.n+len(v) > cellCacheLimit {
		if snapshot < c.snapshot {
			return // an older snapshot's answer, read while a newer was published
		}
		c.snapshot, c.n, c.m = snapshot, 0, map[string][]indicators.Stored{}
	}
	if len(v) <= cellCacheLimit {
		c.m[key] = v
		c.n += len(v)
	}
}

func (s *Store) knowledge() *knowledge {
	s.km.once.Do(func() {
		s.km.cat = indicators.MustLoadCatalogue()
		s.km.geo = indicators.NewGeography(s.ref)
		s.km.columns = map[string]bool{}
	})
	return &s.km
}

// IndicatorCatalogue returns the indicator catalogue (with every indicator,
// also those whose data does not exist yet).
func (s *Store) IndicatorCatalogue() *indicators.Catalogue { return s.knowledge().cat }

// IndicatorGeography returns the areas figures are given for.
func (s *Store) IndicatorGeography() *indicators.Geography { return s.knowledge().geo }

// Snapshot describes the published snapshot a table was read from.
type Snapshot struct {
	ID int64 `json:"id"`
	// RefreshedAt is when the refresh that made it finished.
	RefreshedAt time.Time `json:"refreshed_at"`
	// DataDate is the day (in Finland) whose data it holds.
	DataDate   model.Date `json:"data_date"`
	firstMonth indicators.Month
	lastMonth  indicators.Month
	threshold  int
}

// covers reports whether the snapshot held the period (it covers whole years).
func (sn Snapshot) covers(_, period string) bool {
	y, err := strconv.Atoi(period[:min(4, len(period))])
	return err == nil && y >= sn.firstMonth.Year() && y <= sn.lastMonth.Year()
}

// publishedSnapshot returns the published snapshot (sql.ErrNoRows: none yet).
func (s *Store) publishedSnapshot(ctx context.Context) (Snapshot, error) {
	var sn Snapshot
	var first, last int64
	err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT n.id, n.finished_at, n.data_date, n.first_month, n.last_month, n.threshold
			FROM indicator_published p JOIN indicator_snapshots n ON n.id = p.snapshot_id WHERE p.id = 1`).
			Scan(&sn.ID, &sn.RefreshedAt, &sn.DataDate, &first, &last, &sn.threshold)
	})
	sn.firstMonth, sn.lastMonth = indicators.Month(first), indicators.Month(last)
	return sn, err
}

// Indicators lists the indicators whose data exists, in catalogue order.
func (s *Store) Indicators(ctx context.Context, actor Actor) ([]indicators.Indicator, error) {
	if p := actor.Principal; p != nil && !p.Allowed(authz.IndicatorRead, "").Allowed {
		return nil, model.ErrForbidden
	}
	return s.knowledge().cat.Available(s.indicatorRequirement(ctx)), nil
}

// IndicatorByID returns an indicator whose data exists (not found otherwise).
func (s *Store) IndicatorByID(ctx context.Context, id string) (*indicators.Indicator, error) {
	ind := s.knowledge().cat.Indicator(id)
	if ind == nil || (ind.Requires != "" && !s.indicatorRequirement(ctx)(ind.Requires)) {
		return nil, model.ErrNotFound
	}
	return ind, nil
}

// IndicatorTable is a table of one indicator as one caller sees it.
type IndicatorTable struct {
	indicators.Table
	Snapshot Snapshot
}

// IndicatorData answers an indicator query from the published snapshot for
// the caller: TEM and KEHA-keskus the whole country, a regional centre or a
// wellbeing county its area, a municipality (statisticians and main users)
// itself unsuppressed and its region and the country as everyone else sees
// them. Audited as indicator.read (no client); the figures are returned only
// if the event was written. Before the first refresh it runs one.
func (s *Store) IndicatorData(ctx context.Context, actor Actor, q indicators.Query) (IndicatorTable, error) {
	p := actor.Principal
	if p == nil || !p.Allowed(authz.IndicatorRead, "").Allowed {
		return IndicatorTable{}, model.ErrForbidden
	}
	km := s.knowledge()
	t, err := s.indicatorTable(ctx, q, km.geo.ViewerFor(p.OrgKind, p.OrgCode))
	if err != nil {
		return t, err
	}
	if err := s.recordIndicatorRead(ctx, actor, q, t.Snapshot.ID, len(t.Cells)); err != nil {
		return IndicatorTable{}, err
	}
	return t, nil
}

// RecordIndicatorRead audits an indicator query answered from a rendered
// copy of the same snapshot's table for the same viewer (the API's answer
// cache): the same permission check and the same event as IndicatorData,
// with the number of figures the answer holds.
func (s *Store) RecordIndicatorRead(ctx context.Context, actor Actor, q indicators.Query, snapshot int64, figures int) error {
	if p := actor.Principal; p == nil || !p.Allowed(authz.IndicatorRead, "").Allowed {
		return model.ErrForbidden
	}
	return s.recordIndicatorRead(ctx, actor, q, snapshot, figures)
}

func (s *Store) recordIndicatorRead(ctx context.Context, actor Actor, q indicators.Query, snapshot int64, figures int) error {
	ev := actor.event(authz.IndicatorRead, audit.Allowed)
	if p := actor.Principal; p.OrgKind == "municipality" {
		ev.Municipality = p.OrgCode
	}
	ev.Detail = "indicator=" + q.Indicator + " area=" + q.AreaLevel + " period=" + q.PeriodLevel + " from=" + q.From.String() +
		" to=" + q.To.String() + " by=" + q.By + " format=" + q.Format + " snapshot=" + itoa(snapshot)
	ev.ResultCount = &figures
	return s.db.InTx(ctx, func(tx *db.Tx) error { return s.record(ctx, tx, ev) })
}

// OpenDataLevels are the area levels published as open data.
var OpenDataLevels = []string{indicators.AreaCountry, indicators.AreaRegion, indicators.AreaWellbeingCounty}

// OpenIndicatorData answers an open-data query: the country, regions and
// wellbeing counties, suppressed as for everyone outside a municipality. It
// is not audited (the figures are public); callers cache it by snapshot.
func (s *Store) OpenIndicatorData(ctx context.Context, q indicators.Query) (IndicatorTable, error) {
	if !slices.Contains(OpenDataLevels, q.AreaLevel) {
		return IndicatorTable{}, &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "area", Code: model.FieldInvalidChoice}}}
	}
	v := s.knowledge().geo.ViewerFor("tem", "")
	return s.indicatorTable(ctx, q, v)
}

// PublishedSnapshot returns the published snapshot (not found before the first refresh).
func (s *Store) PublishedSnapshot(ctx context.Context) (Snapshot, error) {
	sn, err := s.publishedSnapshot(ctx)
	if isNoRows(err) {
		return sn, model.ErrNotFound
	}
	return sn, err
}

// indicatorTable reads the query's cells from the published snapshot and
// assembles viewer v's table.
func (s *Store) indicatorTable(ctx context.Context, q indicators.Query, v indicators.Viewer) (IndicatorTable, error) {
	km := s.knowledge()
	ind, err := s.IndicatorByID(ctx, q.Indicator)
	if err != nil {
		return IndicatorTable{}, err
	}
	sn, err := s.publishedSnapshot(ctx)
	if isNoRows(err) {
		if _, err = s.RefreshIndicators(ctx, Actor{Operator: "job"}); err == nil {
			sn, err = s.publishedSnapshot(ctx)
		}
	}
	if err != nil {
		return IndicatorTable{}, err
	}
	var stored []indicators.Stored
	err = s.db.InReadTx(ctx, func(tx *db.Tx) error {
		stored, err = s.readIndicatorCells(ctx, tx, sn, q, v)
		return err
	})
	if err != nil {
		return IndicatorTable{}, err
	}
	return IndicatorTable{Table: indicators.Assemble(km.cat, km.geo, ind, q, v, stored), Snapshot: sn}, nil
}

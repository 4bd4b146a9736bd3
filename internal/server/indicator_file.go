package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"net/http"
	"sync"

	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/statfile"
	"github.com/kotodigi/kotodigi/internal/store"
)

// IndicatorDataset turns a caller's table into a statfile dataset in
// language lang: exactly the table's cells, with labels. The API's files and
// the web pages' downloads both go through it. An annotated dataset (the web
// pages') also names the periods in lang and marks the caller's own figures
// that everyone else sees suppressed; the API's files keep the contract's
// layout (period labels are the codes, no marks).
func (s *Server) IndicatorDataset(t store.IndicatorTable, lang string, annotated bool) *statfile.Dataset {
	km := s.store.IndicatorCatalogue()
	tr := func(key string) string { return s.catalog.T(lang, key) }
	d := &statfile.Dataset{
		Indicator: t.Indicator.ID, Name: t.Indicator.Name.In(lang), Definition: t.Indicator.Definition.In(lang),
		Unit: statfile.Unit(t.Indicator.Unit), Lang: lang, Updated: t.Snapshot.RefreshedAt, Source: tr("indicators.file.source_name"),
		Area:   statfile.Dimension{ID: "area", Label: tr("indicators.area." + t.Query.AreaLevel)},
		Period: statfile.Dimension{ID: "period", Label: tr("indicators.period." + t.Query.PeriodLevel)},
		Texts: statfile.Texts{
			TableSheet: tr("indicators.file.table_sheet"), DefinitionsSheet: tr("indicators.file.definitions_sheet"),
			Indicator: tr("indicators.file.indicator"), Definition: tr("indicators.file.definition"), Unit: tr("indicators.file.unit"),
			UnitName: tr("indicators.unit." + t.Indicator.Unit), Source: tr("indicators.file.source"), Updated: tr("indicators.file.updated"),
			Suppression: tr("indicators.file.suppression"), SuppressionRule: tr("indicators.file.suppression_rule"),
			Suppressed: tr("indicators.file.suppressed"), AreaCode: tr("indicators.file.area_code"), Note: tr("indicators.file.note"),
			SuppressedForOthers: tr("indicators.file.suppressed_for_others"),
		},
		Annotated: annotated,
	}
	for _, a := range t.Areas {
		d.Area.Categories = append(d.Area.Categories, statfile.Category{Code: a.Code, Label: a.Name.In(lang)})
	}
	for _, p := range t.Periods {
		label := p.Label()
		if annotated {
			label = s.PeriodName(lang, p, false)
		}
		d.Period.Categories = append(d.Period.Categories, statfile.Category{Code: p.Label(), Label: label})
	}
	if t.Query.By != "" {
		dim := km.Dimension(t.Query.By)
		by := statfile.Dimension{ID: dim.ID, Label: dim.Name.In(lang)}
		for _, c := range dim.Categories {
			by.Categories = append(by.Categories, statfile.Category{Code: c.ID, Label: c.Label.In(lang)})
		}
		d.By = &by
		d.Note = tr("indicators.file.note_unknown")
	}
	d.Cells = make([]statfile.Cell, 0, len(t.Cells))
	for _, c := range t.Cells {
		sc := statfile.Cell{Area: c.Area, Period: c.Period, Value: c.Value, Suppressed: c.Suppressed, SuppressedForOthers: annotated && c.SuppressedForOthers}
		if c.By != nil {
			sc.By = *c.By
		}
		d.Cells = append(d.Cells, sc)
	}
	return d
}

// WriteIndicatorFile answers with the table as a CSV, XLSX or JSON-stat file
// (t.Query.Format) in the request's language, as an attachment with the
// given Cache-Control, in the layout CONTRACT.md fixes for the API. An error
// is answered as the route expects (a problem for the API, the error page
// for the web UI).
func (s *Server) WriteIndicatorFile(w http.ResponseWriter, r *http.Request, t store.IndicatorTable, cacheControl string) {
	s.writeIndicatorFile(w, r, t, cacheControl, false)
}

// WriteAnnotatedIndicatorFile is WriteIndicatorFile for the web pages'
// downloads: the periods are named in the request's language and the
// caller's own figures that everyone else sees suppressed are marked (see
// statfile.Dataset.Annotated).
func (s *Server) WriteAnnotatedIndicatorFile(w http.ResponseWriter, r *http.Request, t store.IndicatorTable, cacheControl string) {
	s.writeIndicatorFile(w, r, t, cacheControl, true)
}

func (s *Server) writeIndicatorFile(w http.ResponseWriter, r *http.Request, t store.IndicatorTable, cacheControl string, annotated bool) {
	d := s.IndicatorDataset(t, From(r).Lang, annotated)
	var buf bytes.Buffer
	var err error
	ctype, ext := statfile.CSVContentType, "csv"
	switch t.Query.Format {
	case indicators.FormatXLSX:
		ctype, ext = statfile.XLSXContentType, "xlsx"
		key := xlsxKey(t, d.Lang, annotated)
		if b, ok := s.xlsx.get(key); ok {
			buf.Write(b)
			break
		}
		if err = statfile.WriteXLSX(&buf, d); err == nil {
			s.xlsx.put(key, t.Snapshot.ID, bytes.Clone(buf.Bytes()))
		}
	case indicators.FormatJSONStat:
		ctype, ext = statfile.JSONStatContentType, "json"
		err = statfile.WriteJSONStat(&buf, d)
	default:
		err = statfile.WriteCSV(&buf, d)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", `attachment; filename="`+t.Indicator.ID+"-"+t.Query.AreaLevel+"-"+t.Query.PeriodLevel+"."+ext+`"`)
	h.Set("Cache-Control", cacheControl)
	_, _ = w.Write(buf.Bytes())
}

// xlsxCache keeps rendered XLSX workbooks of the published snapshot
// (rendering a large one takes tens of milliseconds). The key is a hash of
// the table's whole content (snapshot, query, language, areas and every
// cell as the caller sees it), so a workbook is only ever served for exactly
// the figures it holds, whoever asks. A new snapshot empties it.
type xlsxCache struct {
	mu       sync.Mutex
	snapshot int64
	files    map[[32]byte][]byte
}

// xlsxCacheSize is the most workbooks kept.
const xlsxCacheSize = 32

func (c *xlsxCache) get(key [32]byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.files[key]
	return b, ok
}

func (c *xlsxCache) put(key [32]byte, snapshot int64, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.files == nil || snapshot != c.snapshot || len(c.files) >= xlsxCacheSize {
		c.files, c.snapshot = map[[32]byte][]byte{}, snapshot
	}
	c.files[key] = b
}

// xlsxKey hashes everything a workbook is made of (SHA-256: no two
// tables share a key).
func xlsxKey(t store.IndicatorTable, lang string, annotated bool) [32]byte {
	h := sha256.New()
	if annotated {
		h.Write([]byte("annotated"))
		h.Write([]byte{0})
	}
	q := t.Query
	for _, part := range []string{lang, q.Indicator, q.AreaLevel, q.PeriodLevel, q.From.String(), q.To.String(), q.By} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(t.Snapshot.ID))
	h.Write(n[:])
	for _, a := range t.Areas {
		h.Write([]byte(a.Code))
		h.Write([]byte{0})
	}
	for _, c := range t.Cells {
		h.Write([]byte(c.Area))
		h.Write([]byte{0})
		h.Write([]byte(c.Period))
		h.Write([]byte{0})
		if c.By != nil {
			h.Write([]byte(*c.By))
		}
		h.Write([]byte{0})
		switch {
		case c.Suppressed:
			h.Write([]byte{1})
		case c.Value == nil:
			h.Write([]byte{2})
		default:
			binary.LittleEndian.PutUint64(n[:], math.Float64bits(*c.Value))
			h.Write(n[:])
			if c.SuppressedForOthers {
				h.Write([]byte{3})
			}
		}
	}
	var key [32]byte
	h.Sum(key[:0])
	return key
}

package store

import (
	"context"
	"strings"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/refdata"
)

// Organisation is a municipality, wellbeing services county, regional centre,
// KEHA-keskus, the ministry or a (not yet supported) service provider.
type Organisation struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Code   string `json:"code"`
	NameFi string `json:"name_fi"`
	NameSv string `json:"name_sv"`
}

// LoadReferenceData upserts the organisations from the embedded reference
// data (idempotent; run by every migrate).
func (s *Store) LoadReferenceData(ctx context.Context) error {
	ref := s.ref
	src := refdata.Source
	year := refdata.ClassificationYear
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.trail.EnsureChains(ctx, tx); err != nil {
			return err
		}
		for _, r := range ref.Regions {
			if _, err := tx.Exec(ctx, `INSERT INTO regions (code, name_fi, name_sv) VALUES ($1, $2, $3)
				ON CONFLICT (code) DO UPDATE SET name_fi = excluded.name_fi, name_sv = excluded.name_sv`, r.Code, r.NameFi, r.NameSv); err != nil {
				return err
			}
		}
		up := func(id, kind, code, fi, sv string, county, region any, regionCodes string, from, until any, source string, year any) error {
			_, err := tx.Exec(ctx, `INSERT INTO organisations (id, kind, code, name_fi, name_sv, wellbeing_county_code, region_code,
				region_codes, valid_from, valid_until, source, classification_year)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, code = excluded.code, name_fi = excluded.name_fi,
				name_sv = excluded.name_sv, wellbeing_county_code = excluded.wellbeing_county_code,
				region_code = excluded.region_code, region_codes = excluded.region_codes, valid_from = excluded.valid_from,
				valid_until = excluded.valid_until, source = excluded.source, classification_year = excluded.classification_year`,
				id, kind, code, fi, sv, county, region, regionCodes, from, until, source, year)
			return err
		}
		for _, m := range ref.Municipalities {
			if err := up("municipality:"+m.Code, "municipality", m.Code, m.NameFi, m.NameSv, m.WellbeingCountyCode, m.RegionCode, "", nil, nil, src, year); err != nil {
				return err
			}
		}
		for _, c := range ref.WellbeingCounties {
			if err := up("wellbeing_county:"+c.Code, "wellbeing_county", c.Code, c.NameFi, c.NameSv, nil, nil, "", nil, nil, src, year); err != nil {
				return err
			}
		}
		for _, c := range ref.RegionalCentres {
			if err := up("regional_centre:"+c.Slug, "regional_centre", c.Slug, c.NameFi, c.NameSv, nil, nil,
				strings.Join(c.RegionCodes, " "), nullIfEmpty(c.ValidFrom), nullIfEmpty(c.ValidUntil), "TEM / "+c.Kind+" (see refdata SOURCES.md)", nil); err != nil {
				return err
			}
		}
		if err := up("keha", "keha", "keha", "KEHA-keskus", "KEHA-centret", nil, nil, "", nil, nil, "kotodigi", nil); err != nil {
			return err
		}
		return up("tem", "tem", "tem", "Työ- ja elinkeinoministeriö", "Arbets- och näringsministeriet", nil, nil, "", nil, nil, "kotodigi", nil)
	})
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// OrganisationByID returns an organisation; service providers
// ("service_provider:SLUG") are created on first use, since they are not in
// the reference data.
func (s *Store) OrganisationByID(ctx context.Context, id string) (Organisation, error) {
	var o Organisation
	err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id, kind, code, name_fi, name_sv FROM organisations WHERE id = $1`, id).
			Scan(&o.ID, &o.Kind, &o.Code, &o.NameFi, &o.NameSv)
	})
	if err != nil {
		if isNoRows(err) {
			return o, model.Errorf(model.CodeNotFound, "no such organisation")
		}
		return o, err
	}
	return o, nil
}

// ensureServiceProvider creates a service provider organisation.
func ensureServiceProvider(ctx context.Context, tx *db.Tx, id string) error {
	slug := strings.TrimPrefix(id, "service_provider:")
	if slug == "" || slug == id || refdata.Slug(slug) != slug {
		return model.Errorf(model.CodeValidationFailed, "a service provider id is service_provider:slug")
	}
	_, err := tx.Exec(ctx, `INSERT INTO organisations (id, kind, code, name_fi, name_sv, region_codes, source)
		VALUES ($1, 'service_provider', $2, $2, $2, '', 'kotodigi user add') ON CONFLICT (id) DO NOTHING`, id, slug)
	return err
}

// MunicipalityName returns the name of a municipality in Finnish or Swedish.
func (s *Store) MunicipalityName(code, lang string) string {
	m, ok := s.ref.Municipality(code)
	if !ok {
		return code
	}
	if lang == "sv" && m.NameSv != "" {
		return m.NameSv
	}
	return m.NameFi
}

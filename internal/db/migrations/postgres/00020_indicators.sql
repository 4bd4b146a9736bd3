-- +goose Up
-- Knowledge management (indicators). A refresh computes fine-grained
-- aggregates from the registry, rolls them up, plans the suppression of the
-- whole snapshot at once and writes its cells here; a query reads only the
-- published snapshot. Nothing here names a person.

-- Calendar months the refresh groups by: the month's days, its instants in
-- Finnish time (as UTC) and, for the age groups, the date of birth before
-- which a person has reached each age by the end of the month (the month of
-- birth decides, never the day, so coarsening a date of birth to its month
-- changes no figure). Filled by the refresh; rows never change.
CREATE TABLE indicator_months (
    month integer PRIMARY KEY,            -- year*12 + month-1
    label text NOT NULL,                  -- YYYY-MM
    first_day date NOT NULL,
    last_day date NOT NULL,
    next_first_day date NOT NULL,
    starts_at timestamptz NOT NULL,       -- 00:00 Finnish time on first_day
    ends_at timestamptz NOT NULL,         -- 00:00 Finnish time on next_first_day
    age18_born_before date NOT NULL,
    age25_born_before date NOT NULL,
    age35_born_before date NOT NULL,
    age45_born_before date NOT NULL,
    age55_born_before date NOT NULL,
    age65_born_before date NOT NULL
);

-- Citizenship (ISO 3166-1 alpha-2) → citizenship group; filled by the refresh
-- from the code's table (internal/indicators).
CREATE TABLE indicator_citizenship_groups (
    code text PRIMARY KEY,
    citizenship_group text NOT NULL
);

-- Snapshots: one per refresh. Only the published one is read.
CREATE TABLE indicator_snapshots (
    id bigserial PRIMARY KEY,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    status text NOT NULL CHECK (status IN ('building', 'published', 'discarded')),
    data_date date NOT NULL,              -- the day the data is as of (Finnish date of the refresh)
    first_month integer NOT NULL,
    last_month integer NOT NULL,
    threshold integer NOT NULL,
    indicators text NOT NULL DEFAULT '',  -- ids built, space-separated
    cells bigint NOT NULL DEFAULT 0,
    suppressed bigint NOT NULL DEFAULT 0
);

-- Cells: every figure that is not an unsuppressed zero (those are implied).
-- value is kept also when suppressed: the owning municipality sees it.
CREATE TABLE indicator_cells (
    snapshot_id bigint NOT NULL,
    indicator text NOT NULL,
    area_level text NOT NULL,
    period_level text NOT NULL,
    breakdown text NOT NULL,              -- '' = none
    period text NOT NULL,                 -- 2026-07, 2026-Q3, 2026
    area text NOT NULL,
    category text NOT NULL,               -- '' = none
    value double precision NOT NULL,
    n bigint NOT NULL,                    -- cases underlying the value
    suppressed boolean NOT NULL,
    owner text,                           -- municipality whose own figure this is
    PRIMARY KEY (snapshot_id, indicator, area_level, period_level, breakdown, period, area, category)
);

-- The published snapshot (one row); switching it is one UPDATE.
CREATE TABLE indicator_published (
    id integer PRIMARY KEY CHECK (id = 1),
    snapshot_id bigint NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON indicator_months, indicator_citizenship_groups, indicator_snapshots,
    indicator_cells, indicator_published TO kotodigi_app;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO kotodigi_app', current_schema());
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE indicator_published;
DROP TABLE indicator_cells;
DROP TABLE indicator_snapshots;
DROP TABLE indicator_citizenship_groups;
DROP TABLE indicator_months;

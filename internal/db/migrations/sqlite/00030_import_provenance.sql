-- +goose Up
-- Data migration (R14): every migrated case record keeps where it came from
-- (the source system and its record id, and the municipality that imported
-- it), like clients do; the import run that stored a client or case record is
-- kept with it. Re-running an import skips what the same municipality
-- already imported from the same source system and source id.
ALTER TABLE clients ADD COLUMN import_run text;
ALTER TABLE assessments ADD COLUMN source_municipality text;
ALTER TABLE assessments ADD COLUMN source_system text;
ALTER TABLE assessments ADD COLUMN source_id text;
ALTER TABLE assessments ADD COLUMN import_run text;
ALTER TABLE plans ADD COLUMN source_municipality text;
ALTER TABLE plans ADD COLUMN source_system text;
ALTER TABLE plans ADD COLUMN source_id text;
ALTER TABLE plans ADD COLUMN import_run text;
ALTER TABLE plan_reviews ADD COLUMN source_municipality text;
ALTER TABLE plan_reviews ADD COLUMN source_system text;
ALTER TABLE plan_reviews ADD COLUMN source_id text;
ALTER TABLE plan_reviews ADD COLUMN import_run text;
ALTER TABLE services ADD COLUMN source_municipality text;
ALTER TABLE services ADD COLUMN source_system text;
ALTER TABLE services ADD COLUMN source_id text;
ALTER TABLE services ADD COLUMN import_run text;
CREATE UNIQUE INDEX assessments_source ON assessments(source_municipality, source_system, source_id);
CREATE UNIQUE INDEX plans_source ON plans(source_municipality, source_system, source_id);
CREATE UNIQUE INDEX plan_reviews_source ON plan_reviews(source_municipality, source_system, source_id);
CREATE UNIQUE INDEX services_source ON services(source_municipality, source_system, source_id);

-- +goose Down
DROP INDEX services_source;
DROP INDEX plan_reviews_source;
DROP INDEX plans_source;
DROP INDEX assessments_source;
ALTER TABLE services DROP COLUMN import_run;
ALTER TABLE services DROP COLUMN source_id;
ALTER TABLE services DROP COLUMN source_system;
ALTER TABLE services DROP COLUMN source_municipality;
ALTER TABLE plan_reviews DROP COLUMN import_run;
ALTER TABLE plan_reviews DROP COLUMN source_id;
ALTER TABLE plan_reviews DROP COLUMN source_system;
ALTER TABLE plan_reviews DROP COLUMN source_municipality;
ALTER TABLE plans DROP COLUMN import_run;
ALTER TABLE plans DROP COLUMN source_id;
ALTER TABLE plans DROP COLUMN source_system;
ALTER TABLE plans DROP COLUMN source_municipality;
ALTER TABLE assessments DROP COLUMN import_run;
ALTER TABLE assessments DROP COLUMN source_id;
ALTER TABLE assessments DROP COLUMN source_system;
ALTER TABLE assessments DROP COLUMN source_municipality;
ALTER TABLE clients DROP COLUMN import_run;

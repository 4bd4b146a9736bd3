-- +goose Up
-- The life of a record (R16, GDPR art. 16): case records can be corrected
-- with a reason, every earlier version kept; a record entered in error is
-- kept, marked, left out of worklists and statistics. A client relationship
-- is closed with a reason and a date and can be reopened. A client has one
-- or more responsible workers. A municipality's main users are told when a
-- client is transferred in.

ALTER TABLE assessments ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN entered_in_error boolean NOT NULL DEFAULT false, ADD COLUMN updated_at timestamptz;
ALTER TABLE plans ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN entered_in_error boolean NOT NULL DEFAULT false, ADD COLUMN updated_at timestamptz;
ALTER TABLE plan_reviews ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN entered_in_error boolean NOT NULL DEFAULT false, ADD COLUMN updated_at timestamptz;
ALTER TABLE services ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN entered_in_error boolean NOT NULL DEFAULT false, ADD COLUMN updated_at timestamptz;

-- Every earlier version of a corrected case record: the record as it was
-- (content, in the API's JSON form), what the correction changed (a JSON list
-- of {field, old, new}), why, when and by whom.
CREATE TABLE case_record_versions (
    id bigserial PRIMARY KEY,
    client_id uuid NOT NULL REFERENCES clients(id),
    record_kind text NOT NULL CHECK (record_kind IN ('assessment', 'plan', 'review', 'service')),
    record_id uuid NOT NULL,
    version integer NOT NULL,             -- the version this row keeps (replaced by version + 1)
    content jsonb NOT NULL,
    changes jsonb NOT NULL,
    reason text NOT NULL,
    corrected_at timestamptz NOT NULL,
    corrected_by bigint REFERENCES accounts(id),
    UNIQUE (record_kind, record_id, version)
);
CREATE INDEX case_record_versions_client ON case_record_versions(client_id);

ALTER TABLE clients ADD COLUMN closed_reason text CHECK (closed_reason IN ('integration_period_ended', 'moved_abroad',
    'moved_to_unknown', 'deceased', 'other')), ADD COLUMN closed_date date,
    ADD CONSTRAINT clients_closed_both CHECK ((closed_reason IS NULL) = (closed_date IS NULL));

-- Responsible workers of a client; the registering worker by default.
CREATE TABLE client_responsible_workers (
    client_id uuid NOT NULL REFERENCES clients(id),
    account_id bigint NOT NULL REFERENCES accounts(id),
    assigned_at timestamptz NOT NULL,
    assigned_by bigint REFERENCES accounts(id),
    PRIMARY KEY (client_id, account_id)
);
CREATE INDEX client_responsible_workers_account ON client_responsible_workers(account_id);
INSERT INTO client_responsible_workers (client_id, account_id, assigned_at, assigned_by)
    SELECT id, created_by, created_at, created_by FROM clients WHERE created_by IS NOT NULL;

-- What a municipality's main users are told in the UI (a client transferred
-- in); seen_at when one of them has dealt with it.
CREATE TABLE municipality_notices (
    id bigserial PRIMARY KEY,
    municipality_code text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('client_transferred_in')),
    client_id uuid NOT NULL REFERENCES clients(id),
    from_municipality text,
    created_at timestamptz NOT NULL,
    seen_at timestamptz,
    seen_by bigint REFERENCES accounts(id)
);
CREATE INDEX municipality_notices_open ON municipality_notices(municipality_code, created_at) WHERE seen_at IS NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON case_record_versions, client_responsible_workers, municipality_notices TO kotodigi_app;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO kotodigi_app', current_schema());
END
$$;
-- +goose StatementEnd

ALTER TABLE case_record_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_record_versions_scope ON case_record_versions
    USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
ALTER TABLE client_responsible_workers ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_responsible_workers_scope ON client_responsible_workers
    USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
ALTER TABLE municipality_notices ENABLE ROW LEVEL SECURITY;
CREATE POLICY municipality_notices_scope ON municipality_notices
    USING (kotodigi_scope_allows(municipality_code));

-- +goose Down
DROP TABLE municipality_notices;
DROP TABLE client_responsible_workers;
ALTER TABLE clients DROP CONSTRAINT clients_closed_both, DROP COLUMN closed_date, DROP COLUMN closed_reason;
DROP TABLE case_record_versions;
ALTER TABLE services DROP COLUMN updated_at, DROP COLUMN entered_in_error, DROP COLUMN version;
ALTER TABLE plan_reviews DROP COLUMN updated_at, DROP COLUMN entered_in_error, DROP COLUMN version;
ALTER TABLE plans DROP COLUMN updated_at, DROP COLUMN entered_in_error, DROP COLUMN version;
ALTER TABLE assessments DROP COLUMN updated_at, DROP COLUMN entered_in_error, DROP COLUMN version;

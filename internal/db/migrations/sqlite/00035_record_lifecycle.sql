-- +goose Up
-- The life of a record (R16): corrections with every earlier version kept,
-- records entered in error, closing and reopening clients, responsible
-- workers, notices to main users. See the PostgreSQL file.

ALTER TABLE assessments ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE assessments ADD COLUMN entered_in_error integer NOT NULL DEFAULT 0;
ALTER TABLE assessments ADD COLUMN updated_at TIMESTAMP;
ALTER TABLE plans ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE plans ADD COLUMN entered_in_error integer NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN updated_at TIMESTAMP;
ALTER TABLE plan_reviews ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE plan_reviews ADD COLUMN entered_in_error integer NOT NULL DEFAULT 0;
ALTER TABLE plan_reviews ADD COLUMN updated_at TIMESTAMP;
ALTER TABLE services ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE services ADD COLUMN entered_in_error integer NOT NULL DEFAULT 0;
ALTER TABLE services ADD COLUMN updated_at TIMESTAMP;

CREATE TABLE case_record_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id text NOT NULL REFERENCES clients(id),
    record_kind text NOT NULL CHECK (record_kind IN ('assessment', 'plan', 'review', 'service')),
    record_id text NOT NULL,
    version integer NOT NULL,
    content text NOT NULL,
    changes text NOT NULL,
    reason text NOT NULL,
    corrected_at TIMESTAMP NOT NULL,
    corrected_by bigint REFERENCES accounts(id),
    UNIQUE (record_kind, record_id, version)
);
CREATE INDEX case_record_versions_client ON case_record_versions(client_id);

ALTER TABLE clients ADD COLUMN closed_reason text CHECK (closed_reason IN ('integration_period_ended', 'moved_abroad',
    'moved_to_unknown', 'deceased', 'other'));
ALTER TABLE clients ADD COLUMN closed_date DATE;

CREATE TABLE client_responsible_workers (
    client_id text NOT NULL REFERENCES clients(id),
    account_id bigint NOT NULL REFERENCES accounts(id),
    assigned_at TIMESTAMP NOT NULL,
    assigned_by bigint REFERENCES accounts(id),
    PRIMARY KEY (client_id, account_id)
);
CREATE INDEX client_responsible_workers_account ON client_responsible_workers(account_id);
INSERT INTO client_responsible_workers (client_id, account_id, assigned_at, assigned_by)
    SELECT id, created_by, created_at, created_by FROM clients WHERE created_by IS NOT NULL;

CREATE TABLE municipality_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('client_transferred_in')),
    client_id text NOT NULL REFERENCES clients(id),
    from_municipality text,
    created_at TIMESTAMP NOT NULL,
    seen_at TIMESTAMP,
    seen_by bigint REFERENCES accounts(id)
);
CREATE INDEX municipality_notices_open ON municipality_notices(municipality_code, created_at) WHERE seen_at IS NULL;

-- +goose Down
DROP TABLE municipality_notices;
DROP TABLE client_responsible_workers;
ALTER TABLE clients DROP COLUMN closed_date;
ALTER TABLE clients DROP COLUMN closed_reason;
DROP TABLE case_record_versions;

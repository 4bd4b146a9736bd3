-- +goose Up
-- Merging two records of one person (issue 13.5); see the PostgreSQL migration.
CREATE TABLE client_merges (
    id text PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('requested', 'refused', 'merged', 'undone')),
    client_a text NOT NULL,
    municipality_a text NOT NULL,
    client_b text NOT NULL,
    municipality_b text NOT NULL,
    survivor text NOT NULL CHECK (survivor IN ('a', 'b')),
    requested_at TIMESTAMP NOT NULL,
    requested_by bigint REFERENCES accounts(id),
    requested_by_organisation text NOT NULL DEFAULT '',
    decided_at TIMESTAMP,
    decided_by bigint REFERENCES accounts(id),
    decided_by_organisation text,
    undo_until TIMESTAMP,
    survivor_pic_before text,
    survivor_uma_before text,
    survivor_updated_before TIMESTAMP,
    undone_at TIMESTAMP,
    undone_by bigint REFERENCES accounts(id),
    undone_by_organisation text,
    CHECK (client_a <> client_b)
);
CREATE INDEX client_merges_a ON client_merges(municipality_a, requested_at);
CREATE INDEX client_merges_b ON client_merges(municipality_b, requested_at);
CREATE INDEX client_merges_client_a ON client_merges(client_a);
CREATE INDEX client_merges_client_b ON client_merges(client_b);

CREATE TABLE client_merge_snapshots (
    merge_id text PRIMARY KEY REFERENCES client_merges(id),
    id text NOT NULL,
    municipality_code text NOT NULL,
    personal_identity_code text,
    uma_number text,
    first_names text NOT NULL,
    last_name text NOT NULL,
    name_search text NOT NULL,
    date_of_birth DATE NOT NULL,
    residence_type text NOT NULL,
    residence_valid_until DATE,
    first_permit_date DATE,
    residence_permanent integer NOT NULL DEFAULT 0,
    service_language text NOT NULL,
    email text,
    phone text,
    right_to_work text NOT NULL DEFAULT '',
    jobseeker integer NOT NULL DEFAULT 0,
    source_system text,
    source_id text,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by bigint,
    sex text,
    citizenships text,
    mother_tongue text,
    arrival_date date,
    client_group text,
    import_run text,
    closed_reason text,
    closed_date DATE
);

CREATE TABLE client_merge_moves (
    merge_id text NOT NULL REFERENCES client_merges(id),
    table_name text NOT NULL,
    row_id text NOT NULL,
    PRIMARY KEY (merge_id, table_name, row_id)
);

-- +goose Down
DROP TABLE client_merge_moves;
DROP TABLE client_merge_snapshots;
DROP TABLE client_merges;

-- +goose Up
-- Merging two records of one person (issue 13.5). A merge is requested by
-- one responsible municipality's main user and approved (or refused) by the
-- other's, or decided alone by a KEHA-keskus admin. The merge moves the case
-- records to the surviving record and removes the other; what an undo needs
-- is kept here: the removed record's row as it was (client_merge_snapshots,
-- every column of clients), the rows moved (client_merge_moves) and the
-- survivor's identifiers before the merge. undo_until is judged by the
-- database's clock.
CREATE TABLE client_merges (
    id uuid PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('requested', 'refused', 'merged', 'undone')),
    client_a uuid NOT NULL,               -- the requesting side's record (KEHA: the first named)
    municipality_a text NOT NULL,
    client_b uuid NOT NULL,               -- the other record
    municipality_b text NOT NULL,
    survivor text NOT NULL CHECK (survivor IN ('a', 'b')),
    requested_at timestamptz NOT NULL,
    requested_by bigint REFERENCES accounts(id),
    requested_by_organisation text NOT NULL DEFAULT '',
    decided_at timestamptz,
    decided_by bigint REFERENCES accounts(id),
    decided_by_organisation text,
    undo_until timestamptz,
    survivor_pic_before text,
    survivor_uma_before text,
    survivor_updated_before timestamptz,
    undone_at timestamptz,
    undone_by bigint REFERENCES accounts(id),
    undone_by_organisation text,
    CHECK (client_a <> client_b)
);
CREATE INDEX client_merges_a ON client_merges(municipality_a, requested_at);
CREATE INDEX client_merges_b ON client_merges(municipality_b, requested_at);
CREATE INDEX client_merges_client_a ON client_merges(client_a);
CREATE INDEX client_merges_client_b ON client_merges(client_b);

-- The removed record as it was: the columns of clients (a test checks that
-- every column of clients is here).
CREATE TABLE client_merge_snapshots (
    merge_id uuid PRIMARY KEY REFERENCES client_merges(id),
    id uuid NOT NULL,
    municipality_code text NOT NULL,
    personal_identity_code text,
    uma_number text,
    first_names text NOT NULL,
    last_name text NOT NULL,
    name_search text NOT NULL,
    date_of_birth date NOT NULL,
    residence_type text NOT NULL,
    residence_valid_until date,
    first_permit_date date,
    residence_permanent boolean NOT NULL DEFAULT false,
    service_language text NOT NULL,
    email text,
    phone text,
    right_to_work text NOT NULL DEFAULT '',
    jobseeker boolean NOT NULL DEFAULT false,
    source_system text,
    source_id text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    created_by bigint,
    sex text,
    citizenships text,
    mother_tongue text,
    arrival_date date,
    client_group text,
    import_run text,
    closed_reason text,
    closed_date date
);

-- Rows of the removed record's tables that the merge moved to the survivor.
CREATE TABLE client_merge_moves (
    merge_id uuid NOT NULL REFERENCES client_merges(id),
    table_name text NOT NULL,
    row_id text NOT NULL,
    PRIMARY KEY (merge_id, table_name, row_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON client_merges, client_merge_snapshots, client_merge_moves TO kotodigi_app;
-- A merge moves a legal hold to the surviving record (and an undo back).
GRANT UPDATE ON client_legal_holds TO kotodigi_app;

ALTER TABLE client_merges ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_merges_scope ON client_merges
    USING (kotodigi_scope_allows(municipality_a) OR kotodigi_scope_allows(municipality_b));
ALTER TABLE client_merge_snapshots ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_merge_snapshots_scope ON client_merge_snapshots
    USING (EXISTS (SELECT 1 FROM client_merges m WHERE m.id = merge_id));
ALTER TABLE client_merge_moves ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_merge_moves_scope ON client_merge_moves
    USING (EXISTS (SELECT 1 FROM client_merges m WHERE m.id = merge_id));

-- +goose Down
DROP TABLE client_merge_moves;
DROP TABLE client_merge_snapshots;
DROP TABLE client_merges;

-- +goose Up
-- Data migration from the web UI (issue 12): a main user's uploaded file
-- waits here to be checked (a dry run), confirmed and imported by a
-- background job on any instance (leased, so that a restarted server takes
-- it up again; the import's re-run rule skips what was stored). The file
-- itself is removed when the job ends; the reports hold codes only, the
-- reject file the rejected rows (personal data, for the municipality's main
-- users only, removed with the upload).
CREATE TABLE import_uploads (
    id text PRIMARY KEY,
    municipality_code text NOT NULL,
    kind text NOT NULL,
    format text NOT NULL,
    content bytea,
    mapping text,
    source_system text NOT NULL,
    accept_expired boolean NOT NULL DEFAULT false,
    state text NOT NULL CHECK (state IN ('checking', 'checked', 'queued', 'running', 'done', 'failed', 'discarded')),
    rows_done integer NOT NULL DEFAULT 0,
    rows_total integer NOT NULL DEFAULT 0,
    check_report text,
    report text,
    rejects bytea,
    error text,
    created_by bigint NOT NULL REFERENCES accounts(id),
    confirmed_by bigint REFERENCES accounts(id),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    lease_owner text,
    lease_until timestamptz
);
CREATE INDEX import_uploads_municipality ON import_uploads(municipality_code, created_at);
CREATE INDEX import_uploads_state ON import_uploads(state);
GRANT SELECT, INSERT, UPDATE, DELETE ON import_uploads TO kotodigi_app;
ALTER TABLE import_uploads ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_uploads_scope ON import_uploads USING (kotodigi_scope_allows(municipality_code));

-- +goose Down
DROP TABLE import_uploads;

-- +goose Up
-- Background jobs (leased rows), anomalies of the log monitoring and the
-- retention checkpoints of the audit chains. See the PostgreSQL file.
CREATE TABLE jobs (
    name text PRIMARY KEY,
    next_run_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    locked_by text,
    last_run_at TIMESTAMP,
    last_error text,
    cursor_id bigint NOT NULL DEFAULT 0
);

CREATE TABLE anomalies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    account_id bigint REFERENCES accounts(id),
    actor_email text NOT NULL DEFAULT '',
    municipality_code text,
    dedup_key text NOT NULL UNIQUE,
    summary text NOT NULL,
    detected_at TIMESTAMP NOT NULL,
    status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'dismissed', 'reported', 'closed')),
    reviewed_by bigint REFERENCES accounts(id),
    reported_at TIMESTAMP,
    reported_by bigint REFERENCES accounts(id),
    monitor_note text NOT NULL DEFAULT '',
    finding text CHECK (finding IN ('misuse', 'not_misuse', 'unclear')),
    finding_note text NOT NULL DEFAULT '',
    finding_at TIMESTAMP,
    finding_by bigint REFERENCES accounts(id),
    grants_revoked integer NOT NULL DEFAULT 0
);
CREATE INDEX anomalies_municipality ON anomalies(municipality_code, status);

CREATE TABLE anomaly_events (
    anomaly_id bigint NOT NULL REFERENCES anomalies(id),
    event_id bigint NOT NULL REFERENCES audit_events(id),
    PRIMARY KEY (anomaly_id, event_id)
);

CREATE TABLE audit_checkpoints (
    shard integer PRIMARY KEY,
    seq bigint NOT NULL,
    hash BLOB NOT NULL,
    cut_at TIMESTAMP NOT NULL,
    removed bigint NOT NULL
);

-- +goose Down
DROP TABLE audit_checkpoints;
DROP TABLE anomaly_events;
DROP TABLE anomalies;
DROP TABLE jobs;

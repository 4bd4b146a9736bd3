-- +goose Up
-- Background jobs: any instance takes a due job by leasing its row, so none is
-- lost on restart and no two instances run the same job at once.
CREATE TABLE jobs (
    name text PRIMARY KEY,
    next_run_at timestamptz NOT NULL,
    locked_until timestamptz,
    locked_by text,
    last_run_at timestamptz,
    last_error text,
    cursor_id bigint NOT NULL DEFAULT 0   -- e.g. the last audit event examined
);

-- Anomalies found in the audit trail by KEHA-keskus' log monitoring (R10).
CREATE TABLE anomalies (
    id bigserial PRIMARY KEY,
    rule text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    account_id bigint REFERENCES accounts(id),
    actor_email text NOT NULL DEFAULT '',
    municipality_code text,
    dedup_key text NOT NULL UNIQUE,
    summary text NOT NULL,
    detected_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'dismissed', 'reported', 'closed')),
    reviewed_by bigint REFERENCES accounts(id),
    reported_at timestamptz,
    reported_by bigint REFERENCES accounts(id),
    monitor_note text NOT NULL DEFAULT '',
    finding text CHECK (finding IN ('misuse', 'not_misuse', 'unclear')),
    finding_note text NOT NULL DEFAULT '',
    finding_at timestamptz,
    finding_by bigint REFERENCES accounts(id),
    grants_revoked integer NOT NULL DEFAULT 0
);
CREATE INDEX anomalies_municipality ON anomalies(municipality_code, status);

CREATE TABLE anomaly_events (
    anomaly_id bigint NOT NULL REFERENCES anomalies(id),
    event_id bigint NOT NULL REFERENCES audit_events(id),
    PRIMARY KEY (anomaly_id, event_id)
);

-- Retention cuts: the last removed event of each chain, so that the chain
-- stays verifiable from there on.
CREATE TABLE audit_checkpoints (
    shard integer PRIMARY KEY,
    seq bigint NOT NULL,
    hash bytea NOT NULL,
    cut_at timestamptz NOT NULL,
    removed bigint NOT NULL
);

-- The application role may remove audit events only through this function,
-- which keeps at least one year and records the cut.
-- +goose StatementBegin
CREATE FUNCTION kotodigi_audit_retention(cutoff timestamptz, now_ts timestamptz) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    r record;
    total bigint := 0;
    n bigint;
BEGIN
    IF cutoff > now_ts - interval '365 days' THEN
        RAISE EXCEPTION 'audit retention must keep at least one year';
    END IF;
    FOR r IN SELECT shard, max(seq) AS seq FROM audit_events WHERE at < cutoff GROUP BY shard LOOP
        INSERT INTO audit_checkpoints (shard, seq, hash, cut_at, removed)
            SELECT shard, seq, hash, now_ts, 0 FROM audit_events WHERE shard = r.shard AND seq = r.seq
            ON CONFLICT (shard) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, cut_at = excluded.cut_at;
        DELETE FROM anomaly_events WHERE event_id IN (SELECT id FROM audit_events WHERE shard = r.shard AND seq <= r.seq);
        DELETE FROM audit_event_clients WHERE event_id IN (SELECT id FROM audit_events WHERE shard = r.shard AND seq <= r.seq);
        DELETE FROM audit_events WHERE shard = r.shard AND seq <= r.seq;
        GET DIAGNOSTICS n = ROW_COUNT;
        UPDATE audit_checkpoints SET removed = removed + n WHERE shard = r.shard;
        total := total + n;
    END LOOP;
    RETURN total;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION kotodigi_audit_retention(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kotodigi_audit_retention(timestamptz, timestamptz) TO kotodigi_app;
GRANT SELECT, INSERT, UPDATE ON jobs, anomalies TO kotodigi_app;
GRANT SELECT, INSERT ON anomaly_events TO kotodigi_app;
GRANT SELECT ON audit_checkpoints TO kotodigi_app;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO kotodigi_app', current_schema());
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION kotodigi_audit_retention(timestamptz, timestamptz);
DROP TABLE audit_checkpoints;
DROP TABLE anomaly_events;
DROP TABLE anomalies;
DROP TABLE jobs;

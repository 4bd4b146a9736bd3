-- +goose Up
-- Audit retention trusted the time its caller passed (kotodigi_audit_retention(cutoff, now)):
-- the application role could pass a time in the future and remove every event. The function
-- now takes only how long to keep, reads the time from the database's own clock and refuses
-- to keep less than a year. It returns the checkpoint it wrote for each chain it cut (the
-- caller seals them with the audit key, which never reaches the database).
DROP FUNCTION kotodigi_audit_retention(timestamptz, timestamptz);
-- +goose StatementBegin
CREATE FUNCTION kotodigi_audit_retention(keep interval)
    RETURNS TABLE (chain integer, chain_position bigint, chain_hash bytea, removed_events bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    r record;
    n bigint;
    cutoff timestamptz := now() - keep;
BEGIN
    IF cutoff IS NULL OR cutoff > now() - interval '365 days' THEN
        RAISE EXCEPTION 'audit retention must keep at least one year';
    END IF;
    FOR r IN SELECT e.shard, max(e.seq) AS seq FROM audit_events e WHERE e.at < cutoff GROUP BY e.shard ORDER BY e.shard LOOP
        INSERT INTO audit_checkpoints (shard, seq, hash, cut_at, removed)
            SELECT e.shard, e.seq, e.hash, now(), 0 FROM audit_events e WHERE e.shard = r.shard AND e.seq = r.seq
            ON CONFLICT (shard) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, cut_at = excluded.cut_at;
        DELETE FROM anomaly_events WHERE event_id IN (SELECT e.id FROM audit_events e WHERE e.shard = r.shard AND e.seq <= r.seq);
        DELETE FROM audit_event_clients WHERE event_id IN (SELECT e.id FROM audit_events e WHERE e.shard = r.shard AND e.seq <= r.seq);
        DELETE FROM audit_events e WHERE e.shard = r.shard AND e.seq <= r.seq;
        GET DIAGNOSTICS n = ROW_COUNT;
        UPDATE audit_checkpoints c SET removed = c.removed + n WHERE c.shard = r.shard;
        RETURN QUERY SELECT c.shard, c.seq, c.hash, n FROM audit_checkpoints c WHERE c.shard = r.shard;
    END LOOP;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION kotodigi_audit_retention(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kotodigi_audit_retention(interval) TO kotodigi_app;
-- Appending never deletes a chain head.
REVOKE DELETE, TRUNCATE ON audit_chain_heads FROM kotodigi_app;

-- +goose Down
GRANT DELETE ON audit_chain_heads TO kotodigi_app;
DROP FUNCTION kotodigi_audit_retention(interval);
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

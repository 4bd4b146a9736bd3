-- pgbench custom script: the raw database work of one audited client read in
-- kotodigi, without kotodigi. One transaction: the client SELECT by primary
-- key (the columns the store reads) plus one plain INSERT of an audit event
-- with the columns audit.Trail.Append writes. No grant check, no hash chain.
--
-- Tables: kotodigi's own, in a scratch schema prepared by
--   kotodigi-load --raw-postgres URL --raw-schema kd_raw --raw-keep --raw-clients 10000
-- which holds clients 00000000-0000-4000-8000-000000000001 … -000000010000.
-- Run (bench/run.sh does):
--   PGOPTIONS='-c search_path=kd_raw' pgbench -h 127.0.0.1 -U postgres -n \
--     -c 16 -j 2 -T 20 -M prepared -D nclients=10000 -f bench/pgbench_read_audit.sql kotodigi_bench
-- Audit rows go to shard 2000 + pgbench client, with a random seq (unique
-- (shard, seq); a collision in 2^62 is not expected).
\set n random(1, :nclients)
\set seq random(1, 4611686018427387903)
BEGIN;
SELECT c.id, c.municipality_code, c.personal_identity_code, c.uma_number, c.first_names, c.last_name,
	c.date_of_birth, c.residence_type, c.residence_valid_until, c.first_permit_date, c.residence_permanent,
	c.service_language, c.email, c.phone, c.right_to_work, c.jobseeker, c.created_at, c.updated_at
	FROM clients c WHERE c.id = ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid;
INSERT INTO audit_events (shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
	action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, prev_hash, hash)
	VALUES (2000 + :client_id, :seq, now(), 1, 'raw@bench.example', 'municipality:091', 1,
	'client.read', 'allowed', ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid, '091', NULL,
	'127.0.0.1', 't:1', 'pgbench', '', decode(repeat('00', 32), 'hex'), sha256(:seq::text::bytea));
END;

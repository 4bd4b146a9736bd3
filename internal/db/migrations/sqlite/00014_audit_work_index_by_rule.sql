-- +goose Up
-- Log monitoring's reads_without_work rule asks whether an account did any
-- work on a client: an action whose authz rule says Work. The partial index
-- of work events names exactly those actions, sorted, as the query in
-- store/anomalies.go does (a test compares them with authz.Rules); before,
-- it listed the reads to leave out by hand.
DROP INDEX audit_events_work;
CREATE INDEX audit_events_work ON audit_events(actor_account_id, client_id)
    WHERE outcome = 'allowed' AND action IN ('assessment.create', 'client.create', 'client.import', 'client.transfer',
        'client.update', 'plan.create', 'plan.review', 'service.create');

-- +goose Down
DROP INDEX audit_events_work;
CREATE INDEX audit_events_work ON audit_events(actor_account_id, client_id)
    WHERE outcome = 'allowed' AND action NOT IN ('client.read', 'client.search', 'timeline.read', 'audit.read',
        'plan.read', 'assessment.read', 'service.read');

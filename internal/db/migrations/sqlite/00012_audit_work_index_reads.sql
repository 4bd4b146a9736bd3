-- +goose Up
-- Reading a plan, an assessment or a service is not work on the client
-- either (reads_without_work): the partial index of work events leaves them
-- out too. The query in store/anomalies.go names the same actions.
DROP INDEX audit_events_work;
CREATE INDEX audit_events_work ON audit_events(actor_account_id, client_id)
    WHERE outcome = 'allowed' AND action NOT IN ('client.read', 'client.search', 'timeline.read', 'audit.read',
        'plan.read', 'assessment.read', 'service.read');

-- +goose Down
DROP INDEX audit_events_work;
CREATE INDEX audit_events_work ON audit_events(actor_account_id, client_id)
    WHERE outcome = 'allowed' AND action NOT IN ('client.read', 'client.search', 'timeline.read', 'audit.read');

-- +goose Up
-- The work actions of log monitoring's reads_without_work rule (see 00014)
-- now include corrections of case records and closing and reopening clients.
DROP INDEX audit_events_work;
CREATE INDEX audit_events_work ON audit_events(actor_account_id, client_id)
    WHERE outcome = 'allowed' AND action IN ('assessment.create', 'assessment.update', 'client.close', 'client.create',
        'client.import', 'client.reopen', 'client.transfer', 'client.update', 'plan.create', 'plan.review', 'plan.update',
        'review.update', 'service.create', 'service.update');

-- +goose Down
DROP INDEX audit_events_work;
CREATE INDEX audit_events_work ON audit_events(actor_account_id, client_id)
    WHERE outcome = 'allowed' AND action IN ('assessment.create', 'client.create', 'client.import', 'client.transfer',
        'client.update', 'plan.create', 'plan.review', 'service.create');

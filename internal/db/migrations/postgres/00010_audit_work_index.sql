-- +goose Up
-- Log monitoring's reads_without_work rule asks, for each client an account
-- read, whether the account did any work on the client. Only work events are
-- indexed here, so the answer is one index probe however many reads there are.
CREATE INDEX audit_events_work ON audit_events(actor_account_id, client_id)
    WHERE outcome = 'allowed' AND action NOT IN ('client.read', 'client.search', 'timeline.read', 'audit.read');

-- +goose Down
DROP INDEX audit_events_work;

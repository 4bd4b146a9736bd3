-- +goose Up
-- Outgoing e-mail (an outbox): written in the same transaction as what it
-- tells about, sent by a background job, so nothing is lost. Messages never
-- contain personal data of clients.
CREATE TABLE notifications (
    id bigserial PRIMARY KEY,
    to_email text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX notifications_unsent ON notifications(id) WHERE sent_at IS NULL;
GRANT SELECT, INSERT, UPDATE ON notifications TO kotodigi_app;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO kotodigi_app', current_schema());
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE notifications;

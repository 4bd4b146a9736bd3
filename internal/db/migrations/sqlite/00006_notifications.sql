-- +goose Up
-- Outgoing e-mail (an outbox), sent by a background job. See the PostgreSQL file.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_email text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    attempts integer NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX notifications_unsent ON notifications(id) WHERE sent_at IS NULL;

-- +goose Down
DROP TABLE notifications;

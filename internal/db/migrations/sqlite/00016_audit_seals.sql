-- +goose Up
-- Seals (internal/audit/key.go): an HMAC made with the audit key, kept outside the database.
-- NULL: written before seals existed.
ALTER TABLE audit_events ADD COLUMN seal blob;
ALTER TABLE audit_checkpoints ADD COLUMN seal blob;

-- +goose Down
ALTER TABLE audit_checkpoints DROP COLUMN seal;
ALTER TABLE audit_events DROP COLUMN seal;

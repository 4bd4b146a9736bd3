-- +goose Up
-- Seals (internal/audit/key.go): an HMAC made in the application with the audit key, which is
-- kept outside the database. An event's seal covers its content and the clients it showed, and
-- the event's hash now covers its seal and its id. NULL: written before seals existed.
ALTER TABLE audit_events ADD COLUMN seal bytea;
-- A retention checkpoint's seal covers its chain, position and hash. The retention function
-- writes the checkpoint; the application seals it in the same transaction.
ALTER TABLE audit_checkpoints ADD COLUMN seal bytea;
GRANT UPDATE (seal) ON audit_checkpoints TO kotodigi_app;

-- +goose Down
REVOKE UPDATE (seal) ON audit_checkpoints FROM kotodigi_app;
ALTER TABLE audit_checkpoints DROP COLUMN seal;
ALTER TABLE audit_events DROP COLUMN seal;

-- +goose Up
-- Kept the same as PostgreSQL's schema (see that file). On SQLite the hash is
-- computed in Go and the column stays empty.
ALTER TABLE audit_chain_heads ADD COLUMN prev_hash blob;

-- +goose Down
ALTER TABLE audit_chain_heads DROP COLUMN prev_hash;

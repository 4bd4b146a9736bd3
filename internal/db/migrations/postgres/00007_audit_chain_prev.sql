-- +goose Up
-- The head of each audit hash chain also keeps the hash before the newest
-- event, so that an append reads and advances the head in one UPDATE under its
-- row lock (SET prev_hash = hash, hash = sha256(hash || event)); before this
-- it took a SELECT … FOR UPDATE and then an UPDATE, which made appends to a
-- busy chain wait longer and cost more.
ALTER TABLE audit_chain_heads ADD COLUMN prev_hash bytea;

-- +goose Down
ALTER TABLE audit_chain_heads DROP COLUMN prev_hash;

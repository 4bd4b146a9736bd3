-- +goose Up
-- Row-level security exists only on PostgreSQL; SQLite relies on the store's
-- scoped SQL. This file keeps the version numbers of both dialects equal.
SELECT 1;

-- +goose Down
SELECT 1;

-- +goose Up
-- PostgreSQL only (its audit retention function now reads the database's clock); on SQLite
-- audit.Retain does the same checks in Go. Kept so that both engines have the same numbers.
SELECT 1;

-- +goose Down
SELECT 1;

-- +goose Up
-- PostgreSQL changes a row-level security policy here (see that file); SQLite
-- has none. The file keeps the two schemas' versions equal.
SELECT 1;

-- +goose Down
SELECT 1;

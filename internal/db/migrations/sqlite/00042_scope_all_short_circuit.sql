-- +goose Up
-- PostgreSQL only (row-level security policies); the number is kept in step.
SELECT 1;

-- +goose Down
SELECT 1;

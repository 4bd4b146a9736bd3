-- +goose Up
-- PostgreSQL announces changes to accounts, grants and tokens (see that file).
-- SQLite has no notifications; kotodigi caches no principals on SQLite, so
-- nothing is needed here. The file keeps the two schemas' versions equal.
SELECT 1;

-- +goose Down
SELECT 1;

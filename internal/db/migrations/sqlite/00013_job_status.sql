-- +goose Up
-- What operators see of each background job (the jobs page, GET /readyz):
-- its schedule, when its last run started and ended, its last success, its
-- last error (a safe description, never personal data) and when it was,
-- how many runs in a row have failed, and how far behind the newest audit
-- event it is (the anomaly job; measured at the end of each run).
ALTER TABLE jobs ADD COLUMN every_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN registered_at TIMESTAMP;
ALTER TABLE jobs ADD COLUMN last_started_at TIMESTAMP;
ALTER TABLE jobs ADD COLUMN last_success_at TIMESTAMP;
ALTER TABLE jobs ADD COLUMN last_error_at TIMESTAMP;
ALTER TABLE jobs ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN lag_events INTEGER;
ALTER TABLE jobs ADD COLUMN lag_seconds INTEGER;

-- +goose Down
ALTER TABLE jobs DROP COLUMN lag_seconds;
ALTER TABLE jobs DROP COLUMN lag_events;
ALTER TABLE jobs DROP COLUMN consecutive_failures;
ALTER TABLE jobs DROP COLUMN last_error_at;
ALTER TABLE jobs DROP COLUMN last_success_at;
ALTER TABLE jobs DROP COLUMN last_started_at;
ALTER TABLE jobs DROP COLUMN registered_at;
ALTER TABLE jobs DROP COLUMN every_seconds;

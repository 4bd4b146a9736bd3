-- +goose Up
-- Statutory due dates for the indicator of overdue deadlines, per calendar
-- day: the day itself moved off weekends and holidays (a planned date or a
-- planned review), and the due dates of plan preparation after an
-- assessment and of guidance to a service after a plan starts, as the
-- worklist's rules (internal/casepolicy) give them under the case policy
-- named in indicator_settings. Filled by the refresh; refilled when the
-- policy changes.
CREATE TABLE indicator_days (
    day date PRIMARY KEY,
    business_day date NOT NULL,
    preparation_due date NOT NULL,
    guidance_due date NOT NULL
);

CREATE TABLE indicator_settings (
    name text PRIMARY KEY,
    value text NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON indicator_days, indicator_settings TO kotodigi_app;

-- +goose Down
DROP TABLE indicator_settings;
DROP TABLE indicator_days;

-- +goose Up
-- Retention by record class (issue 13.3); see the PostgreSQL migration.
CREATE TABLE client_legal_holds (
    client_id text PRIMARY KEY REFERENCES clients(id),
    reason text NOT NULL,
    set_at TIMESTAMP NOT NULL,
    set_by bigint REFERENCES accounts(id),
    set_by_organisation text NOT NULL DEFAULT ''
);

CREATE TABLE indicator_frozen_facts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    indicator text NOT NULL,
    month integer NOT NULL,
    municipality text NOT NULL,
    categories text NOT NULL,
    days integer NOT NULL,
    count bigint NOT NULL,
    den bigint NOT NULL,
    frozen_at TIMESTAMP NOT NULL
);
CREATE INDEX indicator_frozen_facts_month ON indicator_frozen_facts(month);

-- +goose Down
DROP TABLE indicator_frozen_facts;
DROP TABLE client_legal_holds;

-- +goose Up
-- Retention by record class (issue 13.3). A legal hold on a client stops
-- retention from removing it. Frozen facts keep what removed records
-- counted in the indicators, without anything that names a person, so that
-- a refresh after a removal publishes the same figures.
CREATE TABLE client_legal_holds (
    client_id uuid PRIMARY KEY REFERENCES clients(id),
    reason text NOT NULL,
    set_at timestamptz NOT NULL,
    set_by bigint REFERENCES accounts(id),
    set_by_organisation text NOT NULL DEFAULT ''
);

-- One row per indicator fact removed: the indicator's month, municipality
-- and categories (a JSON array of the breakdown dimensions' values), the
-- days of a median, and the count and denominator removed.
CREATE TABLE indicator_frozen_facts (
    id bigserial PRIMARY KEY,
    indicator text NOT NULL,
    month integer NOT NULL,
    municipality text NOT NULL,
    categories text NOT NULL,
    days integer NOT NULL,
    count bigint NOT NULL,
    den bigint NOT NULL,
    frozen_at timestamptz NOT NULL
);
CREATE INDEX indicator_frozen_facts_month ON indicator_frozen_facts(month);

GRANT SELECT, INSERT, DELETE ON client_legal_holds TO kotodigi_app;
GRANT SELECT, INSERT ON indicator_frozen_facts TO kotodigi_app;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO kotodigi_app', current_schema());
END
$$;
-- +goose StatementEnd

ALTER TABLE client_legal_holds ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_legal_holds_scope ON client_legal_holds
    USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));

-- +goose Down
DROP TABLE indicator_frozen_facts;
DROP TABLE client_legal_holds;

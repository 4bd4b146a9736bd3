-- +goose Up
-- Case records (Decree 874/2024 §§ 1–3, Act 681/2023 §§ 14, 16): assessments,
-- integration plans and their reviews, services, and transfers of a client
-- to another municipality. Every row belongs to one client; row-level
-- security follows the client (see 00002).

-- Competence and integration service-needs assessment (§ 14). content,
-- preparers and sources are JSON as validated by the application.
CREATE TABLE assessments (
    id uuid PRIMARY KEY,
    client_id uuid NOT NULL REFERENCES clients(id),
    municipality_code text NOT NULL,      -- responsible municipality when recorded
    date date NOT NULL,
    content jsonb NOT NULL,
    plan_needed boolean,                  -- content.integration_plan_needed, for the worklist
    specifying_measures text NOT NULL DEFAULT '',
    planned_plan_date date,
    preparers jsonb NOT NULL,
    sources jsonb NOT NULL,
    wellbeing_county_participated boolean NOT NULL DEFAULT false,
    eligibility_exception text CHECK (eligibility_exception IN ('trafficking_victim')),
    eligibility_checked boolean NOT NULL, -- false: first_permit_date was unknown
    created_at timestamptz NOT NULL,
    created_by bigint REFERENCES accounts(id)
);
CREATE INDEX assessments_client ON assessments(client_id, date);

-- Integration plan (§ 16).
CREATE TABLE plans (
    id uuid PRIMARY KEY,
    client_id uuid NOT NULL REFERENCES clients(id),
    municipality_code text NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL,
    goals text NOT NULL,
    measures jsonb NOT NULL,
    preparers jsonb NOT NULL,
    planned_review_date date,
    sources jsonb NOT NULL,
    exceeds_two_years_reason text,
    eligibility_exception text CHECK (eligibility_exception IN ('trafficking_victim')),
    eligibility_checked boolean NOT NULL,
    created_at timestamptz NOT NULL,
    created_by bigint REFERENCES accounts(id),
    CHECK (end_date >= start_date)
);
CREATE INDEX plans_client ON plans(client_id, start_date);

-- Review (tarkistus) of a plan (Decree 874/2024 § 3).
CREATE TABLE plan_reviews (
    id uuid PRIMARY KEY,
    plan_id uuid NOT NULL REFERENCES plans(id),
    client_id uuid NOT NULL REFERENCES clients(id),
    date date NOT NULL,
    changes text NOT NULL,
    created_at timestamptz NOT NULL,
    created_by bigint REFERENCES accounts(id)
);
CREATE INDEX plan_reviews_plan ON plan_reviews(plan_id, date);
CREATE INDEX plan_reviews_client ON plan_reviews(client_id);

-- Services recorded for a client (never the employment authority's services
-- of a jobseeker, R6).
CREATE TABLE services (
    id uuid PRIMARY KEY,
    client_id uuid NOT NULL REFERENCES clients(id),
    municipality_code text NOT NULL,
    service_type text NOT NULL CHECK (service_type IN ('civic_orientation', 'integration_training', 'language_course',
        'guidance_and_counselling', 'other')),
    date date NOT NULL,
    end_date date,
    provider text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    attendance text CHECK (attendance IN ('attended', 'missed', 'cancelled')),
    final_language_test jsonb,
    missed_with_interpreter_costs boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    created_by bigint REFERENCES accounts(id)
);
CREATE INDEX services_client ON services(client_id, date);

-- Transfers of a client to another responsible municipality. The previous
-- municipality keeps read access until read_until (inclusive).
CREATE TABLE client_transfers (
    id uuid PRIMARY KEY,
    client_id uuid NOT NULL REFERENCES clients(id),
    from_municipality text NOT NULL,
    to_municipality text NOT NULL,
    reason text NOT NULL,
    transferred_at timestamptz NOT NULL,
    read_until date NOT NULL,
    created_by bigint REFERENCES accounts(id),
    CHECK (from_municipality <> to_municipality)
);
CREATE INDEX client_transfers_client ON client_transfers(client_id, read_until);

GRANT SELECT, INSERT, UPDATE, DELETE ON assessments, plans, plan_reviews, services, client_transfers TO kotodigi_app;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO kotodigi_app', current_schema());
END
$$;
-- +goose StatementEnd

ALTER TABLE assessments ENABLE ROW LEVEL SECURITY;
CREATE POLICY assessments_scope ON assessments
    USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));

ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
CREATE POLICY plans_scope ON plans
    USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));

ALTER TABLE plan_reviews ENABLE ROW LEVEL SECURITY;
CREATE POLICY plan_reviews_scope ON plan_reviews
    USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));

ALTER TABLE services ENABLE ROW LEVEL SECURITY;
CREATE POLICY services_scope ON services
    USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));

-- A transfer is visible to both municipalities. This policy must not refer to
-- clients: the clients policy below refers to client_transfers.
ALTER TABLE client_transfers ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_transfers_scope ON client_transfers
    USING (kotodigi_scope_allows(from_municipality) OR kotodigi_scope_allows(to_municipality));

-- The previous municipality may still read (never write) a transferred
-- client. The fence is coarse: the read period (read_until) is enforced by
-- the store's scoped SQL, which judges dates by the application's clock.
CREATE POLICY clients_transferred_read ON clients FOR SELECT
    USING (EXISTS (SELECT 1 FROM client_transfers t
        WHERE t.client_id = clients.id AND kotodigi_scope_allows(t.from_municipality)));

-- +goose Down
DROP POLICY clients_transferred_read ON clients;
DROP TABLE client_transfers;
DROP TABLE services;
DROP TABLE plan_reviews;
DROP TABLE plans;
DROP TABLE assessments;

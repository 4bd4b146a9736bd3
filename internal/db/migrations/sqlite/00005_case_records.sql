-- +goose Up
-- Case records (Decree 874/2024 §§ 1–3, Act 681/2023 §§ 14, 16): assessments,
-- integration plans and their reviews, services, and transfers of a client
-- to another municipality. Same tables as the PostgreSQL migration; SQLite
-- has no row-level security (the store's scoped SQL is the fence).

CREATE TABLE assessments (
    id text PRIMARY KEY,
    client_id text NOT NULL REFERENCES clients(id),
    municipality_code text NOT NULL,
    date DATE NOT NULL,
    content text NOT NULL,
    plan_needed integer,
    specifying_measures text NOT NULL DEFAULT '',
    planned_plan_date DATE,
    preparers text NOT NULL,
    sources text NOT NULL,
    wellbeing_county_participated integer NOT NULL DEFAULT 0,
    eligibility_exception text CHECK (eligibility_exception IN ('trafficking_victim')),
    eligibility_checked integer NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by bigint REFERENCES accounts(id)
);
CREATE INDEX assessments_client ON assessments(client_id, date);

CREATE TABLE plans (
    id text PRIMARY KEY,
    client_id text NOT NULL REFERENCES clients(id),
    municipality_code text NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    goals text NOT NULL,
    measures text NOT NULL,
    preparers text NOT NULL,
    planned_review_date DATE,
    sources text NOT NULL,
    exceeds_two_years_reason text,
    eligibility_exception text CHECK (eligibility_exception IN ('trafficking_victim')),
    eligibility_checked integer NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by bigint REFERENCES accounts(id),
    CHECK (end_date >= start_date)
);
CREATE INDEX plans_client ON plans(client_id, start_date);

CREATE TABLE plan_reviews (
    id text PRIMARY KEY,
    plan_id text NOT NULL REFERENCES plans(id),
    client_id text NOT NULL REFERENCES clients(id),
    date DATE NOT NULL,
    changes text NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by bigint REFERENCES accounts(id)
);
CREATE INDEX plan_reviews_plan ON plan_reviews(plan_id, date);
CREATE INDEX plan_reviews_client ON plan_reviews(client_id);

CREATE TABLE services (
    id text PRIMARY KEY,
    client_id text NOT NULL REFERENCES clients(id),
    municipality_code text NOT NULL,
    service_type text NOT NULL CHECK (service_type IN ('civic_orientation', 'integration_training', 'language_course',
        'guidance_and_counselling', 'other')),
    date DATE NOT NULL,
    end_date DATE,
    provider text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    attendance text CHECK (attendance IN ('attended', 'missed', 'cancelled')),
    final_language_test text,
    missed_with_interpreter_costs integer NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    created_by bigint REFERENCES accounts(id)
);
CREATE INDEX services_client ON services(client_id, date);

CREATE TABLE client_transfers (
    id text PRIMARY KEY,
    client_id text NOT NULL REFERENCES clients(id),
    from_municipality text NOT NULL,
    to_municipality text NOT NULL,
    reason text NOT NULL,
    transferred_at TIMESTAMP NOT NULL,
    read_until DATE NOT NULL,
    created_by bigint REFERENCES accounts(id),
    CHECK (from_municipality <> to_municipality)
);
CREATE INDEX client_transfers_client ON client_transfers(client_id, read_until);

-- +goose Down
DROP TABLE client_transfers;
DROP TABLE services;
DROP TABLE plan_reviews;
DROP TABLE plans;
DROP TABLE assessments;

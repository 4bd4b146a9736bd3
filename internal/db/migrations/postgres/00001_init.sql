-- +goose Up
-- Reference data: organisations. Loaded by `kotodigi migrate` from the embedded
-- copy of shared/refdata (source and classification year kept per row).
CREATE TABLE regions (
    code text PRIMARY KEY,
    name_fi text NOT NULL,
    name_sv text NOT NULL
);

CREATE TABLE organisations (
    id text PRIMARY KEY,                  -- municipality:091, wellbeing_county:01, keha, tem, regional_centre:slug
    kind text NOT NULL CHECK (kind IN ('municipality', 'wellbeing_county', 'regional_centre', 'keha', 'tem', 'service_provider')),
    code text NOT NULL,
    name_fi text NOT NULL,
    name_sv text NOT NULL,
    wellbeing_county_code text,           -- municipalities only
    region_code text REFERENCES regions(code),
    region_codes text NOT NULL DEFAULT '', -- regional centres: space-separated region codes
    valid_from date,
    valid_until date,
    source text NOT NULL,
    classification_year integer
);
CREATE INDEX organisations_kind ON organisations(kind, code);

-- Staff accounts.
CREATE TABLE accounts (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,           -- stored lower-case
    name text NOT NULL,
    organisation_id text NOT NULL REFERENCES organisations(id),
    password_hash text,
    oidc_issuer text,
    oidc_subject text,
    disabled_at timestamptz,
    last_sign_in_at timestamptz,
    created_at timestamptz NOT NULL,
    created_by bigint REFERENCES accounts(id),
    UNIQUE (oidc_issuer, oidc_subject)
);

-- Organisation-level roles: keha_admin, log_monitor, main_user, statistician.
CREATE TABLE account_roles (
    account_id bigint NOT NULL REFERENCES accounts(id),
    role text NOT NULL CHECK (role IN ('keha_admin', 'log_monitor', 'main_user', 'statistician')),
    created_at timestamptz NOT NULL,
    created_by bigint REFERENCES accounts(id),
    PRIMARY KEY (account_id, role)
);

-- Access granted by a municipality (R8, R9).
CREATE TABLE grants (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts(id),
    municipality_code text NOT NULL,
    role text NOT NULL CHECK (role IN ('worker', 'viewer')),
    task text NOT NULL,
    valid_until date,
    created_at timestamptz NOT NULL,
    created_by bigint REFERENCES accounts(id),
    revoked_at timestamptz,
    revoked_by bigint REFERENCES accounts(id)
);
CREATE INDEX grants_account ON grants(account_id) WHERE revoked_at IS NULL;
CREATE INDEX grants_municipality ON grants(municipality_code);

-- API bearer tokens (SHA-256 of the token; the token itself is shown once).
CREATE TABLE api_tokens (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts(id),
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);

-- Web sessions (any instance serves any request).
CREATE TABLE sessions (
    id_hash bytea PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts(id),
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    remote_addr text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions(account_id);

-- Failed sign-in attempts for rate limiting (per account and per address).
CREATE TABLE sign_in_attempts (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    remote_addr text NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX sign_in_attempts_email ON sign_in_attempts(email, at);
CREATE INDEX sign_in_attempts_addr ON sign_in_attempts(remote_addr, at);

-- Integration clients: the national registry. Identity codes and UMA numbers
-- are unique across the whole country (R3), enforced here.
CREATE TABLE clients (
    id uuid PRIMARY KEY,
    municipality_code text NOT NULL,
    personal_identity_code text UNIQUE,
    uma_number text UNIQUE,
    first_names text NOT NULL,
    last_name text NOT NULL,
    name_search text NOT NULL,            -- folded in Go (case and accents removed)
    date_of_birth date NOT NULL,
    residence_type text NOT NULL,
    residence_valid_until date,
    first_permit_date date,
    residence_permanent boolean NOT NULL DEFAULT false,
    service_language text NOT NULL CHECK (service_language IN ('fi', 'sv')),
    email text,
    phone text,
    right_to_work text NOT NULL DEFAULT '',
    jobseeker boolean NOT NULL DEFAULT false,
    source_system text,                   -- data migration provenance (R14)
    source_id text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    created_by bigint REFERENCES accounts(id),
    CHECK (personal_identity_code IS NOT NULL OR uma_number IS NOT NULL),
    UNIQUE (municipality_code, source_system, source_id)
);
CREATE INDEX clients_municipality ON clients(municipality_code);
CREATE INDEX clients_name_search ON clients(municipality_code, name_search);

-- Field-level change history of clients: who changed which field, when.
CREATE TABLE client_changes (
    id bigserial PRIMARY KEY,
    client_id uuid NOT NULL REFERENCES clients(id),
    changed_at timestamptz NOT NULL,
    account_id bigint REFERENCES accounts(id),
    field text NOT NULL,
    old_value text,
    new_value text
);
CREATE INDEX client_changes_client ON client_changes(client_id, changed_at);

-- Jobseeker status history (R6).
CREATE TABLE jobseeker_statuses (
    id bigserial PRIMARY KEY,
    client_id uuid NOT NULL REFERENCES clients(id),
    jobseeker boolean NOT NULL,
    valid_from timestamptz NOT NULL,
    recorded_by bigint REFERENCES accounts(id)
);
CREATE INDEX jobseeker_statuses_client ON jobseeker_statuses(client_id, valid_from);

-- Audit trail (R10). Append-only; every event is chained to the previous event
-- of its shard: hash = SHA-256(prev_hash || canonical event). Shards let
-- concurrent requests append without waiting for each other.
CREATE TABLE audit_chain_heads (
    shard integer PRIMARY KEY,
    seq bigint NOT NULL,
    hash bytea NOT NULL
);

CREATE TABLE audit_events (
    id bigserial PRIMARY KEY,
    shard integer NOT NULL,
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    actor_account_id bigint,
    actor_email text NOT NULL DEFAULT '',
    actor_organisation text NOT NULL DEFAULT '',
    grant_id bigint,
    action text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied')),
    client_id uuid,
    municipality_code text,
    result_count integer,
    remote_addr text NOT NULL DEFAULT '',
    session_ref text NOT NULL DEFAULT '',
    request_id text NOT NULL DEFAULT '',
    detail text NOT NULL DEFAULT '',
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    UNIQUE (shard, seq)
);
CREATE INDEX audit_events_client ON audit_events(client_id, at) WHERE client_id IS NOT NULL;
CREATE INDEX audit_events_actor ON audit_events(actor_account_id, at);
CREATE INDEX audit_events_at ON audit_events(at);

-- Clients that appeared in the results of one audited search or listing, so that
-- "who has seen my data" finds them (the list is also inside the hashed detail).
CREATE TABLE audit_event_clients (
    event_id bigint NOT NULL REFERENCES audit_events(id),
    client_id uuid NOT NULL,
    PRIMARY KEY (client_id, event_id)
);

-- +goose Down
DROP TABLE audit_event_clients;
DROP TABLE audit_events;
DROP TABLE audit_chain_heads;
DROP TABLE jobseeker_statuses;
DROP TABLE client_changes;
DROP TABLE clients;
DROP TABLE sign_in_attempts;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE grants;
DROP TABLE account_roles;
DROP TABLE accounts;
DROP TABLE organisations;
DROP TABLE regions;

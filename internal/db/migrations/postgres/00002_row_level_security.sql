-- +goose Up
-- The application runs every transaction as kotodigi_app (SET LOCAL ROLE),
-- which owns nothing, so row-level security applies: client rows are visible
-- only for the municipalities set in kotodigi.municipalities for the
-- transaction ('*' = all, for operator commands and the national uniqueness
-- check). This is the second fence; the store's SQL is scoped as well.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kotodigi_app') THEN
        CREATE ROLE kotodigi_app NOLOGIN NOSUPERUSER NOINHERIT NOBYPASSRLS;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- created concurrently by another migration
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT kotodigi_app TO %I', current_user);
EXCEPTION WHEN others THEN
    NULL; -- superusers and members already may SET ROLE
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO kotodigi_app', current_schema());
END
$$;
-- +goose StatementEnd
GRANT SELECT, INSERT, UPDATE, DELETE ON regions, organisations, accounts, account_roles, grants, api_tokens,
    sessions, sign_in_attempts, clients, client_changes, jobseeker_statuses, audit_chain_heads TO kotodigi_app;
-- The audit trail is append-only for the application.
GRANT SELECT, INSERT ON audit_events, audit_event_clients TO kotodigi_app;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO kotodigi_app', current_schema());
    EXECUTE format('GRANT SELECT ON goose_db_version TO kotodigi_app');
END
$$;
-- +goose StatementEnd

CREATE FUNCTION kotodigi_scope_allows(municipality text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT current_setting('kotodigi.municipalities', true) = '*'
        OR municipality = ANY (string_to_array(current_setting('kotodigi.municipalities', true), ','))
$$;

ALTER TABLE clients ENABLE ROW LEVEL SECURITY;
CREATE POLICY clients_scope ON clients USING (kotodigi_scope_allows(municipality_code));

ALTER TABLE client_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_changes_scope ON client_changes
    USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));

ALTER TABLE jobseeker_statuses ENABLE ROW LEVEL SECURITY;
CREATE POLICY jobseeker_statuses_scope ON jobseeker_statuses
    USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));

-- +goose Down
DROP POLICY jobseeker_statuses_scope ON jobseeker_statuses;
ALTER TABLE jobseeker_statuses DISABLE ROW LEVEL SECURITY;
DROP POLICY client_changes_scope ON client_changes;
ALTER TABLE client_changes DISABLE ROW LEVEL SECURITY;
DROP POLICY clients_scope ON clients;
ALTER TABLE clients DISABLE ROW LEVEL SECURITY;
DROP FUNCTION kotodigi_scope_allows(text);

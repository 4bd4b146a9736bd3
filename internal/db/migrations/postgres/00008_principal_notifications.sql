-- +goose Up
-- Every committed change to what authenticates a person (accounts, their
-- organisation roles and grants, API tokens, organisations) is announced on
-- the channel kotodigi_principals. Each kotodigi instance listens and empties
-- its cache of authenticated principals (internal/store/principals.go), so a
-- revoked grant or token, or a disabled account, stops working on every
-- instance, also when the change came from the command line.
-- +goose StatementBegin
CREATE FUNCTION kotodigi_principals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kotodigi_principals', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER grants_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grants
    FOR EACH STATEMENT EXECUTE FUNCTION kotodigi_principals_changed();
CREATE TRIGGER account_roles_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON account_roles
    FOR EACH STATEMENT EXECUTE FUNCTION kotodigi_principals_changed();
CREATE TRIGGER api_tokens_announce AFTER UPDATE OR DELETE OR TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION kotodigi_principals_changed();
CREATE TRIGGER accounts_announce AFTER UPDATE OF email, name, organisation_id, disabled_at OR DELETE OR TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION kotodigi_principals_changed();
CREATE TRIGGER organisations_announce AFTER UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION kotodigi_principals_changed();

-- +goose Down
DROP TRIGGER organisations_announce ON organisations;
DROP TRIGGER accounts_announce ON accounts;
DROP TRIGGER api_tokens_announce ON api_tokens;
DROP TRIGGER account_roles_announce ON account_roles;
DROP TRIGGER grants_announce ON grants;
DROP FUNCTION kotodigi_principals_changed();

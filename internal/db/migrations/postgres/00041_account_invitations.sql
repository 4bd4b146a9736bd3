-- +goose Up
-- Invitations: a new account's one-time, expiring link to set its password
-- (where password sign-in is on). Only the token's SHA-256 is kept.
CREATE TABLE account_invitations (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts(id),
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    created_by bigint REFERENCES accounts(id),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX account_invitations_account ON account_invitations(account_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON account_invitations TO kotodigi_app;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO kotodigi_app', current_schema());
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE account_invitations;

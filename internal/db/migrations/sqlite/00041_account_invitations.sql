-- +goose Up
-- Invitations: a new account's one-time, expiring link to set its password
-- (where password sign-in is on). Only the token's SHA-256 is kept.
CREATE TABLE account_invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id bigint NOT NULL REFERENCES accounts(id),
    token_hash BLOB NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    created_by bigint REFERENCES accounts(id),
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX account_invitations_account ON account_invitations(account_id);

-- +goose Down
DROP TABLE account_invitations;

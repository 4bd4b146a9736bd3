-- +goose Up
-- OpenID Connect sign-ins in progress: state, PKCE verifier and nonce.
CREATE TABLE oidc_states (
    state_hash BLOB PRIMARY KEY,
    verifier text NOT NULL,
    nonce text NOT NULL,
    next text NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE oidc_states;

-- +goose Up
-- OpenID Connect sign-ins in progress: state, PKCE verifier and nonce, kept
-- in the database so that any instance can finish a sign-in another began.
CREATE TABLE oidc_states (
    state_hash bytea PRIMARY KEY,
    verifier text NOT NULL,
    nonce text NOT NULL,
    next text NOT NULL,
    expires_at timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON oidc_states TO kotodigi_app;

-- +goose Down
DROP TABLE oidc_states;

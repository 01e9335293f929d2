-- REST API keys: one workspace each; only a SHA-256 of the secret is kept
-- (the secret is 256 random bits, so a slow hash adds nothing).
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    label        TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    -- Space-separated, e.g. "smtp-credentials:read:all smtp-credentials:write:a.example".
    scopes       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    last_used_at TIMESTAMP
);
CREATE UNIQUE INDEX api_keys_secret_hash_key ON api_keys (secret_hash);
CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id, created_at);

-- Idempotency-Key records: the first request's outcome, replayed for 24 h.
-- The stored response body is encrypted (it may hold a one-time password).
CREATE TABLE idempotency_keys (
    api_key_id      TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    -- running | succeeded | failed
    state           TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
    response_status INTEGER,
    response_body   BYTEA,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (api_key_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Dashboard sessions, kept on the server so that signing out (here or from
-- another browser) ends them. Only a SHA-256 of the session key is stored:
-- the key itself lives in the visitor's encrypted cookie alone. `state` is
-- the session's data as JSON ('{}' when it lives in Redis, which then holds
-- it; these rows still list and revoke the signed-in sessions).
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    key_hash     TEXT NOT NULL,
    -- NULL until someone signs in with this session.
    user_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    state        TEXT NOT NULL,
    user_agent   TEXT,
    ip           TEXT,
    created_at   TIMESTAMP NOT NULL,
    -- Written at most about once a minute, not on every request.
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX sessions_key_hash_key ON sessions (key_hash);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

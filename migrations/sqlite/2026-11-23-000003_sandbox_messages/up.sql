-- Mail sent with sandbox credentials: kept for inspection, never relayed.
CREATE TABLE sandbox_messages (
    id            TEXT PRIMARY KEY NOT NULL,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    credential_id TEXT REFERENCES smtp_credentials (id) ON DELETE SET NULL,
    username      TEXT NOT NULL,
    mail_from     TEXT NOT NULL,
    rcpt_to       TEXT NOT NULL,
    subject       TEXT NOT NULL,
    size          BIGINT NOT NULL,
    raw           BLOB NOT NULL,
    received_at   TIMESTAMP NOT NULL
);
CREATE INDEX sandbox_messages_workspace_idx ON sandbox_messages (workspace_id, received_at, id);

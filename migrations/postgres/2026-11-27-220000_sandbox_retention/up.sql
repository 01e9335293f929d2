-- Each workspace's sandbox limits (no row: the defaults). The oldest mail
-- goes first when a limit is passed.
CREATE TABLE sandbox_retention (
    workspace_id  TEXT PRIMARY KEY NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    max_messages  BIGINT NOT NULL,
    max_age_days  BIGINT NOT NULL,
    max_bytes     BIGINT NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
-- The size joins the list's index, so a workspace's count and total size,
-- and where its limits fall, are read from the index alone.
DROP INDEX sandbox_messages_workspace_idx;
CREATE INDEX sandbox_messages_workspace_idx ON sandbox_messages (workspace_id, received_at, id, size);

DROP INDEX sandbox_messages_workspace_idx;
CREATE INDEX sandbox_messages_workspace_idx ON sandbox_messages (workspace_id, received_at, id);
DROP TABLE sandbox_retention;

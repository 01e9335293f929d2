DROP INDEX smtp_credentials_last_used_sort_idx;
CREATE INDEX smtp_credentials_last_used_idx ON smtp_credentials (workspace_id, last_used_at, id);

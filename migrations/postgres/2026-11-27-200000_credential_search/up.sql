-- Filtering credentials by a substring of name or username: trigram GIN
-- indexes on the very expressions the filter compares (lower(name) LIKE
-- '%…%'), which PostgreSQL keeps in step within every writing transaction.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX smtp_credentials_name_trgm_idx
    ON smtp_credentials USING gin (lower(name) gin_trgm_ops);
CREATE INDEX smtp_credentials_username_trgm_idx
    ON smtp_credentials USING gin (lower(username) gin_trgm_ops);

-- How many credentials each workspace holds, kept exact by triggers in the
-- transaction of every insert and delete (once per statement, so a bulk
-- insert updates the row once), so the list shows its total without
-- counting rows. Concurrent inserts queue on the workspace's row.
CREATE TABLE credential_counts (
    workspace_id TEXT PRIMARY KEY NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    credentials  BIGINT NOT NULL
);
INSERT INTO credential_counts (workspace_id, credentials)
    SELECT workspace_id, count(*) FROM smtp_credentials GROUP BY workspace_id;

CREATE FUNCTION credential_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO credential_counts (workspace_id, credentials)
        SELECT workspace_id, count(*) FROM inserted GROUP BY workspace_id
        ON CONFLICT (workspace_id)
        DO UPDATE SET credentials = credential_counts.credentials + EXCLUDED.credentials;
    RETURN NULL;
END $$;
CREATE FUNCTION credential_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE credential_counts SET credentials = credential_counts.credentials - gone.n
        FROM (SELECT workspace_id, count(*) AS n FROM deleted GROUP BY workspace_id) AS gone
        WHERE credential_counts.workspace_id = gone.workspace_id;
    RETURN NULL;
END $$;
CREATE TRIGGER credential_counts_insert AFTER INSERT ON smtp_credentials
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION credential_counts_inserted();
CREATE TRIGGER credential_counts_delete AFTER DELETE ON smtp_credentials
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION credential_counts_deleted();

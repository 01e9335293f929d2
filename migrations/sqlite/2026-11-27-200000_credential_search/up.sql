-- Filtering credentials by a substring of name or username: an FTS5 index
-- of trigrams (case-insensitive), kept in step by triggers. It holds its own
-- copy of the two columns and the credential's id rather than pointing at
-- smtp_credentials' rowid, which VACUUM may renumber.
CREATE VIRTUAL TABLE smtp_credential_search USING fts5(
    credential_id UNINDEXED,
    name,
    username,
    tokenize = 'trigram'
);
INSERT INTO smtp_credential_search (credential_id, name, username)
    SELECT id, name, username FROM smtp_credentials;

-- A username is unique and made of [A-Za-z0-9_], so a phrase query for it
-- finds its row among a handful of others (of which it is a substring).
CREATE TRIGGER smtp_credential_search_insert AFTER INSERT ON smtp_credentials BEGIN
    INSERT INTO smtp_credential_search (credential_id, name, username)
        VALUES (new.id, new.name, new.username);
END;
CREATE TRIGGER smtp_credential_search_delete AFTER DELETE ON smtp_credentials BEGIN
    DELETE FROM smtp_credential_search WHERE rowid IN (
        SELECT rowid FROM smtp_credential_search
        WHERE smtp_credential_search MATCH 'username:"' || old.username || '"'
          AND credential_id = old.id);
END;
CREATE TRIGGER smtp_credential_search_update AFTER UPDATE OF name, username ON smtp_credentials BEGIN
    DELETE FROM smtp_credential_search WHERE rowid IN (
        SELECT rowid FROM smtp_credential_search
        WHERE smtp_credential_search MATCH 'username:"' || old.username || '"'
          AND credential_id = old.id);
    INSERT INTO smtp_credential_search (credential_id, name, username)
        VALUES (new.id, new.name, new.username);
END;

-- How many credentials each workspace holds, kept exact by triggers in the
-- transaction of every insert and delete, so the list shows its total
-- without counting rows.
CREATE TABLE credential_counts (
    workspace_id TEXT PRIMARY KEY NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    credentials  BIGINT NOT NULL
);
INSERT INTO credential_counts (workspace_id, credentials)
    SELECT workspace_id, count(*) FROM smtp_credentials GROUP BY workspace_id;
CREATE TRIGGER credential_counts_insert AFTER INSERT ON smtp_credentials BEGIN
    INSERT INTO credential_counts (workspace_id, credentials) VALUES (new.workspace_id, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET credentials = credentials + 1;
END;
CREATE TRIGGER credential_counts_delete AFTER DELETE ON smtp_credentials BEGIN
    UPDATE credential_counts SET credentials = credentials - 1
        WHERE workspace_id = old.workspace_id;
END;

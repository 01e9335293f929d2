-- Searching sandbox mail. What ingest extracts from a message once — its
-- subject, senders (envelope and From:), recipients (envelope, To: and Cc:)
-- and text body — sits in its own table, so a search never reads the raw
-- message, and goes with it (ON DELETE CASCADE: retention, delete,
-- delete-all).
CREATE TABLE sandbox_message_text (
    message_id  TEXT PRIMARY KEY NOT NULL REFERENCES sandbox_messages (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    senders     TEXT NOT NULL,
    recipients  TEXT NOT NULL,
    body        TEXT NOT NULL
);

-- A trigram GIN index on the very expression a search compares
-- (lower(document) LIKE '%term%'): a term of three characters or more
-- matches wherever it occurs, in any case, as SQLite's FTS5 trigram index
-- does. PostgreSQL keeps it in step within every writing transaction.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX sandbox_message_text_trgm_idx ON sandbox_message_text
    USING gin ((lower(subject || ' ' || senders || ' ' || recipients || ' ' || body)) gin_trgm_ops);

-- A message's tags: from its X-Tags header at ingest, edited on its page.
-- `tag_key` is the tag in lower case: what a filter compares and what keeps
-- one message from holding a tag twice.
CREATE TABLE sandbox_message_tags (
    message_id    TEXT NOT NULL REFERENCES sandbox_messages (id) ON DELETE CASCADE,
    workspace_id  TEXT NOT NULL,
    tag           TEXT NOT NULL,
    tag_key       TEXT NOT NULL,
    PRIMARY KEY (message_id, tag_key)
);
CREATE INDEX sandbox_message_tags_filter_idx ON sandbox_message_tags (workspace_id, tag_key, message_id);

-- The credential filter walks the list's order within one credential.
CREATE INDEX sandbox_messages_credential_idx ON sandbox_messages (credential_id, received_at, id);

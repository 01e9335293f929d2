-- Searching sandbox mail. What ingest extracts from a message once — its
-- subject, senders (envelope and From:), recipients (envelope, To: and Cc:)
-- and text body — sits in its own table, so a search never reads the raw
-- message; `doc` is the FTS5 index's row number (an INTEGER PRIMARY KEY,
-- which VACUUM keeps, unlike sandbox_messages' implicit rowid).
CREATE TABLE sandbox_message_text (
    doc         INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL UNIQUE REFERENCES sandbox_messages (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    senders     TEXT NOT NULL,
    recipients  TEXT NOT NULL,
    body        TEXT NOT NULL
);

-- The trigram tokenizer: a search term of three characters or more matches
-- wherever it occurs (a substring, in any case, Unicode case folded), as
-- Mailpit and the credentials filter do; shorter ones scan. External
-- content: the index holds no second copy of the text. The triggers keep it
-- in step with every insert and delete, including the cascade from a
-- deleted message (retention, delete, delete-all).
CREATE VIRTUAL TABLE sandbox_search USING fts5(
    subject,
    senders,
    recipients,
    body,
    content = 'sandbox_message_text',
    content_rowid = 'doc',
    tokenize = 'trigram'
);
CREATE TRIGGER sandbox_search_insert AFTER INSERT ON sandbox_message_text BEGIN
    INSERT INTO sandbox_search (rowid, subject, senders, recipients, body)
        VALUES (new.doc, new.subject, new.senders, new.recipients, new.body);
END;
CREATE TRIGGER sandbox_search_delete AFTER DELETE ON sandbox_message_text BEGIN
    INSERT INTO sandbox_search (sandbox_search, rowid, subject, senders, recipients, body)
        VALUES ('delete', old.doc, old.subject, old.senders, old.recipients, old.body);
END;

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

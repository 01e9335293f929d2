-- A search walks the list's order and checks each message it passes until a
-- page (50) or a capped count (201) is full: it looks up the message's text
-- (and its tag, with a tag filter) and compares the text. Both parts are
-- made cheaper here (at 100,000 messages, counting 201 matches of `invoice
-- payment` checks 4,809 messages: 24 ms before, 9.5 ms after; `EXPLAIN
-- ANALYZE`, pgbench).

-- What a search compares, stored: lower() of the joined text, computed once
-- on insert instead of for every message a search checks (about half of
-- each check). The trigram index moves onto the column (the same trigrams).
ALTER TABLE sandbox_message_text ADD COLUMN document TEXT GENERATED ALWAYS AS
    (lower(subject || ' ' || senders || ' ' || recipients || ' ' || body)) STORED;
DROP INDEX sandbox_message_text_trgm_idx;
CREATE INDEX sandbox_message_text_document_idx ON sandbox_message_text
    USING gin (document gin_trgm_ops);

-- Looking a message's text or tags up by its id: a hash index compares no
-- text (a B-tree compares ids through the database's collation at every
-- level, most of the rest of each check).
CREATE INDEX sandbox_message_text_message_hash_idx ON sandbox_message_text
    USING hash (message_id);
CREATE INDEX sandbox_message_tags_message_hash_idx ON sandbox_message_tags
    USING hash (message_id);

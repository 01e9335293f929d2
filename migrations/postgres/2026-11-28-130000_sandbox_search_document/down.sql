DROP INDEX sandbox_message_tags_message_hash_idx;
DROP INDEX sandbox_message_text_message_hash_idx;
DROP INDEX sandbox_message_text_document_idx;
ALTER TABLE sandbox_message_text DROP COLUMN document;
CREATE INDEX sandbox_message_text_trgm_idx ON sandbox_message_text
    USING gin ((lower(subject || ' ' || senders || ' ' || recipients || ' ' || body)) gin_trgm_ops);

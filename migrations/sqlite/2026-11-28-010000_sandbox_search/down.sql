DROP INDEX sandbox_messages_credential_idx;
DROP TABLE sandbox_message_tags;
DROP TRIGGER sandbox_search_delete;
DROP TRIGGER sandbox_search_insert;
DROP TABLE sandbox_search;
DROP TABLE sandbox_message_text;

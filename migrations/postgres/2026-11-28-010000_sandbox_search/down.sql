DROP INDEX sandbox_messages_credential_idx;
DROP TABLE sandbox_message_tags;
DROP TABLE sandbox_message_text;

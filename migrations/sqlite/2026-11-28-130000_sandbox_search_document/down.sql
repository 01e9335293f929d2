ALTER TABLE sandbox_message_text DROP COLUMN document;

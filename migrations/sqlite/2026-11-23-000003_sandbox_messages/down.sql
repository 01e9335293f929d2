DROP TABLE sandbox_messages;

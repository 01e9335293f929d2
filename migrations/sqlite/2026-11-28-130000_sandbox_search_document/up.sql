-- What a search compares, as PostgreSQL stores it: here computed when read
-- (a term too short for the FTS5 index, or a common one, is checked row by
-- row), so one expression serves both backends.
ALTER TABLE sandbox_message_text ADD COLUMN document TEXT GENERATED ALWAYS AS
    (lower(subject || ' ' || senders || ' ' || recipients || ' ' || body)) VIRTUAL;

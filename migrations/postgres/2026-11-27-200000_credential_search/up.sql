-- Filtering credentials by a substring of name or username: trigram GIN
-- indexes on the very expressions the filter compares (lower(name) LIKE
-- '%…%'), which PostgreSQL keeps in step within every writing transaction.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX smtp_credentials_name_trgm_idx
    ON smtp_credentials USING gin (lower(name) gin_trgm_ops);
CREATE INDEX smtp_credentials_username_trgm_idx
    ON smtp_credentials USING gin (lower(username) gin_trgm_ops);

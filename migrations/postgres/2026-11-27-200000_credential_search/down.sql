DROP TRIGGER credential_counts_delete ON smtp_credentials;
DROP TRIGGER credential_counts_insert ON smtp_credentials;
DROP FUNCTION credential_counts_deleted();
DROP FUNCTION credential_counts_inserted();
DROP TABLE credential_counts;
DROP INDEX smtp_credentials_username_trgm_idx;
DROP INDEX smtp_credentials_name_trgm_idx;

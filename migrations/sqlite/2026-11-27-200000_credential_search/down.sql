DROP TRIGGER credential_counts_delete;
DROP TRIGGER credential_counts_insert;
DROP TABLE credential_counts;
DROP TRIGGER smtp_credential_search_update;
DROP TRIGGER smtp_credential_search_delete;
DROP TRIGGER smtp_credential_search_insert;
DROP TABLE smtp_credential_search;

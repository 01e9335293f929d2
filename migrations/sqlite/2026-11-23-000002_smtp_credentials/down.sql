DROP TABLE audit_events;
DROP TABLE smtp_credential_domains;
DROP TABLE smtp_credentials;
DROP TABLE domains;

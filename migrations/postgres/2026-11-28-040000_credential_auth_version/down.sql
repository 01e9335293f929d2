DROP TRIGGER domains_auth_version ON domains;
DROP FUNCTION domains_auth_version();
DROP TRIGGER smtp_credential_domains_auth_version ON smtp_credential_domains;
DROP TRIGGER credential_secrets_auth_version ON credential_secrets;
DROP FUNCTION credential_auth_version_bump();
DROP TRIGGER smtp_credentials_auth_version ON smtp_credentials;
DROP FUNCTION smtp_credentials_auth_version();
ALTER TABLE smtp_credentials DROP COLUMN auth_version;

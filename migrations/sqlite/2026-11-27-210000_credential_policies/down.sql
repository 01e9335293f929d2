ALTER TABLE workspaces DROP COLUMN default_max_recipients;
ALTER TABLE workspaces DROP COLUMN default_max_per_day;
ALTER TABLE workspaces DROP COLUMN default_max_per_hour;
ALTER TABLE workspaces DROP COLUMN default_max_per_minute;
ALTER TABLE workspaces DROP COLUMN max_credential_lifetime_days;

ALTER TABLE smtp_credentials ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
UPDATE smtp_credentials SET password_hash = coalesce((
    SELECT s.password_hash FROM credential_secrets s
    WHERE s.credential_id = smtp_credentials.id AND s.valid_until IS NULL
), '');
DROP TABLE credential_secrets;

ALTER TABLE smtp_credentials DROP COLUMN max_recipients;
ALTER TABLE smtp_credentials DROP COLUMN max_per_day;
ALTER TABLE smtp_credentials DROP COLUMN max_per_hour;
ALTER TABLE smtp_credentials DROP COLUMN max_per_minute;
ALTER TABLE smtp_credentials DROP COLUMN allowed_senders;
ALTER TABLE smtp_credentials DROP COLUMN allowed_ips;
ALTER TABLE smtp_credentials DROP COLUMN expires_at;

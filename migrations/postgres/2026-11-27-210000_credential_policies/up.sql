-- Credential policies (issue 11): expiry, source-address allowlist, allowed
-- senders and send limits per credential; workspace defaults; and secrets in
-- their own table, so a credential may hold two during a rotation's overlap.
ALTER TABLE smtp_credentials ADD COLUMN expires_at TIMESTAMP;
-- Normalised CIDRs, one per line; '' = any address.
ALTER TABLE smtp_credentials ADD COLUMN allowed_ips TEXT NOT NULL DEFAULT '';
-- Lower-cased sender patterns, one per line; '' = any sender.
ALTER TABLE smtp_credentials ADD COLUMN allowed_senders TEXT NOT NULL DEFAULT '';
ALTER TABLE smtp_credentials ADD COLUMN max_per_minute INTEGER;
ALTER TABLE smtp_credentials ADD COLUMN max_per_hour INTEGER;
ALTER TABLE smtp_credentials ADD COLUMN max_per_day INTEGER;
ALTER TABLE smtp_credentials ADD COLUMN max_recipients INTEGER;

-- valid_until NULL: the current secret. A previous secret keeps working
-- until valid_until (a rotation's overlap window).
CREATE TABLE credential_secrets (
    id            TEXT PRIMARY KEY NOT NULL,
    credential_id TEXT NOT NULL REFERENCES smtp_credentials (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    valid_until   TIMESTAMP,
    last_used_at  TIMESTAMP,
    last_used_ip  TEXT
);
CREATE INDEX credential_secrets_credential_idx ON credential_secrets (credential_id);

-- Each credential's password becomes its current secret; the credential's id
-- (a UUID, unique) serves as the secret's id.
INSERT INTO credential_secrets (id, credential_id, password_hash, created_at, valid_until, last_used_at, last_used_ip)
SELECT id, id, password_hash, updated_at, NULL, last_used_at, last_used_ip FROM smtp_credentials;
ALTER TABLE smtp_credentials DROP COLUMN password_hash;

ALTER TABLE workspaces ADD COLUMN max_credential_lifetime_days INTEGER;
ALTER TABLE workspaces ADD COLUMN default_max_per_minute INTEGER;
ALTER TABLE workspaces ADD COLUMN default_max_per_hour INTEGER;
ALTER TABLE workspaces ADD COLUMN default_max_per_day INTEGER;
ALTER TABLE workspaces ADD COLUMN default_max_recipients INTEGER;

-- SMTP AUTH remembers what it read of a credential (row, secrets, parsed
-- policies, scope domains) and, on the next login, reads only this number
-- to know whether that is still what the database holds. Every write that
-- changes what AUTH decides bumps it, in the writing statement itself (so
-- in its transaction, from any instance or tool); last-used times do not.
ALTER TABLE smtp_credentials ADD COLUMN auth_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER smtp_credentials_auth_version
AFTER UPDATE OF id, workspace_id, username, sandbox, scope, active, expires_at, allowed_ips,
    allowed_senders, max_per_minute, max_per_hour, max_per_day, max_recipients
ON smtp_credentials BEGIN
    UPDATE smtp_credentials SET auth_version = old.auth_version + 1 WHERE id = new.id;
END;

CREATE TRIGGER credential_secrets_auth_version_insert AFTER INSERT ON credential_secrets BEGIN
    UPDATE smtp_credentials SET auth_version = auth_version + 1 WHERE id = new.credential_id;
END;
CREATE TRIGGER credential_secrets_auth_version_delete AFTER DELETE ON credential_secrets BEGIN
    UPDATE smtp_credentials SET auth_version = auth_version + 1 WHERE id = old.credential_id;
END;
CREATE TRIGGER credential_secrets_auth_version_update
AFTER UPDATE OF id, credential_id, password_hash, created_at, valid_until ON credential_secrets BEGIN
    UPDATE smtp_credentials SET auth_version = auth_version + 1
        WHERE id IN (old.credential_id, new.credential_id);
END;

CREATE TRIGGER smtp_credential_domains_auth_version_insert AFTER INSERT ON smtp_credential_domains BEGIN
    UPDATE smtp_credentials SET auth_version = auth_version + 1 WHERE id = new.credential_id;
END;
CREATE TRIGGER smtp_credential_domains_auth_version_delete AFTER DELETE ON smtp_credential_domains BEGIN
    UPDATE smtp_credentials SET auth_version = auth_version + 1 WHERE id = old.credential_id;
END;
CREATE TRIGGER smtp_credential_domains_auth_version_update AFTER UPDATE ON smtp_credential_domains BEGIN
    UPDATE smtp_credentials SET auth_version = auth_version + 1
        WHERE id IN (old.credential_id, new.credential_id);
END;

CREATE TRIGGER domains_auth_version AFTER UPDATE OF name ON domains BEGIN
    UPDATE smtp_credentials SET auth_version = auth_version + 1
        WHERE id IN (SELECT credential_id FROM smtp_credential_domains WHERE domain_id = new.id);
END;

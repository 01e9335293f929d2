-- SMTP AUTH remembers what it read of a credential (row, secrets, parsed
-- policies, scope domains) and, on the next login, reads only this number
-- to know whether that is still what the database holds. Every write that
-- changes what AUTH decides bumps it, in the writing statement itself (so
-- in its transaction, from any instance or tool); last-used times do not.
ALTER TABLE smtp_credentials ADD COLUMN auth_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION smtp_credentials_auth_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.auth_version := OLD.auth_version + 1;
    RETURN NEW;
END $$;
CREATE TRIGGER smtp_credentials_auth_version
BEFORE UPDATE OF id, workspace_id, username, sandbox, scope, active, expires_at, allowed_ips,
    allowed_senders, max_per_minute, max_per_hour, max_per_day, max_recipients
ON smtp_credentials FOR EACH ROW EXECUTE FUNCTION smtp_credentials_auth_version();

-- For the tables beside it: bumps the credential(s) the changed row names.
CREATE FUNCTION credential_auth_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE smtp_credentials SET auth_version = auth_version + 1 WHERE id = OLD.credential_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE smtp_credentials SET auth_version = auth_version + 1 WHERE id = NEW.credential_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER credential_secrets_auth_version
AFTER INSERT OR DELETE OR UPDATE OF id, credential_id, password_hash, created_at, valid_until
ON credential_secrets FOR EACH ROW EXECUTE FUNCTION credential_auth_version_bump();
CREATE TRIGGER smtp_credential_domains_auth_version
AFTER INSERT OR DELETE OR UPDATE ON smtp_credential_domains
FOR EACH ROW EXECUTE FUNCTION credential_auth_version_bump();

CREATE FUNCTION domains_auth_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE smtp_credentials SET auth_version = auth_version + 1
        WHERE id IN (SELECT credential_id FROM smtp_credential_domains WHERE domain_id = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER domains_auth_version AFTER UPDATE OF name ON domains
FOR EACH ROW EXECUTE FUNCTION domains_auth_version();

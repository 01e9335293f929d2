CREATE TABLE domains (
    id           TEXT PRIMARY KEY NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX domains_workspace_name_key ON domains (workspace_id, name);

CREATE TABLE smtp_credentials (
    id            TEXT PRIMARY KEY NOT NULL,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    username      TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    sandbox       BOOLEAN NOT NULL DEFAULT FALSE,
    scope         TEXT NOT NULL CHECK (scope IN ('global', 'scoped')),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP,
    last_used_ip  TEXT,
    created_by    TEXT REFERENCES users (id) ON DELETE SET NULL
);
-- SMTP AUTH carries no workspace: a username is unique across the server.
CREATE UNIQUE INDEX smtp_credentials_username_key ON smtp_credentials (lower(username));
CREATE INDEX smtp_credentials_created_idx ON smtp_credentials (workspace_id, created_at, id);
CREATE INDEX smtp_credentials_last_used_idx ON smtp_credentials (workspace_id, last_used_at, id);

CREATE TABLE smtp_credential_domains (
    credential_id TEXT NOT NULL REFERENCES smtp_credentials (id) ON DELETE CASCADE,
    domain_id     TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    PRIMARY KEY (credential_id, domain_id)
);
CREATE INDEX smtp_credential_domains_domain_idx ON smtp_credential_domains (domain_id);

CREATE TABLE audit_events (
    id           TEXT PRIMARY KEY NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL,
    ip           TEXT,
    at           TIMESTAMP NOT NULL,
    details      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_workspace_at_idx ON audit_events (workspace_id, at, id);

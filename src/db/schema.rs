//! The portable schema: only types that both SQLite and PostgreSQL map the
//! same way (ids are UUID strings, times are UTC `Timestamp`s).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        disabled -> Bool,
        session_version -> Integer,
        created_at -> Timestamp,
        theme -> Text,
    }
}

diesel::table! {
    workspaces (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        created_at -> Timestamp,
        max_credential_lifetime_days -> Nullable<Integer>,
        default_max_per_minute -> Nullable<Integer>,
        default_max_per_hour -> Nullable<Integer>,
        default_max_per_day -> Nullable<Integer>,
        default_max_recipients -> Nullable<Integer>,
    }
}

diesel::table! {
    memberships (workspace_id, user_id) {
        workspace_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> workspaces (workspace_id));

diesel::define_sql_function! {
    /// SQL `lower(text)`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// PostgreSQL's `strpos(text, part)`: where `part` starts in `text`, 0
    /// when it does not occur. Unlike LIKE it is never an index condition.
    fn strpos(x: diesel::sql_types::Text, y: diesel::sql_types::Text) -> diesel::sql_types::Integer;
}

diesel::table! {
    domains (id) {
        id -> Text,
        workspace_id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    smtp_credentials (id) {
        id -> Text,
        workspace_id -> Text,
        name -> Text,
        username -> Text,
        description -> Text,
        sandbox -> Bool,
        scope -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        last_used_ip -> Nullable<Text>,
        created_by -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        allowed_ips -> Text,
        allowed_senders -> Text,
        max_per_minute -> Nullable<Integer>,
        max_per_hour -> Nullable<Integer>,
        max_per_day -> Nullable<Integer>,
        max_recipients -> Nullable<Integer>,
        auth_version -> BigInt,
    }
}

diesel::table! {
    /// A credential's passwords: the current one (`valid_until` NULL) and,
    /// during a rotation's overlap, the previous one until `valid_until`.
    credential_secrets (id) {
        id -> Text,
        credential_id -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        valid_until -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        last_used_ip -> Nullable<Text>,
    }
}

diesel::table! {
    smtp_credential_domains (credential_id, domain_id) {
        credential_id -> Text,
        domain_id -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        workspace_id -> Text,
        actor -> Text,
        action -> Text,
        target -> Text,
        ip -> Nullable<Text>,
        at -> Timestamp,
        details -> Text,
    }
}

diesel::table! {
    sandbox_messages (id) {
        id -> Text,
        workspace_id -> Text,
        credential_id -> Nullable<Text>,
        username -> Text,
        mail_from -> Text,
        rcpt_to -> Text,
        subject -> Text,
        size -> BigInt,
        raw -> Binary,
        received_at -> Timestamp,
    }
}

// What ingest extracted from a message for search (SQLite also has `doc`,
// the FTS5 index's row number, which it assigns itself).
diesel::table! {
    sandbox_message_text (message_id) {
        message_id -> Text,
        subject -> Text,
        senders -> Text,
        recipients -> Text,
        body -> Text,
    }
}

diesel::table! {
    sandbox_message_tags (message_id, tag_key) {
        message_id -> Text,
        workspace_id -> Text,
        tag -> Text,
        tag_key -> Text,
    }
}

diesel::table! {
    sandbox_retention (workspace_id) {
        workspace_id -> Text,
        max_messages -> BigInt,
        max_age_days -> BigInt,
        max_bytes -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        workspace_id -> Text,
        label -> Text,
        prefix -> Text,
        secret_hash -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (api_key_id, idempotency_key) {
        api_key_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Binary>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        workspace_id -> Text,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        accepted_by -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        key_hash -> Text,
        user_id -> Nullable<Text>,
        state -> Text,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(smtp_credential_domains -> smtp_credentials (credential_id));
diesel::joinable!(credential_secrets -> smtp_credentials (credential_id));
diesel::joinable!(smtp_credential_domains -> domains (domain_id));
diesel::joinable!(domains -> workspaces (workspace_id));
diesel::joinable!(smtp_credentials -> workspaces (workspace_id));
diesel::joinable!(audit_events -> workspaces (workspace_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    workspaces,
    memberships,
    domains,
    smtp_credentials,
    smtp_credential_domains,
    credential_secrets,
    audit_events,
    sandbox_messages,
    sandbox_message_text,
    sandbox_message_tags,
    sandbox_retention,
    api_keys,
    idempotency_keys,
    invitations,
    sessions,
);

diesel::define_sql_function! {
    /// SQL `coalesce` for a nullable time: sorts "never" as the given time.
    fn coalesce(x: diesel::sql_types::Nullable<diesel::sql_types::Timestamp>, y: diesel::sql_types::Timestamp) -> diesel::sql_types::Timestamp;
}

diesel::table! {
    /// Kept by triggers on `smtp_credentials` (insert and delete).
    credential_counts (workspace_id) {
        workspace_id -> Text,
        credentials -> BigInt,
    }
}

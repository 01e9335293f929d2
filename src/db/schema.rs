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
    }
}

diesel::table! {
    workspaces (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        created_at -> Timestamp,
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

diesel::allow_tables_to_appear_in_same_query!(users, workspaces, memberships);

diesel::define_sql_function! {
    /// SQL `lower(text)`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

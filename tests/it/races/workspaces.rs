//! First-run setup, workspace creation, rename and credential creation
//! against deletion.

use std::time::Duration;

use postern::domain::Role;
use reqwest::StatusCode;

use super::{all_at_once, count, owners, ready, spawn_racing_app};
use crate::helpers::spawn_app_with;

#[tokio::test]
async fn simultaneous_first_run_setups_create_exactly_one_admin() {
    let app = spawn_racing_app().await;
    let n = 8;
    let mut posts = Vec::new();
    for i in 0..n {
        let visitor = app.new_visitor();
        let email = format!("admin{i}@example.com");
        let fields = [
            ("name", "Ada Admin"),
            ("email", email.as_str()),
            ("password", "a-long-enough-password"),
            ("password_confirm", "a-long-enough-password"),
            ("workspace", "Acme Mail"),
        ];
        posts.push(ready(&visitor, "/setup", &fields).await);
    }
    let outcomes = all_at_once(posts).await;
    let won = outcomes
        .iter()
        .filter(|o| o.redirected_to("/w/acme-mail/settings/smtp-credentials"))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| o.redirected_to("/login"))
        .count();
    assert_eq!((won, refused), (1, n - 1), "{outcomes:?}");
    assert_eq!(app.count_rows("users").await, 1);
    assert_eq!(app.count_rows("workspaces").await, 1);
    assert_eq!(app.count_rows("memberships").await, 1);
}

#[tokio::test]
async fn workspaces_created_with_one_name_at_once_each_get_their_own_address() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 1).await;
    let browser = &owners[0].1;
    let n = 8;
    let mut posts = Vec::new();
    for _ in 0..n {
        posts.push(ready(browser, "/workspaces", &[("name", "Acme Mail")]).await);
    }
    let outcomes = all_at_once(posts).await;
    let mut addresses: Vec<_> = outcomes
        .iter()
        .filter(|o| o.status == StatusCode::SEE_OTHER)
        .filter_map(|o| o.location.clone())
        .collect();
    addresses.sort();
    addresses.dedup();
    assert_eq!(addresses.len(), n, "{outcomes:?}");
    assert_eq!(app.count_rows("workspaces").await, n as i64 + 1);
}

#[tokio::test]
async fn renaming_a_workspace_while_it_is_deleted_gets_a_clear_answer() {
    let app = spawn_racing_app().await;
    let (ada, owners) = owners(&app, 2).await;
    let (renamer, deleter) = (&owners[0].1, &owners[1].1);
    let n = 8;
    let mut slugs = vec![ada.slug.clone()];
    for _ in 1..n {
        let workspace = app.create_workspace(&owners[0].0, "Acme Mail").await;
        app.add_member(&workspace, &owners[1].0, Role::Owner).await;
        slugs.push(workspace.slug);
    }
    let mut posts = Vec::new();
    for slug in &slugs {
        let settings = format!("/w/{slug}/settings");
        posts.push(
            ready(
                renamer,
                &format!("{settings}/general"),
                &[("name", "Renamed")],
            )
            .await,
        );
        let confirm = [("confirm_name", "Acme Mail")];
        posts.push(ready(deleter, &format!("{settings}/delete"), &confirm).await);
    }
    // Whichever comes first, the other gets a clear answer: a rename after
    // the deletion 404, a deletion after the rename asks for the new name.
    let outcomes = all_at_once(posts).await;
    for (slug, pair) in slugs.iter().zip(outcomes.chunks(2)) {
        let (rename, delete) = (&pair[0], &pair[1]);
        let renamed = rename.redirected_to(&format!("/w/{slug}/settings/general"));
        let kept = count(
            &app,
            format!(
                "SELECT COUNT(*) AS n FROM workspaces WHERE slug = '{slug}' AND name = 'Renamed'"
            ),
        )
        .await;
        if kept == 1 {
            assert!(renamed, "{slug}: {pair:?}");
            assert_eq!(delete.status, StatusCode::UNPROCESSABLE_ENTITY, "{slug}");
        } else {
            assert!(delete.redirected_to("/workspaces"), "{slug}: {pair:?}");
            assert!(
                renamed || rename.status == StatusCode::NOT_FOUND,
                "{slug}: {pair:?}"
            );
        }
    }
    let deleted = outcomes
        .chunks(2)
        .filter(|p| p[1].redirected_to("/workspaces"));
    assert_eq!(
        app.count_rows("workspaces").await,
        (n - deleted.count()) as i64
    );
}

#[tokio::test]
async fn creating_a_credential_while_its_workspace_is_deleted_gets_200_or_404_and_leaves_nothing() {
    let app = spawn_app_with(|config| {
        config.database_pool_size = 20;
        // Every create hashes, waiting for a slot as long as it takes.
        config.password_hash_wait = Duration::from_secs(60);
    })
    .await;
    let (ada, owners) = owners(&app, 2).await;
    let (creator, deleter) = (&owners[0].1, &owners[1].1);
    let n = 8;
    let mut slugs = vec![ada.slug.clone()];
    for _ in 1..n {
        let workspace = app.create_workspace(&owners[0].0, "Acme Mail").await;
        app.add_member(&workspace, &owners[1].0, Role::Owner).await;
        slugs.push(workspace.slug);
    }
    let mut posts = Vec::new();
    for slug in &slugs {
        let global = [
            ("name", "Billing"),
            ("mode", "production"),
            ("scope", "global"),
        ];
        let credentials = format!("/w/{slug}/settings/smtp-credentials");
        posts.push(ready(creator, &credentials, &global).await);
        let confirm = [("confirm_name", "Acme Mail")];
        let delete = format!("/w/{slug}/settings/delete");
        posts.push(ready(deleter, &delete, &confirm).await);
    }
    // A create before the deletion is deleted with the workspace; one
    // after it finds no workspace (404). No 5xx (see `all_at_once`).
    let outcomes = all_at_once(posts).await;
    for (slug, pair) in slugs.iter().zip(outcomes.chunks(2)) {
        let (create, delete) = (&pair[0], &pair[1]);
        assert!(
            [StatusCode::OK, StatusCode::NOT_FOUND].contains(&create.status),
            "{slug}: {pair:?}"
        );
        assert!(delete.redirected_to("/workspaces"), "{slug}: {pair:?}");
    }
    assert_eq!(app.count_rows("workspaces").await, 0);
    assert_eq!(app.count_rows("smtp_credentials").await, 0);
}

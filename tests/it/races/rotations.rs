//! Twenty rotations of one credential at once: one current password and at
//! most one previous one remain, and the password the last rotation showed
//! is the one that works.

use postern::auth::password;
use reqwest::StatusCode;

use super::{CREDENTIALS, all_at_once, count, ready};
use crate::credentials::{create, id_of, shown_password, stored_hash};
use crate::helpers::spawn_app_with;

#[tokio::test]
async fn twenty_concurrent_rotations_leave_one_current_and_at_most_one_previous_password() {
    // Each rotation hashes one password; let them all wait for a slot.
    let app = spawn_app_with(|config| {
        config.database_pool_size = 20;
        config.password_hash_wait = std::time::Duration::from_secs(60);
    })
    .await;
    app.signed_in_owner().await;
    create(&app, "Raced", "raced_app").await;
    let id = id_of(&app, "raced_app").await;
    let path = format!("{CREDENTIALS}/{id}/regenerate");
    let mut posts = Vec::new();
    for i in 0..20 {
        let overlap = if i % 2 == 0 { "3600" } else { "0" };
        posts.push(ready(&app, &path, &[("overlap", overlap)]).await);
    }
    let outcomes = all_at_once(posts).await;
    let done = outcomes
        .iter()
        .filter(|o| o.status == StatusCode::OK)
        .count();
    assert_eq!(done, 20, "{outcomes:?}");

    let current = count(
        &app,
        "SELECT COUNT(*) AS n FROM credential_secrets WHERE valid_until IS NULL".into(),
    )
    .await;
    let previous = count(
        &app,
        "SELECT COUNT(*) AS n FROM credential_secrets WHERE valid_until IS NOT NULL".into(),
    )
    .await;
    assert_eq!(current, 1);
    assert!(previous <= 1, "{previous} previous passwords");
    let regenerations = count(
        &app,
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'smtp_credential.regenerated'"
            .into(),
    )
    .await;
    assert_eq!(
        regenerations as usize, done,
        "every rotation that answered is logged"
    );

    // A rotation after the race still works and shows the password stored.
    let page = app.post_form(&path, &[("overlap", "0")]).await;
    let hash = stored_hash(&app, "raced_app").await;
    assert!(password::verify(&shown_password(&page), &hash));
    assert_eq!(app.count_rows("credential_secrets").await, 1);
}

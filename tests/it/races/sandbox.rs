//! Sandbox mail deleted, released, and limits saved by many requests at
//! once.

use chrono::Duration;

use super::{all_at_once, count, count_audit, owners, ready, spawn_racing_app};
use crate::sandbox::seed_messages;

#[tokio::test]
async fn twenty_deletes_of_one_message_delete_it_once_and_log_it_once() {
    let app = spawn_racing_app().await;
    let (workspace, owners) = owners(&app, 2).await;
    let ids = seed_messages(&app, &workspace, 2, 200, Duration::minutes(1)).await;
    let path = format!("/w/acme-mail/sandbox/{}/delete", ids[0]);
    let mut posts = Vec::new();
    for i in 0..20 {
        posts.push(ready(&owners[i % 2].1, &path, &[]).await);
    }
    let outcomes = all_at_once(posts).await;
    let done = outcomes
        .iter()
        .filter(|o| o.redirected_to("/w/acme-mail/sandbox"))
        .count();
    assert_eq!(done, 1, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|o| o.status == 303 || o.status == 404),
        "{outcomes:?}"
    );
    assert_eq!(app.count_rows("sandbox_messages").await, 1);
    let logged = count(
        &app,
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'sandbox.deleted'".into(),
    )
    .await;
    assert_eq!(logged, 1);
}

#[tokio::test]
async fn twenty_limits_saved_at_once_leave_one_row_holding_one_of_them() {
    let app = spawn_racing_app().await;
    let (workspace, owners) = owners(&app, 2).await;
    seed_messages(&app, &workspace, 30, 200, Duration::minutes(5)).await;
    let path = "/w/acme-mail/settings/sandbox";
    let mut posts = Vec::new();
    for i in 0..20 {
        let messages = (10 + i).to_string();
        let fields = [
            ("max_messages", messages.as_str()),
            ("max_age_days", "30"),
            ("max_megabytes", "500"),
        ];
        posts.push(ready(&owners[i % 2].1, path, &fields).await);
    }
    let outcomes = all_at_once(posts).await;
    assert!(
        outcomes.iter().all(|o| o.redirected_to(path)),
        "{outcomes:?}"
    );
    assert_eq!(app.count_rows("sandbox_retention").await, 1);
    let kept = count(
        &app,
        "SELECT max_messages AS n FROM sandbox_retention".into(),
    )
    .await;
    assert!((10..30).contains(&kept), "{kept}");
    // Each save enforced its own limit once saved: none holds more than the
    // limit that stayed, none fewer than the lowest asked for.
    let held = app.count_rows("sandbox_messages").await;
    assert!((10..=kept).contains(&held), "{held} held, limit {kept}");
}

#[tokio::test]
async fn twenty_releases_at_once_each_reach_the_smarthost_once_and_are_logged() {
    let sink = crate::smtp::sink::start("250 2.0.0 queued").await;
    let app = crate::sandbox::release::releasing_app(&sink).await;
    let (workspace, owners) = owners(&app, 2).await;
    let raw = crate::sandbox::with_html("Hello", "<p>Hello</p>");
    let id = crate::sandbox::store_raw(&app, &workspace, raw).await;
    let path = format!("/w/acme-mail/sandbox/{id}/release");
    let mut posts = Vec::new();
    for i in 0..20 {
        let to = format!("user{i}@example.com");
        posts.push(ready(&owners[i % 2].1, &path, &[("to", &to)]).await);
    }
    let outcomes = all_at_once(posts).await;
    let page = format!("/w/acme-mail/sandbox/{id}");
    assert!(
        outcomes.iter().all(|o| o.redirected_to(&page)),
        "{outcomes:?}"
    );
    let mut reached: Vec<String> = sink
        .transactions()
        .into_iter()
        .flat_map(|t| t.rcpt_to)
        .collect();
    reached.sort();
    reached.dedup();
    assert_eq!(sink.transactions().len(), 20);
    assert_eq!(reached.len(), 20);
    assert_eq!(count_audit(&app, "sandbox.released").await, 20);
    assert_eq!(app.count_rows("sandbox_messages").await, 1);
}

#[tokio::test]
async fn twenty_tag_edits_at_once_leave_the_tags_of_exactly_one_of_them() {
    let app = spawn_racing_app().await;
    let (workspace, owners) = owners(&app, 2).await;
    let login = crate::sandbox::search::sandbox_login(&app, &workspace, "Race").await;
    let id = crate::sandbox::search::ingest(
        &app,
        &login,
        "a@race.example",
        &["b@race.example"],
        "Subject: Raced\nX-Tags: start\n\nhi\n",
    )
    .await;
    let path = format!("/w/acme-mail/sandbox/{id}/tags");
    let mut posts = Vec::new();
    for i in 0..20 {
        // Each edit sets three tags of its own.
        let tags = format!("a{i}, b{i}, c{i}");
        posts.push(ready(&owners[i % 2].1, &path, &[("tags", tags.as_str())]).await);
    }
    let outcomes = all_at_once(posts).await;
    let page = format!("/w/acme-mail/sandbox/{id}");
    assert!(
        outcomes.iter().all(|o| o.redirected_to(&page)),
        "{outcomes:?}"
    );
    let rows = count(
        &app,
        "SELECT COUNT(*) AS n FROM sandbox_message_tags".into(),
    )
    .await;
    assert_eq!(rows, 3, "one edit's three tags, not a mixture");
    let edits = count(
        &app,
        "SELECT COUNT(DISTINCT substr(tag, 2)) AS n FROM sandbox_message_tags".into(),
    )
    .await;
    assert_eq!(edits, 1, "all three from the same edit");
    let logged = count(
        &app,
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'sandbox.tagged'".into(),
    )
    .await;
    assert_eq!(logged, 20);
}

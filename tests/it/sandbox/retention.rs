//! Retention: the workspace's limits, set by admins, enforced at once, by
//! the job, and soon after mail arrives.

use std::time::Duration as StdDuration;

use chrono::Duration;
use postern::service::credentials::Scope;
use postern::service::sandbox::{SandboxUsage, retention};

use super::{seed_messages, subjects};
use crate::helpers::spawn_app;
use crate::members::Team;
use crate::smtp::{authenticated, send_message};

fn limits_form<'a>(
    messages: &'a str,
    days: &'a str,
    megabytes: &'a str,
) -> [(&'a str, &'a str); 3] {
    [
        ("max_messages", messages),
        ("max_age_days", days),
        ("max_megabytes", megabytes),
    ]
}

#[tokio::test]
async fn the_defaults_are_shown_and_only_admins_may_change_them() {
    let team = Team::new().await;
    let path = format!("/w/{}/settings/sandbox", team.workspace.slug);

    let page = team.viewer.get(&path).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.text_of("#sandbox-limits")
            .unwrap()
            .split_whitespace()
            .collect::<String>(),
        "Messages1000Days30Megabytesinall500"
    );
    assert!(page.attrs("input[name=max_messages]", "value").is_empty());
    let refused = team
        .member
        .post_form(&path, &limits_form("5", "1", "1"))
        .await;
    assert_eq!(refused.status, 403);

    let admin = team.admin.get(&path).await;
    assert_eq!(admin.attrs("input[name=max_messages]", "value"), ["1000"]);
    assert_eq!(admin.attrs("input[name=max_megabytes]", "value"), ["500"]);
}

#[tokio::test]
async fn lowering_the_message_limit_deletes_the_oldest_mail_at_once_and_is_logged() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed_messages(&app, &workspace, 10, 200, Duration::minutes(10)).await;
    let path = format!("/w/{}/settings/sandbox", workspace.slug);

    app.post_form(&path, &limits_form("3", "30", "500"))
        .await
        .assert_redirect_to(&path);
    assert_eq!(
        subjects(&app, &workspace).await,
        ["Message 9", "Message 8", "Message 7"]
    );
    let page = app.get(&path).await;
    page.assert_contains("7 messages past them were deleted");
    assert_eq!(page.attrs("input[name=max_messages]", "value"), ["3"]);
    app.get(&format!("/w/{}/sandbox", workspace.slug))
        .await
        .assert_contains("Keeps the newest 3");
    let activity = app
        .get(&format!("/w/{}/settings/activity", workspace.slug))
        .await;
    activity.assert_contains("Changed sandbox retention");
    activity.assert_contains("3 messages, 30 days, 500 MB");
}

#[tokio::test]
async fn limits_out_of_bounds_come_back_with_a_message_beside_each_field() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let path = format!("/w/{}/settings/sandbox", workspace.slug);

    let page = app
        .post_form(&path, &limits_form("0", "ten", "100001"))
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(
        page.text_of("#max_messages-error").as_deref(),
        Some("Enter a whole number from 1 to 1000000.")
    );
    assert_eq!(
        page.text_of("#max_age_days-error").as_deref(),
        Some("Enter a whole number from 1 to 3650.")
    );
    assert!(page.text_of("#max_megabytes-error").is_some());
    assert_eq!(page.attrs("input[name=max_age_days]", "value"), ["ten"]);
    assert_eq!(app.count_rows("sandbox_retention").await, 0);
}

#[tokio::test]
async fn the_job_deletes_mail_past_the_age_limit_and_keeps_the_rest() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed_messages(&app, &workspace, 3, 200, Duration::days(40)).await;
    seed_messages(&app, &workspace, 2, 200, Duration::days(29)).await;

    let removed = retention::run_once(&app.db, &SandboxUsage::new(None))
        .await
        .unwrap();
    assert_eq!(removed, 3);
    assert_eq!(subjects(&app, &workspace).await, ["Message 1", "Message 0"]);
}

#[tokio::test]
async fn the_size_limit_keeps_the_newest_messages_that_fit() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed_messages(&app, &workspace, 10, 300_000, Duration::minutes(10)).await;
    let path = format!("/w/{}/settings/sandbox", workspace.slug);

    app.post_form(&path, &limits_form("1000", "30", "1"))
        .await
        .assert_redirect_to(&path);
    assert_eq!(
        subjects(&app, &workspace).await,
        ["Message 9", "Message 8", "Message 7"]
    );
}

#[tokio::test]
async fn mail_arriving_past_the_limit_is_pruned_soon_without_waiting_for_the_job() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let path = format!("/w/{}/settings/sandbox", workspace.slug);
    app.post_form(&path, &limits_form("5", "30", "500")).await;
    let mut client = authenticated(&app, &workspace, "load_box", true, Scope::Global).await;
    for i in 0..12 {
        let message = format!("From: app@a.example\r\nSubject: Load {i}\r\n\r\nHi\r\n");
        let reply = send_message(&mut client, "app@a.example", "u@example.net", &message).await;
        assert_eq!(reply.code, 250, "{}", reply.text);
    }

    let mut held = subjects(&app, &workspace).await;
    for _ in 0..50 {
        if held.len() <= 5 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
        held = subjects(&app, &workspace).await;
    }
    assert!(held.len() <= 5, "{held:?}");
    assert_eq!(held[0], "Load 11");
}

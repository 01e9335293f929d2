//! Deleting sandbox mail: one, a selection, all; who may; the log.

use chrono::Duration;

use super::{seed_messages, subjects};
use crate::helpers::spawn_app;
use crate::members::Team;

#[tokio::test]
async fn a_member_deletes_one_message_from_its_page_and_the_log_says_so() {
    let team = Team::new().await;
    let workspace = &team.workspace;
    let ids = seed_messages(&team.owner, workspace, 3, 200, Duration::minutes(5)).await;
    let base = format!("/w/{}/sandbox", workspace.slug);

    let page = team.member.get(&format!("{base}/{}", ids[1])).await;
    page.assert_contains("Delete…");
    let confirm = team.member.get(&format!("{base}/{}/delete", ids[1])).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Delete message?");
    confirm.assert_contains("Message 1");

    team.member
        .post_form(&format!("{base}/{}/delete", ids[1]), &[])
        .await
        .assert_redirect_to(&base);
    assert_eq!(
        subjects(&team.owner, workspace).await,
        ["Message 2", "Message 0"]
    );
    team.member
        .get(&base)
        .await
        .assert_contains("Deleted the message.");
    let gone = team.member.get(&format!("{base}/{}", ids[1])).await;
    assert_eq!(gone.status, 404);
    let again = team
        .member
        .post_form(&format!("{base}/{}/delete", ids[1]), &[])
        .await;
    assert_eq!(again.status, 404);

    let activity = team
        .owner
        .get(&format!("/w/{}/settings/activity", workspace.slug))
        .await;
    activity.assert_contains("Deleted sandbox mail");
    activity.assert_contains(&ids[1].to_string());
}

#[tokio::test]
async fn ticked_messages_are_deleted_together_and_only_in_their_workspace() {
    let app = spawn_app().await;
    let (owner, workspace) = app.signed_in_owner().await;
    let other = app.create_workspace(&owner, "Other").await;
    let ids = seed_messages(&app, &workspace, 4, 200, Duration::minutes(5)).await;
    let foreign = seed_messages(&app, &other, 1, 200, Duration::minutes(5)).await;
    let base = format!("/w/{}/sandbox", workspace.slug);

    let list = app.get(&base).await;
    assert_eq!(list.attrs("input[name=id]", "value").len(), 4);
    let (a, b, f) = (
        ids[0].to_string(),
        ids[2].to_string(),
        foreign[0].to_string(),
    );
    let fields = [
        ("id", a.as_str()),
        ("id", b.as_str()),
        ("id", f.as_str()),
        ("id", "nonsense"),
    ];
    app.post_form(&format!("{base}/delete"), &fields)
        .await
        .assert_redirect_to(&base);
    assert_eq!(subjects(&app, &workspace).await, ["Message 3", "Message 1"]);
    assert_eq!(subjects(&app, &other).await, ["Message 0"]);
    app.get(&base).await.assert_contains("Deleted 2 messages.");

    app.post_form(&format!("{base}/delete"), &[])
        .await
        .assert_redirect_to(&base);
    app.get(&base)
        .await
        .assert_contains("No messages were selected.");
}

#[tokio::test]
async fn delete_all_empties_the_sandbox_after_a_confirmation_and_is_logged() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed_messages(&app, &workspace, 1_200, 100, Duration::minutes(30)).await;
    let base = format!("/w/{}/sandbox", workspace.slug);

    let confirm = app.get(&format!("{base}/delete-all")).await;
    confirm.assert_contains("Delete all sandbox mail?");
    confirm.assert_contains("1,200 messages");
    app.post_form(&format!("{base}/delete-all"), &[])
        .await
        .assert_redirect_to(&base);
    assert_eq!(app.count_rows("sandbox_messages").await, 0);
    let list = app.get(&base).await;
    list.assert_contains("Deleted 1200 messages.");
    list.assert_contains("No sandbox mail yet");
    app.get(&format!("/w/{}/settings/activity", workspace.slug))
        .await
        .assert_contains("Deleted all sandbox mail");
}

#[tokio::test]
async fn viewers_see_the_mail_but_no_way_to_delete_it() {
    let team = Team::new().await;
    let workspace = &team.workspace;
    let ids = seed_messages(&team.owner, workspace, 2, 200, Duration::minutes(5)).await;
    let base = format!("/w/{}/sandbox", workspace.slug);

    let list = team.viewer.get(&base).await;
    list.assert_contains("Message 1");
    assert!(!list.body.contains("Delete selected"), "{}", list.body);
    assert!(!list.body.contains("Delete all"), "{}", list.body);
    assert!(list.attrs("input[name=id]", "value").is_empty());
    let message = team.viewer.get(&format!("{base}/{}", ids[0])).await;
    assert!(!message.body.contains("Delete…"), "{}", message.body);

    let refused = team
        .viewer
        .post_form(&format!("{base}/{}/delete", ids[0]), &[])
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(subjects(&team.owner, workspace).await.len(), 2);
}

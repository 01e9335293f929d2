//! The Sandbox in the browser: deleting ticked mail and all of it,
//! retention limits pruning the oldest.

use chrono::Duration;

use crate::e2e::browser::owner_on;
use crate::sandbox::seed_messages;

#[tokio::test]
async fn a_member_deletes_ticked_mail_then_retention_prunes_then_all_is_deleted() {
    let Some((app, browser)) = owner_on("/w/acme-mail/sandbox").await else {
        return;
    };
    let workspace = app
        .db
        .query(|conn| postern::db::models::Workspace::find_by_slug(conn, "acme-mail"))
        .await
        .unwrap()
        .unwrap();
    let ids = seed_messages(&app, &workspace, 8, 2_000, Duration::minutes(20)).await;
    browser.goto("/w/acme-mail/sandbox").await;
    browser.screenshot("60-sandbox-list").await;

    browser.click(&format!("#select-{}", ids[0])).await;
    browser.click(&format!("#select-{}", ids[1])).await;
    browser.click("[data-testid=delete-selected]").await;
    browser.wait_text(".toast", "Deleted 2 messages.").await;
    assert_eq!(
        browser
            .attr_all("tr[data-message]", "data-message")
            .await
            .len(),
        6
    );

    browser.goto("/w/acme-mail/settings/sandbox").await;
    browser.fill("#max-messages", "3").await;
    browser.click("button[type=submit].button-primary").await;
    browser
        .wait_text(
            ".toast",
            "Saved the sandbox limits; 3 messages past them were deleted.",
        )
        .await;
    assert_eq!(browser.text("#sandbox-held").await, "3 messages, 6.0 kB.");
    browser.screenshot("61-sandbox-retention").await;

    browser.goto("/w/acme-mail/sandbox").await;
    let kept = browser.attr_all("tr[data-message]", "data-message").await;
    let newest: Vec<String> = ids[5..].iter().rev().map(|id| id.to_string()).collect();
    assert_eq!(kept, newest);
    browser.click("[data-testid=delete-all]").await;
    browser.text("dialog#modal[open] #modal-title").await;
    browser.screenshot("62-sandbox-delete-all").await;
    browser.click("dialog#modal [data-testid=confirm]").await;
    browser
        .wait_text(".empty-title", "No sandbox mail yet")
        .await;
    browser.screenshot("63-sandbox-emptied").await;
    assert_eq!(app.count_rows("sandbox_messages").await, 0);
    browser.close().await;
}

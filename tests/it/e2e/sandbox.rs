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

#[tokio::test]
async fn a_message_shows_its_attachments_with_thumbnails_and_opens_its_raw_source_on_demand() {
    let Some((app, browser)) = owner_on("/w/acme-mail/sandbox").await else {
        return;
    };
    let workspace = app
        .db
        .query(|conn| postern::db::models::Workspace::find_by_slug(conn, "acme-mail"))
        .await
        .unwrap()
        .unwrap();
    let raw = crate::sandbox::multipart(
        "Your invoice and a photo are attached.",
        &[
            ("invoice.pdf", "application/pdf", b"%PDF-1.4 tiny"),
            ("photo.png", "image/png", &crate::sandbox::png(640, 480)),
        ],
    );
    let id = crate::sandbox::store_raw(&app, &workspace, raw).await;
    browser.goto(&format!("/w/acme-mail/sandbox/{id}")).await;
    assert!(browser.text("#attachments").await.contains("invoice.pdf"));
    // The thumbnail loaded: the browser decoded a 160-pixel-wide PNG.
    let js = "const img = document.querySelector('img.attachment-thumb'); \
              return img.complete ? img.naturalWidth : -1";
    let mut width = serde_json::Value::Null;
    for _ in 0..100 {
        width = browser.client.execute(js, vec![]).await.unwrap();
        if width != -1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(width, 160);
    assert!(browser.source().await.find("id=\"message-raw\"").is_none());
    browser.click("#raw-details summary").await;
    assert!(
        browser
            .text("#message-raw")
            .await
            .contains("Content-Disposition: attachment")
    );
    browser.screenshot("64-sandbox-message-attachments").await;
    browser.close().await;
}

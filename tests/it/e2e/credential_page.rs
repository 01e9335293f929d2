//! A credential's own page in Chromium: set an expiry and an allowlist
//! entry, rotate with an hour's overlap, and see both passwords' state.

use crate::e2e::browser::owner_on;

const LIST: &str = "/w/acme-mail/settings/smtp-credentials";

#[tokio::test]
async fn set_an_expiry_and_an_allowlist_then_rotate_with_an_hours_overlap() {
    let Some((_app, browser)) = owner_on(LIST).await else {
        return;
    };
    browser.click("[data-testid=create-credential]").await;
    browser.text("dialog#modal[open] #modal-title").await;
    browser.fill("#credential-name", "Billing service").await;
    browser.fill("#credential-username", "billing_app").await;
    browser.click("dialog#modal button[type=submit]").await;
    browser.text("#shown-password").await;
    browser
        .click("dialog#modal [data-dialog-close].button")
        .await;
    browser.wait_gone("dialog#modal[open]").await;
    browser.wait_htmx_idle().await;

    // The name leads to the credential's page.
    browser
        .click("tr[data-username=billing_app] .cell-name a")
        .await;
    browser.wait_text("h1.page-title", "Billing service").await;
    assert!(browser.path().await.starts_with(&format!("{LIST}/")));
    browser.screenshot("60-credential-page").await;

    // Expiry: in 90 days.
    browser.click("#renew-expires option[value='90d']").await;
    browser.click("[data-testid=renew]").await;
    browser.wait_htmx_idle().await;
    browser.text(".toast").await;
    let expiry = browser.text("#expires-at").await;
    assert!(expiry.starts_with("Expires "), "{expiry}");

    // An allowlist entry and a limit.
    browser.text("#allowed-ips").await;
    browser.fill("#allowed-ips", "127.0.0.1").await;
    browser.fill("#max-per-hour", "1000").await;
    browser.click("[data-testid=save-policies]").await;
    browser
        .wait_text(".toast", "Saved the policies of Billing service.")
        .await;
    assert_eq!(browser.text("#allowed-ips").await, "127.0.0.1");
    let badges = browser.text(".page-header .badges").await;
    assert!(
        badges.contains("IP-bound") && badges.contains("Limited"),
        "{badges}"
    );

    // Rotate, keeping the old password for an hour.
    browser.click("[data-testid=regenerate]").await;
    browser.text("dialog#modal[open] #overlap").await;
    browser.click("#overlap option[value='3600']").await;
    browser.screenshot("61-rotate-with-overlap").await;
    browser.click("dialog#modal [data-testid=confirm]").await;
    let password = browser.text("#shown-password").await;
    assert!(password.len() >= 22);
    browser
        .click("dialog#modal [data-dialog-close].button")
        .await;
    browser.wait_gone("dialog#modal[open]").await;
    browser.wait_htmx_idle().await;
    let previous = browser.text("#previous-password").await;
    assert!(
        previous.starts_with("Previous password valid until"),
        "{previous}"
    );
    assert!(
        browser
            .text("#current-password")
            .await
            .starts_with("Current password, set")
    );
    assert!(!browser.source().await.contains(&password));
    browser.screenshot("62-both-passwords").await;
}

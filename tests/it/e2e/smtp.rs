use lettre::AsyncTransport;

use crate::e2e::Browser;
use crate::helpers::{PASSWORD, spawn_app};
use crate::smtp::delivery::{mailer, message};

#[tokio::test]
async fn a_credential_made_in_the_browser_sends_and_the_dashboard_shows_it() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let Some(browser) = Browser::open(&app.address).await else {
        return;
    };
    browser.sign_in("owner@example.com", PASSWORD).await;
    browser.goto("/w/acme-mail/settings/smtp-credentials").await;
    browser.click("[data-testid=create-credential]").await;
    browser.text("dialog#modal[open] #modal-title").await;
    browser.fill("#credential-name", "Newsletter").await;
    browser.fill("#credential-username", "newsletter_app").await;
    browser
        .click("dialog#modal input[name=mode][value=sandbox]")
        .await;
    browser.click("dialog#modal button[type=submit]").await;
    let password = browser.text("#shown-password").await;
    browser
        .click("dialog#modal [data-dialog-close].button")
        .await;
    browser
        .wait_text(
            "tr[data-username=newsletter_app] td[data-label='Last used']",
            "Never",
        )
        .await;

    mailer(&app, "newsletter_app", &password)
        .send(message("November newsletter"))
        .await
        .unwrap();

    browser.goto("/w/acme-mail/settings/smtp-credentials").await;
    browser
        .wait_text(
            "tr[data-username=newsletter_app] td[data-label='Last used']",
            "just now",
        )
        .await;
    assert_eq!(
        browser
            .text("tr[data-username=newsletter_app] .badge")
            .await,
        "Sandbox"
    );
    browser.screenshot("20-last-used").await;

    browser.goto("/w/acme-mail/sandbox").await;
    browser.click("tr[data-message] a").await;
    assert_eq!(
        browser.text("#message-subject").await,
        "November newsletter"
    );
    assert!(
        browser
            .text("#message-text")
            .await
            .contains("Hello from the November newsletter test.")
    );
    browser.screenshot("21-sandbox-message").await;
    browser.goto("/w/acme-mail/sandbox").await;
    browser.screenshot("22-sandbox").await;
    browser.goto("/w/acme-mail/settings/activity").await;
    assert!(
        browser
            .text("tr[data-action='smtp_credential.created']")
            .await
            .contains("Newsletter")
    );
    browser.screenshot("23-activity").await;
    browser.goto("/w/acme-mail/settings/domains").await;
    browser.fill("#domain-name", "mail.example.com").await;
    browser
        .click("form[action$='/settings/domains'] button[type=submit]")
        .await;
    browser
        .wait_text("tr[data-domain] code", "mail.example.com")
        .await;
    browser.screenshot("24-domains").await;
    browser.close().await;
}

use crate::api::helpers::{Api, add_domain};
use crate::e2e::Browser;
use crate::helpers::{PASSWORD, spawn_app};

const KEYS: &str = "/w/acme-mail/settings/api-keys";

#[tokio::test]
async fn an_admin_creates_a_domain_scoped_key_uses_it_and_revokes_it_in_the_browser() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    add_domain(&app, &workspace, "a.example").await;
    let Some(browser) = Browser::open(&app.address).await else {
        return;
    };
    browser.sign_in("owner@example.com", PASSWORD).await;
    browser.goto("/w/acme-mail/settings/smtp-credentials").await;
    browser
        .click("a.settings-nav-link[href$='/api-keys']")
        .await;
    browser.wait_for_path(KEYS).await;
    browser.screenshot("30-api-keys-empty").await;

    browser.fill("#key-label", "CI deploy").await;
    browser
        .click("input[value='smtp-credentials:read:a.example']")
        .await;
    browser
        .click("input[value='smtp-credentials:write:a.example']")
        .await;
    browser
        .click("form[action$='/api-keys'] button[type=submit]")
        .await;
    let secret = browser.text("#shown-key").await;
    assert!(secret.starts_with("postern_"));
    browser.screenshot("31-api-key-created").await;

    let api = Api::new(&app, &workspace, Some(secret.clone())).await;
    let global = serde_json::json!({"name": "Global from CI", "scope": "global"});
    let refused = api.post(&api.collection(), &global).await;
    assert_eq!(
        refused.status, 403,
        "a domain key cannot create a global credential"
    );

    browser.goto(KEYS).await;
    assert!(!browser.source().await.contains(&secret), "shown once");
    browser
        .click("tr[data-key='CI deploy'] a[aria-label^=Revoke]")
        .await;
    assert_eq!(
        browser.text("dialog#modal[open] #modal-title").await,
        "Revoke API key?"
    );
    browser.screenshot("32-api-key-revoke").await;
    browser.click("dialog#modal [data-testid=confirm]").await;
    browser.wait_gone("tr[data-key='CI deploy']").await;
    assert_eq!(api.get(&api.collection()).await.status, 401);
    browser.close().await;
}

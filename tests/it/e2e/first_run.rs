use crate::e2e::Browser;
use crate::helpers::spawn_app;

#[tokio::test]
async fn first_run_setup_sign_in_second_workspace_switch_and_sign_out() {
    let app = spawn_app().await;
    let Some(browser) = Browser::open(&app.address).await else {
        return;
    };

    browser.goto("/").await;
    browser.wait_for_path("/setup").await;
    browser.screenshot("01-setup").await;
    browser.fill("#name", "Ada Admin").await;
    browser.fill("#email", "ada@example.com").await;
    browser.fill("#password", "a-long-enough-password").await;
    browser
        .fill("#password_confirm", "a-long-enough-password")
        .await;
    browser.fill("#workspace", "Acme Mail").await;
    browser.click("form button[type=submit]").await;
    browser
        .wait_for_path("/w/acme-mail/settings/smtp-credentials")
        .await;
    assert_eq!(browser.text("h1").await, "SMTP Credentials");
    browser.screenshot("02-first-workspace").await;

    // Sign out through the user menu, then sign in again.
    browser.click(".user-menu summary").await;
    browser.click("[data-testid=sign-out]").await;
    browser.wait_for_path("/login").await;
    browser.screenshot("02-sign-in").await;
    browser.fill("#email", "ada@example.com").await;
    browser.fill("#password", "a-long-enough-password").await;
    browser.click("form button[type=submit]").await;
    browser
        .wait_for_path("/w/acme-mail/settings/smtp-credentials")
        .await;

    // A second workspace, from the switcher's "Create workspace".
    browser.click(".switcher summary").await;
    browser.screenshot("03-switcher-open").await;
    browser
        .click(".switcher a[href='/workspaces#new-workspace']")
        .await;
    browser.wait_for_path("/workspaces").await;
    browser.fill("#workspace-name", "Billing Team").await;
    browser.click("#new-workspace button[type=submit]").await;
    browser
        .wait_for_path("/w/billing-team/settings/smtp-credentials")
        .await;
    assert!(
        browser
            .text(".switcher summary")
            .await
            .contains("Billing Team")
    );

    // Switch back by following the switcher link.
    browser.click(".switcher summary").await;
    browser
        .click(".switcher a[href='/w/acme-mail/settings/smtp-credentials']")
        .await;
    browser
        .wait_for_path("/w/acme-mail/settings/smtp-credentials")
        .await;
    assert!(
        browser
            .text(".switcher summary")
            .await
            .contains("Acme Mail")
    );
    browser.goto("/workspaces").await;
    browser.screenshot("04-workspaces").await;

    browser.set_window_width(390).await;
    browser.goto("/w/acme-mail/settings/smtp-credentials").await;
    browser.screenshot("05-mobile").await;

    browser.click(".user-menu summary").await;
    browser.click("[data-testid=sign-out]").await;
    browser.wait_for_path("/login").await;
    browser.goto("/w/acme-mail/settings/smtp-credentials").await;
    browser.wait_for_path("/login").await;
    browser.close().await;
}

#[tokio::test]
async fn a_wrong_password_shows_an_error_in_the_browser() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let Some(browser) = Browser::open(&app.address).await else {
        return;
    };
    browser.goto("/login").await;
    browser.fill("#email", "ada@example.com").await;
    browser.fill("#password", "not-the-password").await;
    browser.click("form button[type=submit]").await;
    assert_eq!(
        browser.text(".alert-error").await,
        "The email or password is incorrect."
    );
    browser.screenshot("06-wrong-password").await;
    assert!(
        !browser.source().await.contains("not-the-password"),
        "the password is not echoed back"
    );
    assert_eq!(browser.path().await, "/login");
    browser.close().await;
}

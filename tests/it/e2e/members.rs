use postern::domain::Role;

use crate::e2e::Browser;
use crate::helpers::{PASSWORD, spawn_app};

const MEMBERS: &str = "/w/acme-mail/settings/members";
const CREDENTIALS: &str = "/w/acme-mail/settings/smtp-credentials";

#[tokio::test]
async fn an_admin_invites_a_viewer_who_joins_in_another_browser_and_is_promoted_then_lowered() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let admin = app.create_user("admin@example.com", "Ada Admin").await;
    app.add_member(&workspace, &admin, Role::Admin).await;
    let Some(admin_browser) = Browser::open(&app.address).await else {
        return;
    };
    admin_browser.sign_in("admin@example.com", PASSWORD).await;
    admin_browser.goto(CREDENTIALS).await;
    admin_browser
        .click("a.settings-nav-link[href$='/members']")
        .await;
    admin_browser.wait_for_path(MEMBERS).await;
    admin_browser
        .fill("#invite-email", "colleague@example.com")
        .await;
    admin_browser
        .click("#invite-role option[value=viewer]")
        .await;
    admin_browser
        .click("form[action$='/invitations'] button[type=submit]")
        .await;
    let link = admin_browser.text("#invitation-link").await;
    assert!(link.contains("/invitations/"), "{link}");
    admin_browser.screenshot("40-invitation-created").await;

    let Some(colleague) = Browser::open(&app.address).await else {
        return;
    };
    let path = &link[link.find("/invitations/").unwrap()..];
    colleague.goto(path).await;
    colleague.screenshot("41-invitation-accept").await;
    colleague.fill("#name", "Cole League").await;
    colleague.fill("#password", "a long new password").await;
    colleague
        .fill("#password_confirm", "a long new password")
        .await;
    colleague.click("button[type=submit]").await;
    colleague.wait_for_path(CREDENTIALS).await;
    assert!(colleague.source().await.contains("Welcome to Acme Mail."));
    colleague.wait_announced("Welcome to Acme Mail.").await;
    assert!(
        colleague
            .attr_all("[data-testid=create-credential]", "class")
            .await
            .is_empty(),
        "a viewer sees no action buttons"
    );
    colleague.screenshot("42-viewer-joined").await;

    set_colleague_role(&admin_browser, "member", "Cole League is now Member.").await;
    admin_browser.screenshot("43-members-promoted").await;

    colleague.goto(CREDENTIALS).await;
    assert_eq!(
        colleague
            .attr_all("[data-testid=create-credential]", "data-testid")
            .await
            .len(),
        1,
        "the buttons appear on reload"
    );

    // Lowered back to viewer while their page is open: the next click is
    // refused, and the page says so instead of doing nothing.
    set_colleague_role(&admin_browser, "viewer", "Cole League is now Viewer.").await;
    colleague.click("[data-testid=create-credential]").await;
    colleague
        .wait_text(
            "#toasts .toast",
            "Your role no longer allows this. Reload the page to see what you can do.",
        )
        .await;
    assert!(
        colleague.attr_all("dialog[open]", "id").await.is_empty(),
        "no dialog is left open"
    );
    colleague.screenshot("44-demoted-click-refused").await;
    colleague.close().await;

    admin_browser.goto("/w/acme-mail/settings/general").await;
    admin_browser.screenshot("45-general").await;
    admin_browser.click(".user-menu summary").await;
    admin_browser.click("a.menu-item[href='/account']").await;
    admin_browser.wait_for_path("/account").await;
    admin_browser.screenshot("46-account").await;
    admin_browser.set_window_width(390).await;
    admin_browser.goto(MEMBERS).await;
    admin_browser.screenshot("47-members-mobile").await;
    admin_browser.goto("/w/acme-mail/settings/api-keys").await;
    admin_browser.screenshot("48-api-keys-mobile").await;
    admin_browser.close().await;
}

/// On the Members page, picks `role` for the colleague's row, saves, and
/// waits for the toast that confirms it.
async fn set_colleague_role(admin: &Browser, role: &str, toast: &str) {
    admin.goto(MEMBERS).await;
    let row = "tr[data-member='colleague@example.com']";
    admin
        .click(&format!("{row} select option[value={role}]"))
        .await;
    admin.click(&format!("{row} button[type=submit]")).await;
    admin.wait_text(".toast", toast).await;
}

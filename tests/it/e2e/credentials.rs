use postern::domain::Role;

use crate::e2e::Browser;
use crate::e2e::browser::owner_on;
use crate::helpers::{PASSWORD, spawn_app};

const LIST: &str = "/w/acme-mail/settings/smtp-credentials";

/// Opens the create dialog, fills it in, submits, and returns the password shown.
async fn create_in_dialog(browser: &Browser, name: &str, username: &str) -> String {
    browser.click("[data-testid=create-credential]").await;
    browser.text("dialog#modal[open] #modal-title").await;
    browser.fill("#credential-name", name).await;
    if !username.is_empty() {
        browser.fill("#credential-username", username).await;
    }
    browser.click("dialog#modal button[type=submit]").await;
    browser.text("#shown-password").await
}

async fn close_dialog(browser: &Browser) {
    browser
        .click("dialog#modal [data-dialog-close].button")
        .await;
    browser.wait_gone("dialog#modal[open]").await;
    browser.wait_htmx_idle().await;
}

#[tokio::test]
async fn create_read_the_password_once_regenerate_deactivate_sort_and_delete() {
    let Some((app, browser)) = owner_on(LIST).await else {
        return;
    };
    browser.screenshot("10-credentials-empty").await;

    // Create through the dialog: the password is shown once.
    let password = create_in_dialog(&browser, "Billing service", "billing_app").await;
    assert!(password.len() >= 22);
    assert!(
        browser
            .text("dialog#modal")
            .await
            .contains("You will not be able to see this password again")
    );
    browser.screenshot("11-password-shown").await;
    close_dialog(&browser).await;
    browser
        .wait_text(
            "tr[data-username=billing_app] .cell-name",
            "Billing service",
        )
        .await;
    assert!(
        !browser.source().await.contains(&password),
        "closing the dialog removes the password"
    );

    // Reload: the password is nowhere in the page.
    browser.goto(LIST).await;
    assert!(!browser.source().await.contains(&password));

    // Two more, for sorting.
    create_in_dialog(&browser, "Reports", "reports_app").await;
    close_dialog(&browser).await;
    create_in_dialog(&browser, "Alerts", "alerts_app").await;
    close_dialog(&browser).await;
    browser
        .wait_text("tr[data-username=alerts_app] .cell-name", "Alerts")
        .await;
    assert_eq!(
        browser.attr_all("tr[data-username]", "data-username").await,
        ["alerts_app", "reports_app", "billing_app"]
    );
    browser.click("a[data-sort=created_at]").await;
    browser
        .wait_text("tbody tr:first-child .cell-name", "Billing service")
        .await;
    assert_eq!(
        browser.attr_all("tr[data-username]", "data-username").await,
        ["billing_app", "reports_app", "alerts_app"]
    );
    assert!(
        browser.path().await.contains("dir=asc"),
        "the URL reflects the sort"
    );
    browser.click("a[data-sort=created_at]").await;
    browser
        .wait_text("tbody tr:first-child .cell-name", "Alerts")
        .await;

    // Regenerate through the row menu and its confirmation.
    browser
        .click("tr[data-username=billing_app] .row-menu summary")
        .await;
    browser.screenshot("12-row-menu").await;
    browser
        .click("tr[data-username=billing_app] [data-action=regenerate]")
        .await;
    assert_eq!(
        browser.text("dialog#modal[open] #modal-title").await,
        "Regenerate password?"
    );
    browser.screenshot("12-confirm-regenerate").await;
    browser.click("dialog#modal [data-testid=confirm]").await;
    let regenerated = browser.text("#shown-password").await;
    assert_ne!(regenerated, password);
    close_dialog(&browser).await;

    // Deactivate: the status changes in place.
    browser
        .click("tr[data-username=billing_app] .row-menu summary")
        .await;
    browser
        .click("tr[data-username=billing_app] [data-action=deactivate]")
        .await;
    browser
        .wait_text("tr[data-username=billing_app] .status", "Inactive")
        .await;
    browser.screenshot("13-deactivated").await;

    // The edit dialog, filled in with what the credential has.
    browser
        .click("tr[data-username=billing_app] .row-menu summary")
        .await;
    browser
        .click("tr[data-username=billing_app] [data-action=edit]")
        .await;
    browser.text("dialog#modal[open] #modal-title").await;
    browser.screenshot("13-edit-dialog").await;
    close_dialog(&browser).await;

    // Delete through the confirm dialog that names the credential.
    browser
        .click("tr[data-username=reports_app] .row-menu summary")
        .await;
    browser
        .click("tr[data-username=reports_app] [data-action=delete]")
        .await;
    let dialog = browser.text("dialog#modal[open]").await;
    assert!(
        dialog.contains("Reports") && dialog.contains("reports_app"),
        "{dialog}"
    );
    assert!(dialog.contains("will stop sending immediately"));
    browser.screenshot("14-confirm-delete").await;
    browser.click("dialog#modal [data-testid=confirm]").await;
    browser.wait_gone("tr[data-username=reports_app]").await;
    browser.wait_gone("dialog#modal[open]").await;
    assert_eq!(app.count_rows("smtp_credentials").await, 2);
    browser.screenshot("15-credentials").await;

    // Filtering narrows the table; a filter that matches nothing says so.
    browser.fill("#credential-filter", "alert").await;
    browser.wait_gone("tr[data-username=billing_app]").await;
    browser.wait_htmx_idle().await;
    browser.screenshot("15-filtered").await;
    browser.fill("#credential-filter", "nothing like it").await;
    browser.wait_gone("tr[data-username]").await;
    browser.wait_htmx_idle().await;
    browser.screenshot("15-filtered-empty").await;
    browser.set_window_width(390).await;
    browser.goto(LIST).await;
    browser.screenshot("15-credentials-mobile").await;
    browser.close().await;
}

#[tokio::test]
async fn invalid_input_is_shown_in_the_dialog_keeping_what_was_typed() {
    let Some((app, browser)) = owner_on(LIST).await else {
        return;
    };
    browser.click("[data-testid=create-credential]").await;
    browser.text("dialog#modal[open] #modal-title").await;
    browser.screenshot("16-create-dialog").await;
    browser.fill("#credential-name", "Typed name").await;
    browser.fill("#credential-username", "bad-name").await;
    browser.click("dialog#modal button[type=submit]").await;
    let error = browser.text("#username-error").await;
    assert!(error.contains("letters, digits and underscores"), "{error}");
    // Focus moves once htmx has settled the swap, a moment after the text shows.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let focused = browser
            .client
            .execute("return document.activeElement.id", vec![])
            .await
            .unwrap();
        if focused == "credential-username" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "focus stayed on {focused}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let kept = browser
        .client
        .find(fantoccini::Locator::Css("#credential-name"))
        .await
        .unwrap();
    assert_eq!(
        kept.prop("value").await.unwrap().as_deref(),
        Some("Typed name")
    );
    browser.screenshot("16-invalid-username").await;
    assert_eq!(app.count_rows("smtp_credentials").await, 0);
    browser.close().await;
}

#[tokio::test]
async fn a_viewer_sees_credentials_without_action_buttons() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    app.post_form(
        LIST,
        &[
            ("name", "Shared"),
            ("username", "shared_app"),
            ("mode", "production"),
            ("scope", "global"),
        ],
    )
    .await;
    let viewer = app.create_user("viewer@example.com", "Vera Viewer").await;
    app.add_member(&workspace, &viewer, Role::Viewer).await;
    let Some(browser) = Browser::open(&app.address).await else {
        return;
    };
    browser.sign_in("viewer@example.com", PASSWORD).await;
    browser.goto(LIST).await;
    browser
        .wait_text("tr[data-username=shared_app] .cell-name", "Shared")
        .await;
    assert!(
        browser
            .attr_all("[data-testid=create-credential]", "href")
            .await
            .is_empty()
    );
    assert!(browser.attr_all(".row-menu", "class").await.is_empty());
    browser.screenshot("17-viewer").await;
    browser.close().await;
}

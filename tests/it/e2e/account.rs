//! Account → Sessions in the browser.

use crate::e2e::Browser;
use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn a_person_signs_out_another_browser_from_the_account_page() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let Some(laptop) = Browser::open(&app.address).await else {
        return;
    };
    let Some(phone) = Browser::open(&app.address).await else {
        laptop.close().await;
        return;
    };
    laptop.sign_in("owner@example.com", PASSWORD).await;
    phone.sign_in("owner@example.com", PASSWORD).await;

    laptop.goto("/account").await;
    // The test client's own sign-in and the two browsers.
    let sessions = laptop.attr_all("tr[data-session]", "data-session").await;
    assert_eq!(sessions.len(), 3, "{sessions:?}");
    laptop
        .client
        .execute(
            "document.getElementById('sessions-title').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    laptop.screenshot("49-account-sessions").await;

    // Sign out everywhere else, confirmed in the dialog.
    laptop
        .click("a[href='/account/sessions/sign-out-others']")
        .await;
    assert_eq!(
        laptop.text("dialog#modal[open] #modal-title").await,
        "Sign out everywhere else?"
    );
    laptop.screenshot("50-sign-out-everywhere-else").await;
    laptop.click("dialog#modal [data-testid=confirm]").await;
    laptop
        .wait_gone("a[href='/account/sessions/sign-out-others']")
        .await;
    assert_eq!(
        laptop
            .attr_all("tr[data-session]", "data-session")
            .await
            .len(),
        1
    );

    // The phone's next page asks it to sign in again.
    phone.goto("/account").await;
    phone.wait_for_path("/login").await;
    laptop.close().await;
    phone.close().await;
}

//! The user menu's light / dark / system switch, without a browser.

use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, spawn_app};

/// Posts the switch as a page at `referer` does.
async fn choose_from(app: &TestApp, theme: &str, referer: &str) -> Page {
    let token = app.csrf_token().await;
    let response = app
        .client
        .post(app.url("/account/theme"))
        .header("Referer", referer)
        .form(&[("theme", theme), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    Page::from(response).await
}

#[tokio::test]
async fn a_chosen_theme_is_on_every_page_until_system_is_chosen_again() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    assert!(
        app.get("/workspaces")
            .await
            .body
            .contains("<html lang=\"en\">")
    );

    app.post_form("/account/theme", &[("theme", "dark")])
        .await
        .assert_redirect_to("/account");
    for path in ["/workspaces", "/account", "/w/acme-mail/settings/domains"] {
        let page = app.get(path).await;
        assert!(
            page.body.contains("<html lang=\"en\" data-theme=\"dark\">"),
            "{path}"
        );
    }

    app.post_form("/account/theme", &[("theme", "system")])
        .await;
    assert!(
        app.get("/workspaces")
            .await
            .body
            .contains("<html lang=\"en\">")
    );
}

#[tokio::test]
async fn the_switch_returns_to_the_page_it_was_used_on_and_nowhere_else() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let domains = app.url("/w/acme-mail/settings/domains?page=2");
    choose_from(&app, "light", &domains)
        .await
        .assert_redirect_to("/w/acme-mail/settings/domains?page=2");
    choose_from(
        &app,
        "light",
        "https://elsewhere.example//elsewhere.example/x",
    )
    .await
    .assert_redirect_to("/account");
    choose_from(&app, "light", "not a url")
        .await
        .assert_redirect_to("/account");
}

#[tokio::test]
async fn an_unknown_theme_is_refused_and_the_choice_stays() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    app.post_form("/account/theme", &[("theme", "dark")]).await;
    let refused = app.post_form("/account/theme", &[("theme", "sepia")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        app.get("/account")
            .await
            .body
            .contains("data-theme=\"dark\"")
    );
}

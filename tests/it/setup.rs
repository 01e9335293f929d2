use futures_util::future::join_all;

use crate::helpers::{spawn_app, spawn_app_with};

fn setup_fields<'a>(email: &'a str, workspace: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Ada Admin"),
        ("email", email),
        ("password", "a-long-enough-password"),
        ("password_confirm", "a-long-enough-password"),
        ("workspace", workspace),
    ]
}

#[tokio::test]
async fn a_fresh_install_sends_visitors_to_setup() {
    let app = spawn_app().await;
    app.get("/").await.assert_redirect_to("/setup");
    app.get("/login").await.assert_redirect_to("/setup");
    let page = app.get("/setup").await;
    assert_eq!(page.status, 200);
    page.assert_contains("Welcome to Postern");
}

#[tokio::test]
async fn setup_creates_the_first_admin_and_workspace_and_signs_in() {
    let app = spawn_app().await;
    let page = app
        .post_form("/setup", &setup_fields("Ada@Example.com", "Acme Mail"))
        .await;
    page.assert_redirect_to("/w/acme-mail/settings/smtp-credentials");
    assert_eq!(app.count_rows("users").await, 1);
    assert_eq!(app.count_rows("workspaces").await, 1);

    let page = app.get("/w/acme-mail/settings/smtp-credentials").await;
    assert_eq!(page.status, 200);
    page.assert_contains("SMTP Credentials");
    page.assert_contains("Ada Admin");
    page.assert_contains("ada@example.com");
}

#[tokio::test]
async fn setup_is_closed_once_a_user_exists() {
    let app = spawn_app().await;
    app.post_form("/setup", &setup_fields("ada@example.com", "Acme"))
        .await
        .assert_redirect_to("/w/acme/settings/smtp-credentials");

    let other = app.new_visitor();
    other.get("/setup").await.assert_redirect_to("/login");
    let page = other
        .post_form("/setup", &setup_fields("eve@example.com", "Evil"))
        .await;
    page.assert_redirect_to("/login");
    assert_eq!(other.count_rows("users").await, 1);
    assert_eq!(other.count_rows("workspaces").await, 1);
}

#[tokio::test]
async fn invalid_setup_shows_errors_beside_the_fields_and_keeps_the_input() {
    let app = spawn_app().await;
    let page = app
        .post_form(
            "/setup",
            &[
                ("name", "Ada Admin"),
                ("email", "not-an-email"),
                ("password", "short"),
                ("password_confirm", "different"),
                ("workspace", ""),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    page.assert_contains("Enter a valid email address.");
    page.assert_contains("Use at least 10 characters.");
    page.assert_contains("The passwords do not match.");
    page.assert_contains("Name the workspace");
    page.assert_contains("value=\"Ada Admin\"");
    page.assert_contains("value=\"not-an-email\"");
    assert!(
        !page.body.contains("value=\"short\""),
        "passwords are never echoed"
    );
    assert_eq!(app.count_rows("users").await, 0);
}

#[tokio::test]
async fn an_invalid_setup_post_once_set_up_goes_to_sign_in_without_checking_the_form() {
    let app = spawn_app().await;
    app.post_form("/setup", &setup_fields("ada@example.com", "Acme"))
        .await
        .assert_redirect_to("/w/acme/settings/smtp-credentials");
    let page = app
        .new_visitor()
        .post_form("/setup", &setup_fields("not-an-email", ""))
        .await;
    page.assert_redirect_to("/login");
}

#[tokio::test]
async fn setup_posts_once_set_up_cost_no_password_hashing() {
    // One hashing slot and no wait: a post that hashed would likely find
    // the slot taken by another and get 503.
    let app = spawn_app_with(|config| {
        config.password_hash_slots = 1;
        config.password_hash_wait = std::time::Duration::ZERO;
    })
    .await;
    app.post_form("/setup", &setup_fields("ada@example.com", "Acme"))
        .await
        .assert_redirect_to("/w/acme/settings/smtp-credentials");
    let mut ready = Vec::new();
    for _ in 0..20 {
        let visitor = app.new_visitor();
        let token = visitor.csrf_token().await;
        ready.push((visitor, token));
    }
    let posts = ready.iter().map(|(visitor, token)| {
        let mut fields = setup_fields("eve@example.com", "Evil");
        fields.push(("csrf_token", token));
        visitor
            .client
            .post(visitor.url("/setup"))
            .form(&fields)
            .send()
    });
    for response in join_all(posts).await {
        let response = response.unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/login");
    }
    assert_eq!(app.count_rows("users").await, 1);
}

#[tokio::test]
async fn setup_posts_that_find_every_hashing_slot_busy_get_the_503_page_with_retry_after() {
    let app = spawn_app_with(|config| {
        config.password_hash_slots = 1;
        config.password_hash_wait = std::time::Duration::ZERO;
    })
    .await;
    let mut ready = Vec::new();
    for i in 0..20 {
        let visitor = app.new_visitor();
        let token = visitor.csrf_token().await;
        ready.push((
            visitor,
            token,
            format!("ada{i}@example.com"),
            format!("Acme {i}"),
        ));
    }
    let posts = ready.iter().map(|(visitor, token, email, workspace)| {
        let mut fields = setup_fields(email, workspace);
        fields.push(("csrf_token", token));
        visitor
            .client
            .post(visitor.url("/setup"))
            .form(&fields)
            .send()
    });
    let mut busy = 0;
    for response in join_all(posts).await {
        let response = response.unwrap();
        let status = response.status().as_u16();
        if status == 503 {
            busy += 1;
            assert_eq!(response.headers()["retry-after"], "5");
            let body = response.text().await.unwrap();
            assert!(body.contains("Temporarily busy"), "{body}");
            assert!(body.contains("Try again in a few seconds."), "{body}");
        } else {
            assert_eq!(status, 303);
        }
    }
    assert!(busy > 0, "no setup found the single slot taken");
}

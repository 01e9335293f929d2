use crate::helpers::{PASSWORD, another_instance, redis_url, restart, spawn_app, spawn_app_with};

#[tokio::test]
async fn signing_in_leads_to_the_workspace_credentials() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    app.get("/")
        .await
        .assert_redirect_to(&format!("/w/{}/settings/smtp-credentials", workspace.slug));
}

#[tokio::test]
async fn email_case_does_not_matter_at_sign_in() {
    let app = spawn_app().await;
    app.create_user("mixed@example.com", "Mixed Case").await;
    app.login("MIXED@Example.COM", PASSWORD)
        .await
        .assert_redirect_to("/");
}

#[tokio::test]
async fn a_wrong_password_shows_an_error_and_no_session() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let page = app.login("ada@example.com", "wrong-password").await;
    assert_eq!(page.status, 401);
    page.assert_contains("The email or password is incorrect.");
    page.assert_contains("value=\"ada@example.com\"");
    app.get("/workspaces").await.assert_redirect_to("/login");
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_answer_as_a_wrong_password() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let page = app.login("nobody@example.com", PASSWORD).await;
    assert_eq!(page.status, 401);
    page.assert_contains("The email or password is incorrect.");
}

#[tokio::test]
async fn the_sixth_wrong_password_in_a_row_gets_429() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    for attempt in 1..=5 {
        let page = app.login("ada@example.com", "wrong-password").await;
        assert_eq!(page.status, 401, "attempt {attempt}");
    }
    let page = app.login("ada@example.com", "wrong-password").await;
    assert_eq!(page.status, 429);
    assert!(page.headers.contains_key("retry-after"));
    page.assert_contains("Too many failed sign-in attempts");
    // Even the right password waits until the window has passed.
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status, 429);
}

#[tokio::test]
async fn the_session_cookie_changes_at_sign_in() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let before = app.get("/login").await;
    let before_cookie = before.headers.get("set-cookie").cloned();
    let token = before.csrf_token().unwrap();
    let response = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    let after_cookie = response.headers().get("set-cookie").cloned();
    assert!(after_cookie.is_some(), "sign-in sets a new session cookie");
    assert_ne!(before_cookie, after_cookie);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let path = format!("/w/{}/settings/smtp-credentials", workspace.slug);
    assert_eq!(app.get(&path).await.status, 200);
    app.post_form("/logout", &[])
        .await
        .assert_redirect_to("/login");
    app.get(&path).await.assert_redirect_to("/login");
}

#[tokio::test]
async fn a_restart_keeps_users_and_sessions() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let path = format!("/w/{}/settings/smtp-credentials", workspace.slug);
    let app = restart(app).await;
    let page = app.get(&path).await;
    assert_eq!(page.status, 200, "still signed in after the restart");
    page.assert_contains("Acme Mail");
}

#[tokio::test]
async fn with_redis_failed_sign_ins_count_on_every_instance() {
    let Some(redis) = redis_url() else { return };
    let settings = |config: &mut postern::config::Config| config.redis_url = Some(redis.clone());
    let app = spawn_app_with(settings).await;
    let other = another_instance(&app, settings).await;
    // Redis outlives the test: an address and an account of this run only.
    let id = uuid::Uuid::new_v4();
    let [_, a, b, c] = id.as_bytes()[..4] else {
        unreachable!()
    };
    let ip = std::net::IpAddr::from([127, a, b, c.max(2)]);
    let email = format!("ada-{}@example.com", id.simple());
    app.create_user(&email, "Ada").await;
    let (here, there) = (app.new_visitor_from(ip), other.new_visitor_from(ip));
    for attempt in 1..=5 {
        let visitor = if attempt % 2 == 0 { &here } else { &there };
        let page = visitor.login(&email, "wrong-password").await;
        assert_eq!(page.status, 401, "attempt {attempt}");
    }
    // Three failures on one instance and two on the other make five.
    assert_eq!(here.login(&email, PASSWORD).await.status, 429);
    assert_eq!(there.login(&email, PASSWORD).await.status, 429);
}

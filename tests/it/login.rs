use std::net::IpAddr;

use futures_util::future::join_all;

use crate::helpers::{
    PASSWORD, TestApp, another_instance, redis_url, restart, spawn_app, spawn_app_with,
};

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
    let settings =
        |config: &mut postern::config::Config| config.redis_url = Some(redis.clone().into());
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

/// An address of this run only (127.x.y.z), for counters kept in Redis,
/// which outlives the test.
fn fresh_address() -> IpAddr {
    let [a, b, c] = uuid::Uuid::new_v4().as_bytes()[..3] else {
        unreachable!()
    };
    IpAddr::from([127, a, b, c.max(2)])
}

fn address(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

/// `n` sign-ins as `email` with a wrong password from `ip`, sent at once
/// (each visitor has fetched its form first); their statuses.
async fn parallel_wrong_sign_ins(app: &TestApp, ip: IpAddr, email: &str, n: usize) -> Vec<u16> {
    let mut ready = Vec::new();
    for _ in 0..n {
        let visitor = app.new_visitor_from(ip);
        let token = visitor.get("/login").await.csrf_token().unwrap();
        ready.push((visitor, token));
    }
    let attempts = ready.iter().map(|(visitor, token)| {
        visitor
            .client
            .post(visitor.url("/login"))
            .form(&[
                ("email", email),
                ("password", "wrong-password"),
                ("csrf_token", token),
            ])
            .send()
    });
    join_all(attempts)
        .await
        .into_iter()
        .map(|response| response.unwrap().status().as_u16())
        .collect()
}

#[track_caller]
fn assert_five_checked_and_the_rest_throttled(statuses: &[u16]) {
    let count = |status| statuses.iter().filter(|s| **s == status).count();
    assert_eq!(count(401), 5, "{statuses:?}");
    assert_eq!(count(429), statuses.len() - 5, "{statuses:?}");
}

#[tokio::test]
async fn twenty_parallel_wrong_sign_ins_get_five_password_checks_and_fifteen_429s() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let statuses = parallel_wrong_sign_ins(&app, address(2), "ada@example.com", 20).await;
    assert_five_checked_and_the_rest_throttled(&statuses);
}

#[tokio::test]
async fn with_redis_twenty_parallel_wrong_sign_ins_get_five_password_checks() {
    let Some(redis) = redis_url() else { return };
    let app = spawn_app_with(|config| config.redis_url = Some(redis.into())).await;
    let email = format!("ada-{}@example.com", uuid::Uuid::new_v4().simple());
    app.create_user(&email, "Ada").await;
    let statuses = parallel_wrong_sign_ins(&app, fresh_address(), &email, 20).await;
    assert_five_checked_and_the_rest_throttled(&statuses);
}

#[tokio::test]
async fn wrong_passwords_from_five_addresses_do_not_lock_the_owner_out() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    for last in 2..=6 {
        let stranger = app.new_visitor_from(address(last));
        for attempt in 1..=5 {
            let page = stranger.login("ada@example.com", "wrong-password").await;
            assert_eq!(page.status, 401, "address {last}, attempt {attempt}");
        }
    }
    app.new_visitor_from(address(7))
        .login("ada@example.com", PASSWORD)
        .await
        .assert_redirect_to("/");
}

#[tokio::test]
async fn five_wrong_passwords_from_one_address_block_that_address_only() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let guesser = app.new_visitor_from(address(2));
    for attempt in 1..=5 {
        let page = guesser.login("ada@example.com", "wrong-password").await;
        assert_eq!(page.status, 401, "attempt {attempt}");
    }
    let page = guesser.login("ada@example.com", PASSWORD).await;
    assert_eq!(page.status, 429);
    page.assert_contains("Try again in 15 minute(s).");
    app.new_visitor_from(address(3))
        .login("ada@example.com", PASSWORD)
        .await
        .assert_redirect_to("/");
}

#[tokio::test]
async fn with_redis_a_guesser_is_blocked_at_their_address_only() {
    let Some(redis) = redis_url() else { return };
    let app = spawn_app_with(|config| config.redis_url = Some(redis.into())).await;
    let email = format!("ada-{}@example.com", uuid::Uuid::new_v4().simple());
    app.create_user(&email, "Ada").await;
    let guesser = app.new_visitor_from(fresh_address());
    for attempt in 1..=5 {
        let page = guesser.login(&email, "wrong-password").await;
        assert_eq!(page.status, 401, "attempt {attempt}");
    }
    assert_eq!(guesser.login(&email, PASSWORD).await.status, 429);
    app.new_visitor_from(fresh_address())
        .login(&email, PASSWORD)
        .await
        .assert_redirect_to("/");
}

#[tokio::test]
async fn one_address_gets_twenty_wrong_sign_ins_across_all_emails() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let sprayer = app.new_visitor_from(address(2));
    for i in 1..=20 {
        let page = sprayer
            .login(&format!("user{i}@example.com"), "wrong-password")
            .await;
        assert_eq!(page.status, 401, "email {i}");
    }
    let page = sprayer.login("ada@example.com", "wrong-password").await;
    assert_eq!(page.status, 429);
    // Ada, elsewhere, is not affected.
    app.new_visitor_from(address(3))
        .login("ada@example.com", PASSWORD)
        .await
        .assert_redirect_to("/");
}

#[tokio::test]
async fn fifty_wrong_sign_ins_for_one_email_block_it_from_every_address() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    for last in 2..=11 {
        let stranger = app.new_visitor_from(address(last));
        for attempt in 1..=5 {
            let page = stranger.login("ada@example.com", "wrong-password").await;
            assert_eq!(page.status, 401, "address {last}, attempt {attempt}");
        }
    }
    let page = app
        .new_visitor_from(address(12))
        .login("ada@example.com", PASSWORD)
        .await;
    assert_eq!(page.status, 429);
    assert!(page.headers.contains_key("retry-after"));
    // Other accounts sign in as usual from those addresses.
    app.create_user("bob@example.com", "Bob").await;
    app.new_visitor_from(address(2))
        .login("bob@example.com", PASSWORD)
        .await
        .assert_redirect_to("/");
}

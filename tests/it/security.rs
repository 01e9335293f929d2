use crate::helpers::{spawn_app, spawn_app_with};
use crate::members::invite;

#[tokio::test]
async fn a_post_without_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = app
        .post_form_without_csrf("/workspaces", &[("name", "Sneaky")])
        .await;
    assert_eq!(page.status, 403);
    page.assert_contains("Form expired");
    assert_eq!(app.count_rows("workspaces").await, 1);
    let page = app.post_form_without_csrf("/logout", &[]).await;
    assert_eq!(page.status, 403);
    assert_eq!(app.get("/workspaces").await.status, 200, "still signed in");
}

#[tokio::test]
async fn a_post_with_another_sessions_token_is_refused() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let attacker = app.new_visitor();
    let foreign_token = attacker.csrf_token().await;
    let page = app
        .post_form_without_csrf(
            "/workspaces",
            &[("name", "Sneaky"), ("csrf_token", &foreign_token)],
        )
        .await;
    assert_eq!(page.status, 403);
}

#[tokio::test]
async fn the_csrf_header_is_accepted_in_place_of_the_field() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let token = app.csrf_token().await;
    let response = app
        .client
        .post(app.url("/workspaces"))
        .header("X-CSRF-Token", token)
        .form(&[("name", "Via Header")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(app.count_rows("workspaces").await, 2);
}

#[tokio::test]
async fn sign_in_itself_needs_the_csrf_token() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let page = app
        .post_form_without_csrf(
            "/login",
            &[
                ("email", "ada@example.com"),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    for path in [
        "/login",
        "/workspaces",
        "/w/acme-mail/settings/smtp-credentials",
        "/nope",
        "/static/css/app.css",
    ] {
        let page = app.get(path).await;
        let header = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let csp = header("content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
    }
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = spawn_app().await;
    let page = app.get("/setup").await;
    let cookie = page
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("postern_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP keeps the cookie usable: {cookie}"
    );
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_a_trusted_proxy_says_the_request_came_over_tls() {
    let app = spawn_app_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let response = app
        .client
        .get(app.url("/setup"))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn pages_have_no_inline_script() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = app.get("/w/acme-mail/settings/smtp-credentials").await;
    let document = scraper::Html::parse_document(&page.body);
    let scripts = scraper::Selector::parse("script").unwrap();
    for script in document.select(&scripts) {
        assert!(
            script.value().attr("src").is_some(),
            "inline script: {}",
            script.html()
        );
    }
    assert!(
        !page.body.contains(" onclick="),
        "inline handlers are blocked by the CSP"
    );
}

#[tokio::test]
async fn static_assets_are_served_from_the_binary() {
    let app = spawn_app().await;
    let page = app.get("/static/js/htmx.min.js").await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert!(page.body.contains("htmx"));
    assert_eq!(app.get("/static/nope.js").await.status, 404);
}

#[tokio::test]
async fn an_invitation_link_is_never_sent_on_in_a_referer_nor_cached() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let link = invite(&app, "newbie@example.com", "member").await;
    let token = link.trim_start_matches("/invitations/");
    let visitor = app.new_visitor();
    for (path, status) in [
        (link.clone(), 200),
        (format!("/%69nvitations/{token}"), 200),
        ("/invitations/not-a-real-token".to_owned(), 404),
    ] {
        let page = visitor.get(&path).await;
        assert_eq!(page.status, status, "{path}");
        let header = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        // The page's images, styles and scripts are fetched without a Referer.
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path}");
    }
    // Refused for want of a CSRF token: the answer still names no referrer.
    let refused = visitor
        .post_form_without_csrf(&link, &[("password", "whatever")])
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.headers["referrer-policy"], "no-referrer");
}

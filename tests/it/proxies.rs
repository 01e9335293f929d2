//! Which client, scheme and host a request is believed to come from:
//! `X-Forwarded-*` only from `POSTERN_TRUSTED_PROXIES`, absolute links from
//! `POSTERN_PUBLIC_URL` (web::client).

use reqwest::header::HeaderMap;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::members::MEMBERS;

/// What a client would send to pass itself off as coming through a proxy.
fn forged() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-host", "evil.example".parse().unwrap());
    headers.insert("x-forwarded-proto", "https".parse().unwrap());
    headers.insert("x-forwarded-for", "203.0.113.7".parse().unwrap());
    headers
}

/// Invites someone with `headers` on the request; returns the link shown.
async fn invitation_link(app: &TestApp, headers: HeaderMap) -> String {
    let token = app.csrf_token().await;
    let response = app
        .client
        .post(app.url(&format!("{MEMBERS}/invitations")))
        .headers(headers)
        .form(&[
            ("email", "newbie@example.com"),
            ("role", "member"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body = response.text().await.unwrap();
    let fragment = scraper::Html::parse_document(&body);
    let selector = scraper::Selector::parse("#invitation-link").unwrap();
    fragment
        .select(&selector)
        .next()
        .expect("the link is shown")
        .text()
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The address the activity log recorded for the newest event.
async fn last_audit_ip(app: &TestApp) -> Option<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        ip: Option<String>,
    }
    app.db
        .query(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT ip FROM audit_events ORDER BY at DESC LIMIT 1")
                .get_result::<Row>(conn)
        })
        .await
        .unwrap()
        .ip
}

#[tokio::test]
async fn forwarded_headers_from_an_unknown_peer_change_neither_links_nor_cookies_nor_the_address() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let link = invitation_link(&app, forged()).await;
    assert!(
        link.starts_with(&format!("{}/invitations/", app.address)),
        "{link}"
    );
    assert_eq!(last_audit_ip(&app).await.as_deref(), Some("127.0.0.1"));

    let response = app
        .new_visitor()
        .client
        .get(app.url("/login"))
        .headers(forged())
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none(),
        "no HSTS over plain HTTP"
    );
}

#[tokio::test]
async fn a_trusted_proxy_tells_the_client_address_scheme_and_host() {
    let app = spawn_app_with(|config| {
        config.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    app.signed_in_owner().await;
    let link = invitation_link(&app, forged()).await;
    assert!(
        link.starts_with("https://evil.example/invitations/"),
        "a trusted proxy's host is believed: {link}"
    );
    assert_eq!(last_audit_ip(&app).await.as_deref(), Some("203.0.113.7"));

    let response = app
        .new_visitor()
        .client
        .get(app.url("/login"))
        .headers(forged())
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_some()
    );
}

#[tokio::test]
async fn absolute_links_use_the_public_url_whatever_the_request_says() {
    let app = spawn_app_with(|config| {
        config.public_url = Some("https://postern.example.com".to_owned());
        config.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    app.signed_in_owner().await;
    let link = invitation_link(&app, forged()).await;
    assert!(
        link.starts_with("https://postern.example.com/invitations/"),
        "{link}"
    );

    let created = app
        .post_form(
            "/w/acme-mail/settings/api-keys",
            &[("label", "CI"), ("scopes", "smtp-credentials:read:all")],
        )
        .await;
    assert_eq!(created.status, 201);
    let curl = created.text_of("#shown-curl").expect("a curl example");
    assert!(
        curl.contains(" https://postern.example.com/v2/accounts/"),
        "{curl}"
    );
}

#[tokio::test]
async fn a_guesser_cannot_dodge_the_sign_in_throttle_by_rotating_x_forwarded_for() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let guesser = app.new_visitor_from("127.0.0.61".parse().unwrap());
    let token = guesser.csrf_token().await;
    let mut last = None;
    // Five wrong passwords for one account from one address are the limit:
    // were the header believed, each guess would count for another address.
    let email = "ada@example.com";
    for i in 0..6 {
        let response = guesser
            .client
            .post(guesser.url("/login"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .form(&[
                ("email", email),
                ("password", "wrong-password-1"),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap();
        last = Some(response.status());
    }
    assert_eq!(last, Some(reqwest::StatusCode::TOO_MANY_REQUESTS));
}

//! What the command side checks before a transaction: the EHLO name, AUTH
//! usernames that cannot exist, and MAIL and RCPT parameters.

use postern::db::models::Workspace;
use postern::domain::Username;
use postern::service::credentials::Scope;

use super::client::Client;
use super::{authenticated, b64, credential, send_message, stored};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Sends a message; returns the `Received:` header it was stored with
/// (the workspace's only message).
async fn received_header(client: &mut Client, app: &TestApp, workspace: &Workspace) -> String {
    let reply = send_message(
        client,
        "a@a.example",
        "b@b.example",
        "Subject: x\r\n\r\nx\r\n",
    )
    .await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    let raw = stored(app, workspace).await.remove(0).raw;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    raw.lines()
        .find(|l| l.starts_with("Received:"))
        .unwrap_or_else(|| panic!("no Received: in {raw}"))
        .to_owned()
}

#[tokio::test]
async fn auth_usernames_no_credential_can_have_get_535() {
    let app = spawn_app().await;
    let mut client = Client::connect_tls(&app).await;
    // A line break, too short, too long, not ASCII, a space.
    for user in [
        "eve\r\nroot",
        &"a".repeat(Username::MIN - 1),
        &"a".repeat(Username::MAX + 1),
        "café_user",
        "eve root",
    ] {
        let reply = client.auth_plain(user, "guess-password").await;
        assert_eq!(
            reply.text, "535 5.7.8 Authentication credentials invalid\r\n",
            "{user:?}"
        );
    }
}

#[tokio::test]
async fn an_auth_username_with_a_nul_gets_535_and_is_throttled_like_any_failure() {
    let app = spawn_app().await;
    let mut client = Client::connect_tls(&app).await;
    for i in 0..10 {
        assert_eq!(client.cmd("AUTH LOGIN").await.code, 334);
        assert_eq!(client.cmd(&b64("eve\0root")).await.code, 334);
        let reply = client.cmd(&b64("guess-password")).await;
        assert_eq!(
            reply.text, "535 5.7.8 Authentication credentials invalid\r\n",
            "attempt {i}"
        );
    }
    let reply = client.cmd("AUTH LOGIN").await;
    assert!(
        reply.text.starts_with("421 4.7.0"),
        "counted by the AUTH failure throttle: {}",
        reply.text
    );
}

#[tokio::test]
async fn ehlo_and_helo_refuse_what_is_not_a_domain_or_address_literal() {
    let app = spawn_app().await;
    for bad in [
        "bad\x1bname",
        "bad\x7fname",
        "bad\0name",
        "a)(b",
        "(comment)",
        "a b c",
        "-",
        "x; by trusted.example",
        "-leading.example",
        "trailing-.example",
        "two..dots.example",
        "[1.2.3.999]",
        "[IPv6:not-an-address]",
        "[1.2.3.4",
        "[tag:general]",
        &format!("{}.example", "a".repeat(64)),
    ] {
        let (mut client, _) = Client::connect(&app).await;
        for verb in ["EHLO", "HELO"] {
            let reply = client.cmd(&format!("{verb} {bad}")).await;
            assert_eq!(
                reply.text, "501 5.5.4 Invalid domain name\r\n",
                "{verb} {bad:?}"
            );
        }
        assert_eq!(client.cmd("NOOP").await.code, 250, "the session goes on");
    }
}

#[tokio::test]
async fn common_client_names_are_accepted_by_ehlo_and_helo() {
    let app = spawn_app().await;
    let (mut client, _) = Client::connect(&app).await;
    for good in [
        "localhost",
        "[127.0.0.1]",
        "[IPv6:::1]",
        "[IPv6:2001:db8::1]",
        "my-laptop.local",
        "EXAMPLE_HOST",
        "mail.example.com",
        "mail.example.com.",
        "123.example",
        "DESKTOP-AB12CD",
    ] {
        let reply = client.cmd(&format!("EHLO {good}")).await;
        assert_eq!(reply.code, 250, "EHLO {good}: {}", reply.text);
        let reply = client.cmd(&format!("HELO {good}")).await;
        assert_eq!(reply.code, 250, "HELO {good}: {}", reply.text);
    }
}

#[tokio::test]
async fn the_received_header_names_the_client_and_the_protocol_used() {
    let app = spawn_app_with(|c| c.smtp_allow_plaintext_auth = true).await;
    let (_, workspace) = app.signed_in_owner().await;

    // Plaintext from loopback: ESMTPA (RFC 3848), not ESMTPSA.
    let password = credential(&app, &workspace, "plain_user", true, Scope::Global).await;
    let (mut client, _) = Client::connect(&app).await;
    assert_eq!(client.cmd("EHLO my-laptop.local").await.code, 250);
    let auth = client.auth_plain("plain_user", &password).await;
    assert_eq!(auth.code, 235, "{}", auth.text);
    let received = received_header(&mut client, &app, &workspace).await;
    assert!(
        received.starts_with(
            "Received: from my-laptop.local ([127.0.0.1]) by localhost (Postern) with ESMTPA; "
        ),
        "{received}"
    );
}

#[tokio::test]
async fn the_received_header_of_a_tls_session_says_esmtpsa() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "tls_user", true, Scope::Global).await;
    let received = received_header(&mut client, &app, &workspace).await;
    assert!(
        received.starts_with(
            "Received: from test.example ([127.0.0.1]) by localhost (Postern) with ESMTPSA; "
        ),
        "{received}"
    );
}

//! What the command side checks before a transaction: the EHLO name, AUTH
//! usernames that cannot exist, and MAIL and RCPT parameters.

use postern::db::models::{SandboxMessage, Workspace};
use postern::domain::Username;
use postern::service::credentials::Scope;
use postern::service::sandbox;

use super::client::Client;
use super::{authenticated, b64, credential, plain, send_message};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn stored(app: &TestApp, workspace: &Workspace) -> Vec<SandboxMessage> {
    let mut messages = Vec::new();
    for summary in sandbox::list(&app.db, &workspace.id, None, 100)
        .await
        .unwrap()
    {
        let message = sandbox::get(&app.db, &workspace.id, summary.id)
            .await
            .unwrap();
        messages.push(message.unwrap());
    }
    messages
}

/// The `Received:` header of the only stored message.
async fn received_header(app: &TestApp, workspace: &Workspace) -> String {
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
        let reply = client
            .cmd(&format!("AUTH PLAIN {}", plain(user, "guess-password")))
            .await;
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
    let auth = client
        .cmd(&format!("AUTH PLAIN {}", plain("plain_user", &password)))
        .await;
    assert_eq!(auth.code, 235, "{}", auth.text);
    let reply = send_message(
        &mut client,
        "a@a.example",
        "b@b.example",
        "Subject: x\r\n\r\nx\r\n",
    )
    .await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    let received = received_header(&app, &workspace).await;
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
    let reply = send_message(
        &mut client,
        "a@a.example",
        "b@b.example",
        "Subject: x\r\n\r\nx\r\n",
    )
    .await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    let received = received_header(&app, &workspace).await;
    assert!(
        received.starts_with(
            "Received: from test.example ([127.0.0.1]) by localhost (Postern) with ESMTPSA; "
        ),
        "{received}"
    );
}

#[tokio::test]
async fn any_size_over_the_limit_gets_552_however_many_digits_it_has() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "size_user", true, Scope::Global).await;
    for size in [
        "26214401",
        "18446744073709551614",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "99999999999999999999999999999999999999999999",
    ] {
        let reply = client
            .cmd(&format!("MAIL FROM:<a@a.example> SIZE={size}"))
            .await;
        assert_eq!(
            reply.text, "552 5.3.4 Message size exceeds the fixed maximum\r\n",
            "SIZE={size}"
        );
    }
    let reply = client
        .cmd("MAIL FROM:<a@a.example> SIZE=26214400 BODY=8BITMIME")
        .await;
    assert_eq!(reply.code, 250, "{}", reply.text);
}

#[tokio::test]
async fn mail_and_rcpt_parameters_that_are_not_advertised_get_555() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "param_user", true, Scope::Global).await;
    for params in [
        "BODY=BINARYMIME",
        "SMTPUTF8",
        "RET=FULL",
        "ENVID=abc",
        "REQUIRETLS",
        "HOLDFOR=10",
        "MT-PRIORITY=3",
        "BY=120;R",
        "SIZE=10 RET=HDRS",
        "X-UNKNOWN=1",
    ] {
        let reply = client
            .cmd(&format!("MAIL FROM:<a@a.example> {params}"))
            .await;
        assert!(
            reply.text.starts_with("555 5.5.4 "),
            "{params}: {}",
            reply.text
        );
    }
    for params in ["BODY=7BIT", "BODY=8BITMIME SIZE=100", "AUTH=<>"] {
        let reply = client
            .cmd(&format!("MAIL FROM:<a@a.example> {params}"))
            .await;
        assert_eq!(reply.code, 250, "{params}: {}", reply.text);
        assert_eq!(client.cmd("RSET").await.code, 250);
    }
    assert_eq!(client.cmd("MAIL FROM:<a@a.example>").await.code, 250);
    for params in ["NOTIFY=NEVER", "ORCPT=rfc822;b@b.example", "X-UNKNOWN"] {
        let reply = client.cmd(&format!("RCPT TO:<b@b.example> {params}")).await;
        assert!(
            reply.text.starts_with("555 5.5.4 "),
            "{params}: {}",
            reply.text
        );
    }
    assert_eq!(client.cmd("RCPT TO:<b@b.example>").await.code, 250);
}

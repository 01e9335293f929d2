use postern::service::credentials::Scope;

use super::client::Client;
use super::{b64, credential, plain};
use crate::helpers::spawn_app;

#[tokio::test]
async fn ehlo_offers_starttls_and_no_auth_before_tls() {
    let app = spawn_app().await;
    let (mut client, greeting) = Client::connect(&app).await;
    assert_eq!(greeting.code, 220);
    assert!(greeting.text.contains("ESMTP Postern"));
    let ehlo = client.cmd("EHLO client.example").await;
    assert_eq!(ehlo.code, 250);
    for ext in [
        "STARTTLS",
        "PIPELINING",
        "8BITMIME",
        "ENHANCEDSTATUSCODES",
        "SIZE 26214400",
    ] {
        assert!(ehlo.text.contains(ext), "{ext} missing: {}", ehlo.text);
    }
    assert!(!ehlo.text.contains("AUTH"), "{}", ehlo.text);
    assert!(
        ehlo.text.starts_with("250-localhost Hello\r\n"),
        "{}",
        ehlo.text
    );
    let auth = client.auth_plain("x", "y").await;
    assert_eq!(auth.code, 538);
    assert!(auth.text.starts_with("538 5.7.11"), "{}", auth.text);
}

#[tokio::test]
async fn after_starttls_auth_plain_works_and_starttls_is_gone() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "plain_user", true, Scope::Global).await;
    let (mut client, _) = Client::connect(&app).await;
    client.cmd("EHLO client.example").await;
    assert_eq!(
        client.cmd("STARTTLS").await.text,
        "220 2.0.0 Ready to start TLS\r\n"
    );
    client.start_tls().await;
    let ehlo = client.cmd("EHLO client.example").await;
    assert!(
        ehlo.text.contains("AUTH PLAIN LOGIN") || ehlo.text.contains("AUTH LOGIN PLAIN"),
        "{}",
        ehlo.text
    );
    assert!(!ehlo.text.contains("STARTTLS"));
    let auth = client.auth_plain("plain_user", &password).await;
    assert_eq!(auth.text, "235 2.7.0 Authentication successful\r\n");
    assert_eq!(client.auth_plain("plain_user", &password).await.code, 503);
}

#[tokio::test]
async fn auth_login_and_plain_without_initial_response_use_challenges() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "login_user", true, Scope::Global).await;
    let mut client = Client::connect_tls(&app).await;
    let step = client.cmd("AUTH LOGIN").await;
    assert_eq!(step.text, "334 VXNlcm5hbWU6\r\n");
    let step = client.cmd(&b64("login_user")).await;
    assert_eq!(step.text, "334 UGFzc3dvcmQ6\r\n");
    assert_eq!(client.cmd(&b64(&password)).await.code, 235);

    let mut client = Client::connect_tls(&app).await;
    assert_eq!(client.cmd("AUTH PLAIN").await.code, 334);
    assert_eq!(client.cmd(&plain("login_user", &password)).await.code, 235);

    let mut client = Client::connect_tls(&app).await;
    assert_eq!(
        client
            .cmd(&format!("AUTH LOGIN {}", b64("login_user")))
            .await
            .text,
        "334 UGFzc3dvcmQ6\r\n"
    );
    assert_eq!(client.cmd(&b64(&password)).await.code, 235);
}

#[tokio::test]
async fn unknown_user_wrong_password_and_inactive_credential_get_the_same_535() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "real_user", true, Scope::Global).await;
    let inactive = credential(&app, &workspace, "sleepy_user", true, Scope::Global).await;
    let id = crate::credentials::id_of(&app, "sleepy_user").await;
    app.post_form(
        &format!("/w/acme-mail/settings/smtp-credentials/{id}/deactivate"),
        &[],
    )
    .await;

    let mut replies = Vec::new();
    for (user, pass) in [
        ("nobody_here", password.as_str()),
        ("real_user", "wrong-password"),
        ("sleepy_user", inactive.as_str()),
    ] {
        let mut client = Client::connect_tls(&app).await;
        replies.push(client.auth_plain(user, pass).await.text);
    }
    assert!(
        replies
            .iter()
            .all(|r| r == "535 5.7.8 Authentication credentials invalid\r\n"),
        "{replies:?}"
    );
}

#[tokio::test]
async fn pipelined_commands_get_their_replies_in_order() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "pipe_user", true, Scope::Global).await;
    let mut client = Client::connect_tls(&app).await;
    client.auth_plain("pipe_user", &password).await;
    client
        .send("MAIL FROM:<app@example.com>\r\nRCPT TO:<a@example.net>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
        .await;
    let codes = [
        client.read().await.code,
        client.read().await.code,
        client.read().await.code,
        client.read().await.code,
    ];
    assert_eq!(codes, [250, 250, 250, 354]);
    client
        .send("Subject: Pipelined\r\n\r\nHello\r\n..leading dot\r\n.\r\nQUIT\r\n")
        .await;
    assert_eq!(client.read().await.code, 250);
    assert_eq!(client.read().await.code, 221);
    let list = app.get("/w/acme-mail/sandbox").await;
    list.assert_contains("Pipelined");
    let id = list.attrs("tr[data-message]", "data-message")[0].clone();
    let message = app.get(&format!("/w/acme-mail/sandbox/{id}")).await;
    message.assert_contains(".leading dot");
    assert!(
        !message.body.contains("..leading dot"),
        "dot-stuffing is undone"
    );
}

#[tokio::test]
async fn an_oversized_message_gets_552_and_the_session_goes_on() {
    let app = crate::helpers::spawn_app_with(|c| c.smtp_max_message_bytes = 2048).await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "big_user", true, Scope::Global).await;
    let mut client = Client::connect_tls(&app).await;
    client.auth_plain("big_user", &password).await;
    assert!(
        client
            .cmd("MAIL FROM:<a@example.com> SIZE=999999")
            .await
            .text
            .starts_with("552")
    );
    client.cmd("MAIL FROM:<a@example.com>").await;
    client.cmd("RCPT TO:<b@example.com>").await;
    assert_eq!(client.cmd("DATA").await.code, 354);
    let body = "y".repeat(100);
    for _ in 0..40 {
        client.send(&format!("{body}\r\n")).await;
    }
    let reply = client.cmd(".").await;
    assert!(reply.text.starts_with("552 5.3.4"), "{}", reply.text);
    assert_eq!(app.count_rows("sandbox_messages").await, 0);
    assert_eq!(client.cmd("NOOP").await.code, 250);
}

#[tokio::test]
async fn a_scoped_credential_may_only_send_from_its_domains() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    app.post_form(
        "/w/acme-mail/settings/domains",
        &[("name", "mail.example.com")],
    )
    .await;
    let domain = app
        .db
        .query({
            let id = workspace.id.clone();
            move |c| postern::db::models::Domain::of_workspace(c, &id)
        })
        .await
        .unwrap()
        .remove(0);
    let password = credential(
        &app,
        &workspace,
        "scoped_user",
        true,
        Scope::Scoped(vec![domain.id]),
    )
    .await;
    let mut client = Client::connect_tls(&app).await;
    client.auth_plain("scoped_user", &password).await;
    let refused = client.cmd("MAIL FROM:<ceo@other.example>").await;
    assert!(refused.text.starts_with("550 5.7.1"), "{}", refused.text);
    assert_eq!(
        client.cmd("MAIL FROM:<app@Mail.Example.com>").await.code,
        250
    );
}

#[tokio::test]
async fn production_mail_without_a_smarthost_gets_451() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "prod_user", false, Scope::Global).await;
    let mut client = Client::connect_tls(&app).await;
    client.auth_plain("prod_user", &password).await;
    let reply = client.cmd("MAIL FROM:<a@example.com>").await;
    assert!(reply.text.starts_with("451 4.3.5"), "{}", reply.text);
    app.get("/w/acme-mail/settings/smtp-credentials")
        .await
        .assert_contains("no smarthost is configured");
}

#[tokio::test]
async fn repeated_failed_auths_from_one_address_are_cut_off() {
    let app = spawn_app().await;
    let mut client = Client::connect_tls(&app).await;
    for _ in 0..10 {
        assert_eq!(client.auth_plain("guess", "guess").await.code, 535);
    }
    let reply = client.auth_plain("guess", "guess").await;
    assert!(reply.text.starts_with("421 4.7.0"), "{}", reply.text);
    assert_eq!(client.read().await.code, 0, "the connection is closed");
}

#[tokio::test]
async fn plaintext_auth_from_loopback_needs_the_setting() {
    let app = crate::helpers::spawn_app_with(|c| c.smtp_allow_plaintext_auth = true).await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "local_user", true, Scope::Global).await;
    let (mut client, _) = Client::connect(&app).await;
    assert!(client.cmd("EHLO local").await.text.contains("AUTH"));
    assert_eq!(client.auth_plain("local_user", &password).await.code, 235);
}

#[tokio::test]
async fn a_reconnecting_client_resumes_its_tls_session() {
    let app = spawn_app().await;
    let mut first = Client::connect_tls(&app).await;
    assert!(!first.resumed());
    assert_eq!(first.cmd("QUIT").await.code, 221);
    let (mut second, _) = Client::connect_with(&app, first.config()).await;
    second.cmd("EHLO again.example").await;
    assert_eq!(second.cmd("STARTTLS").await.code, 220);
    second.start_tls().await;
    assert!(
        second.resumed(),
        "the second handshake resumes with a ticket"
    );
    assert_eq!(second.cmd("EHLO again.example").await.code, 250);
}

#[tokio::test]
async fn a_database_outage_gets_temporary_failures_and_recovers() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "outage_user", true, Scope::Global).await;
    let mut before = Client::connect_tls(&app).await;
    assert_eq!(before.auth_plain("outage_user", &password).await.code, 235);
    if app.set_postgres_available(false).is_none() {
        return eprintln!("skipped: a database outage is simulated on PostgreSQL only");
    }

    let mut client = Client::connect_tls(&app).await;
    let reply = client.auth_plain("outage_user", &password).await;
    assert!(reply.text.starts_with("454 4.7.0"), "{}", reply.text);
    let reply = before.cmd("MAIL FROM:<a@example.com>").await;
    assert!(reply.text.starts_with("451 4.3.0"), "{}", reply.text);
    assert_eq!(app.get("/readyz").await.status, 503);
    let page = app.get("/w/acme-mail/settings/smtp-credentials").await;
    assert_eq!(page.status, 503);
    page.assert_contains("cannot reach its database");

    app.set_postgres_available(true);
    assert_eq!(app.get("/readyz").await.status, 200);
    assert_eq!(client.auth_plain("outage_user", &password).await.code, 235);
}

#[tokio::test]
async fn an_idle_client_is_told_and_disconnected() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.smtp_idle_timeout = std::time::Duration::from_millis(300)
    })
    .await;
    let (mut client, _) = Client::connect(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let reply = client.read().await;
    assert!(reply.text.starts_with("421 4.4.2"), "{}", reply.text);
    assert_eq!(client.read().await.code, 0, "the connection is closed");
}

#[tokio::test]
async fn connections_beyond_the_limit_are_turned_away() {
    let app = crate::helpers::spawn_app_with(|c| c.smtp_max_connections = 1).await;
    let (mut first, greeting) = Client::connect(&app).await;
    assert_eq!(greeting.code, 220);
    let (_, refused) = Client::connect(&app).await;
    assert!(refused.text.starts_with("421 4.3.2"), "{}", refused.text);
    assert_eq!(
        first.cmd("NOOP").await.code,
        250,
        "the first connection is unaffected"
    );
    assert_eq!(first.cmd("QUIT").await.code, 221);
}

#[tokio::test]
async fn an_over_long_line_gets_one_500_and_is_discarded_up_to_its_end() {
    let app = spawn_app().await;
    let (mut client, _) = Client::connect(&app).await;
    // The QUIT inside the over-long line is part of it, not a command.
    client
        .send(&format!("NOOP {}QUIT\r\n", "A".repeat(8187)))
        .await;
    assert_eq!(client.read().await.text, "500 5.5.2 Line too long\r\n");
    assert_eq!(
        client.cmd("NOOP").await.text,
        "250 2.0.0 OK\r\n",
        "one reply for the whole line, and the session goes on"
    );

    let line = "B".repeat(100_000);
    for piece in line.as_bytes().chunks(7_000) {
        client.send_bytes(piece).await;
    }
    client.send("\r\nNOOP\r\n").await;
    assert_eq!(client.read().await.text, "500 5.5.2 Line too long\r\n");
    assert_eq!(client.read().await.text, "250 2.0.0 OK\r\n");
    assert_eq!(client.cmd("QUIT").await.code, 221);
}

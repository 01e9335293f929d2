//! A credential's policies at the SMTP listener: the source-address
//! allowlist at AUTH, sender patterns on the envelope and the `From:`
//! header, the send limits and the recipient cap; each read from the
//! database on every AUTH and MAIL FROM.

use lettre::AsyncTransport;
use lettre::message::{Mailbox, Message};
use postern::service::credentials::Scope;

use super::client::Client;
use super::delivery::mailer;
use super::{authenticated, credential, send_message};
use crate::helpers::{TestApp, another_instance, redis_url, spawn_app, spawn_app_with};

/// Sets a text policy (`allowed_ips`, `allowed_senders`) of a credential.
pub async fn set_text(app: &TestApp, username: &'static str, column: &'static str, value: &str) {
    let value = value.to_owned();
    app.db
        .query(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE smtp_credentials SET {column} = $1 WHERE username = $2"
            ))
            .bind::<diesel::sql_types::Text, _>(value)
            .bind::<diesel::sql_types::Text, _>(username)
            .execute(conn)
        })
        .await
        .unwrap();
}

/// Sets a limit (`max_per_minute` … `max_recipients`) of a credential.
pub async fn set_limit(app: &TestApp, username: &'static str, column: &'static str, value: i32) {
    app.db
        .query(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE smtp_credentials SET {column} = $1 WHERE username = $2"
            ))
            .bind::<diesel::sql_types::Integer, _>(value)
            .bind::<diesel::sql_types::Text, _>(username)
            .execute(conn)
        })
        .await
        .unwrap();
}

/// AUTH over TLS from `local` (a loopback address); the reply code.
async fn auth_from(app: &TestApp, local: [u8; 4], username: &str, password: &str) -> u16 {
    let (mut client, _) = Client::connect_from(app, local.into()).await;
    client.secure().await;
    client.auth_plain(username, password).await.code
}

/// One message, or the refusal of its MAIL FROM: the reply code.
async fn try_send(client: &mut Client) -> u16 {
    let mail = client.cmd("MAIL FROM:<a@a.example>").await;
    if mail.code != 250 {
        return mail.code;
    }
    assert_eq!(client.cmd("RCPT TO:<c@example.net>").await.code, 250);
    assert_eq!(client.cmd("DATA").await.code, 354);
    client.send("Subject: x\r\n\r\nhi\r\n.\r\n").await;
    client.read().await.code
}

#[tokio::test]
async fn auth_from_an_address_outside_the_allowlist_gets_535_until_it_is_added() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "bound_app", true, Scope::Global).await;
    set_text(&app, "bound_app", "allowed_ips", "127.0.0.1").await;
    assert_eq!(
        auth_from(&app, [127, 0, 0, 1], "bound_app", &password).await,
        235
    );
    assert_eq!(
        auth_from(&app, [127, 0, 0, 2], "bound_app", &password).await,
        535
    );
    set_text(&app, "bound_app", "allowed_ips", "127.0.0.1\n127.0.0.0/30").await;
    assert_eq!(
        auth_from(&app, [127, 0, 0, 2], "bound_app", &password).await,
        235
    );
    assert_eq!(
        auth_from(&app, [127, 0, 0, 5], "bound_app", &password).await,
        535
    );
}

#[tokio::test]
async fn an_envelope_sender_outside_the_patterns_gets_550_naming_it() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "pattern_app", true, Scope::Global).await;
    set_text(
        &app,
        "pattern_app",
        "allowed_senders",
        "noreply@a.example\n*@billing.a.example",
    )
    .await;
    let refused = client.cmd("MAIL FROM:<ceo@a.example>").await;
    assert_eq!(refused.code, 550);
    assert!(
        refused
            .text
            .starts_with("550 5.7.1 Sender <ceo@a.example> is not allowed"),
        "{}",
        refused.text
    );
    let accepted = send_message(
        &mut client,
        "invoices@Billing.a.example",
        "customer@example.net",
        "From: Billing <invoices@billing.a.example>\r\nSubject: ok\r\n\r\nHi\r\n",
    )
    .await;
    assert_eq!(accepted.code, 250, "{}", accepted.text);
    assert_eq!(app.count_rows("sandbox_messages").await, 1);
}

#[tokio::test]
async fn a_from_header_outside_the_patterns_is_refused_with_lettre_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "header_app", true, Scope::Global).await;
    set_text(&app, "header_app", "allowed_senders", "*@a.example").await;
    let forged = Message::builder()
        .from("Boss <boss@victim.example>".parse::<Mailbox>().unwrap())
        .sender("app@a.example".parse::<Mailbox>().unwrap())
        .to("customer@example.net".parse::<Mailbox>().unwrap())
        .subject("Forged")
        .body("Pay this invoice.\n".to_owned())
        .unwrap();
    let error = mailer(&app, "header_app", &password)
        .send(forged)
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("boss@victim.example"), "{text}");
    assert_eq!(
        error.status().map(|c| c.to_string()).as_deref(),
        Some("550")
    );
    assert_eq!(app.count_rows("sandbox_messages").await, 0);
    let honest = Message::builder()
        .from("App <app@a.example>".parse::<Mailbox>().unwrap())
        .to("customer@example.net".parse::<Mailbox>().unwrap())
        .subject("Honest")
        .body("Hello.\n".to_owned())
        .unwrap();
    mailer(&app, "header_app", &password)
        .send(honest)
        .await
        .unwrap();
    assert_eq!(app.count_rows("sandbox_messages").await, 1);
}

#[tokio::test]
async fn each_rate_limit_refuses_the_next_message_with_451_saying_when_to_retry() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    for (username, column, window) in [
        ("minute_app", "max_per_minute", "minute"),
        ("hour_app", "max_per_hour", "hour"),
        ("day_app", "max_per_day", "day"),
    ] {
        let mut client = authenticated(&app, &workspace, username, true, Scope::Global).await;
        set_limit(&app, username, column, 2).await;
        for n in 0..2 {
            let sent = send_message(
                &mut client,
                "a@a.example",
                "c@example.net",
                "Subject: x\r\n\r\nhi\r\n",
            )
            .await;
            assert_eq!(sent.code, 250, "{username} message {n}: {}", sent.text);
        }
        let refused = client.cmd("MAIL FROM:<a@a.example>").await;
        assert_eq!(refused.code, 451, "{username}: {}", refused.text);
        assert!(
            refused.text.starts_with(&format!(
                "451 4.7.1 Sending limit of 2 messages per {window} reached for this credential, try again after "
            )),
            "{}",
            refused.text
        );
    }
    assert_eq!(app.count_rows("sandbox_messages").await, 6);
}

#[tokio::test]
async fn a_transaction_that_ends_unsent_gives_its_message_back() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "refund_app", true, Scope::Global).await;
    set_limit(&app, "refund_app", "max_per_minute", 1).await;
    assert_eq!(client.cmd("MAIL FROM:<a@a.example>").await.code, 250);
    assert_eq!(client.cmd("RSET").await.code, 250);
    assert_eq!(
        client.cmd("MAIL FROM:<a@a.example>").await.code,
        250,
        "the RSET gave it back"
    );
    drop(client);
    let mut again = Client::connect_tls(&app).await;
    let password = credential(&app, &workspace, "refund_two", true, Scope::Global).await;
    set_limit(&app, "refund_two", "max_per_minute", 1).await;
    assert_eq!(again.auth_plain("refund_two", &password).await.code, 235);
    let sent = send_message(
        &mut again,
        "a@a.example",
        "c@example.net",
        "Subject: x\r\n\r\nhi\r\n",
    )
    .await;
    assert_eq!(sent.code, 250);
    assert_eq!(
        again.cmd("MAIL FROM:<a@a.example>").await.code,
        451,
        "a sent message stays counted"
    );
}

#[tokio::test]
async fn the_recipient_cap_refuses_the_one_too_many_with_452() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "capped_app", true, Scope::Global).await;
    set_limit(&app, "capped_app", "max_recipients", 2).await;
    assert_eq!(client.cmd("MAIL FROM:<a@a.example>").await.code, 250);
    assert_eq!(client.cmd("RCPT TO:<one@example.net>").await.code, 250);
    assert_eq!(client.cmd("RCPT TO:<two@example.net>").await.code, 250);
    let third = client.cmd("RCPT TO:<three@example.net>").await;
    assert!(
        third.text.starts_with(
            "452 4.5.3 Too many recipients: this credential may send to 2 per message"
        ),
        "{}",
        third.text
    );
}

#[tokio::test]
async fn twenty_sessions_at_once_send_no_more_than_the_limit() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "burst_app", true, Scope::Global).await;
    set_limit(&app, "burst_app", "max_per_minute", 5).await;
    let sessions: Vec<_> = (0..20)
        .map(|_| {
            let (app, password) = (app.clone(), password.clone());
            tokio::spawn(async move {
                let mut client = Client::connect_tls(&app).await;
                assert_eq!(client.auth_plain("burst_app", &password).await.code, 235);
                try_send(&mut client).await
            })
        })
        .collect();
    let mut codes = Vec::new();
    for session in sessions {
        codes.push(session.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 250).count(), 5, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 451).count(), 15, "{codes:?}");
    assert_eq!(app.count_rows("sandbox_messages").await, 5);
}

#[tokio::test]
async fn two_instances_sharing_redis_count_against_one_limit() {
    let Some(redis) = redis_url() else { return };
    let settings =
        |config: &mut postern::config::Config| config.redis_url = Some(redis.clone().into());
    let app = spawn_app_with(settings).await;
    let other = another_instance(&app, settings).await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "shared_app", true, Scope::Global).await;
    set_limit(&app, "shared_app", "max_per_minute", 3).await;
    let mut codes = Vec::new();
    for instance in [&app, &other, &app, &other] {
        let mut client = Client::connect_tls(instance).await;
        assert_eq!(client.auth_plain("shared_app", &password).await.code, 235);
        codes.push(try_send(&mut client).await);
    }
    assert_eq!(codes, [250, 250, 250, 451]);
}

#[tokio::test]
async fn a_policy_changed_mid_session_applies_to_the_next_mail() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "live_app", true, Scope::Global).await;
    assert_eq!(client.cmd("MAIL FROM:<ceo@a.example>").await.code, 250);
    assert_eq!(client.cmd("RSET").await.code, 250);
    set_text(&app, "live_app", "allowed_senders", "noreply@a.example").await;
    assert_eq!(client.cmd("MAIL FROM:<ceo@a.example>").await.code, 550);
    assert_eq!(client.cmd("MAIL FROM:<noreply@a.example>").await.code, 250);
    assert_eq!(client.cmd("RSET").await.code, 250);
    set_limit(&app, "live_app", "max_recipients", 1).await;
    assert_eq!(client.cmd("MAIL FROM:<noreply@a.example>").await.code, 250);
    assert_eq!(client.cmd("RCPT TO:<one@example.net>").await.code, 250);
    assert_eq!(client.cmd("RCPT TO:<two@example.net>").await.code, 452);
    assert_eq!(client.cmd("RSET").await.code, 250);
    set_text(&app, "live_app", "allowed_ips", "192.0.2.1").await;
    let moved = client.cmd("MAIL FROM:<noreply@a.example>").await;
    assert_eq!(
        moved.code, 535,
        "the address left the allowlist: {}",
        moved.text
    );
}

#[tokio::test]
async fn a_new_credential_takes_the_workspaces_default_limits() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let before = credential(&app, &workspace, "older_app", true, Scope::Global).await;
    let general = format!("/w/{}/settings/general", workspace.slug);
    app.post_form(
        &format!("{general}/default-limits"),
        &[("max_per_minute", "1"), ("max_recipients", "2")],
    )
    .await
    .assert_redirect_to(&general);
    let mut client = authenticated(&app, &workspace, "newer_app", true, Scope::Global).await;
    assert_eq!(try_send(&mut client).await, 250);
    let refused = client.cmd("MAIL FROM:<a@a.example>").await;
    assert!(
        refused
            .text
            .starts_with("451 4.7.1 Sending limit of 1 message per minute"),
        "{}",
        refused.text
    );
    let mut older = Client::connect_tls(&app).await;
    assert_eq!(older.auth_plain("older_app", &before).await.code, 235);
    for _ in 0..2 {
        assert_eq!(
            try_send(&mut older).await,
            250,
            "made before the default: unlimited"
        );
    }
}

#[tokio::test]
async fn the_detail_page_shows_what_was_sent_against_each_limit() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "usage_app", true, Scope::Global).await;
    set_limit(&app, "usage_app", "max_per_minute", 10).await;
    set_limit(&app, "usage_app", "max_per_day", 1000).await;
    for _ in 0..3 {
        assert_eq!(try_send(&mut client).await, 250);
    }
    assert_eq!(client.cmd("MAIL FROM:<a@a.example>").await.code, 250);
    assert_eq!(
        client.cmd("RSET").await.code,
        250,
        "given back: not counted"
    );
    let list = app
        .get(&format!("/w/{}/settings/smtp-credentials", workspace.slug))
        .await;
    let href = list.attrs(
        "tr[data-username=usage_app] a[href*='/smtp-credentials/']",
        "href",
    )[0]
    .clone();
    let page = app.get(&href).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.text_of("#send-usage").as_deref(),
        Some("3 / 10 this minute3 / 1,000 today"),
        "one line per rate limit"
    );
}

//! Production mail as the smarthost sees it: one transaction per message,
//! exactly the client's bytes, its refusals passed through at the step they
//! happen.

use postern::service::credentials::Scope;

use super::client::Client;
use super::sink::{self, Options, Sink};
use super::{authenticated, domain_scope, has_bare_line_ending, send_message};
use crate::helpers::{TestApp, spawn_app_with};

async fn relaying_to(sink: &Sink) -> TestApp {
    let url = sink.url.clone();
    spawn_app_with(move |c| c.smarthost = Some(url.into())).await
}

const SMUGGLED: &str = "MAIL FROM:<ceo@victim.example>\r\n\
    RCPT TO:<cfo@victim.example>\r\n\
    DATA\r\n\
    From: ceo@victim.example\r\n\
    Subject: smuggled\r\n\r\n\
    Wire the money.\r\n";

/// A smarthost, an app relaying to it, and a client signed in as `username`
/// with a production credential.
async fn production_client(username: &str) -> (Sink, TestApp, Client) {
    let sink = sink::start("250 2.0.0 queued").await;
    let app = relaying_to(&sink).await;
    let (_, workspace) = app.signed_in_owner().await;
    let client = authenticated(&app, &workspace, username, false, Scope::Global).await;
    (sink, app, client)
}

/// Checks, once the client quit, that the smarthost saw one transaction,
/// from the real sender, with the smuggled lines inside its body after
/// `body_before` and no bare line ending.
async fn the_smarthost_saw_one_transaction(sink: &Sink, mut client: Client, body_before: &str) {
    client.cmd("QUIT").await;
    sink.sessions_ended(1).await;
    let transactions = sink.transactions();
    assert_eq!(transactions.len(), 1, "{transactions:#?}");
    assert_eq!(transactions[0].mail_from, "app@a.example");
    assert!(
        !sink
            .commands()
            .iter()
            .any(|c| c.contains("ceo@victim.example")),
        "{:?}",
        sink.commands()
    );
    assert!(
        transactions[0]
            .text()
            .contains(&format!("{body_before}MAIL FROM:<ceo@victim.example>\r\n")),
        "the smuggled lines are body text: {}",
        transactions[0].text()
    );
    assert!(!has_bare_line_ending(&transactions[0].data));
}

/// Sends a message whose body hides a second transaction behind
/// `line_break` + `.` + CRLF; checks the smarthost saw one transaction.
async fn a_smuggling_attempt_behind(line_break: &str) {
    let (sink, _app, mut client) = production_client("prod_app").await;
    let message =
        format!("From: app@a.example\r\nSubject: hello\r\n\r\nhello{line_break}.\r\n{SMUGGLED}");
    let reply = send_message(
        &mut client,
        "app@a.example",
        "customer@example.net",
        &message,
    )
    .await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    the_smarthost_saw_one_transaction(&sink, client, "hello\r\n.\r\n").await;
}

#[tokio::test]
async fn a_bare_lf_dot_line_cannot_smuggle_a_second_transaction_to_the_smarthost() {
    a_smuggling_attempt_behind("\n").await;
}

#[tokio::test]
async fn a_bare_cr_dot_line_cannot_smuggle_a_second_transaction_to_the_smarthost() {
    a_smuggling_attempt_behind("\r").await;
}

/// Sends, in one write after DATA, a message ending at `near_terminator`
/// (a `.` line not ended by CRLF) followed by a second transaction; checks
/// that only `<CRLF>.<CRLF>` ended DATA: one reply, one transaction.
async fn a_near_terminator_smuggling_attempt(near_terminator: &str) {
    let (sink, _app, mut client) = production_client("near_app").await;
    client
        .start_data("app@a.example", "customer@example.net")
        .await;
    client
        .send(&format!(
            "From: app@a.example\r\n\r\nhello\r\n{near_terminator}{SMUGGLED}.\r\n"
        ))
        .await;
    let reply = client.read().await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    assert_eq!(
        client.cmd("NOOP").await.text,
        "250 2.0.0 OK\r\n",
        "one reply to the whole message"
    );
    the_smarthost_saw_one_transaction(&sink, client, "\r\n").await;
}

#[tokio::test]
async fn a_dot_line_ended_by_cr_cr_lf_does_not_end_data_for_the_smarthost() {
    a_near_terminator_smuggling_attempt(".\r\r\n").await;
}

#[tokio::test]
async fn a_dot_line_ended_by_three_crs_and_lf_does_not_end_data_for_the_smarthost() {
    a_near_terminator_smuggling_attempt(".\r\r\r\n").await;
}

#[tokio::test]
async fn the_smarthost_receives_exactly_the_message_after_the_received_header() {
    let (sink, _app, mut client) = production_client("exact_app").await;
    // As the client sends it: its line starting with a dot is stuffed.
    let sent = "From: app@a.example\r\nSubject: exact\r\n\r\n..starts with a dot\r\nlast line\r\n";
    let reply = send_message(&mut client, "app@a.example", "customer@example.net", sent).await;
    assert_eq!(reply.code, 250, "{}", reply.text);

    let relayed = sink.transactions().remove(0).text();
    let (received, rest) = relayed.split_once("\r\n").unwrap();
    assert!(received.starts_with("Received: from "), "{received}");
    assert_eq!(rest, sent.replace("\r\n..", "\r\n."));
}

#[tokio::test]
async fn a_recipient_the_smarthost_refuses_is_refused_at_rcpt_and_the_others_get_the_message() {
    let sink = sink::start_with(Options {
        final_reply: "250 2.0.0 queued",
        refuse: vec![(
            "nobody@example.net",
            "550 5.1.1 <nobody@example.net>: no such user",
        )],
    })
    .await;
    let app = relaying_to(&sink).await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "rcpt_app", false, Scope::Global).await;
    assert_eq!(client.cmd("MAIL FROM:<app@a.example>").await.code, 250);
    assert_eq!(client.cmd("RCPT TO:<customer@example.net>").await.code, 250);
    let refused = client.cmd("RCPT TO:<nobody@example.net>").await;
    assert_eq!(
        refused.text,
        "550 5.1.1 <nobody@example.net>: no such user\r\n"
    );
    assert_eq!(client.cmd("DATA").await.code, 354);
    client
        .send("From: app@a.example\r\nSubject: two\r\n\r\nHi\r\n.\r\n")
        .await;
    let reply = client.read().await;
    assert_eq!(reply.code, 250, "{}", reply.text);

    let transactions = sink.transactions();
    assert_eq!(transactions.len(), 1);
    assert_eq!(transactions[0].rcpt_to, ["customer@example.net"]);
}

#[tokio::test]
async fn a_smarthost_refusal_after_data_keeps_its_code_enhanced_code_and_text() {
    let sink = sink::start("554 5.7.1 Rejected by policy").await;
    let app = relaying_to(&sink).await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "policy_app", false, Scope::Global).await;
    let reply = send_message(
        &mut client,
        "app@a.example",
        "customer@example.net",
        "Subject: refused\r\n\r\nHi\r\n",
    )
    .await;
    assert_eq!(reply.text, "554 5.7.1 Rejected by policy\r\n");
    assert_eq!(client.cmd("NOOP").await.code, 250, "the session goes on");
}

#[tokio::test]
async fn the_smarthost_is_greeted_with_the_configured_smtp_hostname() {
    let sink = sink::start("250 2.0.0 queued").await;
    let url = sink.url.clone();
    let app = spawn_app_with(move |c| {
        c.smarthost = Some(url.into());
        c.smtp_hostname = Some("mx.postern.test".into());
    })
    .await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "helo_app", false, Scope::Global).await;
    let reply = send_message(
        &mut client,
        "app@a.example",
        "x@example.net",
        "Subject: hi\r\n\r\nHi\r\n",
    )
    .await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    assert_eq!(sink.transactions()[0].helo, "mx.postern.test");
}

#[tokio::test]
async fn an_unreachable_smarthost_is_a_temporary_failure_at_rcpt() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let app = spawn_app_with(move |c| c.smarthost = Some(url.into())).await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "down_app", false, Scope::Global).await;
    assert_eq!(client.cmd("MAIL FROM:<app@a.example>").await.code, 250);
    let rcpt = client.cmd("RCPT TO:<customer@example.net>").await;
    assert!(rcpt.text.starts_with("451 4.4.1"), "{}", rcpt.text);
    let data = client.cmd("DATA").await;
    assert!(data.text.starts_with("503 5.5.1"), "{}", data.text);
}

#[tokio::test]
async fn a_scoped_credential_cannot_relay_a_from_header_outside_its_domains() {
    let sink = sink::start("250 2.0.0 queued").await;
    let app = relaying_to(&sink).await;
    let (_, workspace) = app.signed_in_owner().await;
    let scope = domain_scope(&app, &workspace, "a.example").await;
    let mut client = authenticated(&app, &workspace, "scoped_prod", false, scope).await;
    let forged = "From: The CEO <ceo@victim.example>\r\nSubject: urgent\r\n\r\nPay.\r\n";
    let reply = send_message(&mut client, "app@a.example", "customer@example.net", forged).await;
    assert!(reply.text.starts_with("550 5.7.1"), "{}", reply.text);

    let own = "From: App <app@a.example>\r\nSubject: fine\r\n\r\nHi.\r\n";
    let reply = send_message(&mut client, "app@a.example", "customer@example.net", own).await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    client.cmd("QUIT").await;
    sink.sessions_ended(2).await;
    let transactions = sink.transactions();
    assert_eq!(
        transactions.len(),
        1,
        "only the own-domain message is relayed"
    );
    assert!(transactions[0].text().contains("Subject: fine"));
}

#[tokio::test]
async fn twenty_clients_at_once_each_get_their_own_smarthost_transaction() {
    let sink = sink::start("250 2.0.0 queued").await;
    let app = relaying_to(&sink).await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut clients = Vec::new();
    for i in 0..20 {
        clients.push(
            authenticated(
                &app,
                &workspace,
                &format!("many_{i:02}"),
                false,
                Scope::Global,
            )
            .await,
        );
    }
    let sends = clients
        .into_iter()
        .enumerate()
        .map(|(i, mut client)| async move {
            let message = format!("Subject: number {i}\r\n\r\nHi\r\n");
            let reply = send_message(
                &mut client,
                "app@a.example",
                &format!("to{i}@example.net"),
                &message,
            )
            .await;
            assert_eq!(reply.code, 250, "{}", reply.text);
        });
    futures_util::future::join_all(sends).await;

    let transactions = sink.transactions();
    assert_eq!(transactions.len(), 20);
    for t in &transactions {
        let i: usize = t.rcpt_to[0]
            .trim_start_matches("to")
            .trim_end_matches("@example.net")
            .parse()
            .unwrap();
        assert!(
            t.text().contains(&format!("Subject: number {i}\r\n")),
            "{t:?}"
        );
    }
}

#[tokio::test]
async fn rset_or_a_disconnect_abandons_the_smarthost_transaction() {
    let (sink, _app, mut client) = production_client("rset_app").await;
    assert_eq!(client.cmd("MAIL FROM:<app@a.example>").await.code, 250);
    assert_eq!(client.cmd("RCPT TO:<first@example.net>").await.code, 250);
    assert_eq!(client.cmd("RSET").await.code, 250);
    sink.sessions_ended(1).await;

    let reply = send_message(
        &mut client,
        "app@a.example",
        "second@example.net",
        "Subject: after RSET\r\n\r\nHi\r\n",
    )
    .await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    assert_eq!(client.cmd("MAIL FROM:<app@a.example>").await.code, 250);
    assert_eq!(client.cmd("RCPT TO:<third@example.net>").await.code, 250);
    drop(client);
    sink.sessions_ended(3).await;

    let transactions = sink.transactions();
    assert_eq!(transactions.len(), 1, "{transactions:#?}");
    assert_eq!(transactions[0].rcpt_to, ["second@example.net"]);
}

#[tokio::test]
async fn a_header_section_with_nul_or_a_leading_continuation_is_never_relayed() {
    let sink = sink::start("250 2.0.0 queued").await;
    let app = relaying_to(&sink).await;
    let (_, workspace) = app.signed_in_owner().await;
    let scope = domain_scope(&app, &workspace, "a.example").await;
    let mut client = authenticated(&app, &workspace, "nul_app", false, scope).await;
    for message in [
        "From: <b@evil.example\0>a@a.example\r\nSubject: nul\r\n\r\nHi\r\n",
        "From: b@evil.example\0a@a.example\r\nSubject: nul\r\n\r\nHi\r\n",
        "From: b@evil.example\0 <a@a.example>\r\nSubject: nul\r\n\r\nHi\r\n",
        " From: b@evil.example\r\nFrom: a@a.example\r\nSubject: folded\r\n\r\nHi\r\n",
    ] {
        let reply = send_message(&mut client, "a@a.example", "customer@example.net", message).await;
        assert!(
            reply.text.starts_with("550 5.6.0 "),
            "{message:?}: {}",
            reply.text
        );
    }
    assert_eq!(client.cmd("QUIT").await.code, 221);
    sink.sessions_ended(4).await;
    assert_eq!(sink.transactions().len(), 0, "{:#?}", sink.transactions());
}

#[tokio::test]
async fn a_credential_deactivated_before_the_end_of_data_gets_535_and_nothing_is_relayed() {
    let (sink, app, mut client) = production_client("late_app").await;
    assert_eq!(client.cmd("MAIL FROM:<app@a.example>").await.code, 250);
    assert_eq!(client.cmd("RCPT TO:<customer@example.net>").await.code, 250);
    let id = crate::credentials::id_of(&app, "late_app").await;
    app.post_form(
        &format!("{}/{id}/deactivate", crate::credentials::LIST),
        &[],
    )
    .await;
    assert_eq!(client.cmd("DATA").await.code, 354);
    let reply = client
        .cmd("From: app@a.example\r\nSubject: late\r\n\r\nHi\r\n.")
        .await;
    assert!(reply.text.starts_with("535 5.7.8 "), "{}", reply.text);
    assert!(
        client
            .cmd("MAIL FROM:<app@a.example>")
            .await
            .text
            .starts_with("530 "),
        "signed out"
    );
    assert_eq!(client.cmd("QUIT").await.code, 221);
    sink.sessions_ended(1).await;
    assert_eq!(sink.transactions().len(), 0, "{:#?}", sink.transactions());
}

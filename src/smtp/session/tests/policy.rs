//! A credential's policies in the transaction: sender patterns on the
//! envelope and the `From:` header, rate limits at MAIL, the recipient cap.

use chrono::TimeZone;

use super::{Client, World, codes, credential};
use std::sync::Arc;

use crate::domain::policy::{Policies, SendLimits, SenderPatterns, Window};
use crate::service::send_usage::Exceeded;

fn with_senders(patterns: &str) -> World {
    let mut login = credential();
    login.policies = Arc::new(Policies {
        allowed_senders: SenderPatterns::parse(patterns).unwrap(),
        ..Policies::default()
    });
    World {
        credential: Some(login),
        ..World::default()
    }
}

fn with_limits(limits: [Option<i64>; 4]) -> World {
    let mut login = credential();
    login.policies = Arc::new(Policies {
        limits: SendLimits::from_numbers(limits).unwrap(),
        ..Policies::default()
    });
    World {
        credential: Some(login),
        ..World::default()
    }
}

#[test]
fn an_envelope_sender_outside_the_patterns_is_refused_by_name() {
    let mut client = Client::authenticated(with_senders("noreply@a.example\n*@billing.a.example"));
    assert_eq!(
        client.cmd("MAIL FROM:<ceo@a.example>"),
        "550 5.7.1 Sender <ceo@a.example> is not allowed for this credential\r\n"
    );
    assert_eq!(
        client.cmd("MAIL FROM:<>"),
        "550 5.7.1 Sender <> is not allowed for this credential\r\n"
    );
    assert_eq!(
        client.cmd("MAIL FROM:<NoReply@A.example>"),
        "250 2.1.0 Sender OK\r\n"
    );
    assert_eq!(client.cmd("RSET"), "250 2.0.0 Reset\r\n");
    assert!(
        client
            .cmd("MAIL FROM:<invoices@billing.a.example>")
            .starts_with("250")
    );
}

#[test]
fn every_from_header_address_must_match_a_pattern() {
    let mut client = Client::authenticated(with_senders("*@a.example"));
    let refused = client.send_message(
        "app@a.example",
        "c@example.net",
        "From: app@a.example, boss@victim.example\r\nSubject: x\r\n\r\nhi\r\n",
    );
    assert_eq!(
        refused,
        "550 5.7.1 From: address <boss@victim.example> is not allowed for this credential\r\n"
    );
    let missing = client.send_message("app@a.example", "c@example.net", "Subject: x\r\n\r\nhi\r\n");
    assert!(
        missing.starts_with("550 5.7.1 The From: header"),
        "{missing}"
    );
    let ok = client.send_message(
        "app@a.example",
        "c@example.net",
        "From: App <App@a.example>\r\n\r\nhi\r\n",
    );
    assert!(ok.starts_with("250"), "{ok}");
    assert_eq!(client.world.delivered.len(), 1);
}

#[test]
fn without_patterns_any_sender_and_from_pass() {
    let mut client = Client::authenticated(World::default());
    let ok = client.send_message(
        "a@x.example",
        "c@example.net",
        "Subject: no from\r\n\r\nhi\r\n",
    );
    assert!(ok.starts_with("250"), "{ok}");
}

#[test]
fn a_rate_limited_credential_reserves_at_mail_and_hears_when_to_retry() {
    let mut client = Client::authenticated(with_limits([Some(5), None, None, None]));
    assert!(client.cmd("MAIL FROM:<a@a.example>").starts_with("250"));
    assert_eq!(client.world.reserved, 1);
    assert_eq!(client.cmd("RSET"), "250 2.0.0 Reset\r\n");
    client.world.exceeded = Some(Exceeded {
        window: Window::Hour,
        limit: 1000,
        retry_at: chrono::Utc
            .with_ymd_and_hms(2026, 11, 27, 22, 0, 0)
            .unwrap(),
    });
    assert_eq!(
        client.cmd("MAIL FROM:<a@a.example>"),
        "451 4.7.1 Sending limit of 1,000 messages per hour reached for this credential, try again after 2026-11-27 22:00:00 UTC\r\n"
    );
    assert!(!client.session.in_transaction());
    assert_eq!(
        client.cmd("RCPT TO:<c@example.net>"),
        "503 5.5.1 MAIL FROM first\r\n"
    );
}

#[test]
fn an_unlimited_credential_reserves_nothing() {
    let mut client = Client::authenticated(with_limits([None, None, None, Some(3)]));
    assert!(client.cmd("MAIL FROM:<a@a.example>").starts_with("250"));
    assert_eq!(client.world.reserved, 0);
}

#[test]
fn the_recipient_cap_refuses_the_one_too_many_with_452() {
    let mut client = Client::authenticated(with_limits([None, None, None, Some(2)]));
    client.cmd("MAIL FROM:<a@a.example>");
    let replies =
        client.send(b"RCPT TO:<1@x.example>\r\nRCPT TO:<2@x.example>\r\nRCPT TO:<3@x.example>\r\n");
    assert_eq!(codes(&replies), [250, 250, 452]);
    assert!(
        replies.ends_with(
            "452 4.5.3 Too many recipients: this credential may send to 2 per message\r\n"
        )
    );
    assert!(client.cmd("DATA").starts_with("354"));
    assert!(
        client
            .send(b"Subject: x\r\n\r\nhi\r\n.\r\n")
            .starts_with("250")
    );
    assert_eq!(client.world.delivered[0].to.len(), 2);
}

use std::time::Duration;

use super::{Client, LIFETIME, World, codes, plain, settings};

#[test]
fn the_greeting_and_ehlo_before_tls_offer_starttls_and_no_auth() {
    let mut client = Client::plaintext();
    assert_eq!(client.session.greeting(), "220 mx.test ESMTP Postern\r\n");
    assert_eq!(
        client.cmd("EHLO client.example"),
        "250-mx.test Hello\r\n250-STARTTLS\r\n250-SIZE 26214400\r\n\
         250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n"
    );
    assert_eq!(
        client.cmd(&format!("AUTH PLAIN {}", plain("x", "y"))),
        "538 5.7.11 Encryption required: issue STARTTLS first\r\n"
    );
}

#[test]
fn starttls_is_answered_then_the_session_starts_over_without_it() {
    let mut client = Client::plaintext();
    client.cmd("EHLO client.example");
    // What follows STARTTLS in the same read is dropped.
    let reply = client.send(b"STARTTLS\r\nNOOP\r\n");
    assert_eq!(reply, "220 2.0.0 Ready to start TLS\r\n");
    assert!(matches!(client.ended, Some(super::Step::StartTls)));
    client.session.tls_started();
    let ehlo = client.cmd("EHLO client.example");
    assert!(ehlo.contains("250-AUTH PLAIN LOGIN\r\n"), "{ehlo}");
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    assert_eq!(client.cmd("STARTTLS"), "503 5.5.1 TLS already active\r\n");
}

#[test]
fn plaintext_auth_is_offered_only_with_the_setting() {
    let mut with = settings();
    with.plaintext_auth = true;
    let mut client = Client::with(with, World::default());
    assert!(client.cmd("EHLO local").contains("AUTH PLAIN LOGIN"));
    assert_eq!(client.auth(), "235 2.7.0 Authentication successful\r\n");
}

#[test]
fn helo_answers_with_the_hostname_and_bad_names_get_501() {
    let mut client = Client::plaintext();
    assert_eq!(client.cmd("HELO [127.0.0.1]"), "250 mx.test\r\n");
    for bad in ["a b c", "bad\x1bname", "-", "[1.2.3.999]"] {
        for verb in ["EHLO", "HELO"] {
            assert_eq!(
                client.cmd(&format!("{verb} {bad}")),
                "501 5.5.4 Invalid domain name\r\n",
                "{verb} {bad:?}"
            );
        }
    }
    assert_eq!(client.cmd("NOOP"), "250 2.0.0 OK\r\n");
}

#[test]
fn unknown_and_unimplemented_commands_get_their_replies_and_the_session_goes_on() {
    let mut client = Client::plaintext();
    assert_eq!(client.cmd("FROBNICATE"), "500 5.5.1 Unknown command\r\n");
    assert_eq!(
        client.cmd("EXPN staff"),
        "502 5.5.1 Command not implemented\r\n"
    );
    assert!(client.cmd("VRFY bob").starts_with("252 2.5.0"));
    assert!(client.cmd("HELP").starts_with("214 2.0.0"));
    assert_eq!(client.cmd("QUIT"), "221 2.0.0 Bye\r\n");
    assert!(client.closed());
}

#[test]
fn an_over_long_line_gets_one_500_and_is_discarded_up_to_its_end_across_reads() {
    let mut client = Client::plaintext();
    // The QUIT inside the over-long line is part of it, not a command.
    let line = format!("NOOP {}QUIT\r\n", "A".repeat(8187));
    assert_eq!(client.send(line.as_bytes()), "500 5.5.2 Line too long\r\n");
    assert_eq!(client.cmd("NOOP"), "250 2.0.0 OK\r\n");

    let mut replies = String::new();
    for piece in "B".repeat(100_000).as_bytes().chunks(7_000) {
        replies += &client.send(piece);
    }
    replies += &client.send(b"\r\nNOOP\r\n");
    assert_eq!(replies, "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n");
}

#[test]
fn a_line_just_within_the_limit_is_read() {
    let mut client = Client::plaintext();
    let longest = format!("NOOP {}\r\n", "x".repeat(super::super::MAX_LINE - 7));
    assert_eq!(longest.len(), super::super::MAX_LINE);
    assert_eq!(client.send(longest.as_bytes()), "250 2.0.0 OK\r\n");
}

#[test]
fn twenty_bad_commands_close_the_connection() {
    let mut client = Client::plaintext();
    for _ in 0..19 {
        assert_eq!(client.cmd("BOGUS"), "500 5.5.1 Unknown command\r\n");
    }
    assert_eq!(
        client.cmd("BOGUS"),
        "421 4.7.0 Too many errors, closing connection\r\n"
    );
    assert!(client.closed());
    assert_eq!(client.cmd("NOOP"), "", "nothing is read after closing");
}

#[test]
fn commands_sent_byte_by_byte_are_answered_like_whole_ones() {
    let mut client = Client::plaintext();
    let mut replies = String::new();
    for byte in b"EHLO x.example\r\nNOOP\r\nRSET\r\n" {
        replies += &client.send(&[*byte]);
    }
    assert_eq!(codes(&replies), [250, 250, 250]);
}

#[test]
fn a_session_past_its_lifetime_is_ended_at_the_next_command() {
    let mut client = Client::plaintext();
    assert_eq!(client.cmd("NOOP"), "250 2.0.0 OK\r\n");
    assert_eq!(
        client.session.lifetime_left(client.now),
        Some(LIFETIME),
        "a quiet session is told when its lifetime is over"
    );
    client.now += LIFETIME;
    assert_eq!(
        client.cmd("NOOP"),
        "421 4.4.2 Session time limit reached, closing connection\r\n"
    );
    assert!(client.closed());
}

#[test]
fn a_session_past_its_lifetime_finishes_the_message_it_is_receiving() {
    let mut client = Client::authenticated(World::default());
    client.cmd("MAIL FROM:<app@a.example>");
    client.cmd("RCPT TO:<b@b.example>");
    assert!(client.cmd("DATA").starts_with("354"));
    client.send(b"Subject: long\r\n\r\n");
    assert_eq!(client.session.lifetime_left(client.now), None);
    client.now += LIFETIME + Duration::from_secs(1);
    let replies = client.send(b"still the body\r\n.\r\nNOOP\r\n");
    assert_eq!(
        codes(&replies),
        [250, 421],
        "the message is taken, the next command is the boundary: {replies}"
    );
}

#[test]
fn mail_and_rcpt_parameters_that_are_not_advertised_get_555() {
    let mut client = Client::authenticated(World::default());
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
        let reply = client.cmd(&format!("MAIL FROM:<a@a.example> {params}"));
        assert!(reply.starts_with("555 5.5.4 "), "{params}: {reply}");
    }
    for params in ["BODY=7BIT", "BODY=8BITMIME SIZE=100", "AUTH=<>"] {
        let reply = client.cmd(&format!("MAIL FROM:<a@a.example> {params}"));
        assert!(reply.starts_with("250"), "{params}: {reply}");
        assert!(client.cmd("RSET").starts_with("250"));
    }
    assert!(client.cmd("MAIL FROM:<a@a.example>").starts_with("250"));
    for params in ["NOTIFY=NEVER", "ORCPT=rfc822;b@b.example", "X-UNKNOWN"] {
        let reply = client.cmd(&format!("RCPT TO:<b@b.example> {params}"));
        assert!(reply.starts_with("555 5.5.4 "), "{params}: {reply}");
    }
    assert!(client.cmd("RCPT TO:<b@b.example>").starts_with("250"));
}

#[test]
fn any_size_over_the_limit_gets_552_however_many_digits_it_has() {
    let mut client = Client::authenticated(World::default());
    for size in [
        "26214401",
        "18446744073709551614",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "99999999999999999999999999999999999999999999",
    ] {
        assert_eq!(
            client.cmd(&format!("MAIL FROM:<a@a.example> SIZE={size}")),
            "552 5.3.4 Message size exceeds the fixed maximum\r\n",
            "SIZE={size}"
        );
    }
    let reply = client.cmd("MAIL FROM:<a@a.example> SIZE=26214400 BODY=8BITMIME");
    assert!(reply.starts_with("250"), "{reply}");
}

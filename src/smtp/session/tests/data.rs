//! The end of DATA: what is delivered, and what is refused first.

use super::{Client, World, credential, settings};

fn scoped_world() -> World {
    let mut login = credential();
    login.domains = Some(vec!["a.example".into()]);
    World {
        credential: Some(login),
        ..World::default()
    }
}

#[test]
fn the_message_is_delivered_with_a_received_header_and_no_bare_line_ending() {
    let mut client = Client::authenticated(World::default());
    let message = "From: app@a.example\nSubject: bare\r\n\r\none\n.\r\ntwo\rthree\r\n";
    let reply = client.send_message("app@a.example", "customer@example.net", message);
    assert_eq!(reply, "250 2.0.0 Queued\r\n");
    let delivery = &client.world.delivered[0];
    assert_eq!(delivery.from, "app@a.example");
    assert_eq!(delivery.to, ["customer@example.net"]);
    assert_eq!(
        client.delivered_text(0),
        "Received: from client.example ([192.0.2.7]) by mx.test (Postern) with ESMTPSA; \
         Tue, 14 Nov 2023 22:13:20 +0000\r\n\
         From: app@a.example\r\nSubject: bare\r\n\r\none\r\n.\r\ntwo\r\nthree\r\n"
    );
}

#[test]
fn the_received_header_of_a_plaintext_session_says_esmtpa() {
    let mut with = settings();
    with.plaintext_auth = true;
    let mut client = Client::with(with, World::default());
    client.cmd("EHLO my-laptop.local");
    client.auth();
    let reply = client.send_message("a@a.example", "b@b.example", "Subject: x\r\n\r\nx\r\n");
    assert!(reply.starts_with("250"), "{reply}");
    assert!(
        client.delivered_text(0).starts_with(
            "Received: from my-laptop.local ([192.0.2.7]) by mx.test (Postern) with ESMTPA; "
        ),
        "{}",
        client.delivered_text(0)
    );
}

#[test]
fn a_message_of_nothing_but_the_final_dot_ends_at_once() {
    let mut client = Client::authenticated(World::default());
    let reply = client.send_message("app@a.example", "customer@example.net", "");
    assert!(reply.starts_with("250"), "{reply}");
}

#[test]
fn a_dot_line_not_ended_by_crlf_does_not_end_data() {
    for near_terminator in [".\r\r\n", ".\r\r\r\n", ".\n"] {
        let mut client = Client::authenticated(World::default());
        client.cmd("MAIL FROM:<app@a.example>");
        client.cmd("RCPT TO:<customer@example.net>");
        client.cmd("DATA");
        let reply = client.send(
            format!(
                "From: app@a.example\r\n\r\nhello\r\n{near_terminator}\
                 MAIL FROM:<ceo@victim.example>\r\nRCPT TO:<y@d.test>\r\nDATA\r\n\
                 Subject: smuggled\r\n\r\nevil\r\n.\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(
            reply, "250 2.0.0 Queued\r\n",
            "one reply: {near_terminator:?}"
        );
        assert_eq!(client.world.delivered.len(), 1);
        let text = client.delivered_text(0);
        assert!(
            text.contains("\r\nMAIL FROM:<ceo@victim.example>\r\n") && text.ends_with("evil\r\n"),
            "{text}"
        );
    }
}

#[test]
fn an_oversized_message_gets_552_and_the_session_goes_on() {
    let mut small = settings();
    small.max_message_bytes = 2048;
    let mut client = Client::tls_with(small, World::default());
    client.auth();
    client.cmd("MAIL FROM:<a@example.com>");
    client.cmd("RCPT TO:<b@example.com>");
    assert!(client.cmd("DATA").starts_with("354"));
    for _ in 0..40 {
        assert_eq!(
            client.send(format!("{}\r\n", "y".repeat(100)).as_bytes()),
            ""
        );
    }
    assert!(client.cmd(".").starts_with("552 5.3.4"));
    assert!(client.world.delivered.is_empty());
    assert_eq!(client.cmd("NOOP"), "250 2.0.0 OK\r\n");
}

#[test]
fn a_header_section_with_nul_or_a_leading_continuation_is_refused() {
    let mut client = Client::authenticated(World::default());
    for message in [
        "From: <b@evil.example\0>a@a.example\r\nSubject: nul\r\n\r\nHi\r\n",
        " From: b@evil.example\r\nFrom: a@a.example\r\n\r\nHi\r\n",
        "From: a@a.example\r\nb@evil.example\r\n\r\n",
    ] {
        let reply = client.send_message("a@a.example", "c@example.net", message);
        assert!(reply.starts_with("550 5.6.0 "), "{message:?}: {reply}");
    }
    assert!(client.world.delivered.is_empty());
}

#[test]
fn a_scoped_credential_is_refused_a_from_header_outside_its_domains() {
    let mut client = Client::authenticated(scoped_world());
    for forged in [
        "From: ceo@victim.example\r\n\r\nHi\r\n",
        "From: app@a.example, ceo@victim.example\r\n\r\nHi\r\n",
        "Subject: no from\r\n\r\nHi\r\n",
        "hello\r\nFrom: b@evil.example\r\n",
    ] {
        let reply = client.send_message("app@a.example", "c@example.net", forged);
        assert!(reply.starts_with("550 5.7.1"), "{forged:?}: {reply}");
    }
    assert!(client.world.delivered.is_empty());
    let own = "From: App <app@A.example>\r\n\r\nHi\r\n";
    let reply = client.send_message("app@a.example", "c@example.net", own);
    assert!(reply.starts_with("250"), "{reply}");
}

#[test]
fn a_credential_revoked_before_the_end_of_data_gets_535_and_is_signed_out() {
    let mut client = Client::authenticated(World::default());
    client.cmd("MAIL FROM:<app@a.example>");
    client.cmd("RCPT TO:<c@example.net>");
    client.cmd("DATA");
    client.world.credential = None;
    assert!(
        client
            .send(b"Subject: late\r\n\r\nHi\r\n.\r\n")
            .starts_with("535 5.7.8 ")
    );
    assert!(client.world.delivered.is_empty());
    assert!(client.cmd("MAIL FROM:<app@a.example>").starts_with("530 "));
}

#[test]
fn a_credential_deleted_while_its_message_is_stored_gets_535() {
    let mut client = Client::authenticated(World {
        gone_at_store: true,
        ..World::default()
    });
    let reply = client.send_message("app@a.example", "c@example.net", "Subject: x\r\n\r\nx\r\n");
    assert!(reply.starts_with("535 5.7.8 "), "{reply}");
    assert!(client.cmd("MAIL FROM:<app@a.example>").starts_with("530 "));
}

#[test]
fn a_credential_switched_to_production_mid_transaction_gets_451() {
    let mut client = Client::authenticated(World::default());
    client.cmd("MAIL FROM:<app@a.example>");
    client.cmd("RCPT TO:<c@example.net>");
    client.cmd("DATA");
    client.world.credential.as_mut().unwrap().sandbox = false;
    assert_eq!(
        client.send(b"Subject: x\r\n\r\nx\r\n.\r\n"),
        "451 4.3.0 Temporary failure, try again later\r\n"
    );
    assert!(client.world.delivered.is_empty());
}

#[test]
fn the_smarthost_refusal_after_data_is_passed_on_and_the_session_goes_on() {
    let mut login = credential();
    login.sandbox = false;
    let mut client = Client::authenticated(World {
        credential: Some(login),
        final_reply: crate::smtp::reply::Reply::new(554, "5.7.1", "Rejected by policy"),
        ..World::default()
    });
    let reply = client.send_message("app@a.example", "c@example.net", "Subject: x\r\n\r\nx\r\n");
    assert_eq!(reply, "554 5.7.1 Rejected by policy\r\n");
    assert_eq!(client.cmd("NOOP"), "250 2.0.0 OK\r\n");
    assert_eq!(
        client.world.relay_abandoned, 0,
        "handed over with the message"
    );
}

#[test]
fn a_whole_session_split_anywhere_gives_the_same_replies_and_message() {
    let transcript = format!(
        "EHLO client.example\r\nAUTH PLAIN {}\r\nMAIL FROM:<app@a.example>\r\n\
         RCPT TO:<c@example.net>\r\nDATA\r\nSubject: split\r\n\r\n..dot\r\nend\r\n.\r\n\
         NOOP\r\nQUIT\r\n",
        super::plain(super::USERNAME, super::PASSWORD)
    );
    let run = |pieces: &[&[u8]]| {
        let mut client = Client::tls();
        let replies: String = pieces.iter().map(|piece| client.send(piece)).collect();
        (replies, client.delivered_text(0), client.closed())
    };
    let whole = run(&[transcript.as_bytes()]);
    assert_eq!(
        super::codes(&whole.0),
        [250, 235, 250, 250, 354, 250, 250, 221]
    );
    assert!(whole.0.starts_with("250-mx.test Hello\r\n"), "{}", whole.0);
    assert!(
        whole
            .1
            .ends_with("\r\nSubject: split\r\n\r\n.dot\r\nend\r\n")
    );
    assert!(whole.2, "QUIT closes");
    let bytes = transcript.as_bytes();
    for split in 1..bytes.len() {
        let (first, second) = bytes.split_at(split);
        assert_eq!(run(&[first, second]), whole, "split at {split}");
    }
}

use super::{Client, PASSWORD, USERNAME, World, b64, codes, plain};

const AUTH_FAILED: &str = "535 5.7.8 Authentication credentials invalid\r\n";

#[test]
fn auth_plain_succeeds_once_and_records_the_use() {
    let mut client = Client::tls();
    assert_eq!(client.auth(), "235 2.7.0 Authentication successful\r\n");
    let id = client.world.credential.as_ref().unwrap().id.clone();
    assert_eq!(client.world.last_used, [id]);
    assert!(client.auth().starts_with("503 5.5.1"));
}

#[test]
fn auth_login_and_plain_without_initial_response_use_challenges() {
    let mut client = Client::tls();
    assert_eq!(client.cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6\r\n");
    assert_eq!(client.cmd(&b64(USERNAME)), "334 UGFzc3dvcmQ6\r\n");
    assert!(client.cmd(&b64(PASSWORD)).starts_with("235"));

    let mut client = Client::tls();
    assert_eq!(client.cmd("AUTH PLAIN"), "334 \r\n");
    assert!(client.cmd(&plain(USERNAME, PASSWORD)).starts_with("235"));

    let mut client = Client::tls();
    assert_eq!(
        client.cmd(&format!("AUTH LOGIN {}", b64(USERNAME))),
        "334 UGFzc3dvcmQ6\r\n"
    );
    assert!(client.cmd(&b64(PASSWORD)).starts_with("235"));
}

#[test]
fn bad_base64_cancel_and_unknown_mechanisms_get_their_replies() {
    let mut client = Client::tls();
    assert!(
        client
            .cmd("AUTH PLAIN !!!notbase64")
            .starts_with("501 5.5.2")
    );
    client.cmd("AUTH LOGIN");
    assert!(client.cmd("*").starts_with("501 5.0.0"));
    assert!(client.cmd("AUTH CRAM-MD5").starts_with("504 5.5.4"));
    assert_eq!(
        client.cmd("NOOP"),
        "250 2.0.0 OK\r\n",
        "the session goes on"
    );
}

#[test]
fn a_wrong_password_and_an_unknown_credential_get_the_same_535() {
    let mut client = Client::tls();
    assert_eq!(
        client.cmd(&format!("AUTH PLAIN {}", plain(USERNAME, "wrong"))),
        AUTH_FAILED
    );
    let mut client = Client::tls_with(
        super::settings(),
        World {
            credential: None,
            ..World::default()
        },
    );
    assert_eq!(client.auth(), AUTH_FAILED);
    assert!(client.world.last_used.is_empty());
}

#[test]
fn a_throttled_address_is_cut_off_before_the_exchange_starts() {
    let mut client = Client::tls_with(
        super::settings(),
        World {
            blocked: true,
            ..World::default()
        },
    );
    assert_eq!(
        client.cmd("AUTH LOGIN"),
        "421 4.7.0 Too many failed authentications, try again later\r\n"
    );
    assert!(client.closed());
}

#[test]
fn an_address_throttled_while_verifying_is_cut_off() {
    let mut client = Client::tls();
    assert_eq!(client.cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6\r\n");
    assert_eq!(client.cmd(&b64(USERNAME)), "334 UGFzc3dvcmQ6\r\n");
    client.world.blocked = true;
    let reply = client.send(format!("{}\r\nNOOP\r\n", b64(PASSWORD)).as_bytes());
    assert_eq!(
        reply,
        "421 4.7.0 Too many failed authentications, try again later\r\n"
    );
    assert!(client.closed());
}

#[test]
fn a_database_outage_during_auth_is_a_temporary_failure() {
    let mut client = Client::tls_with(
        super::settings(),
        World {
            database_down: true,
            ..World::default()
        },
    );
    assert_eq!(
        client.auth(),
        "454 4.7.0 Temporary authentication failure, try again later\r\n"
    );
    client.world.database_down = false;
    assert!(client.auth().starts_with("235"));
}

#[test]
fn commands_pipelined_after_auth_are_answered_once_it_is_verified() {
    let mut client = Client::tls();
    let replies = client.send(
        format!(
            "AUTH PLAIN {}\r\nMAIL FROM:<app@a.example>\r\nRCPT TO:<b@b.example>\r\n",
            plain(USERNAME, PASSWORD)
        )
        .as_bytes(),
    );
    assert_eq!(codes(&replies), [235, 250, 250]);
}

#[test]
fn an_over_long_auth_response_is_refused_like_an_over_long_command() {
    let mut client = Client::tls();
    assert_eq!(client.cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6\r\n");
    assert_eq!(client.cmd(&b64(USERNAME)), "334 UGFzc3dvcmQ6\r\n");
    // 17 kB of valid base64: refused unread, not decoded and checked.
    assert_eq!(
        client.cmd(&b64(&"p".repeat(13_000))),
        "500 5.5.2 Line too long\r\n"
    );
    assert_eq!(client.cmd("NOOP"), "250 2.0.0 OK\r\n");

    assert_eq!(client.cmd("AUTH PLAIN"), "334 \r\n");
    assert_eq!(
        client.cmd(&"Q".repeat(40_000)),
        "500 5.5.2 Line too long\r\n"
    );
    assert_eq!(
        client.cmd("NOOP"),
        "250 2.0.0 OK\r\n",
        "the exchange is over and the rest of the line was discarded"
    );
}

#[test]
fn starttls_forgets_an_earlier_login() {
    let mut with = super::settings();
    with.plaintext_auth = true;
    let mut client = Client::with(with, World::default());
    client.cmd("EHLO local");
    assert!(client.auth().starts_with("235"));
    client.session.tls_started();
    assert!(
        client
            .cmd("MAIL FROM:<app@a.example>")
            .starts_with("530 5.7.0")
    );
}

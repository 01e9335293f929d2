use super::{Client, World, codes, credential, settings};
use crate::service::sandbox::SandboxUsage;
use crate::smtp::reply::Reply;

fn production() -> World {
    let mut login = credential();
    login.sandbox = false;
    World {
        credential: Some(login),
        ..World::default()
    }
}

fn scoped(domains: &[&str]) -> World {
    let mut login = credential();
    login.domains = Some(domains.iter().map(|d| d.to_string()).collect());
    World {
        credential: Some(login),
        ..World::default()
    }
}

#[test]
fn mail_before_auth_gets_530_and_rcpt_and_data_need_mail() {
    let mut client = Client::tls();
    assert!(
        client
            .cmd("MAIL FROM:<a@example.com>")
            .starts_with("530 5.7.0")
    );
    assert_eq!(
        client.cmd("RCPT TO:<b@example.com>"),
        "503 5.5.1 MAIL FROM first\r\n"
    );
    assert_eq!(client.cmd("DATA"), "503 5.5.1 MAIL FROM first\r\n");
}

#[test]
fn a_second_mail_and_data_without_recipients_are_refused() {
    let mut client = Client::authenticated(World::default());
    assert_eq!(
        client.cmd("MAIL FROM:<a@a.example>"),
        "250 2.1.0 Sender OK\r\n"
    );
    assert_eq!(
        client.cmd("MAIL FROM:<a@a.example>"),
        "503 5.5.1 Sender already specified\r\n"
    );
    assert_eq!(client.cmd("DATA"), "503 5.5.1 RCPT TO first\r\n");
    assert_eq!(client.cmd("RSET"), "250 2.0.0 Reset\r\n");
    assert!(client.cmd("MAIL FROM:<a@a.example>").starts_with("250"));
}

#[test]
fn a_scoped_credential_may_only_send_from_its_domains() {
    let mut client = Client::authenticated(scoped(&["mail.example.com"]));
    assert!(
        client
            .cmd("MAIL FROM:<ceo@other.example>")
            .starts_with("550 5.7.1")
    );
    assert!(
        client
            .cmd("MAIL FROM:<app@Mail.Example.com>")
            .starts_with("250")
    );
}

#[test]
fn production_mail_without_a_smarthost_gets_451() {
    let mut without = settings();
    without.relay = false;
    let mut client = Client::tls_with(without, production());
    client.auth();
    assert!(
        client
            .cmd("MAIL FROM:<a@example.com>")
            .starts_with("451 4.3.5")
    );
}

#[test]
fn sandbox_mail_at_the_instance_ceiling_gets_452_at_mail() {
    let full: &'static SandboxUsage = Box::leak(Box::new(SandboxUsage::new(Some(0))));
    let mut at_ceiling = settings();
    at_ceiling.sandbox = full;
    let mut client = Client::tls_with(at_ceiling.clone(), World::default());
    client.auth();
    assert!(
        client
            .cmd("MAIL FROM:<a@example.com>")
            .starts_with("452 4.3.1")
    );
    // Production mail is not held back by the sandbox's ceiling.
    let mut production_client = Client::tls_with(at_ceiling, production());
    production_client.auth();
    assert!(
        production_client
            .cmd("MAIL FROM:<a@example.com>")
            .starts_with("250")
    );
}

#[test]
fn a_credential_revoked_mid_session_cannot_start_another_message() {
    let mut client = Client::authenticated(World::default());
    client.world.credential = None;
    assert!(
        client
            .cmd("MAIL FROM:<a@example.com>")
            .starts_with("535 5.7.8")
    );
    assert!(
        client
            .cmd("MAIL FROM:<a@example.com>")
            .starts_with("530 5.7.0"),
        "signed out"
    );
}

#[test]
fn a_database_outage_at_mail_is_a_temporary_failure() {
    let mut client = Client::authenticated(World::default());
    client.world.database_down = true;
    assert_eq!(
        client.cmd("MAIL FROM:<a@example.com>"),
        "451 4.3.0 Temporary failure, try again later\r\n"
    );
    client.world.database_down = false;
    assert!(client.cmd("MAIL FROM:<a@example.com>").starts_with("250"));
}

#[test]
fn a_hundred_recipients_are_taken_and_the_next_gets_452() {
    let mut client = Client::authenticated(World::default());
    client.cmd("MAIL FROM:<a@a.example>");
    for i in 0..100 {
        assert!(
            client
                .cmd(&format!("RCPT TO:<r{i}@b.example>"))
                .starts_with("250")
        );
    }
    assert_eq!(
        client.cmd("RCPT TO:<r100@b.example>"),
        "452 4.5.3 Too many recipients\r\n"
    );
}

#[test]
fn a_recipient_the_smarthost_refuses_is_refused_at_rcpt_with_its_reply() {
    let mut world = production();
    let refusal = Reply::new(550, "5.1.1", "<nobody@example.net>: no such user");
    world.refused.push(("nobody@example.net", refusal));
    let mut client = Client::authenticated(world);
    client.cmd("MAIL FROM:<app@a.example>");
    assert!(
        client
            .cmd("RCPT TO:<customer@example.net>")
            .starts_with("250")
    );
    assert_eq!(
        client.cmd("RCPT TO:<nobody@example.net>"),
        "550 5.1.1 <nobody@example.net>: no such user\r\n"
    );
    assert_eq!(client.world.relay_opened, 1, "one smarthost transaction");
    assert!(client.cmd("DATA").starts_with("354"));
    assert!(
        client
            .send(b"Subject: hi\r\n\r\nHi\r\n.\r\n")
            .starts_with("250")
    );
    assert_eq!(client.world.delivered[0].to, ["customer@example.net"]);
}

#[test]
fn an_unreachable_smarthost_is_a_temporary_failure_at_rcpt() {
    let mut world = production();
    world.smarthost_down = true;
    let mut client = Client::authenticated(world);
    client.cmd("MAIL FROM:<app@a.example>");
    assert!(
        client
            .cmd("RCPT TO:<customer@example.net>")
            .starts_with("451 4.4.1")
    );
    assert!(client.cmd("DATA").starts_with("503 5.5.1"));
}

#[test]
fn a_smarthost_lost_after_rcpt_gets_451_at_data() {
    let mut client = Client::authenticated(production());
    client.cmd("MAIL FROM:<app@a.example>");
    assert!(client.cmd("RCPT TO:<a@example.net>").starts_with("250"));
    client.world.smarthost_down = true;
    assert!(
        client
            .cmd("RCPT TO:<b@example.net>")
            .starts_with("451 4.4.1")
    );
    assert!(client.cmd("DATA").starts_with("451 4.4.1"));
}

#[test]
fn rset_and_ehlo_abandon_the_smarthost_transaction() {
    let mut client = Client::authenticated(production());
    client.cmd("MAIL FROM:<app@a.example>");
    client.cmd("RCPT TO:<first@example.net>");
    assert_eq!(client.cmd("RSET"), "250 2.0.0 Reset\r\n");
    assert_eq!(client.world.relay_abandoned, 1);
    client.cmd("MAIL FROM:<app@a.example>");
    client.cmd("RCPT TO:<second@example.net>");
    assert!(client.cmd("EHLO again.example").starts_with("250"));
    assert_eq!(client.world.relay_abandoned, 2);
    assert_eq!(client.cmd("RSET"), "250 2.0.0 Reset\r\n");
    assert_eq!(client.world.relay_abandoned, 2, "nothing left to abandon");
}

#[test]
fn sandbox_mail_never_asks_the_smarthost() {
    let mut client = Client::authenticated(World::default());
    let reply = client.send_message("app@a.example", "b@b.example", "Subject: x\r\n\r\nx\r\n");
    assert!(reply.starts_with("250"), "{reply}");
    assert_eq!(client.world.relay_opened, 0);
    assert_eq!(client.world.relay_abandoned, 0);
}

#[test]
fn pipelined_commands_get_their_replies_in_order() {
    let mut client = Client::authenticated(World::default());
    let replies = client.send(
        b"MAIL FROM:<app@example.com>\r\nRCPT TO:<a@example.net>\r\n\
          RCPT TO:<b@example.net>\r\nDATA\r\n",
    );
    assert_eq!(codes(&replies), [250, 250, 250, 354]);
    let replies = client.send(b"Subject: Pipelined\r\n\r\nHello\r\n..leading dot\r\n.\r\nQUIT\r\n");
    assert_eq!(codes(&replies), [250, 221]);
    assert!(client.closed());
    let text = client.delivered_text(0);
    assert!(text.ends_with("\r\nHello\r\n.leading dot\r\n"), "{text}");
}

//! What the sandbox keeps of a message: line endings, headers, text columns.

use postern::service::credentials::Scope;
use postern::service::sandbox;

use super::{authenticated, domain_scope, has_bare_line_ending, send_message, stored};
use crate::helpers::spawn_app;

#[tokio::test]
async fn sandbox_mail_with_bare_line_endings_is_stored_with_crlf() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "bare_box", true, Scope::Global).await;
    let message = "From: app@a.example\nSubject: bare\r\n\r\none\n.\r\ntwo\rthree\r\n";
    let reply = send_message(
        &mut client,
        "app@a.example",
        "customer@example.net",
        message,
    )
    .await;
    assert_eq!(reply.code, 250, "{}", reply.text);

    let raw = stored(&app, &workspace).await.remove(0).raw;
    assert!(
        !has_bare_line_ending(&raw),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    assert!(
        String::from_utf8_lossy(&raw)
            .ends_with("From: app@a.example\r\nSubject: bare\r\n\r\none\r\n.\r\ntwo\r\nthree\r\n")
    );
}

#[tokio::test]
async fn a_subject_that_decodes_to_control_characters_is_stored_on_every_backend() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "nul_box", true, Scope::Global).await;
    // "=?utf-8?b?AA==?=" is a NUL byte; "=?utf-8?b?YQdi?=" is "a", BEL, "b".
    let message = "From: app@a.example\r\nSubject: =?utf-8?b?AA==?= =?utf-8?b?YQdi?=\r\n\r\nHi\r\n";
    let reply = send_message(
        &mut client,
        "app@a.example",
        "customer@example.net",
        message,
    )
    .await;
    assert_eq!(reply.code, 250, "{}", reply.text);

    let messages = stored(&app, &workspace).await;
    assert_eq!(messages.len(), 1);
    assert!(
        !messages[0].subject.chars().any(char::is_control),
        "{:?}",
        messages[0].subject
    );
    assert!(
        messages[0].subject.contains("a\u{fffd}b"),
        "{:?}",
        messages[0].subject
    );
    app.get(&format!("/w/{}/sandbox", workspace.slug))
        .await
        .assert_contains("customer@example.net");
}

#[tokio::test]
async fn a_scoped_sandbox_credential_is_refused_a_from_header_outside_its_domains() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let scope = domain_scope(&app, &workspace, "a.example").await;
    let mut client = authenticated(&app, &workspace, "scoped_box", true, scope).await;
    for forged in [
        "From: ceo@victim.example\r\nSubject: forged\r\n\r\nHi\r\n",
        "From: app@a.example, ceo@victim.example\r\nSubject: two\r\n\r\nHi\r\n",
        "Subject: no from\r\n\r\nHi\r\n",
    ] {
        let reply =
            send_message(&mut client, "app@a.example", "customer@example.net", forged).await;
        assert!(
            reply.text.starts_with("550 5.7.1"),
            "{forged}: {}",
            reply.text
        );
    }
    assert_eq!(app.count_rows("sandbox_messages").await, 0);

    let own = "From: App <app@A.example>\r\nSubject: own\r\n\r\nHi\r\n";
    let reply = send_message(&mut client, "app@a.example", "customer@example.net", own).await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    assert_eq!(app.count_rows("sandbox_messages").await, 1);
}

#[tokio::test]
async fn a_dot_line_ended_by_cr_cr_lf_does_not_split_sandbox_mail_in_two() {
    for (n, near_terminator) in [".\r\r\n", ".\r\r\r\n"].into_iter().enumerate() {
        let app = spawn_app().await;
        let (_, workspace) = app.signed_in_owner().await;
        let mut client = authenticated(
            &app,
            &workspace,
            &format!("near_box{n}"),
            true,
            Scope::Global,
        )
        .await;
        client
            .start_data("app@a.example", "customer@example.net")
            .await;
        client
            .send(&format!(
                "From: app@a.example\r\n\r\nhello\r\n{near_terminator}\
                 MAIL FROM:<ceo@victim.example>\r\nRCPT TO:<y@d.test>\r\nDATA\r\n\
                 From: ceo@victim.example\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n"
            ))
            .await;
        let reply = client.read().await;
        assert_eq!(reply.code, 250, "{}", reply.text);
        assert_eq!(
            client.cmd("NOOP").await.text,
            "250 2.0.0 OK\r\n",
            "one reply to the whole message"
        );

        let messages = stored(&app, &workspace).await;
        assert_eq!(messages.len(), 1, "{near_terminator:?}");
        assert_eq!(messages[0].mail_from, "app@a.example");
        let raw = String::from_utf8_lossy(&messages[0].raw);
        assert!(
            raw.contains("\r\nMAIL FROM:<ceo@victim.example>\r\n") && raw.ends_with("evil\r\n"),
            "{raw}"
        );
    }
}

/// Messages whose header section a parser may read otherwise than the
/// `From:` check does.
const MALFORMED_HEADERS: [&str; 4] = [
    "From: <b@evil.example\0>a@a.example\r\nSubject: nul\r\n\r\nHi\r\n",
    "From: b@evil.example\0a@a.example\r\nSubject: nul\r\n\r\nHi\r\n",
    "From: b@evil.example\0 <a@a.example>\r\nSubject: nul\r\n\r\nHi\r\n",
    " From: b@evil.example\r\nFrom: a@a.example\r\nSubject: folded\r\n\r\nHi\r\n",
];

#[tokio::test]
async fn a_header_section_with_nul_or_a_leading_continuation_is_refused_in_the_sandbox() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let scope = domain_scope(&app, &workspace, "a.example").await;
    let mut scoped = authenticated(&app, &workspace, "scoped_nul", true, scope).await;
    let mut global = authenticated(&app, &workspace, "global_nul", true, Scope::Global).await;
    for client in [&mut scoped, &mut global] {
        for message in MALFORMED_HEADERS {
            let reply = send_message(client, "a@a.example", "customer@example.net", message).await;
            assert!(
                reply.text.starts_with("550 5.6.0 "),
                "{message:?}: {}",
                reply.text
            );
        }
    }
    assert_eq!(app.count_rows("sandbox_messages").await, 0);

    let own = "From: a@a.example\r\nSubject: own\r\n\tfolded\r\n\r\nHi\0\r\n";
    let reply = send_message(&mut scoped, "a@a.example", "customer@example.net", own).await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    assert_eq!(app.count_rows("sandbox_messages").await, 1);

    // A message with no header section at all is all body: a global
    // credential may send it; a scoped one is refused for want of a From:.
    let bare = "hello\r\nFrom: b@evil.example\r\n";
    let reply = send_message(&mut global, "a@a.example", "customer@example.net", bare).await;
    assert_eq!(reply.code, 250, "{}", reply.text);
    let reply = send_message(&mut scoped, "a@a.example", "customer@example.net", bare).await;
    assert!(reply.text.starts_with("550 5.7.1 "), "{}", reply.text);
    assert_eq!(app.count_rows("sandbox_messages").await, 2);
}

#[tokio::test]
async fn a_from_header_that_runs_two_addresses_together_is_refused_for_a_scoped_credential() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let scope = domain_scope(&app, &workspace, "a.example").await;
    let mut client = authenticated(&app, &workspace, "scoped_glued", true, scope).await;
    for from in [
        "<b@evil.example>a@a.example",
        "b@evil.example a@a.example",
        "b@evil.example\r\n <a@a.example>",
    ] {
        let message = format!("From: {from}\r\nSubject: glued\r\n\r\nHi\r\n");
        let reply =
            send_message(&mut client, "a@a.example", "customer@example.net", &message).await;
        assert!(
            reply.text.starts_with("550 5.7.1 "),
            "{from:?}: {}",
            reply.text
        );
    }
    assert_eq!(app.count_rows("sandbox_messages").await, 0);
}

#[tokio::test]
async fn storing_for_a_credential_deleted_meanwhile_keeps_nothing_and_says_so() {
    use postern::auth::smtp_login::AuthenticatedCredential;
    use postern::domain::CredentialId;

    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    // What a session still holds after the credential's row is gone.
    let login = AuthenticatedCredential {
        id: CredentialId::generate(),
        workspace_id: workspace.id.clone(),
        username: "gone".into(),
        sandbox: true,
        domains: None,
        secret_id: postern::domain::SecretId::generate(),
        policies: Default::default(),
    };
    let stored = sandbox::store(
        &app.db,
        &sandbox::SandboxUsage::new(None),
        &login,
        "app@a.example",
        &["customer@example.net".to_owned()],
        b"Subject: late\r\n\r\nHi\r\n".to_vec(),
    )
    .await
    .expect("not a database failure");
    assert!(
        matches!(stored, sandbox::Stored::CredentialGone),
        "{stored:?}"
    );
    assert_eq!(app.count_rows("sandbox_messages").await, 0);
}

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use postern::service::credentials::Scope;

use super::{credential, sink};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

pub fn mailer(app: &TestApp, user: &str, password: &str) -> AsyncSmtpTransport<Tokio1Executor> {
    let tls = TlsParameters::builder("localhost".into())
        .dangerous_accept_invalid_certs(true)
        .build_rustls()
        .unwrap();
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(app.smtp_port)
        .tls(Tls::Required(tls))
        .credentials(Credentials::new(user.into(), password.into()))
        .build()
}

pub fn message(subject: &str) -> Message {
    Message::builder()
        .from("App <app@example.com>".parse::<Mailbox>().unwrap())
        .to("Customer <customer@example.net>"
            .parse::<Mailbox>()
            .unwrap())
        .subject(subject)
        .body(format!("Hello from the {subject} test.\n"))
        .unwrap()
}

#[tokio::test]
async fn sandbox_mail_sent_with_lettre_appears_on_the_sandbox_page() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "sandbox_app", true, Scope::Global).await;
    let response = mailer(&app, "sandbox_app", &password)
        .send(message("Welcome aboard"))
        .await
        .unwrap();
    assert_eq!(response.code().to_string(), "250");

    let list = app.get("/w/acme-mail/sandbox").await;
    list.assert_contains("Welcome aboard");
    list.assert_contains("customer@example.net");
    list.assert_contains("sandbox_app");
    let id = list.attrs("tr[data-message]", "data-message")[0].clone();
    let page = app.get(&format!("/w/acme-mail/sandbox/{id}")).await;
    assert_eq!(
        page.text_of("#message-subject").as_deref(),
        Some("Welcome aboard")
    );
    page.assert_contains("Hello from the Welcome aboard test.");
    page.assert_contains("<dt>Received</dt>");
    // The raw source is not in the page; it has its own URL.
    app.get(&format!("/w/acme-mail/sandbox/{id}/raw"))
        .await
        .assert_contains("Received: from");

    let credentials = app.get("/w/acme-mail/settings/smtp-credentials").await;
    let last_used = credentials.text_of("tr[data-username=sandbox_app] td[data-label='Last used']");
    assert_eq!(
        last_used.as_deref(),
        Some("just now"),
        "last used is recorded"
    );
}

#[tokio::test]
async fn another_workspace_cannot_read_a_sandbox_message() {
    let app = spawn_app().await;
    let (owner, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "private_box", true, Scope::Global).await;
    mailer(&app, "private_box", &password)
        .send(message("Private"))
        .await
        .unwrap();
    let id = app
        .get("/w/acme-mail/sandbox")
        .await
        .attrs("tr[data-message]", "data-message")[0]
        .clone();
    let other = app.create_workspace(&owner, "Other").await;
    assert_eq!(
        app.get(&format!("/w/{}/sandbox/{id}", other.slug))
            .await
            .status,
        404
    );
    let other_box = app.get(&format!("/w/{}/sandbox", other.slug)).await;
    assert!(
        !other_box.body.contains("Private"),
        "another workspace's sandbox is empty"
    );
}

#[tokio::test]
async fn production_mail_reaches_the_smarthost_before_250() {
    let sink = sink::start("250 2.0.0 queued").await;
    let url = sink.url.clone();
    let app = spawn_app_with(move |c| c.smarthost = Some(url.into())).await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "prod_app", false, Scope::Global).await;
    let response = mailer(&app, "prod_app", &password)
        .send(message("Invoice 42"))
        .await
        .unwrap();
    assert_eq!(response.code().to_string(), "250");
    let received = sink.transactions();
    assert_eq!(
        received.len(),
        1,
        "accepted by the smarthost before the client heard 250"
    );
    assert!(received[0].text().contains("Subject: Invoice 42"));
    assert_eq!(
        app.count_rows("sandbox_messages").await,
        0,
        "production mail is not captured"
    );
}

#[tokio::test]
async fn a_smarthost_refusal_is_passed_back_to_the_client() {
    let sink = sink::start("550 5.7.1 rejected by policy").await;
    let url = sink.url.clone();
    let app = spawn_app_with(move |c| c.smarthost = Some(url.into())).await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "refused_app", false, Scope::Global).await;
    let error = mailer(&app, "refused_app", &password)
        .send(message("Refused"))
        .await
        .unwrap_err();
    assert!(error.is_permanent(), "{error}");
    assert_eq!(
        error.status().map(|c| c.to_string()).as_deref(),
        Some("550")
    );
}

#[tokio::test]
async fn a_smarthost_outage_gets_a_temporary_failure() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let app = spawn_app_with(move |c| c.smarthost = Some(url.into())).await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "outage_app", false, Scope::Global).await;
    let error = mailer(&app, "outage_app", &password)
        .send(message("Later"))
        .await
        .unwrap_err();
    assert!(error.is_transient(), "{error}");
    assert_eq!(
        error.status().map(|c| c.to_string()).as_deref(),
        Some("451")
    );
}

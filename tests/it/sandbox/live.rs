//! The Sandbox list's live updates (`/w/{slug}/sandbox/events`): a stream
//! of server-sent events with the rows of mail as it is captured, bounded
//! per session.

use std::time::Duration;

use postern::service::credentials::Scope;
use postern::startup::MAX_STREAMS_PER_SESSION;
use postern::web::pages::sandbox::live::HEARTBEAT;

use crate::helpers::{TestApp, another_instance, spawn_app};
use crate::smtp::{authenticated, send_message};

const EVENTS: &str = "/w/acme-mail/sandbox/events";

async fn open(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("Accept", "text/event-stream")
        .send()
        .await
        .unwrap()
}

/// Reads the stream until `needle` shows up (within 10 s); returns all read.
async fn read_until(response: &mut reqwest::Response, needle: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} in the stream; read: {seen}"))
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

fn mail(subject: &str) -> String {
    format!("From: app@example.com\r\nTo: user@example.net\r\nSubject: {subject}\r\n\r\nHello\r\n")
}

#[tokio::test]
async fn the_stream_sends_rows_of_new_mail_only() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "live_app", true, Scope::Global).await;
    send_message(
        &mut client,
        "app@example.com",
        "user@example.net",
        &mail("Before"),
    )
    .await;

    let mut stream = open(&app, EVENTS).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    assert_eq!(stream.headers()["cache-control"], "no-store");
    read_until(&mut stream, "retry: 3000").await;

    send_message(
        &mut client,
        "app@example.com",
        "user@example.net",
        &mail("Live one"),
    )
    .await;
    let event = read_until(&mut stream, "Live one").await;
    assert!(event.contains("event: arrived\n"), "{event}");
    assert!(event.contains("id: "), "{event}");
    assert!(event.contains("data: "), "{event}");
    assert!(!event.contains("Before"), "only mail newer than the page");
    assert!(event.contains("<tr data-message="), "{event}");
}

#[tokio::test]
async fn a_stream_resumes_after_its_last_event_id_and_sees_mail_of_another_instance() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let second = another_instance(&app, |_| {}).await;
    // Signed in on the second instance; the mail comes to the first.
    let browser = second.new_visitor();
    browser
        .login("owner@example.com", crate::helpers::PASSWORD)
        .await;
    let mut stream = open(&browser, EVENTS).await;
    read_until(&mut stream, "retry:").await;
    let mut client = authenticated(&app, &workspace, "other_app", true, Scope::Global).await;
    send_message(
        &mut client,
        "app@example.com",
        "user@example.net",
        &mail("First"),
    )
    .await;
    let event = read_until(&mut stream, "First").await;
    let id = event
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .expect("the event has an id")
        .to_owned();
    drop(stream);

    send_message(
        &mut client,
        "app@example.com",
        "user@example.net",
        &mail("Second"),
    )
    .await;
    let mut resumed = browser
        .client
        .get(browser.url(EVENTS))
        .header("Accept", "text/event-stream")
        .header("Last-Event-ID", id)
        .send()
        .await
        .unwrap();
    let event = read_until(&mut resumed, "Second").await;
    assert!(!event.contains("First"), "{event}");
}

#[tokio::test]
async fn only_an_event_stream_request_gets_a_stream_and_a_session_has_a_few_at_most() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let plain = app.get(EVENTS).await;
    assert_eq!(plain.status, 406);
    let head = app.client.head(app.url(EVENTS)).send().await.unwrap();
    assert_eq!(head.status(), 406, "as GET answers it");
    let head = app
        .client
        .head(app.url(EVENTS))
        .header("Accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-type"], "text/event-stream");

    let mut open_streams = Vec::new();
    for _ in 0..MAX_STREAMS_PER_SESSION {
        let mut stream = open(&app, EVENTS).await;
        assert_eq!(stream.status(), 200);
        read_until(&mut stream, "retry:").await;
        open_streams.push(stream);
    }
    let refused = open(&app, EVENTS).await;
    assert_eq!(refused.status(), 429);
    // Another session of the same user has its own.
    let other = app.new_visitor();
    other
        .login("owner@example.com", crate::helpers::PASSWORD)
        .await;
    assert_eq!(open(&other, EVENTS).await.status(), 200);

    // A closed tab gives its slot back: the second heartbeat written to
    // its closed connection fails.
    drop(open_streams.pop());
    let deadline = tokio::time::Instant::now() + HEARTBEAT * 3;
    loop {
        let again = open(&app, EVENTS).await;
        if again.status() == 200 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let signed_out = app.new_visitor();
    let response = open(&signed_out, EVENTS).await;
    assert_eq!(response.status(), 303, "signed out: to the sign-in page");
}

//! `GET …/sandbox/messages/wait`: answers as soon as matching mail is
//! captured (over SMTP, on this instance or another sharing the
//! database), 204 at the timeout, 429 past the cap of open waits.

use std::time::{Duration, Instant};

use postern::service::credentials::Scope;
use postern::startup::MAX_WAITS_PER_WORKSPACE;

use super::helpers::Api;
use super::sandbox::{READ, api_with, messages};
use crate::helpers::another_instance;
use crate::smtp::{authenticated, send_message};

fn mail(to: &str, subject: &str) -> String {
    format!(
        "From: app@example.com\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n\
         Reset it here: https://app.example/reset?token=abc\r\n"
    )
}

fn wait_url(api: &Api, query: &str) -> String {
    format!("{}/wait?{query}", messages(api))
}

#[tokio::test]
async fn a_wait_answers_with_the_matching_message_sent_over_smtp_during_it() {
    let (app, workspace, api) = api_with(READ).await;
    let mut client = authenticated(&app, &workspace, "waiting_app", true, Scope::Global).await;
    let waiting = {
        let api = api.clone();
        let url = wait_url(
            &api,
            "to=alice@example.net&subject_contains=reset&timeout=30",
        );
        tokio::spawn(async move {
            let started = Instant::now();
            (api.get(&url).await, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(600)).await;
    // Neither of these matches: another recipient, another subject.
    for (to, subject) in [
        ("bob@example.net", "Reset your password"),
        ("alice@example.net", "Welcome"),
    ] {
        let reply = send_message(&mut client, "app@example.com", to, &mail(to, subject)).await;
        assert_eq!(reply.code, 250);
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(!waiting.is_finished(), "nothing matching arrived yet");
    let sent = Instant::now();
    let to = "alice@example.net";
    let reply = send_message(
        &mut client,
        "app@example.com",
        to,
        &mail(to, "Reset your password"),
    )
    .await;
    assert_eq!(reply.code, 250);

    let (answer, waited) = waiting.await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["subject"], "Reset your password");
    assert_eq!(answer.body["to"][0]["address"], "alice@example.net");
    assert_eq!(
        answer.body["links"],
        serde_json::json!(["https://app.example/reset?token=abc"])
    );
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "answered {:?} after the mail came",
        sent.elapsed()
    );
    assert!(waited < Duration::from_secs(10));
}

#[tokio::test]
async fn a_message_that_came_after_since_but_before_the_call_is_answered_at_once() {
    let (app, workspace, api) = api_with(READ).await;
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut client = authenticated(&app, &workspace, "early_app", true, Scope::Global).await;
    let to = "carol@example.net";
    send_message(&mut client, "app@example.com", to, &mail(to, "Verify")).await;

    let started = Instant::now();
    let found = api
        .get(&wait_url(
            &api,
            &format!("to={to}&since={}&timeout=20", urlencode(&since)),
        ))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["subject"], "Verify");
    assert!(started.elapsed() < Duration::from_secs(2));

    // Without `since`, only mail after the call counts.
    let later = api
        .get(&wait_url(&api, &format!("to={to}&timeout=1")))
        .await;
    assert_eq!(later.status, 204);
}

fn urlencode(text: &str) -> String {
    text.replace(':', "%3A").replace('+', "%2B")
}

#[tokio::test]
async fn a_wait_with_nothing_matching_ends_empty_at_its_timeout() {
    let (_, _, api) = api_with(READ).await;
    let started = Instant::now();
    let empty = api
        .get(&wait_url(&api, "to=nobody@example.net&timeout=1"))
        .await;
    assert_eq!(empty.status, 204);
    let waited = started.elapsed();
    assert!(
        (Duration::from_millis(900)..Duration::from_secs(4)).contains(&waited),
        "{waited:?}"
    );
    let at_once = api.get(&wait_url(&api, "timeout=0")).await;
    assert_eq!(at_once.status, 204);

    for bad in [
        "timeout=61",
        "timeout=-1",
        "timeout=soon",
        "since=yesterday",
        "since=",
    ] {
        let response = api.get(&wait_url(&api, bad)).await;
        assert_eq!(response.status, 400, "{bad}: {}", response.body);
    }
}

#[tokio::test]
async fn a_wait_on_one_instance_sees_mail_captured_by_another_sharing_the_database() {
    let (app, workspace, api) = api_with(READ).await;
    let second = another_instance(&app, |_| {}).await;
    let on_second = api.on(&second);
    let waiting = tokio::spawn({
        let url = wait_url(&on_second, "to=dave@example.net&timeout=30");
        async move { on_second.get(&url).await }
    });
    tokio::time::sleep(Duration::from_millis(600)).await;
    let mut client = authenticated(&app, &workspace, "first_app", true, Scope::Global).await;
    let to = "dave@example.net";
    let sent = Instant::now();
    send_message(
        &mut client,
        "app@example.com",
        to,
        &mail(to, "From the first"),
    )
    .await;
    let answer = waiting.await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["subject"], "From the first");
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "{:?}",
        sent.elapsed()
    );
}

#[tokio::test]
async fn twenty_waits_at_once_are_all_answered_by_the_one_message_they_wait_for() {
    let (app, workspace, api) = api_with(READ).await;
    let mut waits = Vec::new();
    for _ in 0..20 {
        let api = api.clone();
        let url = wait_url(&api, "subject_contains=broadcast&timeout=30");
        waits.push(tokio::spawn(async move { api.get(&url).await }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut client = authenticated(&app, &workspace, "many_app", true, Scope::Global).await;
    let to = "all@example.net";
    send_message(&mut client, "app@example.com", to, &mail(to, "A broadcast")).await;
    for wait in waits {
        let answer = wait.await.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["subject"], "A broadcast");
    }
}

#[tokio::test]
async fn waits_past_the_cap_are_refused_with_429_and_a_slot_frees_when_one_ends() {
    let (_, _, api) = api_with(READ).await;
    let mut open = Vec::new();
    for _ in 0..MAX_WAITS_PER_WORKSPACE {
        let api = api.clone();
        let url = wait_url(&api, "to=nobody@example.net&timeout=4");
        open.push(tokio::spawn(async move { api.get(&url).await }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let refused = api.get(&wait_url(&api, "timeout=1")).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("sandbox waits open"),
        "{}",
        refused.body
    );
    for wait in open {
        assert_eq!(wait.await.unwrap().status, 204);
    }
    assert_eq!(api.get(&wait_url(&api, "timeout=0")).await.status, 204);
}

/// Measures how long after the SMTP `250` a waiting client has its
/// answer, over 20 messages (p50 and max), for the README:
/// `cargo test --test it -- --ignored --nocapture wait_latency`.
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn wait_latency() {
    let (app, workspace, api) = api_with(READ).await;
    let mut client = authenticated(&app, &workspace, "latency_app", true, Scope::Global).await;
    let mut latencies = Vec::new();
    for i in 0..20 {
        let subject = format!("Latency {i}");
        let url = wait_url(
            &api,
            &format!(
                "subject_contains={}&timeout=30",
                subject.replace(' ', "%20")
            ),
        );
        let waiting = tokio::spawn({
            let api = api.clone();
            async move {
                let answer = api.get(&url).await;
                (answer.status, Instant::now())
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let to = "latency@example.net";
        let reply = send_message(&mut client, "app@example.com", to, &mail(to, &subject)).await;
        let accepted = Instant::now();
        assert_eq!(reply.code, 250);
        let (status, answered) = waiting.await.unwrap();
        assert_eq!(status, 200);
        latencies.push(answered.saturating_duration_since(accepted));
    }
    latencies.sort();
    eprintln!(
        "wait latency after 250: p50 {:?}, max {:?} (20 messages)",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
}

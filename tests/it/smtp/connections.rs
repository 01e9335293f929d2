//! Limits on what one client can hold: connections per address, failed
//! AUTHs under concurrency, the TLS handshake and the session's lifetime.

use std::sync::Arc;
use std::time::Duration;

use postern::service::credentials::Scope;
use tokio::sync::Barrier;

use super::client::Client;
use super::credential;
use crate::helpers::spawn_app_with;

/// Far beyond any deadline under test, far below the 300 s idle timeout.
const PATIENCE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn thirty_parallel_wrong_auths_from_one_address_verify_at_most_ten() {
    let app = spawn_app_with(|c| c.smtp_max_connections_per_address = 40).await;
    let (_, workspace) = app.signed_in_owner().await;
    credential(&app, &workspace, "target_user", true, Scope::Global).await;
    let mut clients = Vec::new();
    for _ in 0..30 {
        clients.push(Client::connect_tls(&app).await);
    }
    let start = Arc::new(Barrier::new(clients.len()));
    let attempts: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                client.auth_plain("target_user", "wrong").await.text
            })
        })
        .collect();
    let mut replies = Vec::new();
    for attempt in attempts {
        replies.push(attempt.await.unwrap());
    }
    let refused = replies
        .iter()
        .filter(|r| *r == "535 5.7.8 Authentication credentials invalid\r\n")
        .count();
    let throttled = replies
        .iter()
        .filter(|r| r.starts_with("421 4.7.0"))
        .count();
    assert!(
        (1..=10).contains(&refused),
        "{refused} verified: {replies:?}"
    );
    assert_eq!(refused + throttled, 30, "{replies:?}");
}

#[tokio::test]
async fn sixteen_parallel_first_logins_from_one_address_all_succeed() {
    // An application server opening its connection pool: every login is a
    // first one (argon2), more than the failure limit at once. Attempts in
    // progress make the others wait, not fail: all get 235.
    let app = spawn_app_with(|c| c.smtp_max_connections_per_address = 40).await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut logins = Vec::new();
    for i in 0..16 {
        let username = format!("pool_user_{i}");
        let password = credential(&app, &workspace, &username, true, Scope::Global).await;
        logins.push((username, password, Client::connect_tls(&app).await));
    }
    let start = Arc::new(Barrier::new(logins.len()));
    let attempts: Vec<_> = logins
        .into_iter()
        .map(|(username, password, mut client)| {
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                client.auth_plain(&username, &password).await.text
            })
        })
        .collect();
    for attempt in attempts {
        let reply = attempt.await.unwrap();
        assert!(reply.starts_with("235 2.7.0"), "{reply}");
    }
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_connections() {
    let app = spawn_app_with(|c| c.smtp_max_connections_per_address = 2).await;
    let (mut first, greeting) = Client::connect(&app).await;
    assert_eq!(greeting.code, 220);
    let (_second, greeting) = Client::connect(&app).await;
    assert_eq!(greeting.code, 220);
    let (mut third, refused) = Client::connect(&app).await;
    assert_eq!(
        refused.text,
        "421 4.7.0 Too many connections from your address, try again later\r\n"
    );
    assert_eq!(third.read().await.code, 0, "the connection is closed");

    let (mut elsewhere, greeting) = Client::connect_from(&app, [127, 0, 0, 2].into()).await;
    assert_eq!(greeting.code, 220, "another address is not affected");
    assert_eq!(elsewhere.cmd("NOOP").await.code, 250);
    assert_eq!(first.cmd("NOOP").await.code, 250);
}

#[tokio::test]
async fn a_stalled_tls_handshake_is_dropped_at_its_deadline() {
    let app = spawn_app_with(|c| c.smtp_tls_handshake_timeout = Duration::from_millis(500)).await;
    let (mut client, _) = Client::connect(&app).await;
    client.cmd("EHLO stalled.example").await;
    assert_eq!(client.cmd("STARTTLS").await.code, 220);
    // No ClientHello follows.
    let closed = tokio::time::timeout(PATIENCE, client.read())
        .await
        .expect("closed at the handshake deadline, not the idle timeout");
    assert_eq!(closed.code, 0);
}

#[tokio::test]
async fn a_busy_session_is_ended_at_a_command_boundary_when_its_lifetime_is_over() {
    let app = spawn_app_with(|c| c.smtp_max_session = Duration::from_secs(1)).await;
    let (mut client, _) = Client::connect(&app).await;
    let ended = tokio::time::timeout(PATIENCE, async {
        loop {
            let reply = client.cmd("NOOP").await;
            if reply.code != 250 {
                return reply;
            }
        }
    })
    .await
    .expect("the session ends");
    assert_eq!(
        ended.text,
        "421 4.4.2 Session time limit reached, closing connection\r\n"
    );
    assert_eq!(client.read().await.code, 0, "the connection is closed");
}

#[tokio::test]
async fn a_quiet_session_is_told_when_its_lifetime_is_over() {
    let app = spawn_app_with(|c| c.smtp_max_session = Duration::from_secs(1)).await;
    let (mut client, _) = Client::connect(&app).await;
    let ended = tokio::time::timeout(PATIENCE, client.read())
        .await
        .expect("told before the idle timeout");
    assert_eq!(
        ended.text,
        "421 4.4.2 Session time limit reached, closing connection\r\n"
    );
    assert_eq!(client.read().await.code, 0, "the connection is closed");
}

//! The PROXY protocol on the SMTP listener: from `POSTERN_TRUSTED_PROXIES`
//! the header is required and its source is the client's address; from
//! anyone else it is just an unknown command.

use std::net::SocketAddr;
use std::time::Duration;

use postern::service::credentials::Scope;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::client::{Client, Reply};
use super::credential;
use crate::helpers::{TestApp, spawn_app_with};

async fn behind_proxy() -> TestApp {
    spawn_app_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        config.smtp_tls_handshake_timeout = Duration::from_secs(1);
    })
    .await
}

/// Connects as the proxy would: `header`, then SMTP.
async fn through_proxy(app: &TestApp, header: &[u8]) -> (Client, Reply) {
    let mut stream = TcpStream::connect(("127.0.0.1", app.smtp_port))
        .await
        .unwrap();
    stream.write_all(header).await.unwrap();
    Client::over(app, stream).await
}

/// The address a credential's last AUTH was recorded from (written off
/// the reply path, so waited for).
pub async fn last_used_ip(app: &TestApp, username: &'static str) -> Option<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        last_used_ip: Option<String>,
    }
    for _ in 0..50 {
        let row = app
            .db
            .query(move |conn| {
                use diesel::RunQueryDsl;
                diesel::sql_query("SELECT last_used_ip FROM smtp_credentials WHERE username = $1")
                    .bind::<diesel::sql_types::Text, _>(username)
                    .get_result::<Row>(conn)
            })
            .await
            .unwrap();
        if row.last_used_ip.is_some() {
            return row.last_used_ip;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Authenticates over TLS after the greeting.
async fn authenticate(client: &mut Client, username: &str, password: &str) -> Reply {
    client.secure().await;
    client.auth_plain(username, password).await
}

#[tokio::test]
async fn a_v1_header_from_a_trusted_proxy_is_the_clients_address() {
    let app = behind_proxy().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "proxied_v1", true, Scope::Global).await;
    let (mut client, greeting) =
        through_proxy(&app, b"PROXY TCP4 203.0.113.7 127.0.0.1 51000 2525\r\n").await;
    assert_eq!(greeting.code, 220, "{}", greeting.text);
    let auth = authenticate(&mut client, "proxied_v1", &password).await;
    assert_eq!(auth.code, 235, "{}", auth.text);
    assert_eq!(
        last_used_ip(&app, "proxied_v1").await.as_deref(),
        Some("203.0.113.7")
    );
}

#[tokio::test]
async fn a_v2_header_from_a_trusted_proxy_is_the_clients_address() {
    use ppp::v2;
    let app = behind_proxy().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "proxied_v2", true, Scope::Global).await;
    let addresses: (SocketAddr, SocketAddr) = (
        "[2001:db8::7]:51000".parse().unwrap(),
        "[2001:db8::1]:2525".parse().unwrap(),
    );
    let header = v2::Builder::with_addresses(
        v2::Version::Two | v2::Command::Proxy,
        v2::Protocol::Stream,
        addresses,
    )
    .build()
    .unwrap();
    let (mut client, greeting) = through_proxy(&app, &header).await;
    assert_eq!(greeting.code, 220, "{}", greeting.text);
    let auth = authenticate(&mut client, "proxied_v2", &password).await;
    assert_eq!(auth.code, 235, "{}", auth.text);
    assert_eq!(
        last_used_ip(&app, "proxied_v2").await.as_deref(),
        Some("2001:db8::7")
    );
}

#[tokio::test]
async fn a_trusted_proxy_without_a_header_is_turned_away() {
    let app = behind_proxy().await;
    let (_, silent) = Client::connect(&app).await;
    assert_eq!(
        silent.code, 421,
        "a client waiting for the greeting: {}",
        silent.text
    );
    assert!(silent.text.contains("PROXY protocol header expected"));
    let (_, talking) = through_proxy(&app, b"EHLO app.example\r\n").await;
    assert_eq!(talking.code, 421, "{}", talking.text);
}

#[tokio::test]
async fn a_header_from_an_untrusted_peer_is_an_unknown_command_and_changes_nothing() {
    let app = spawn_app_with(|config| {
        config.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "direct_app", true, Scope::Global).await;
    let (mut client, greeting) = Client::connect(&app).await;
    assert_eq!(greeting.code, 220);
    let proxy = client
        .cmd("PROXY TCP4 203.0.113.7 127.0.0.1 51000 2525")
        .await;
    assert_eq!(proxy.code, 500, "{}", proxy.text);
    let auth = authenticate(&mut client, "direct_app", &password).await;
    assert_eq!(auth.code, 235, "{}", auth.text);
    assert_eq!(
        last_used_ip(&app, "direct_app").await.as_deref(),
        Some("127.0.0.1")
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_allowlist_and_throttle_see_the_client() {
    let app = behind_proxy().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "proxied_ip", true, Scope::Global).await;
    super::policies::set_text(&app, "proxied_ip", "allowed_ips", "203.0.113.7").await;
    let header = |ip: &str| format!("PROXY TCP4 {ip} 127.0.0.1 51000 2525\r\n");
    let (mut allowed, _) = through_proxy(&app, header("203.0.113.7").as_bytes()).await;
    assert_eq!(
        authenticate(&mut allowed, "proxied_ip", &password)
            .await
            .code,
        235
    );
    let (mut other, _) = through_proxy(&app, header("203.0.113.8").as_bytes()).await;
    assert_eq!(
        authenticate(&mut other, "proxied_ip", &password).await.code,
        535
    );
    // A guesser behind the proxy is cut off; the allowed client is not.
    let (mut guesser, _) = through_proxy(&app, header("198.51.100.66").as_bytes()).await;
    guesser.secure().await;
    for _ in 0..postern::smtp::AUTH_FAILURES_ALLOWED {
        assert_eq!(guesser.auth_plain("proxied_ip", "wrong").await.code, 535);
    }
    let cut_off = guesser.auth_plain("proxied_ip", "wrong").await;
    assert!(cut_off.text.starts_with("421 4.7.0"), "{}", cut_off.text);
    let (mut again, _) = through_proxy(&app, header("203.0.113.7").as_bytes()).await;
    assert_eq!(
        authenticate(&mut again, "proxied_ip", &password).await.code,
        235
    );
}

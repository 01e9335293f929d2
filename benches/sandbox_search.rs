//! How fast is the Sandbox list, searched and filtered, with 100,000
//! messages in one workspace? Seeds them in one transaction (each through
//! the same extraction as ingest: subject, senders, recipients, text body,
//! X-Tags), signs in over HTTP and times whole page loads of each search.
//!
//!     cargo bench --bench sandbox_search
//!     POSTERN_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/bench_sandbox cargo bench --bench sandbox_search
//!     POSTERN_BENCH_MESSAGES=20000 cargo bench --bench sandbox_search
//!
//! (the PostgreSQL database must exist and be empty, or hold an earlier
//! run's messages and `POSTERN_BENCH_REUSE=1` be set to time them again
//! without seeding; `ANALYZE` runs either way). Prints one line per
//! search: requests, matches shown, p50, p99 and max in milliseconds; then
//! the same for the REST API (`GET /v2/accounts/{id}/sandbox/messages` with
//! a `sandbox:read` key: first page, the next through its cursor, `q=`).

use std::time::{Duration, Instant};

use chrono::Duration as Age;
use postern::config::Config;
use postern::db::models::{MessageText, SandboxMessage, Search};
use postern::domain::{EmailAddress, MessageId, SandboxLimits, WorkspaceId, now};
use postern::service::accounts::{self, NewAccount};
use postern::service::sandbox::search::extract;
use postern::service::workspaces;
use postern::startup::Application;

const ROUNDS: usize = 100;
const PASSWORD: &str = "bench-password-123";

/// Words the bodies are made of; `invoice` is in about a quarter of them.
const WORDS: [&str; 16] = [
    "order",
    "shipped",
    "invoice",
    "account",
    "welcome",
    "receipt",
    "delivery",
    "password",
    "confirm",
    "newsletter",
    "discount",
    "support",
    "ticket",
    "update",
    "payment",
    "reminder",
];

#[tokio::main]
async fn main() {
    let messages: usize = std::env::var("POSTERN_BENCH_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let temp = tempfile::tempdir().unwrap();
    // POSTERN_BENCH_KEEP=1 keeps the SQLite database for a look with sqlite3.
    let dir = match std::env::var("POSTERN_BENCH_KEEP").is_ok() {
        true => tempfile::TempDir::with_prefix("sandbox-search-")
            .unwrap()
            .keep(),
        false => temp.path().to_owned(),
    };
    let database_url = std::env::var("POSTERN_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.display()));
    println!("data in {}", dir.display());
    let env = vec![
        ("POSTERN_DATA_DIR".to_owned(), dir.display().to_string()),
        ("POSTERN_DATABASE_URL".to_owned(), database_url),
        ("POSTERN_HTTP_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("POSTERN_LOG".to_owned(), "warn".to_owned()),
        // The API cases send 105 requests each with one key.
        ("POSTERN_API_RATE_LIMIT".to_owned(), "1000000".to_owned()),
    ];
    let config = Config::from_sources(None, env).unwrap();
    let backend = config.database_url.backend_name().to_string();
    let app = Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.http_port());
    let db = app.db();
    tokio::spawn(app.run_until_stopped());

    let seeded = Instant::now();
    let earlier = match std::env::var("POSTERN_BENCH_REUSE").is_ok() {
        true => seeded_before(&db).await,
        false => None,
    };
    let reused = earlier.is_some();
    let (workspace, slug, credential) = match earlier {
        Some(found) => found,
        None => seed(&db, messages).await,
    };
    // What autovacuum does shortly after a bulk load: give the planner statistics.
    db.query(|conn| diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), conn))
        .await
        .unwrap();
    println!(
        "{backend}: {} {messages} messages in {:.1} s",
        if reused { "reused" } else { "seeded" },
        seeded.elapsed().as_secs_f64()
    );

    let client = signed_in(&base).await;
    let list = format!("{base}/w/{slug}/sandbox");
    let first = client
        .get(&list)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let older = first
        .split("rel=\"next\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let today = now().date().format("%Y-%m-%d");
    let rare = format!("ref-{:06}", messages / 2);
    let scenarios = [
        ("list, newest first", list.clone()),
        ("list, older page (cursor)", format!("{base}{older}")),
        ("search: one message (ref-…)", format!("{list}?q={rare}")),
        ("search: a quarter (invoice)", format!("{list}?q=invoice")),
        ("search: every message", format!("{list}?q=customer")),
        ("search: two words", format!("{list}?q=invoice+payment")),
        ("search: sender (shop07@)", format!("{list}?q=shop07%40")),
        ("search: 2 letters (scan)", format!("{list}?q=zq")),
        ("search: no match", format!("{list}?q=nothing-like-this")),
        (
            "tag: 1 % (password-reset)",
            format!("{list}?tag=password-reset"),
        ),
        ("tag: 10 % (signup)", format!("{list}?tag=signup")),
        ("credential", format!("{list}?credential={credential}")),
        ("date: today", format!("{list}?from={today}&to={today}")),
        ("search + tag", format!("{list}?q=invoice&tag=signup")),
        ("htmx fragment (invoice)", format!("{list}?q=invoice")),
    ];
    for (name, url) in scenarios {
        let htmx = name.starts_with("htmx");
        time(
            name,
            &client,
            &url,
            htmx.then_some(HTMX),
            "<tr data-message=",
        )
        .await;
    }

    // The REST API, with a key of the workspace.
    let key = api_key(&db, &workspace).await;
    let api = format!("{base}/v2/accounts/{workspace}/sandbox/messages");
    let bearer = reqwest::Client::builder()
        .default_headers(
            [(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {key}").parse().unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    let first: serde_json::Value = bearer.get(&api).send().await.unwrap().json().await.unwrap();
    let cursor = first["pagination"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let row = "\"object\":\"sandbox_message\"";
    let scenarios = [
        ("API: first page (50)", api.clone()),
        ("API: next page (cursor)", format!("{api}?after={cursor}")),
        ("API: q= one message", format!("{api}?q={rare}")),
        ("API: q= a quarter (invoice)", format!("{api}?q=invoice")),
        ("API: q= sender (shop07@)", format!("{api}?q=shop07%40")),
        ("API: q= 2 letters (scan)", format!("{api}?q=zq")),
    ];
    for (name, url) in scenarios {
        time(name, &bearer, &url, None, row).await;
    }
}

const HTMX: &[(&str, &str)] = &[("HX-Request", "true"), ("HX-Target", "sandbox-results")];

/// A key of the workspace allowed to read its sandbox; returns its secret.
async fn api_key(db: &postern::db::Db, workspace: &WorkspaceId) -> String {
    let actor = postern::service::audit::Actor {
        label: "bench".into(),
        user_id: None,
        ip: None,
    };
    let scopes = postern::domain::ApiScopes::parse(["sandbox:read"]).unwrap();
    postern::service::api_keys::create(db, workspace, "bench".into(), scopes, actor)
        .await
        .unwrap()
        .secret
}

async fn signed_in(base: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = login
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let signed_in = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", "bench@example.com"),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_success() || signed_in.status().is_redirection());
    client
}

/// Times `ROUNDS` GETs of `url` (with `headers`) after 5 warm-up requests
/// and prints the line; `row` marks one message in the answer.
async fn time(
    name: &str,
    client: &reqwest::Client,
    url: &str,
    headers: Option<&[(&str, &str)]>,
    row: &str,
) {
    let mut times = Vec::with_capacity(ROUNDS);
    let mut shown = 0;
    for round in 0..ROUNDS + 5 {
        let mut request = client.get(url);
        for (name, value) in headers.unwrap_or_default() {
            request = request.header(*name, *value);
        }
        let started = Instant::now();
        let response = match request.try_clone().unwrap().send().await {
            Ok(response) => response,
            // A kept-alive connection the server closed meanwhile: once more.
            Err(error) if error.is_request() => request.send().await.unwrap(),
            Err(error) => panic!("{name}: {error}"),
        };
        assert!(
            response.status().is_success(),
            "{name}: {}",
            response.status()
        );
        let body = response.text().await.unwrap();
        if round >= 5 {
            times.push(started.elapsed());
        }
        shown = body.matches(row).count();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pick = |q: f64| ms(times[((times.len() as f64 - 1.0) * q).round() as usize]);
    println!(
        "{name:<30} n={} rows={shown:<3} p50={:.2}ms p99={:.2}ms max={:.2}ms",
        times.len(),
        pick(0.5),
        pick(0.99),
        pick(1.0)
    );
}

/// A user, a workspace keeping everything, five sandbox credentials and
/// `n` messages, one a second up to now; returns the workspace's id and
/// slug and the first credential's id.
async fn seed(db: &postern::db::Db, n: usize) -> (WorkspaceId, String, String) {
    let account = NewAccount {
        email: EmailAddress::parse("bench@example.com").unwrap(),
        name: "Bench".into(),
        password_hash: postern::auth::password::hash(PASSWORD),
        is_admin: false,
    };
    let user = accounts::create_user(db, account).await.unwrap();
    let workspace = workspaces::create(db, &user.id, "Bench").await.unwrap();
    let actor = postern::service::audit::Actor {
        label: "bench".into(),
        user_id: None,
        ip: None,
    };
    let keep_all = SandboxLimits::parse("1000000", "3650", "100000").unwrap();
    let usage = postern::service::sandbox::SandboxUsage::new(None);
    postern::service::sandbox::retention::set_limits(db, &usage, &workspace.id, keep_all, actor)
        .await
        .unwrap();
    let credentials = credentials(db, &workspace.id).await;
    let first = credentials[0].0.to_string();
    let (id, slug) = (workspace.id.clone(), workspace.slug.to_string());
    db.query(move |conn| {
        postern::db::write_transaction(conn, |conn| {
            let start = now() - Age::seconds(n as i64);
            for i in 0..n {
                let (credential, username) = &credentials[i % credentials.len()];
                let raw = message(i);
                let (from, to) = (
                    format!("bounce{}@shop.example", i % 20),
                    format!("customer{i}@example.net"),
                );
                let extracted = extract(raw.as_bytes(), &from, &to);
                let message = SandboxMessage {
                    id: MessageId::generate(),
                    workspace_id: id.clone(),
                    credential_id: Some(credential.clone()),
                    username: username.clone(),
                    mail_from: from,
                    rcpt_to: to,
                    subject: extracted.subject.clone(),
                    size: raw.len() as i64,
                    raw: raw.into_bytes(),
                    received_at: start + Age::seconds(i as i64),
                };
                SandboxMessage::insert(conn, &message)?;
                MessageText::insert(conn, &extracted.text(&message.id))?;
                Search::add_tags(conn, &id, &message.id, &extracted.tags)?;
            }
            Ok(())
        })
    })
    .await
    .unwrap();
    (workspace.id, slug, first)
}

/// The workspace, slug and first credential an earlier run seeded, if
/// the database holds them (`POSTERN_BENCH_REUSE`).
async fn seeded_before(db: &postern::db::Db) -> Option<(WorkspaceId, String, String)> {
    use diesel::prelude::*;
    use postern::db::schema::{smtp_credentials, workspaces};
    db.query(|conn| {
        workspaces::table
            .inner_join(
                smtp_credentials::table.on(smtp_credentials::workspace_id.eq(workspaces::id)),
            )
            .filter(workspaces::name.eq("Bench"))
            .filter(smtp_credentials::name.eq("App 0"))
            .select((workspaces::id, workspaces::slug, smtp_credentials::id))
            .first::<(WorkspaceId, String, String)>(conn)
            .optional()
    })
    .await
    .unwrap()
}

/// Message `i`: a few words of [`WORDS`], a unique reference, tags on
/// every tenth (`signup`) and every hundredth (`password-reset`).
fn message(i: usize) -> String {
    let word = |k: usize| WORDS[(i / 3 + k * 7 + i * k) % WORDS.len()];
    let tags = match (i % 100, i % 10) {
        (0, _) => "X-Tags: password-reset, auth\r\n",
        (_, 0) => "X-Tags: signup\r\n",
        _ => "",
    };
    format!(
        "From: \"Shop {shop:02}\" <shop{shop:02}@shop.example>\r\nTo: Customer {i} <customer{i}@example.net>\r\n\
         Subject: Your {a} {i}\r\n{tags}Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n\r\n\
         Hello customer {i},\r\n\r\nYour {b} is ready: {c} and {d} as requested.\r\nReference ref-{i:06}.\r\n",
        shop = i % 20,
        a = word(0),
        b = word(1),
        c = word(2),
        d = word(3),
    )
}

async fn credentials(
    db: &postern::db::Db,
    workspace: &WorkspaceId,
) -> Vec<(postern::domain::CredentialId, String)> {
    use postern::db::models::{NewSmtpCredential, SmtpCredential};
    let workspace = workspace.clone();
    db.query(move |conn| {
        let mut made = Vec::new();
        for k in 0..5 {
            let credential = SmtpCredential::insert(
                conn,
                &NewSmtpCredential {
                    sandbox: true,
                    ..NewSmtpCredential::new(
                        workspace.clone(),
                        &format!("App {k}"),
                        &format!("bench_app_{k}"),
                        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA",
                    )
                },
            )?;
            made.push((credential.id, credential.username.to_string()));
        }
        Ok(made)
    })
    .await
    .unwrap()
}

//! How fast is Settings → SMTP Credentials with 10,000 credentials in one
//! workspace, and the REST API over the same rows? Seeds them (every tenth
//! scoped to `a.example`), signs in over HTTP, and times whole page loads,
//! then API calls with an all-credentials key and an `a.example` key.
//!
//!     cargo bench --bench credentials_page
//!     POSTERN_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/bench_db cargo bench --bench credentials_page
//!     POSTERN_BENCH_REDIS_URL=redis://127.0.0.1:6379 cargo bench --bench credentials_page
//!
//! (the PostgreSQL database must exist and be empty). Prints one line per
//! scenario: requests, mean, p50, p95 and max in milliseconds.

use std::time::{Duration, Instant};

use chrono::Duration as Age;
use postern::config::Config;
use postern::db::models::{NewSmtpCredential, SmtpCredential};
use postern::domain::{EmailAddress, SendingScope, now};
use postern::service::accounts::{self, NewAccount};
use postern::service::workspaces;
use postern::startup::Application;

const CREDENTIALS: usize = 10_000;
const ROUNDS: usize = 50;
const PASSWORD: &str = "bench-password-123";

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = std::env::var("POSTERN_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let mut env = vec![
        (
            "POSTERN_DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
        ("POSTERN_DATABASE_URL".to_owned(), database_url),
        ("POSTERN_HTTP_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("POSTERN_LOG".to_owned(), "warn".to_owned()),
        // Measure the API, not its rate limit.
        ("POSTERN_API_RATE_LIMIT".to_owned(), "1000000".to_owned()),
    ];
    // Sessions and API rate limits in Redis, as with several instances.
    let redis = std::env::var("POSTERN_BENCH_REDIS_URL").ok();
    if let Some(url) = &redis {
        env.push(("POSTERN_REDIS_URL".to_owned(), url.clone()));
    }
    let config = Config::from_sources(None, env).unwrap();
    let backend = match redis {
        Some(_) => format!("{} + Redis", config.database_url.backend_name()),
        None => config.database_url.backend_name().to_string(),
    };
    let app = Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.http_port());
    let db = app.db();
    tokio::spawn(app.run_until_stopped());

    let seeded = Instant::now();
    let (slug, workspace) = seed(&db).await;
    // What autovacuum does shortly after a bulk load: give the planner statistics.
    db.query(|conn| diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), conn))
        .await
        .unwrap();
    println!(
        "{backend}: seeded {CREDENTIALS} credentials in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

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
    assert!(
        signed_in.status().is_success(),
        "sign-in failed: {}",
        signed_in.status()
    );

    let list = format!("{base}/w/{slug}/settings/smtp-credentials");
    let first = client
        .get(&list)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        first.contains("10,000 credentials"),
        "the page shows all credentials"
    );
    let older = first
        .split("rel=\"next\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");

    let scenarios = [
        ("first page, newest first", list.clone(), false),
        (
            "second page (keyset cursor)",
            format!("{base}{older}"),
            false,
        ),
        (
            "sorted by last used",
            format!("{list}?sort=last_used_at&dir=desc"),
            false,
        ),
        (
            "oldest first",
            format!("{list}?sort=created_at&dir=asc"),
            false,
        ),
        ("filtered (q=user_09)", format!("{list}?q=user_09"), false),
        (
            "htmx table fragment",
            format!("{list}?sort=created_at&dir=asc"),
            true,
        ),
    ];
    for (name, url, htmx) in scenarios {
        let headers: &[(&str, &str)] = if htmx {
            &[("HX-Request", "true"), ("HX-Target", "credentials-table")]
        } else {
            &[]
        };
        time(name, &client, &url, headers).await;
    }

    let key = |scopes: &'static str| {
        let db = db.clone();
        let workspace = workspace.clone();
        async move {
            let actor = postern::service::audit::Actor {
                label: "bench".into(),
                user_id: None,
                ip: None,
            };
            let scopes = postern::domain::ApiScopes::parse([scopes]).unwrap();
            postern::service::api_keys::create(&db, &workspace, "bench".into(), scopes, actor)
                .await
                .unwrap()
                .secret
        }
    };
    let all = format!("Bearer {}", key("smtp-credentials:read:all").await);
    let scoped = format!("Bearer {}", key("smtp-credentials:read:a.example").await);
    let api = format!("{base}/v2/accounts/{workspace}/smtp-credentials");
    let page: serde_json::Value = client
        .get(&api)
        .header("Authorization", &all)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let next = page["pagination"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = page["data"][0]["id"].as_str().unwrap().to_owned();
    let api_scenarios = [
        ("API list, 100 newest", api.clone(), &all),
        (
            "API list, next 100 (after=)",
            format!("{api}?after={next}"),
            &all,
        ),
        ("API list, a.example key", api.clone(), &scoped),
        ("API get one", format!("{api}/{one}"), &all),
    ];
    for (name, url, auth) in api_scenarios {
        time(name, &client, &url, &[("Authorization", auth)]).await;
    }
}

/// Times `ROUNDS` GETs of `url` after 5 warm-up requests and prints the line.
async fn time(name: &str, client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) {
    let mut times = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS + 5 {
        let mut request = client.get(url);
        for (header, value) in headers {
            request = request.header(*header, *value);
        }
        let started = Instant::now();
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{name}: {}",
            response.status()
        );
        let body = response.bytes().await.unwrap();
        assert!(!body.is_empty());
        if round >= 5 {
            times.push(started.elapsed());
        }
    }
    report(name, &mut times);
}

fn report(name: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / times.len() as f64;
    let pick = |q: f64| ms(times[((times.len() as f64 - 1.0) * q).round() as usize]);
    println!(
        "{name:<30} n={} mean={mean:.2}ms p50={:.2}ms p95={:.2}ms max={:.2}ms",
        times.len(),
        pick(0.5),
        pick(0.95),
        pick(1.0)
    );
}

async fn seed(db: &postern::db::Db) -> (String, postern::domain::WorkspaceId) {
    let hash = postern::auth::password::hash(PASSWORD);
    let account = NewAccount {
        email: EmailAddress::parse("bench@example.com").unwrap(),
        name: "Bench".into(),
        password_hash: hash.clone(),
        is_admin: false,
    };
    let user = accounts::create_user(db, account).await.unwrap();
    let workspace = workspaces::create(db, &user.id, "Bench").await.unwrap();
    db.run(move |conn| {
        let domain = postern::db::models::Domain {
            id: postern::domain::DomainId::generate(),
            workspace_id: workspace.id.clone(),
            name: "a.example".into(),
            created_at: now(),
        };
        postern::db::models::Domain::insert(conn, &domain)?;
        postern::db::write_transaction(conn, |conn| {
            let start = now() - Age::days(60);
            for i in 0..CREDENTIALS {
                let at = start + Age::seconds(i as i64 * 30);
                let scope = match i % 10 {
                    0 => SendingScope::Scoped,
                    _ => SendingScope::Global,
                };
                let credential = SmtpCredential::insert(
                    conn,
                    &NewSmtpCredential {
                        description: "Seeded for the benchmark".into(),
                        sandbox: i % 7 == 0,
                        scope,
                        active: i % 11 != 0,
                        created_at: at,
                        updated_at: at,
                        last_used_at: (i % 3 == 0).then(|| now() - Age::minutes(i as i64)),
                        last_used_ip: Some("127.0.0.1".into()),
                        created_by: Some(user.id.clone()),
                        ..NewSmtpCredential::new(
                            workspace.id.clone(),
                            &format!("Application {i:05}"),
                            &format!("user_{i:05}"),
                            &hash,
                        )
                    },
                )?;
                if i % 10 == 0 {
                    SmtpCredential::set_domains(
                        conn,
                        &credential.id,
                        std::slice::from_ref(&domain.id),
                    )?;
                }
            }
            Ok::<_, postern::service::accounts::AccountError>(())
        })?;
        Ok::<_, postern::service::accounts::AccountError>((workspace.slug, workspace.id))
    })
    .await
    .unwrap()
}

//! Seeding a workspace in bulk, signing in, running `wrk` and reading a
//! process's resident set, for `page_load`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use diesel::RunQueryDsl;
use postern::config::Config;
use postern::db::Db;
use postern::domain::{ApiScopes, EmailAddress};
use postern::service::accounts::{self, NewAccount};
use postern::service::audit::Actor;
use postern::service::{api_keys, workspaces};

const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "bench-password-123";

/// What the benchmark needs to know about the seeded workspace.
pub struct Seeded {
    pub slug: String,
    pub workspace: String,
    /// A credential's id, for the API's get.
    pub one: String,
    pub api_key: String,
}

/// A user, a workspace of `n` credentials (one statement that generates
/// them in the database, inside one transaction: seconds, not the hours one
/// insert per request would take), and an API key that reads them all.
pub async fn seed(database_url: &str, data_dir: &Path, n: usize) -> Seeded {
    let config = Config::from_sources(
        None,
        vec![
            (
                "POSTERN_DATA_DIR".to_owned(),
                data_dir.display().to_string(),
            ),
            ("POSTERN_DATABASE_URL".to_owned(), database_url.to_owned()),
        ],
    )
    .unwrap();
    let db = Db::connect(&config.database_url, 2).unwrap();
    db.migrate().unwrap();
    let hash = postern::auth::password::hash(PASSWORD);
    let account = NewAccount {
        email: EmailAddress::parse(EMAIL).unwrap(),
        name: "Bench".into(),
        password_hash: hash.clone(),
        is_admin: false,
    };
    let user = accounts::create_user(&db, account).await.unwrap();
    let workspace = workspaces::create(&db, &user.id, "Bench").await.unwrap();
    let postgres = database_url.starts_with("postgres");
    let insert = bulk_insert(postgres, n, workspace.id.as_str(), user.id.as_str());
    db.query(move |conn| {
        postern::db::write_transaction(conn, |conn| diesel::sql_query(insert).execute(conn))?;
        // What autovacuum does soon after a bulk load: statistics for the planner.
        let analyze = if postgres {
            "VACUUM ANALYZE"
        } else {
            "ANALYZE"
        };
        diesel::sql_query(analyze).execute(conn)
    })
    .await
    .unwrap();
    let actor = Actor {
        label: "bench".into(),
        user_id: None,
        ip: None,
    };
    let scopes = ApiScopes::parse(["smtp-credentials:read:all"]).unwrap();
    let key = api_keys::create(&db, &workspace.id, "bench".into(), scopes, actor)
        .await
        .unwrap();
    Seeded {
        slug: workspace.slug.to_string(),
        workspace: workspace.id.to_string(),
        one: format!("{:08x}-0000-4000-8000-{:012x}", n / 2, n / 2),
        api_key: key.secret.to_string(),
    }
}

/// `n` credentials 30 s apart: names `App 0000042 Mail`, usernames
/// `user_0000042`, a third of them used, every seventh a sandbox.
fn bulk_insert(postgres: bool, n: usize, workspace: &str, user: &str) -> String {
    let columns = "id, workspace_id, name, username, description, sandbox, scope, active, \
                   created_at, updated_at, last_used_at, last_used_ip, created_by";
    let rows = if postgres {
        format!(
            "SELECT lpad(to_hex(i), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), \
             '{workspace}', 'App ' || lpad(i::text, 7, '0') || ' Mail', 'user_' || lpad(i::text, 7, '0'), \
             'Seeded for the benchmark', i % 7 = 0, 'global', i % 11 <> 0, \
             timestamp '2026-01-01' + i * interval '30 seconds', timestamp '2026-01-01' + i * interval '30 seconds', \
             CASE WHEN i % 3 = 0 THEN timestamp '2026-11-01' - i * interval '1 second' END, '127.0.0.1', '{user}' \
             FROM generate_series(0, {last}) AS s(i)",
            last = n as i64 - 1
        )
    } else {
        format!(
            "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {last}) \
             SELECT printf('%08x-0000-4000-8000-%012x', i, i), \
             '{workspace}', printf('App %07d Mail', i), printf('user_%07d', i), \
             'Seeded for the benchmark', i % 7 = 0, 'global', i % 11 <> 0, \
             datetime('2026-01-01', '+' || (i * 30) || ' seconds'), datetime('2026-01-01', '+' || (i * 30) || ' seconds'), \
             CASE WHEN i % 3 = 0 THEN datetime('2026-11-01', '-' || i || ' seconds') END, '127.0.0.1', '{user}' \
             FROM s",
            last = n as i64 - 1
        )
    };
    format!("INSERT INTO smtp_credentials ({columns}) {rows}")
}

/// Drops everything the benchmark created in a PostgreSQL database.
pub async fn empty_postgres(url: &str) {
    let config = Config::from_sources(
        None,
        vec![("POSTERN_DATABASE_URL".to_owned(), url.to_owned())],
    )
    .unwrap();
    let db = Db::connect(&config.database_url, 1).unwrap();
    db.query(|conn| {
        diesel::sql_query("DROP SCHEMA public CASCADE").execute(conn)?;
        diesel::sql_query("CREATE SCHEMA public").execute(conn)
    })
    .await
    .unwrap();
}

/// A signed-in browser session.
pub struct Session {
    client: reqwest::Client,
    /// The `Cookie` header the browser sends.
    pub cookie: String,
}

pub async fn sign_in(base: &str) -> Session {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let login = client.get(format!("{base}/login")).send().await.unwrap();
    let login = login.text().await.unwrap();
    let token = between(&login, "name=\"csrf-token\" content=\"", "\"");
    let signed_in = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", EMAIL),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        signed_in.status().is_success(),
        "sign-in: {}",
        signed_in.status()
    );
    use reqwest::cookie::CookieStore;
    let cookie = jar
        .cookies(&base.parse().unwrap())
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    Session { client, cookie }
}

impl Session {
    /// The path of the page after the first of `list`.
    pub async fn next_page(&self, list: &str) -> String {
        let page = self.client.get(list).send().await.unwrap();
        let page = page.text().await.unwrap();
        between(&page, "rel=\"next\" href=\"", "\"").replace("&amp;", "&")
    }
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text
        .split(start)
        .nth(1)
        .unwrap_or_else(|| panic!("no {start}"));
    from.split(end).next().unwrap().to_owned()
}

/// One `wrk` run's figures.
pub struct Load {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Runs `wrk -t1` with `connections` for `seconds` against `url`; returns
/// its figures and the highest resident set of `pid` seen meanwhile (0
/// without a pid).
pub fn wrk(
    url: &str,
    headers: &[(&str, &str)],
    connections: u32,
    seconds: &str,
    pid: Option<u32>,
) -> (Load, u64) {
    let mut command = Command::new("wrk");
    command.args([
        "-t1",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    for (name, value) in headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    let child = command
        .arg(url)
        .stdout(Stdio::piped())
        .spawn()
        .expect("wrk (apt-get install wrk)");
    let mut peak = 0;
    let samples = seconds.parse::<u64>().unwrap_or(10) * 4;
    let sampler = pid.map(|pid| {
        std::thread::spawn(move || {
            let mut peak = 0;
            for _ in 0..samples {
                std::thread::sleep(Duration::from_millis(250));
                peak = peak.max(rss_kib(pid));
            }
            peak
        })
    });
    let output = child.wait_with_output().unwrap();
    if let Some(sampler) = sampler {
        peak = sampler.join().unwrap();
    }
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("Non-2xx"), "{url}: errors\n{text}");
    let field = |label: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
            .unwrap_or_else(|| panic!("{label} in wrk's output:\n{text}"))
    };
    let load = Load {
        rps: field("Requests/sec:").parse().unwrap(),
        p50_ms: millis(&field("50%")),
        p99_ms: millis(&field("99%")),
    };
    (load, peak)
}

/// wrk's `812.00us`, `1.23ms`, `1.01s` in milliseconds.
fn millis(value: &str) -> f64 {
    let (number, factor) = if let Some(v) = value.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = value.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = value.strip_suffix('s') {
        (v, 1000.0)
    } else {
        (value, 1.0)
    };
    number.parse::<f64>().unwrap() * factor
}

/// VmRSS of a process, in KiB (0 once it is gone).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

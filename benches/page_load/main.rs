//! The credentials page under concurrent load, beside the bare stack: the
//! same `wrk` load (one thread, 32 connections, 10 s, a signed-in session
//! cookie) against `list-limit` (actix-web + diesel + askama rendering the
//! newest 50 of 10,000 rows, nothing else) and against a `postern serve`
//! process whose workspace holds 10,000 and then 1,000,000 credentials.
//! Bare-stack runs alternate with Postern's so the machine's drift hits
//! both alike. Prints req/s, p50 and p99 per scenario, the ratio of the
//! first page to the bare stack, and Postern's resident set idle and at its
//! peak under load. The filters are then run again with a single client,
//! for one request's latency. Run it with `scripts/bench-page`, which
//! builds both servers in release mode.
//!
//! Environment: POSTERN_BENCH_POSTERN and POSTERN_BENCH_LIMIT (the two
//! binaries), POSTERN_BENCH_DATABASE_URL (an empty PostgreSQL database;
//! SQLite in a temporary directory without it), POSTERN_BENCH_SIZES
//! (default `10000,1000000`), POSTERN_BENCH_SECONDS (default 10);
//! POSTERN_BENCH_HOLD=1 seeds the first size, signs in, prints the server's
//! pid, the list's URL and the session cookie, and keeps the server up (for
//! profiling by hand) instead of measuring.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Load, rss_kib, seed, sign_in, wrk};

const PORT: u16 = 18_091;

/// Request headers of one scenario.
type Headers<'a> = &'a [(&'a str, &'a str)];
const LIMIT_PORT: u16 = 18_090;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let postern = std::env::var("POSTERN_BENCH_POSTERN")
        .expect("POSTERN_BENCH_POSTERN: run scripts/bench-page");
    let limit =
        std::env::var("POSTERN_BENCH_LIMIT").expect("POSTERN_BENCH_LIMIT: run scripts/bench-page");
    let seconds = env("POSTERN_BENCH_SECONDS", "10");
    let sizes: Vec<usize> = env("POSTERN_BENCH_SIZES", "10000,1000000")
        .split(',')
        .map(|s| s.trim().parse().expect("POSTERN_BENCH_SIZES: numbers"))
        .collect();
    let postgres = std::env::var("POSTERN_BENCH_DATABASE_URL").ok();

    let limit_dir = tempfile::tempdir().unwrap();
    let ceiling = spawn(
        Command::new(&limit)
            .env("LIMIT_ADDR", format!("127.0.0.1:{LIMIT_PORT}"))
            .env("LIMIT_DB", limit_dir.path().join("limit.db")),
    );
    wait_for(&format!("http://127.0.0.1:{LIMIT_PORT}/")).await;
    let bare_url = format!("http://127.0.0.1:{LIMIT_PORT}/");

    for size in sizes {
        let dir = tempfile::tempdir().unwrap();
        let database_url = postgres
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.path().display()));
        let started = Instant::now();
        let seeded = seed(&database_url, dir.path(), size).await;
        let backend = if postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        println!(
            "\n## {backend}, {size} credentials (seeded in {:.1} s)",
            started.elapsed().as_secs_f64()
        );

        let server = spawn(
            Command::new(&postern)
                .arg("serve")
                .env("POSTERN_DATA_DIR", dir.path())
                .env("POSTERN_DATABASE_URL", &database_url)
                .env("POSTERN_HTTP_ADDR", format!("127.0.0.1:{PORT}"))
                .env("POSTERN_SMTP_ADDR", "127.0.0.1:0")
                .env("POSTERN_LOG", "warn")
                .env("POSTERN_API_RATE_LIMIT", "1000000"),
        );
        let base = format!("http://127.0.0.1:{PORT}");
        wait_for(&format!("{base}/healthz")).await;
        let session = sign_in(&base).await;
        let list = format!("{base}/w/{}/settings/smtp-credentials", seeded.slug);
        let next = session.next_page(&list).await;
        if std::env::var("POSTERN_BENCH_HOLD").is_ok() {
            // For profiling by hand: the server stays up with its data.
            println!(
                "pid {}\nlist {list}\ncookie {}",
                server.id(),
                session.cookie
            );
            loop {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = rss_kib(server.id());

        let api = format!("{base}/v2/accounts/{}/smtp-credentials", seeded.workspace);
        let cookie = [("Cookie", session.cookie.as_str())];
        let htmx = [
            ("Cookie", session.cookie.as_str()),
            ("HX-Request", "true"),
            ("HX-Target", "credentials-table"),
        ];
        let bearer = format!("Bearer {}", seeded.api_key);
        let key = [("Authorization", bearer.as_str())];
        let scenarios: Vec<(&str, String, Headers)> = vec![
            ("bare stack", bare_url.clone(), &[]),
            ("page: first, newest first", list.clone(), &cookie),
            ("bare stack", bare_url.clone(), &[]),
            (
                "page: next (keyset cursor)",
                format!("{base}{next}"),
                &cookie,
            ),
            (
                "page: sorted by last used",
                format!("{list}?sort=last_used_at&dir=desc"),
                &cookie,
            ),
            (
                "page: htmx table fragment",
                format!("{list}?sort=created_at&dir=asc"),
                &htmx,
            ),
            (
                "page: filter, 100 match",
                format!("{list}?q=user_00042"),
                &cookie,
            ),
            (
                "page: filter, 1 in 10 match",
                format!("{list}?q=7+Mail"),
                &cookie,
            ),
            (
                "page: filter, 2 characters",
                format!("{list}?q=42"),
                &cookie,
            ),
            ("API: list, 100 newest", api.clone(), &key),
            ("API: get one", format!("{api}/{}", seeded.one), &key),
        ];
        // The filters once more with one client: a single request's latency,
        // which the 32 connections above hide behind their queue (p50 there
        // is about 32 / throughput).
        let alone: Vec<(&str, String, Headers)> = vec![
            (
                "filter, 100 match, 1 client",
                format!("{list}?q=user_00042"),
                &cookie,
            ),
            (
                "filter, 1 in 10, 1 client",
                format!("{list}?q=7+Mail"),
                &cookie,
            ),
            ("filter, 2 chars, 1 client", format!("{list}?q=42"), &cookie),
        ];
        let runs = scenarios
            .into_iter()
            .map(|(name, url, headers)| (name, url, headers, 32))
            .chain(alone.into_iter().map(|(n, u, h)| (n, u, h, 1)));
        let mut results: Vec<(&str, Load)> = Vec::new();
        let mut peak = idle;
        for (name, url, headers, connections) in runs {
            let pid = (name != "bare stack").then(|| server.id());
            let (load, rss) = wrk(&url, headers, connections, &seconds, pid);
            peak = peak.max(rss);
            println!(
                "{name:<30} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
                load.rps, load.p50_ms, load.p99_ms
            );
            results.push((name, load));
        }
        let bare: Vec<f64> = results
            .iter()
            .filter(|(n, _)| *n == "bare stack")
            .map(|(_, l)| l.rps)
            .collect();
        let bare = bare.iter().sum::<f64>() / bare.len() as f64;
        let first = results[1].1.rps;
        println!(
            "first page / bare stack: {:.0} %   RSS idle {:.1} MiB, peak under load {:.1} MiB",
            100.0 * first / bare,
            idle as f64 / 1024.0,
            peak as f64 / 1024.0
        );
        drop(server);
        if let Some(url) = &postgres {
            support::empty_postgres(url).await;
        }
    }
    drop(ceiling);
}

/// A server process, stopped when dropped (also when the benchmark panics).
struct Server(Child);

impl Server {
    fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

fn spawn(command: &mut Command) -> Server {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server");
    Server(child)
}

async fn wait_for(url: &str) {
    for _ in 0..600 {
        if reqwest::get(url).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not answer within a minute");
}

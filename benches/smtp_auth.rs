//! SMTP AUTH throughput: Postern warm (cache hits), Postern cold (first
//! login of distinct credentials: argon2id every time), and the ceiling
//! server (TLS + protocol, no checking at all), back to back in one run
//! with the same load client. Run it with `scripts/bench-smtp`, which
//! builds the load client and ceiling server from ../shared/bench/smtp-auth.
//!
//! Every credential carries every policy (an allowlist holding the client,
//! expiry in a year, sender patterns, send limits that do not trip), so
//! the run measures AUTH as it is with policies set.
//!
//! Environment: POSTERN_BENCH_LOAD and POSTERN_BENCH_LIMIT (the two tools),
//! POSTERN_BENCH_CONCURRENCY (default 16), POSTERN_BENCH_SECONDS (default 10).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use postern::auth::password::Argon2Slots;
use postern::config::Config;
use postern::domain::{EmailAddress, Username};
use postern::service::accounts::{self, NewAccount};
use postern::service::audit::Actor;
use postern::service::credentials::{self, CredentialFields, Scope};
use postern::service::workspaces;
use postern::startup::Application;

const COLD_CREDENTIALS: usize = 1000;
const WARM_CREDENTIALS: usize = 16;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() {
    let load =
        std::env::var("POSTERN_BENCH_LOAD").expect("POSTERN_BENCH_LOAD: run scripts/bench-smtp");
    let limit =
        std::env::var("POSTERN_BENCH_LIMIT").expect("POSTERN_BENCH_LIMIT: run scripts/bench-smtp");
    let concurrency = env("POSTERN_BENCH_CONCURRENCY", "16");
    let seconds = env("POSTERN_BENCH_SECONDS", "10");

    let dir = tempfile::tempdir().unwrap();
    let vars = vec![
        (
            "POSTERN_DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
        ("POSTERN_HTTP_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("POSTERN_SMTP_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("POSTERN_LOG".to_owned(), "error".to_owned()),
        (
            "POSTERN_SMTP_MAX_CONNECTIONS".to_owned(),
            "10000".to_owned(),
        ),
        // The load client is one address.
        (
            "POSTERN_SMTP_MAX_CONNECTIONS_PER_ADDRESS".to_owned(),
            "10000".to_owned(),
        ),
    ];
    let app = Application::build(Config::from_sources(None, vars).unwrap())
        .await
        .unwrap();
    let smtp = format!("127.0.0.1:{}", app.smtp_ports()[0]);
    let db = app.db();
    tokio::spawn(app.run_until_stopped());

    let started = Instant::now();
    let creds = seed(&db, COLD_CREDENTIALS + WARM_CREDENTIALS).await;
    println!(
        "seeded {} credentials in {:.1} s",
        creds.len(),
        started.elapsed().as_secs_f64()
    );
    let (warm, cold) = creds.split_at(WARM_CREDENTIALS);
    let warm_file = dir.path().join("warm.txt");
    let cold_file = dir.path().join("cold.txt");
    std::fs::write(&warm_file, warm.join("\n")).unwrap();
    std::fs::write(&cold_file, cold.join("\n")).unwrap();

    // The warm credentials log in once so that the measured run hits the cache.
    run(&load, &smtp, &warm_file, "2", "1");

    let ceiling_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ceiling_addr = format!("127.0.0.1:{ceiling_port}");
    let mut ceiling = Command::new(&limit)
        .arg(&ceiling_addr)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while std::net::TcpStream::connect(&ceiling_addr).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }

    println!(
        "concurrency={concurrency} duration={seconds}s (client and servers share this machine)"
    );
    let ceiling_pid = ceiling.id();
    let rate = |line: &str| -> f64 {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix("auth_per_s="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    // Alternate, so that the machine's drift affects both alike.
    let (mut ceilings, mut warms) = (Vec::new(), Vec::new());
    let (mut ceiling_cpu, mut warm_cpu) = (Cpu::default(), Cpu::default());
    for round in 0..3 {
        let (line, cpu) = measured(Some(ceiling_pid), || {
            run(&load, &ceiling_addr, &warm_file, &concurrency, &seconds)
        });
        println!("ceiling          {line} {cpu}");
        ceilings.push(rate(&line));
        ceiling_cpu.add(&cpu);
        if round < 2 {
            let (line, cpu) = measured(None, || {
                run(&load, &smtp, &warm_file, &concurrency, &seconds)
            });
            println!("postern warm     {line} {cpu}");
            warms.push(rate(&line));
            warm_cpu.add(&cpu);
        }
    }
    let cold_result = run(&load, &smtp, &cold_file, &concurrency, "5");
    println!("postern cold     {cold_result}   (5 s: every login a first argon2id verify)");
    let _ = ceiling.kill();
    let _ = ceiling.wait();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "postern warm = {:.0} % of the ceiling (mean of 2 warm runs / mean of the 3 ceiling runs around them)",
        100.0 * mean(&warms) / mean(&ceilings)
    );
    // Throughput depends on what else the machine runs; CPU per session
    // does not. Client and server share the cores, so on an otherwise idle
    // machine the ratio tends to (client + ceiling) / (client + Postern).
    let (ceiling_ms, warm_ms) = (ceiling_cpu.server_ms(), warm_cpu.server_ms());
    let client_ms = (ceiling_cpu.client_ms() + warm_cpu.client_ms()) / 2.0;
    println!(
        "CPU per AUTH session: Postern {warm_ms:.3} ms, ceiling {ceiling_ms:.3} ms, load client {client_ms:.3} ms \
         -> {:.0} % when the two cores do nothing else",
        100.0 * (client_ms + ceiling_ms) / (client_ms + warm_ms)
    );
}

/// CPU time spent by a server and by the load client over runs, and the
/// sessions they served.
#[derive(Default)]
struct Cpu {
    server: Duration,
    client: Duration,
    sessions: u64,
}

impl Cpu {
    fn add(&mut self, other: &Cpu) {
        self.server += other.server;
        self.client += other.client;
        self.sessions += other.sessions;
    }

    fn server_ms(&self) -> f64 {
        self.server.as_secs_f64() * 1000.0 / self.sessions.max(1) as f64
    }

    fn client_ms(&self) -> f64 {
        self.client.as_secs_f64() * 1000.0 / self.sessions.max(1) as f64
    }
}

impl std::fmt::Display for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cpu_ms_per_session server={:.3} client={:.3}",
            self.server_ms(),
            self.client_ms()
        )
    }
}

/// Runs one load-client run and measures the CPU the server (the process
/// `server`, or this one, which hosts Postern) and the client used.
fn measured(server: Option<u32>, run: impl FnOnce() -> String) -> (String, Cpu) {
    let server_cpu = || match server {
        Some(pid) => process_cpu(pid),
        None => rusage(libc::RUSAGE_SELF),
    };
    let (server_before, client_before) = (server_cpu(), rusage(libc::RUSAGE_CHILDREN));
    let line = run();
    let cpu = Cpu {
        server: server_cpu().saturating_sub(server_before),
        // Only the load client was waited for in between.
        client: rusage(libc::RUSAGE_CHILDREN).saturating_sub(client_before),
        sessions: line
            .split_whitespace()
            .find_map(|f| f.strip_prefix("ok="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    };
    (line, cpu)
}

/// User and system time of this process or of its waited-for children.
fn rusage(who: libc::c_int) -> Duration {
    // SAFETY: getrusage writes one `rusage` into the zeroed struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// User and system time of another process, from /proc (clock ticks).
fn process_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which ends with the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // SAFETY: sysconf reads a constant.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let total = ticks(11) + ticks(12); // utime, stime
    Duration::from_micros(total * 1_000_000 / per_second)
}

fn run(
    load: &str,
    addr: &str,
    creds: &std::path::Path,
    concurrency: &str,
    seconds: &str,
) -> String {
    let output = Command::new(load)
        .args([
            "--addr",
            addr,
            "--concurrency",
            concurrency,
            "--duration",
            seconds,
            "--creds",
        ])
        .arg(creds)
        .output()
        .expect("the load client runs");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Creates `n` credentials (argon2id hashing spread over the cores) and
/// returns `user:password` lines.
async fn seed(db: &postern::db::Db, n: usize) -> Vec<String> {
    let account = NewAccount {
        email: EmailAddress::parse("bench@example.com").unwrap(),
        name: "Bench".into(),
        password_hash: postern::auth::password::hash("bench-owner-password"),
        is_admin: false,
    };
    let user = accounts::create_user(db, account).await.unwrap();
    let workspace = workspaces::create(db, &user.id, "Bench").await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    let per_task = n.div_ceil(8);
    let argon2 = Argon2Slots::new(Argon2Slots::cores(), Duration::from_secs(600));
    for t in 0..8 {
        let (db, workspace) = (db.clone(), workspace.id.clone());
        let argon2 = argon2.clone();
        tasks.spawn(async move {
            let mut lines = Vec::new();
            for i in (t * per_task)..((t + 1) * per_task).min(n) {
                let username = format!("bench_{i:05}");
                let fields = CredentialFields {
                    name: username.clone(),
                    description: String::new(),
                    sandbox: true,
                    scope: Scope::Global,
                };
                let actor = Actor {
                    label: "bench".into(),
                    user_id: None,
                    ip: None,
                };
                let created = credentials::create(
                    &db,
                    &argon2,
                    &workspace,
                    Some(Username::parse(&username).unwrap()),
                    fields,
                    // A policy AUTH checks on every login: expiry in a year.
                    Some(postern::domain::now() + chrono::Duration::days(365)),
                    actor,
                )
                .await
                .unwrap();
                lines.push((i, format!("{username}:{}", created.password)));
            }
            lines
        });
    }
    let mut all = Vec::new();
    while let Some(lines) = tasks.join_next().await {
        all.extend(lines.unwrap());
    }
    all.sort();
    with_every_policy(db).await;
    all.into_iter().map(|(_, line)| line).collect()
}

/// Sets every policy on every credential, none of which trips for the load
/// client: its address allowed, expiry in a year, sender patterns, limits
/// far above what the run sends.
async fn with_every_policy(db: &postern::db::Db) {
    let expires = postern::domain::now() + chrono::Duration::days(365);
    db.query(move |conn| {
        use diesel::RunQueryDsl;
        diesel::sql_query(
            "UPDATE smtp_credentials SET expires_at = $1, allowed_ips = $2, \
             allowed_senders = $3, max_per_minute = 1000000, max_per_hour = 1000000, \
             max_per_day = 1000000, max_recipients = 1000",
        )
        .bind::<diesel::sql_types::Timestamp, _>(expires)
        .bind::<diesel::sql_types::Text, _>("127.0.0.1\n10.0.0.0/8\n2001:db8::/32")
        .bind::<diesel::sql_types::Text, _>("noreply@bench.example\n*@bench.example")
        .execute(conn)
    })
    .await
    .unwrap();
}

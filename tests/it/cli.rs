//! The `postern` binary as an operator runs it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_postern");

fn postern(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("POSTERN_DATA_DIR", dir.join("data"))
        .env("POSTERN_SMTP_ADDR", "127.0.0.1:0")
        .env("POSTERN_LOG", "warn");
    cmd
}

/// Runs a command expected to fail at start-up; returns its stderr.
#[track_caller]
fn fails_with_one_line(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit code; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn an_unparsable_http_address_stops_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = fails_with_one_line(
        postern(dir.path())
            .arg("serve")
            .env("POSTERN_HTTP_ADDR", "localhost:http"),
    );
    assert!(
        stderr.starts_with("postern: POSTERN_HTTP_ADDR: "),
        "{stderr}"
    );
}

#[test]
fn an_unknown_database_scheme_stops_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = fails_with_one_line(
        postern(dir.path())
            .arg("serve")
            .env("POSTERN_DATABASE_URL", "mysql://root@localhost/postern"),
    );
    assert!(
        stderr.starts_with("postern: POSTERN_DATABASE_URL: "),
        "{stderr}"
    );
    assert!(stderr.contains("mysql"), "{stderr}");
}

#[test]
fn an_unreachable_database_stops_start_up_without_leaking_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = fails_with_one_line(postern(dir.path()).arg("serve").env(
        "POSTERN_DATABASE_URL",
        "postgres://postern:hunter2secret@127.0.0.1:1/postern?connect_timeout=2",
    ));
    assert!(
        stderr.starts_with("postern: POSTERN_DATABASE_URL: cannot open"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2secret"), "{stderr}");
}

#[test]
fn an_unreachable_redis_stops_start_up_without_leaking_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = fails_with_one_line(
        postern(dir.path())
            .arg("serve")
            .env("POSTERN_HTTP_ADDR", "127.0.0.1:0")
            .env("POSTERN_REDIS_URL", "redis://:hunter2secret@127.0.0.1:1/"),
    );
    assert!(
        stderr.starts_with("postern: POSTERN_REDIS_URL: cannot connect"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2secret"), "{stderr}");
}

#[test]
fn a_port_in_use_stops_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let stderr = fails_with_one_line(
        postern(dir.path())
            .arg("serve")
            .env("POSTERN_HTTP_ADDR", &addr),
    );
    assert!(
        stderr.starts_with("postern: POSTERN_HTTP_ADDR: cannot listen"),
        "{stderr}"
    );
}

#[test]
fn bad_proxy_settings_stop_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = fails_with_one_line(
        postern(dir.path())
            .arg("serve")
            .env("POSTERN_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal"),
    );
    assert!(
        stderr.starts_with("postern: POSTERN_TRUSTED_PROXIES: \"proxy.internal\""),
        "{stderr}"
    );
    let stderr = fails_with_one_line(
        postern(dir.path())
            .arg("serve")
            .env("POSTERN_PUBLIC_URL", "postern.example.com/dash"),
    );
    assert!(
        stderr.starts_with("postern: POSTERN_PUBLIC_URL: "),
        "{stderr}"
    );
}

#[test]
fn a_config_file_with_an_unknown_setting_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("postern.toml");
    std::fs::write(&file, "http_adr = \"127.0.0.1:1\"\n").unwrap();
    let stderr = fails_with_one_line(postern(dir.path()).args([
        "--config",
        file.to_str().unwrap(),
        "serve",
    ]));
    assert!(stderr.contains("http_adr"), "{stderr}");
}

#[test]
fn users_and_workspaces_can_be_created_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = postern(dir.path())
        .args([
            "user",
            "create",
            "--email",
            "Ops@Example.com",
            "--name",
            "Ops Person",
            "--admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a-long-cli-password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("created user Ops Person <ops@example.com>")
    );

    let output = postern(dir.path())
        .args([
            "workspace",
            "create",
            "--name",
            "Ops Team",
            "--owner",
            "ops@example.com",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("/w/ops-team"));

    let stderr = fails_with_one_line(postern(dir.path()).args([
        "workspace",
        "create",
        "--name",
        "X",
        "--owner",
        "nobody@example.com",
    ]));
    assert!(
        stderr.contains("no user with email nobody@example.com"),
        "{stderr}"
    );
}

#[test]
fn a_short_password_on_stdin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = postern(dir.path())
        .args(["user", "create", "--email", "a@example.com", "--name", "A"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 10 characters"));
}

#[test]
fn serve_with_no_configuration_creates_its_data_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = postern(dir.path())
        .arg("serve")
        .env("POSTERN_HTTP_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("Postern is running (SQLite). Dashboard: http://127.0.0.1:"),
        "{line}"
    );
    let url = line
        .split("Dashboard: ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(dir.path().join("data/postern.db").exists());
    assert!(dir.path().join("data/secret.key").exists());
    assert!(
        dir.path().join("data/tls-cert.pem").exists(),
        "a self-signed certificate for STARTTLS"
    );

    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
    line.clear();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "Postern stopped.");
}

#[test]
fn the_start_up_banner_shows_the_public_url_when_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = postern(dir.path())
        .arg("serve")
        .env("POSTERN_HTTP_ADDR", "127.0.0.1:0")
        .env("POSTERN_PUBLIC_URL", "https://postern.example.test")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    child.wait().unwrap();
    assert!(
        line.contains("Dashboard: https://postern.example.test/ (listening on http://127.0.0.1:"),
        "{line}"
    );
}

/// Runs `postern serve` with `log` as POSTERN_LOG, hands its dashboard
/// address to `visit`, stops it with SIGTERM and returns what it logged.
fn served_log(log: &str, visit: impl FnOnce(&str)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let stderr_path = dir.path().join("stderr.log");
    let mut child = postern(dir.path())
        .arg("serve")
        .env("POSTERN_HTTP_ADDR", "127.0.0.1:0")
        .env("POSTERN_LOG", log)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .split("Dashboard: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no dashboard URL in {line:?}"))
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    visit(url.trim_start_matches("http://").trim_end_matches('/'));
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    child.wait().unwrap();
    std::fs::read_to_string(stderr_path).unwrap()
}

/// Sends `request` as is and reads the whole answer (the server closes
/// the connection).
fn raw_http(addr: &str, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    response
}

#[test]
fn a_malformed_request_or_a_404_is_not_logged_as_an_error_or_warning() {
    let log = served_log("info", |addr| {
        let response = raw_http(
            addr,
            "GET /healthz HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n",
        );
        assert!(response.starts_with("HTTP/1.1 400"), "{response}");
        let response = raw_http(
            addr,
            "GET /no/such/page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert!(response.starts_with("HTTP/1.1 404"), "{response}");
    });
    let loud: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" ERROR ") || l.contains(" WARN "))
        .collect();
    assert!(loud.is_empty(), "client mistakes logged loudly: {loud:#?}");
    assert!(
        log.contains("malformed HTTP request refused"),
        "still logged at INFO: {log}"
    );
}

#[test]
fn an_invitation_token_in_the_path_never_reaches_the_log() {
    let log = served_log("debug", |addr| {
        for path in [
            "/invitations/SECRETTOKEN1",
            "/%69nvitations/SECRETTOKEN2",
            "/invitations/SECRETTOKEN3?x=1",
        ] {
            // No CSRF token: refused, and logged.
            let response = raw_http(
                addr,
                &format!(
                    "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                ),
            );
            assert!(response.starts_with("HTTP/1.1 403"), "{response}");
        }
        // A mistyped link matches no route: its token is not logged either.
        for path in [
            "/invitations/SECRETTOKEN4/",
            "/%69nvitations/SECRETTOKEN5/x",
        ] {
            let response = raw_http(
                addr,
                &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            );
            assert!(response.starts_with("HTTP/1.1 404"), "{response}");
        }
        // Links mangled in other ways (case, singular, doubled or dotted
        // segments) carry a token of the real length (43 characters).
        let token = |n: u8| format!("SECRETTOKEN{n}-{}", "aZ09_".repeat(6));
        let response = raw_http(
            addr,
            &format!(
                "POST //invitations/{} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                token(6)
            ),
        );
        assert!(response.starts_with("HTTP/1.1 4"), "{response}");
        for (n, path) in [
            "/Invitations/",
            "/invitation/",
            "//invitations/",
            "/./invitations/",
            "/x/../invitations/",
            "/static/../invitations/",
            "/static/",
            "/no/such/page?token=",
        ]
        .into_iter()
        .enumerate()
        {
            let path = format!("{path}{}", token(7 + n as u8));
            let response = raw_http(
                addr,
                &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            );
            assert!(response.starts_with("HTTP/1.1 "), "{response}");
        }
    });
    assert!(log.contains("/invitations/[redacted]"), "{log}");
    assert!(
        log.contains("CSRF token missing or wrong"),
        "the refusals are logged: {log}"
    );
    assert!(!log.contains("SECRETTOKEN"), "{log}");
    assert!(log.contains("/invitations/{token}"), "{log}");
}

#[test]
fn refused_sign_ins_are_logged_at_info_not_as_warnings() {
    let log = served_log("info", |addr| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap();
            let url = format!("http://{addr}/login");
            let form = client.get(&url).send().await.unwrap().text().await.unwrap();
            let document = scraper::Html::parse_document(&form);
            let selector = scraper::Selector::parse("input[name=csrf_token]").unwrap();
            let csrf = document
                .select(&selector)
                .next()
                .and_then(|input| input.value().attr("value"))
                .expect("a CSRF token")
                .to_owned();
            let mut throttled = 0;
            for _ in 0..30 {
                let status = client
                    .post(&url)
                    .form(&[
                        ("csrf_token", csrf.as_str()),
                        ("email", "someone@example.com"),
                        ("password", "wrong-password-123"),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status();
                if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                    throttled += 1;
                    if throttled == 3 {
                        break;
                    }
                }
            }
            assert_eq!(throttled, 3, "the sign-ins were throttled");
        });
    });
    assert!(log.contains("sign-in throttled"), "{log}");
    let loud: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" ERROR ") || l.contains(" WARN "))
        .collect();
    assert!(loud.is_empty(), "client events logged loudly: {loud:#?}");
}

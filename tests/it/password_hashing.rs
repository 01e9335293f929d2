//! argon2 work is bounded: a slot per core, a short wait, then 503.

use std::io::{BufRead, BufReader, Write};
use std::net::IpAddr;
use std::process::{Child, Command, Stdio};

use futures_util::future::join_all;

use crate::helpers::{PASSWORD, new_client, spawn_app_with};

/// `n` visitors, each from its own address, each with its sign-in form's
/// CSRF token; then their sign-ins as `email(i)`, sent at once.
async fn parallel_sign_ins(
    base: &str,
    n: usize,
    email: impl Fn(usize) -> String,
) -> Vec<Result<(u16, reqwest::header::HeaderMap, String), reqwest::Error>> {
    let mut ready = Vec::new();
    for i in 0..n {
        let ip = IpAddr::from([127, 0, 1 + (i / 200) as u8, 1 + (i % 200) as u8]);
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .local_address(ip)
            .build()
            .unwrap();
        let form = client.get(format!("{base}/login")).send().await.unwrap();
        let body = form.text().await.unwrap();
        let start = body
            .find("name=\"csrf-token\" content=\"")
            .unwrap_or_else(|| panic!("no CSRF token in {body:?}"))
            + 27;
        let token = body[start..start + body[start..].find('"').unwrap()].to_owned();
        ready.push((client, token, email(i)));
    }
    let attempts = ready.iter().map(|(client, token, email)| async move {
        let response = client
            .post(format!("{base}/login"))
            .form(&[
                ("email", email.as_str()),
                ("password", "wrong-password"),
                ("csrf_token", token),
            ])
            .send()
            .await?;
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        Ok((status, headers, response.text().await?))
    });
    join_all(attempts).await
}

#[tokio::test]
async fn when_every_hashing_slot_is_busy_sign_in_answers_503_with_retry_after_and_keeps_the_email()
{
    let app = spawn_app_with(|config| {
        config.password_hash_slots = 1;
        config.password_hash_wait = std::time::Duration::ZERO;
    })
    .await;
    app.create_user("ada@example.com", "Ada").await;
    let answers = parallel_sign_ins(&app.address, 20, |_| "ada@example.com".into()).await;
    let mut busy = 0;
    for (status, headers, body) in answers.into_iter().map(Result::unwrap) {
        assert!(status == 401 || status == 503, "{status}: {body}");
        if status == 503 {
            busy += 1;
            assert_eq!(headers.get("retry-after").unwrap(), "5");
            assert!(body.contains("Try again in a few seconds."), "{body}");
            assert!(body.contains("value=\"ada@example.com\""), "{body}");
        }
    }
    assert!(busy > 0, "no sign-in found the single slot taken");
    // Refused attempts were never checked, so they do not count as failures.
    let owner = app.new_visitor_from(IpAddr::from([127, 0, 1, 1]));
    owner
        .login("ada@example.com", PASSWORD)
        .await
        .assert_redirect_to("/");
}

/// `postern serve` as an operator runs it, on SQLite in `dir`.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// With two hashing slots (the default is one per core), whatever the
    /// machine: each argon2 computation holds 19 MiB.
    fn start(dir: &std::path::Path) -> Self {
        let bin = env!("CARGO_BIN_EXE_postern");
        let postern = |args: &[&str]| {
            let mut cmd = Command::new(bin);
            cmd.args(args)
                .current_dir(dir)
                .env_clear()
                .env("POSTERN_DATA_DIR", dir.join("data"))
                .env("POSTERN_HTTP_ADDR", "127.0.0.1:0")
                .env("POSTERN_SMTP_ADDR", "127.0.0.1:0")
                .env("POSTERN_PASSWORD_HASH_SLOTS", "2")
                .env("POSTERN_LOG", "warn");
            cmd
        };
        let mut create = postern(&["user", "create", "--email", "ada@example.com"])
            .args(["--name", "Ada"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        writeln!(create.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        assert!(create.wait().unwrap().success());
        let mut child = postern(&["serve"]).stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split("Dashboard: ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no dashboard URL in {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        Self { child, base }
    }

    /// The peak resident memory so far, in MiB (`VmHWM`).
    fn peak_rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib / 1024
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_hundred_parallel_sign_ins_all_get_an_answer_and_the_server_stays_under_150_mb() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    // Distinct emails from distinct addresses: no throttle spares argon2.
    let answers = parallel_sign_ins(&server.base, 100, |i| format!("guess{i}@example.com")).await;
    let peak = server.peak_rss_mib();
    let mut statuses = std::collections::BTreeMap::new();
    for answer in answers {
        let (status, _, body) = answer.expect("every sign-in gets an answer");
        assert!(status == 401 || status == 503, "{status}: {body}");
        *statuses.entry(status).or_insert(0) += 1;
    }
    eprintln!("peak resident memory {peak} MiB; answers {statuses:?}");
    assert!(peak < 150, "peak resident memory {peak} MiB");
    // The server still signs people in.
    let client = new_client();
    let body = client
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = body.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    let token = &body[start..start + body[start..].find('"').unwrap()];
    let response = client
        .post(format!("{}/login", server.base))
        .form(&[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("csrf_token", token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
}

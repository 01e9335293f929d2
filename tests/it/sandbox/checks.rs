//! The checks on a message's page (each check itself is unit-tested in
//! `service::sandbox::checks`), the page's size for a 2 MB message, and
//! the SpamAssassin score: from a stand-in spamd always, from Debian's
//! real one when it is installed.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{store_raw, with_html};
use crate::helpers::{env_set, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_page_lists_what_the_checks_found_with_their_explanations() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let hostile = with_html(
        "Hi",
        "<head><link rel=stylesheet href=https://x.example/a.css></head>\
         <body><script>alert(1)</script><img src=cid:a></body>",
    );
    let id = store_raw(&app, &workspace, hostile).await;
    let page = app
        .get(&format!("/w/{}/sandbox/{id}", workspace.slug))
        .await;
    assert_eq!(page.status, 200);
    let checks = page.attrs("#check-findings li", "data-check");
    assert_eq!(
        checks,
        [
            "missing-date",
            "missing-message-id",
            "script",
            "external-css",
            "image-alt"
        ]
    );
    assert_eq!(
        page.text_of("#checks-summary").unwrap(),
        "1 error, 4 warnings · HTML 116 B."
    );
    page.assert_contains("RFC 5322 requires a Date field");
    page.assert_contains("No mail client runs scripts");
    // The HTML source shown is escaped text, the checks' titles too.
    assert!(!page.body.contains("<script>alert(1)</script>"));

    let clean = "From: app@example.com\r\nTo: u@example.net\r\nSubject: Hi\r\n\
        Date: Fri, 27 Nov 2026 23:45:00 +0000\r\nMessage-ID: <a@example.com>\r\n\r\nHello\r\n";
    let id = store_raw(&app, &workspace, clean.as_bytes().to_vec()).await;
    let page = app
        .get(&format!("/w/{}/sandbox/{id}", workspace.slug))
        .await;
    assert_eq!(
        page.text_of("#checks-summary").unwrap(),
        "No problems found · no HTML part."
    );
    assert!(page.text_of("#check-findings").is_none());
    // No spamd configured: no score is offered.
    assert!(page.text_of("#spam").is_none());
}

#[tokio::test]
async fn a_two_megabyte_message_gives_a_small_page() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let line = "All work and no play makes a long newsletter. ".repeat(2);
    let text = line.repeat(1_100_000 / line.len());
    let html = format!("<p>{}</p>", line.repeat(1_100_000 / line.len()));
    let raw = with_html(&text, &html);
    assert!(raw.len() > 2_000_000, "{}", raw.len());
    let id = store_raw(&app, &workspace, raw).await;
    let page = app
        .get(&format!("/w/{}/sandbox/{id}", workspace.slug))
        .await;
    assert_eq!(page.status, 200);
    // The text and the HTML source are each cut at 64 K characters.
    assert!(page.body.len() < 160_000, "{} bytes", page.body.len());
    page.assert_contains("Shown: the first 64 K characters");
    page.assert_contains("HTML 1.1 MB");
}

/// A stand-in spamd on a free port answering every request with `answer`
/// after `delay`; returns its address.
pub async fn fake_spamd(answer: &'static str, delay: Duration) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let _ = stream.read_to_end(&mut request).await;
                assert!(request.starts_with(b"SYMBOLS SPAMC/1.5\r\nContent-length: "));
                tokio::time::sleep(delay).await;
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn the_spam_score_loads_after_the_page_and_a_silent_spamd_does_not_hold_it() {
    let addr = fake_spamd(
        "SPAMD/1.1 0 EX_OK\r\nContent-length: 25\r\nSpam: True ; 7.5 / 5.0\r\n\r\nMISSING_DATE,HTML_ONLY\r\n",
        Duration::ZERO,
    )
    .await;
    let app = spawn_app_with(move |c| c.spamd_addr = Some(addr)).await;
    let (_, workspace) = app.signed_in_owner().await;
    let id = store_raw(&app, &workspace, with_html("Hi", "<p>Hi</p>")).await;
    let base = format!("/w/{}/sandbox/{id}", workspace.slug);
    let page = app.get(&base).await;
    assert_eq!(
        page.attrs("#spam", "hx-get"),
        [format!("{base}/spam-score")]
    );
    let score = app.htmx_get(&format!("{base}/spam-score"), "spam").await;
    assert_eq!(score.status, 200);
    assert_eq!(
        score.text_of("#spam-score").unwrap(),
        "Spam SpamAssassin score 7.5 (spam from 5.0)."
    );
    assert_eq!(
        score.text_of("#spam-rules").unwrap(),
        "Rules that hit: MISSING_DATE, HTML_ONLY"
    );

    let silent = fake_spamd("", Duration::from_secs(30)).await;
    let app = spawn_app_with(move |c| c.spamd_addr = Some(silent)).await;
    let (_, workspace) = app.signed_in_owner().await;
    let id = store_raw(&app, &workspace, with_html("Hi", "<p>Hi</p>")).await;
    let started = std::time::Instant::now();
    let score = app
        .get(&format!("/w/{}/sandbox/{id}/spam-score", workspace.slug))
        .await;
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_eq!(score.status, 200);
    assert_eq!(
        score.text_of("#spam-score").unwrap(),
        "No SpamAssassin score: spamd did not answer within 5 s."
    );
}

/// Debian's spamd on a free port, when installed.
fn start_spamd() -> Option<(Child, String)> {
    let spamd = ["/usr/sbin/spamd", "/usr/bin/spamd"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(spamd)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--allowed-ips=127.0.0.1",
            "--max-children=1",
            "--local",
            "--nouser-config",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    Some((child, format!("127.0.0.1:{port}")))
}

#[tokio::test]
async fn a_real_spamd_scores_a_message_when_one_is_installed() {
    let Some((mut spamd, addr)) = start_spamd() else {
        if env_set("POSTERN_TEST_REQUIRE_SPAMD") {
            panic!("spamd is not installed (apt-get install spamassassin)");
        }
        eprintln!("SKIPPED: spamd is not installed (apt-get install spamassassin to run this)");
        return;
    };
    // spamd compiles its rules first: wait until it answers.
    let message = b"Subject: Hi\r\n\r\nHello\r\n";
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let verdict = loop {
        match postern::spamd::check(&addr, message, Duration::from_secs(20)).await {
            Ok(verdict) => break verdict,
            Err(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(500)).await
            }
            Err(error) => panic!("spamd did not answer: {error}"),
        }
    };
    let _ = spamd.kill();
    let _ = spamd.wait();
    assert!(verdict.threshold > 0.0, "{verdict:?}");
    // A message without Date or Message-ID hits SpamAssassin's rules for them.
    assert!(
        verdict.rules.iter().any(|r| r.starts_with("MISSING_")),
        "{verdict:?}"
    );
}

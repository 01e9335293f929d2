//! The Sandbox's mail beyond capture: deleting it, releasing it, its
//! checks, the workspace's retention limits, the instance's ceiling.

mod ceiling;
pub mod checks;
mod delete;
mod live;
mod message;
mod preview;
pub mod release;
mod retention;
pub mod search;
mod tags;

use chrono::Duration;
use postern::db::models::{SandboxMessage, Workspace};
use postern::domain::{MessageId, now};

use crate::helpers::TestApp;

/// Inserts `n` messages of `size` bytes directly, the first received
/// `first_age` ago and each next one a second later; returns their ids,
/// oldest first. Subjects are `Message 0`, `Message 1`, …
pub async fn seed_messages(
    app: &TestApp,
    workspace: &Workspace,
    n: usize,
    size: usize,
    first_age: Duration,
) -> Vec<MessageId> {
    let workspace = workspace.id.clone();
    app.db
        .query(move |conn| {
            let start = now() - first_age;
            let mut ids = Vec::new();
            for i in 0..n {
                let header = format!("Subject: Message {i}\r\n\r\n");
                let mut raw = header.into_bytes();
                raw.resize(size.max(raw.len()), b'x');
                let message = SandboxMessage {
                    id: MessageId::generate(),
                    workspace_id: workspace.clone(),
                    credential_id: None,
                    username: "seeded".into(),
                    mail_from: "app@example.com".into(),
                    rcpt_to: format!("user{i}@example.net"),
                    subject: format!("Message {i}"),
                    size: raw.len() as i64,
                    raw,
                    received_at: start + Duration::seconds(i as i64),
                };
                SandboxMessage::insert(conn, &message)?;
                ids.push(message.id);
            }
            Ok(ids)
        })
        .await
        .unwrap()
}

/// The subjects the workspace's sandbox holds, newest first.
pub async fn subjects(app: &TestApp, workspace: &Workspace) -> Vec<String> {
    postern::service::sandbox::list(&app.db, &workspace.id, None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

/// A message with a text part and these (name, type, bytes) attachments.
pub fn multipart(text: &str, attachments: &[(&str, &str, &[u8])]) -> Vec<u8> {
    use base64::Engine;
    let mut raw = String::from(
        "From: app@example.com\r\nTo: user@example.net\r\nSubject: With attachments\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n",
    );
    raw.push_str(&format!(
        "--b0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ));
    for (name, content_type, bytes) in attachments {
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        raw.push_str(&format!(
            "--b0\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment; filename*=UTF-8''{}\r\n\r\n",
            utf8_percent(name)
        ));
        for line in encoded.as_bytes().chunks(76) {
            raw.push_str(std::str::from_utf8(line).unwrap());
            raw.push_str("\r\n");
        }
    }
    raw.push_str("--b0--\r\n");
    raw.into_bytes()
}

fn utf8_percent(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A PNG of `width`×`height` pixels.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::from_pixel(width, height, image::Rgb([40, 90, 200]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Stores `raw` as a message of the workspace; returns its id.
pub async fn store_raw(app: &TestApp, workspace: &Workspace, raw: Vec<u8>) -> MessageId {
    let workspace = workspace.id.clone();
    let subject = String::from_utf8_lossy(&raw)
        .lines()
        .find_map(|line| line.strip_prefix("Subject: ").map(str::to_owned))
        .unwrap_or_default();
    app.db
        .query(move |conn| {
            let message = SandboxMessage {
                id: MessageId::generate(),
                workspace_id: workspace,
                credential_id: None,
                username: "seeded".into(),
                mail_from: "app@example.com".into(),
                rcpt_to: "user@example.net".into(),
                subject,
                size: raw.len() as i64,
                raw,
                received_at: now(),
            };
            SandboxMessage::insert(conn, &message).map(|_| message.id)
        })
        .await
        .unwrap()
}

/// A message with a text part and an HTML part.
pub fn with_html(text: &str, html: &str) -> Vec<u8> {
    format!(
        "From: app@example.com\r\nTo: user@example.net\r\nSubject: Newsletter\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"a0\"\r\n\r\n\
         --a0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
         --a0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--a0--\r\n"
    )
    .into_bytes()
}

/// Markup that tries everything a hostile HTML mail tries, each attempt
/// aimed at `{origin}/{what}` so a request log shows which one fired.
pub fn hostile_html(origin: &str) -> String {
    format!(
        r#"<html><head><meta http-equiv="refresh" content="0;url={origin}/refresh">
<link rel="stylesheet" href="{origin}/stylesheet">
<style>@import url({origin}/import); .x {{ background: url({origin}/css-background); }}</style>
<script>fetch("{origin}/script"); document.title = "pwned";</script></head>
<body onload="fetch('{origin}/onload')">
<h1 id="greeting">Hello from the newsletter</h1>
<img src="{origin}/pixel.gif" alt="tracking pixel" width="1" height="1">
<img src="nowhere" onerror="fetch('{origin}/onerror')">
<a id="js-link" href="javascript:fetch('{origin}/javascript-link')">Click me</a>
<svg><script>fetch("{origin}/svg")</script><image href="{origin}/svg-image"/></svg>
<form action="{origin}/form"><input name="q"><button>Go</button></form>
<iframe src="{origin}/iframe"></iframe>
<div class="x" style="position:fixed;top:0;left:0;width:100%;height:100%;background-image:url({origin}/inline-style)">overlay</div>
</body></html>"#
    )
}

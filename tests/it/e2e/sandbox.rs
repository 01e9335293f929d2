//! The Sandbox in the browser: deleting ticked mail and all of it,
//! retention limits pruning the oldest.

use chrono::Duration;

use crate::e2e::browser::owner_on;
use crate::sandbox::seed_messages;

#[tokio::test]
async fn a_member_deletes_ticked_mail_then_retention_prunes_then_all_is_deleted() {
    let Some((app, browser)) = owner_on("/w/acme-mail/sandbox").await else {
        return;
    };
    let workspace = app
        .db
        .query(|conn| postern::db::models::Workspace::find_by_slug(conn, "acme-mail"))
        .await
        .unwrap()
        .unwrap();
    let ids = seed_messages(&app, &workspace, 8, 2_000, Duration::minutes(20)).await;
    browser.goto("/w/acme-mail/sandbox").await;
    browser.screenshot("60-sandbox-list").await;

    browser.click(&format!("#select-{}", ids[0])).await;
    browser.click(&format!("#select-{}", ids[1])).await;
    browser.click("[data-testid=delete-selected]").await;
    browser.wait_text(".toast", "Deleted 2 messages.").await;
    assert_eq!(
        browser
            .attr_all("tr[data-message]", "data-message")
            .await
            .len(),
        6
    );

    browser.goto("/w/acme-mail/settings/sandbox").await;
    browser.fill("#max-messages", "3").await;
    browser.click("button[type=submit].button-primary").await;
    browser
        .wait_text(
            ".toast",
            "Saved the sandbox limits; 3 messages past them were deleted.",
        )
        .await;
    assert_eq!(browser.text("#sandbox-held").await, "3 messages, 6.0 kB.");
    browser.screenshot("61-sandbox-retention").await;

    browser.goto("/w/acme-mail/sandbox").await;
    let kept = browser.attr_all("tr[data-message]", "data-message").await;
    let newest: Vec<String> = ids[5..].iter().rev().map(|id| id.to_string()).collect();
    assert_eq!(kept, newest);
    browser.click("[data-testid=delete-all]").await;
    browser.text("dialog#modal[open] #modal-title").await;
    browser.screenshot("62-sandbox-delete-all").await;
    browser.click("dialog#modal [data-testid=confirm]").await;
    browser
        .wait_text(".empty-title", "No sandbox mail yet")
        .await;
    browser.screenshot("63-sandbox-emptied").await;
    assert_eq!(app.count_rows("sandbox_messages").await, 0);
    browser.close().await;
}

#[tokio::test]
async fn a_message_shows_its_attachments_with_thumbnails_and_opens_its_raw_source_on_demand() {
    let Some((app, browser)) = owner_on("/w/acme-mail/sandbox").await else {
        return;
    };
    let workspace = app
        .db
        .query(|conn| postern::db::models::Workspace::find_by_slug(conn, "acme-mail"))
        .await
        .unwrap()
        .unwrap();
    let raw = crate::sandbox::multipart(
        "Your invoice and a photo are attached.",
        &[
            ("invoice.pdf", "application/pdf", b"%PDF-1.4 tiny"),
            ("photo.png", "image/png", &crate::sandbox::png(640, 480)),
        ],
    );
    let id = crate::sandbox::store_raw(&app, &workspace, raw).await;
    browser.goto(&format!("/w/acme-mail/sandbox/{id}")).await;
    assert!(browser.text("#attachments").await.contains("invoice.pdf"));
    // The thumbnail loaded: the browser decoded a 160-pixel-wide PNG.
    let js = "const img = document.querySelector('img.attachment-thumb'); \
              return img.complete ? img.naturalWidth : -1";
    let mut width = serde_json::Value::Null;
    for _ in 0..100 {
        width = browser.client.execute(js, vec![]).await.unwrap();
        if width != -1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(width, 160);
    assert!(browser.source().await.find("id=\"message-raw\"").is_none());
    browser.click("#raw-details summary").await;
    assert!(
        browser
            .text("#message-raw")
            .await
            .contains("Content-Disposition: attachment")
    );
    browser.screenshot("64-sandbox-message-attachments").await;
    browser.close().await;
}

/// A stand-in for the servers a hostile message calls: counts every
/// request by path, answers each with an empty 200.
async fn request_log() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let hits = log.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let hits = hits.clone();
            tokio::spawn(async move {
                let mut buf = vec![0; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request.split(' ').nth(1).unwrap_or("").to_owned();
                hits.lock().unwrap().push(path);
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (origin, log)
}

#[tokio::test]
async fn a_hostile_html_message_runs_nothing_and_calls_no_server_until_remote_images_are_asked_for()
{
    let Some((app, browser)) = owner_on("/w/acme-mail/sandbox").await else {
        return;
    };
    let (origin, log) = request_log().await;
    let workspace = app
        .db
        .query(|conn| postern::db::models::Workspace::find_by_slug(conn, "acme-mail"))
        .await
        .unwrap()
        .unwrap();
    let raw = crate::sandbox::with_html("Hello", &crate::sandbox::hostile_html(&origin));
    let id = crate::sandbox::store_raw(&app, &workspace, raw).await;
    let page = format!("/w/acme-mail/sandbox/{id}");
    browser.goto(&page).await;

    // The preview rendered its content…
    let frame = browser
        .client
        .find(fantoccini::Locator::Css("iframe#html-preview"))
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    let heading = browser.text("h1").await;
    assert_eq!(heading, "Hello from the newsletter");
    browser.client.enter_parent_frame().await.unwrap();
    // …and nothing ran and nothing was fetched.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(*log.lock().unwrap(), Vec::<String>::new());
    let title = browser.client.title().await.unwrap();
    assert!(!title.contains("pwned"), "{title}");
    assert_eq!(browser.path().await, page);
    browser.screenshot("65-sandbox-html-preview").await;

    browser.click("[data-testid=load-remote-images]").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !log.lock().unwrap().iter().any(|p| p == "/pixel.gif") {
        assert!(
            std::time::Instant::now() < deadline,
            "the image never loaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let hits = log.lock().unwrap().clone();
    let allowed = [
        "/pixel.gif",
        "/css-background",
        "/inline-style",
        "/favicon.ico",
    ];
    let unexpected: Vec<&String> = hits
        .iter()
        .filter(|p| !allowed.contains(&p.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?} of {hits:?}");
    browser.screenshot("66-sandbox-remote-images").await;
    browser.close().await;
}

#[tokio::test]
async fn a_member_reads_a_messages_checks_and_releases_it_through_the_smarthost() {
    let sink = crate::smtp::sink::start("250 2.0.0 queued").await;
    let spamd = crate::sandbox::checks::fake_spamd(
        "SPAMD/1.1 0 EX_OK\r\nSpam: False ; 2.4 / 5.0\r\n\r\nMISSING_DATE,MISSING_MID\r\n",
        std::time::Duration::ZERO,
    )
    .await;
    let url = sink.url.clone();
    let app = crate::helpers::spawn_app_with(move |c| {
        c.smarthost = Some(url.into());
        c.spamd_addr = Some(spamd);
    })
    .await;
    let (_, workspace) = app.signed_in_owner().await;
    let Some(browser) = crate::e2e::Browser::open(&app.address).await else {
        return;
    };
    browser
        .sign_in("owner@example.com", crate::helpers::PASSWORD)
        .await;
    let raw = crate::sandbox::with_html(
        "Your order has shipped.",
        "<html><head><link rel=stylesheet href=https://cdn.example/mail.css></head>\
         <body><h1>Your order has shipped</h1><img src=cid:logo>\
         <form action=https://shop.example/rate><button>Rate us</button></form></body></html>",
    );
    let id = crate::sandbox::store_raw(&app, &workspace, raw).await;
    let page = format!("/w/{}/sandbox/{id}", workspace.slug);
    browser.goto(&page).await;
    browser
        .wait_text(
            "#spam-score",
            "Not spam\nSpamAssassin score 2.4 (spam from 5.0).",
        )
        .await;
    assert_eq!(
        browser.text("#checks-summary").await,
        "1 error, 4 warnings · HTML 213 B."
    );
    browser.screenshot("64-sandbox-message-checks").await;

    browser.click("[data-testid=release-message]").await;
    browser.text("dialog#modal[open] #release-to").await;
    browser.fill("#release-to", "ada@example.com, nobody").await;
    browser.click("dialog#modal [data-testid=confirm]").await;
    browser
        .wait_text("#to-error", "\"nobody\" is not a valid email address.")
        .await;
    browser.screenshot("65-sandbox-release-refused").await;

    browser.fill("#release-to", "ada@example.com").await;
    browser.click("dialog#modal [data-testid=confirm]").await;
    browser
        .wait_text(".toast", "Released a copy to ada@example.com.")
        .await;
    browser.screenshot("66-sandbox-released").await;
    let sent = sink.transactions();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].rcpt_to, ["ada@example.com"]);
    assert!(sent[0].text().contains("Your order has shipped."));
    browser.close().await;
}

#[tokio::test]
async fn typing_a_search_and_clicking_a_tag_filter_the_list_and_the_link_keeps_them() {
    let Some((app, browser)) = owner_on("/w/acme-mail/sandbox").await else {
        return;
    };
    let workspace = app
        .db
        .query(|conn| postern::db::models::Workspace::find_by_slug(conn, "acme-mail"))
        .await
        .unwrap()
        .unwrap();
    use crate::sandbox::search::{ingest, sandbox_login};
    let login = sandbox_login(&app, &workspace, "Shop").await;
    for (subject, tags, body) in [
        (
            "Reset your password",
            "auth, password-reset",
            "Choose a new password here.",
        ),
        ("Welcome aboard", "signup", "Thanks for signing up."),
        ("Your invoice", "billing", "Total due: 42 EUR."),
        ("Welcome back", "signup", "Good to see you again."),
    ] {
        let raw = format!(
            "From: \"Shop\" <hello@shop.example>\nTo: zoe@customer.example\nSubject: {subject}\nX-Tags: {tags}\n\n{body}\n"
        );
        ingest(
            &app,
            &login,
            "bounce@shop.example",
            &["zoe@customer.example"],
            &raw,
        )
        .await;
    }
    browser.goto("/w/acme-mail/sandbox").await;
    let rows = || browser.attr_all("td.cell-name > a", "id");
    assert_eq!(rows().await.len(), 4);

    // Typing searches as you type (htmx), and the address follows.
    browser.fill("#sandbox-q", "PASSWORD").await;
    browser
        .wait_text(
            "#sandbox-matches",
            "1 message matches. Tick messages to delete them together.",
        )
        .await;
    browser.wait_htmx_idle().await;
    assert_eq!(browser.path().await, "/w/acme-mail/sandbox?q=PASSWORD");
    assert_eq!(
        browser.text("td.cell-name > a").await,
        "Reset your password"
    );
    browser.screenshot("64-sandbox-search").await;

    // A tag badge filters by it; the search box is cleared by the link.
    browser.goto("/w/acme-mail/sandbox").await;
    browser.click("a.badge-tag[data-tag=signup]").await;
    browser
        .wait_for_path("/w/acme-mail/sandbox?tag=signup")
        .await;
    assert_eq!(rows().await.len(), 2);
    assert_eq!(
        browser.text("#sandbox-matches").await,
        "2 messages match. Tick messages to delete them together."
    );
    browser.screenshot("65-sandbox-filtered-by-tag").await;

    // Delete all matching, confirmed with how many.
    browser.click("[data-testid=delete-matching]").await;
    assert_eq!(
        browser.text("dialog#modal[open] #modal-title").await,
        "Delete all matching mail?"
    );
    browser
        .wait_text("dialog#modal [data-testid=confirm]", "Delete 2 messages")
        .await;
    browser.screenshot("66-sandbox-delete-matching").await;
    browser.click("dialog#modal [data-testid=confirm]").await;
    browser.wait_text(".toast", "Deleted 2 messages.").await;
    assert_eq!(app.count_rows("sandbox_messages").await, 2);

    // Tags are edited on the message's page.
    browser.click("td.cell-name > a").await;
    browser.fill("#message-tags-field", "billing, Q4").await;
    browser.click("[data-testid=save-tags]").await;
    browser.wait_text(".toast", "Saved the tags.").await;
    assert_eq!(
        browser
            .attr_all("#message-tags a.badge-tag", "data-tag")
            .await,
        ["billing", "Q4"]
    );
    browser.screenshot("67-sandbox-message-tags").await;
    browser.close().await;
}

async fn wait_contains(browser: &crate::e2e::browser::Browser, css: &str, expected: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    // Read in one script: the element may be swapped between a find and a read.
    let read = || async {
        let text = browser
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
                vec![css.into()],
            )
            .await
            .unwrap();
        text.as_str().unwrap_or_default().to_owned()
    };
    while !read().await.contains(expected) {
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never read {expected:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits until the page's stream of new mail is open (it starts at "now").
async fn wait_live(browser: &crate::e2e::browser::Browser) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let open = browser
            .client
            .execute(
                "const d = (document.getElementById('sandbox-live') || {})['htmx-internal-data']; \
                 return !!(d && d.sseEventSource && d.sseEventSource.readyState === 1);",
                vec![],
            )
            .await
            .unwrap();
        if open == true {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the live stream never opened"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn mail_sent_over_smtp_appears_in_the_open_list_without_a_reload() {
    let Some((app, browser)) = owner_on("/w/acme-mail/sandbox").await else {
        return;
    };
    let workspace = app
        .db
        .query(|conn| postern::db::models::Workspace::find_by_slug(conn, "acme-mail"))
        .await
        .unwrap()
        .unwrap();
    let mut client = crate::smtp::authenticated(
        &app,
        &workspace,
        "live_e2e",
        true,
        postern::service::credentials::Scope::Global,
    )
    .await;
    browser
        .wait_text(".empty-title", "No sandbox mail yet")
        .await;
    // Marks this page: a reload would lose it.
    browser
        .client
        .execute("document.body.dataset.loadedOnce = 'yes'", vec![])
        .await
        .unwrap();
    wait_live(&browser).await;
    let send = |subject: &'static str, tags: &'static str| {
        format!(
            "From: app@example.com\r\nTo: user@example.net\r\nSubject: {subject}\r\nX-Tags: {tags}\r\n\r\nHi\r\n"
        )
    };
    let first_row = "#sandbox-results tbody tr:first-child .cell-name > a";
    let reply = crate::smtp::send_message(
        &mut client,
        "app@example.com",
        "user@example.net",
        &send("Welcome aboard", "signup"),
    )
    .await;
    assert_eq!(reply.code, 250);
    browser.wait_text(first_row, "Welcome aboard").await;
    wait_contains(&browser, "#sandbox-usage", "Holds 1 message (").await;
    wait_live(&browser).await;
    let reply = crate::smtp::send_message(
        &mut client,
        "app@example.com",
        "user@example.net",
        &send("Reset your password", "auth"),
    )
    .await;
    assert_eq!(reply.code, 250);
    browser.wait_text(first_row, "Reset your password").await;
    wait_contains(&browser, "#sandbox-usage", "Holds 2 messages").await;
    browser.wait_htmx_idle().await;
    assert_eq!(
        browser
            .attr_all("#sandbox-results tbody tr", "data-message")
            .await
            .len(),
        2
    );
    // New rows read as the page's own: with their tag badges.
    assert_eq!(
        browser.attr_all("a.badge-tag", "data-tag").await,
        vec!["auth".to_owned(), "signup".to_owned()]
    );
    let same_page = browser
        .client
        .execute("return document.body.dataset.loadedOnce", vec![])
        .await
        .unwrap();
    assert_eq!(same_page, "yes", "the page was not reloaded");
    browser.screenshot("65-sandbox-live-arrival").await;

    // With a search on, mail that does not match stays out of the list.
    browser.fill("#sandbox-q", "welcome").await;
    wait_contains(&browser, "#sandbox-matches", "1 message matches").await;
    browser.wait_htmx_idle().await;
    let reply = crate::smtp::send_message(
        &mut client,
        "app@example.com",
        "user@example.net",
        &send("Your invoice", "billing"),
    )
    .await;
    assert_eq!(reply.code, 250);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    browser.wait_htmx_idle().await;
    assert_eq!(browser.text(first_row).await, "Welcome aboard");
    assert_eq!(
        browser
            .attr_all("#sandbox-results tbody tr", "data-message")
            .await
            .len(),
        1
    );
    browser.close().await;
}

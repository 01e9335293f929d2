//! A message's page and its files: raw source on demand, `.eml`,
//! attachments and thumbnails.

use chrono::Duration;

use super::{multipart, png, seed_messages, store_raw};
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_message_page_stays_small_however_large_the_message() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let small = store_raw(&app, &workspace, multipart("Hello", &[])).await;
    let noise: Vec<u8> = (0..280_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let big_raw = multipart("Hello", &[("big.bin", "application/octet-stream", &noise)]);
    let big_size = big_raw.len();
    let big = store_raw(&app, &workspace, big_raw).await;
    let base = format!("/w/{}/sandbox", workspace.slug);

    let small_page = app.get(&format!("{base}/{small}")).await;
    let big_page = app.get(&format!("{base}/{big}")).await;
    assert_eq!(big_page.status, 200);
    assert!(big_size > 370_000, "{big_size}");
    assert!(
        big_page.body.len() < small_page.body.len() + 2_000,
        "{} bytes for a {big_size}-byte message",
        big_page.body.len()
    );
    big_page.assert_contains("big.bin");

    // The raw source is on its own URL: as text, or for htmx as a fragment.
    let raw = app
        .client
        .get(app.url(&format!("{base}/{big}/raw")))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(raw.bytes().await.unwrap().len(), big_size);
    let fragment = app
        .htmx_get(&format!("{base}/{small}/raw"), "raw-body")
        .await;
    assert!(
        fragment
            .body
            .starts_with("<pre class=\"message-body\" id=\"message-raw\"")
    );
    fragment.assert_contains("Subject: With attachments");
}

#[tokio::test]
async fn a_long_text_is_cut_on_the_page_and_whole_in_the_raw_source() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let text = "All work and no play. ".repeat(10_000);
    let id = store_raw(&app, &workspace, multipart(&text, &[])).await;
    let page = app
        .get(&format!("/w/{}/sandbox/{id}", workspace.slug))
        .await;
    page.assert_contains("Shown: the first 64 K characters.");
    assert!(page.body.len() < 100_000, "{}", page.body.len());
    let raw = app
        .get(&format!("/w/{}/sandbox/{id}/raw", workspace.slug))
        .await;
    assert!(raw.body.contains(&text), "the raw source holds all of it");
}

#[tokio::test]
async fn attachments_are_listed_and_downloaded_never_shown_as_pages() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let pdf = b"%PDF-1.4 not much of a pdf";
    let html = b"<script>alert(1)</script>";
    let raw = multipart(
        "See attached",
        &[
            ("résumé.pdf", "application/pdf", pdf),
            ("page.html", "text/html", html),
        ],
    );
    let id = store_raw(&app, &workspace, raw).await;
    let base = format!("/w/{}/sandbox/{id}", workspace.slug);

    let page = app.get(&base).await;
    let items = page.text_of("#attachments").unwrap();
    assert!(items.contains("résumé.pdf"), "{items}");
    assert!(items.contains("application/pdf · 26 B"), "{items}");
    assert!(items.contains("text/html · 25 B"), "{items}");

    let download = app
        .client
        .get(app.url(&format!("{base}/attachments/0")))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let headers = download.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"),
        "{disposition}"
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), pdf);

    // HTML is handed over as bytes to save, not as a page to render.
    let html_download = app
        .client
        .get(app.url(&format!("{base}/attachments/1")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        html_download.headers()["content-type"],
        "application/octet-stream"
    );
    let missing = app.get(&format!("{base}/attachments/2")).await;
    assert_eq!(missing.status, 404);
    let head = app
        .client
        .head(app.url(&format!("{base}/attachments/0")))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert!(
        head.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(head.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_image_attachment_gets_a_small_thumbnail_and_a_bomb_gets_none() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    // A PNG whose header claims 100,000 × 100,000 pixels: 40 GB decoded.
    let mut bomb = png(1, 1);
    bomb[16..24].copy_from_slice(&[0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0]);
    let crc = crc32fast_like(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let raw = multipart(
        "Pictures",
        &[
            ("photo.png", "image/png", &png(800, 600)),
            ("bomb.png", "image/png", &bomb),
        ],
    );
    let id = store_raw(&app, &workspace, raw).await;
    let base = format!("/w/{}/sandbox/{id}", workspace.slug);

    let page = app.get(&base).await;
    assert_eq!(
        page.attrs("img.attachment-thumb", "src"),
        [
            format!("{base}/attachments/0/thumbnail"),
            format!("{base}/attachments/1/thumbnail")
        ]
    );
    let thumb = app
        .client
        .get(app.url(&format!("{base}/attachments/0/thumbnail")))
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/png");
    let image = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (160, 120));

    let started = std::time::Instant::now();
    let refused = app.get(&format!("{base}/attachments/1/thumbnail")).await;
    assert_eq!(refused.status, 404);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

/// CRC-32 (IEEE), for patching a PNG header.
fn crc32fast_like(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn the_message_downloads_as_an_eml_file() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let ids = seed_messages(&app, &workspace, 1, 500, Duration::minutes(1)).await;
    let path = format!("/w/{}/sandbox/{}", workspace.slug, ids[0]);
    app.get(&path)
        .await
        .assert_contains(&format!("{path}/download"));

    let eml = app
        .client
        .get(app.url(&format!("{path}/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(eml.headers()["content-type"], "message/rfc822");
    let disposition = eml.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains(&format!("filename=\"message-{}.eml\"", ids[0])),
        "{disposition}"
    );
    let body = eml.bytes().await.unwrap();
    assert_eq!(body.len(), 500);
    assert!(body.starts_with(b"Subject: Message 0\r\n"));
}

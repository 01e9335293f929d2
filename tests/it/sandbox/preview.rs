//! The HTML preview's document: sanitised markup and its own strict CSP.

use super::{hostile_html, store_raw, with_html};
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_preview_keeps_the_content_drops_what_runs_and_forbids_the_rest_by_csp() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let raw = with_html("Hello", &hostile_html("http://tracker.example"));
    let id = store_raw(&app, &workspace, raw).await;
    let base = format!("/w/{}/sandbox/{id}", workspace.slug);

    let page = app.get(&base).await;
    assert_eq!(
        page.attrs("iframe#html-preview", "src"),
        [format!("{base}/preview")]
    );
    assert_eq!(
        page.attrs("iframe#html-preview", "sandbox"),
        ["allow-popups allow-popups-to-escape-sandbox"]
    );
    assert_eq!(
        page.attrs("[data-testid=load-remote-images]", "href"),
        [format!("{base}?images=remote")]
    );
    // The HTML source is shown as text, never as markup of the page.
    assert!(!page.body.contains("<script>fetch"), "{}", page.body);

    let preview = app.get(&format!("{base}/preview")).await;
    assert_eq!(preview.status, 200);
    let csp = preview.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'; img-src data:;"),
        "{csp}"
    );
    assert!(csp.contains("form-action 'none'"), "{csp}");
    assert!(csp.contains("sandbox allow-popups"), "{csp}");
    assert!(!csp.contains("script"), "{csp}");
    assert_eq!(preview.headers["x-frame-options"], "SAMEORIGIN");
    let document = preview.body.to_ascii_lowercase();
    let (_, body) = document.split_once("<body>").unwrap();
    assert!(body.contains("hello from the newsletter"), "{body}");
    for gone in [
        "<script",
        "onload",
        "onerror",
        "javascript:",
        "<svg",
        "<meta",
        "<link",
        "<form",
        "<iframe",
    ] {
        assert!(!body.contains(gone), "{gone} survived: {body}");
    }

    let remote = app.get(&format!("{base}/preview?images=remote")).await;
    let csp = remote.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("img-src data: https: http:;"), "{csp}");
    let page = app.get(&format!("{base}?images=remote")).await;
    assert_eq!(
        page.attrs("iframe#html-preview", "src"),
        [format!("{base}/preview?images=remote")]
    );
}

#[tokio::test]
async fn inline_images_are_served_from_the_message_itself() {
    use base64::Engine;
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let png = super::png(4, 4);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&png);
    let raw = format!(
        "From: app@example.com\r\nSubject: Logo\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=\"r0\"\r\n\r\n\
         --r0\r\nContent-Type: text/html\r\n\r\n<p><img src=\"cid:logo@acme\" alt=\"Acme\"></p>\r\n\
         --r0\r\nContent-Type: image/png\r\nContent-ID: <logo@acme>\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--r0--\r\n"
    );
    let id = store_raw(&app, &workspace, raw.into_bytes()).await;
    let preview = app
        .get(&format!("/w/{}/sandbox/{id}/preview", workspace.slug))
        .await;
    preview.assert_contains(&format!("src=\"data:image/png;base64,{encoded}\""));
    let page = app
        .get(&format!("/w/{}/sandbox/{id}", workspace.slug))
        .await;
    assert!(
        page.attrs("[data-testid=load-remote-images]", "href")
            .is_empty()
    );
}

//! The HTML part of a message made safe to look at: sanitised with
//! `ammonia` (no script, event handler, `javascript:` URL, form, frame,
//! object, SVG or `<meta>` survives), inline `cid:` images turned into
//! `data:` URLs from the message's own parts, links opened in a new tab.
//! Remote images stay in the markup: the page serving the preview forbids
//! loading them in its Content-Security-Policy until asked, so no request
//! leaves the browser (no tracking pixel fires) before that.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use mail_parser::{MessageParser, MimeHeaders, PartType};

/// A sanitised HTML body, ready to be a document's `<body>`.
#[derive(Debug, Default)]
pub struct Preview {
    pub body: String,
    /// The HTML refers to images on other servers (blocked by default).
    pub has_remote_images: bool,
}

/// Inline images larger than this are left out of the preview.
const MAX_INLINE_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// The message's sanitised HTML part; `None` when it has none.
pub fn preview(raw: &[u8]) -> Option<Preview> {
    let message = MessageParser::default().parse(raw)?;
    let html = message.html_bodies().find_map(|part| match &part.body {
        PartType::Html(html) => Some(html.clone().into_owned()),
        _ => None,
    })?;
    let mut inline = HashMap::new();
    for part in message.parts.iter() {
        let (Some(id), Some(ct)) = (part.content_id(), part.content_type()) else {
            continue;
        };
        let bytes = part.contents();
        if ct.ctype().eq_ignore_ascii_case("image") && bytes.len() <= MAX_INLINE_IMAGE_BYTES {
            let mime = format!("image/{}", ct.subtype().unwrap_or("png")).to_ascii_lowercase();
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            inline.insert(
                id.trim_matches(['<', '>']).to_owned(),
                format!("data:{mime};base64,{data}"),
            );
        }
    }
    Some(sanitise(&html, inline))
}

fn sanitise(html: &str, inline: HashMap<String, String>) -> Preview {
    let remote = Arc::new(AtomicBool::new(false));
    let seen = remote.clone();
    let mut builder = ammonia::Builder::default();
    builder
        .rm_clean_content_tags(["style"])
        .add_tags(["style", "center", "font"])
        .add_generic_attributes([
            "style",
            "class",
            "align",
            "valign",
            "bgcolor",
            "width",
            "height",
            "border",
            "cellpadding",
            "cellspacing",
            "color",
        ])
        .add_url_schemes(["data", "cid"])
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .attribute_filter(move |element, attribute, value| {
            let lower = value.trim().to_ascii_lowercase();
            let is_remote = lower.starts_with("http:") || lower.starts_with("https:");
            match (element, attribute) {
                ("img", "src") if lower.starts_with("cid:") => inline
                    .get(value.trim()[4..].trim())
                    .cloned()
                    .map(Into::into),
                ("img", "src") if lower.starts_with("data:") => {
                    lower.starts_with("data:image/").then(|| value.into())
                }
                ("img", "src") => {
                    seen.fetch_or(is_remote, Ordering::Relaxed);
                    Some(value.into())
                }
                (_, "style") => {
                    seen.fetch_or(lower.contains("url("), Ordering::Relaxed);
                    Some(value.into())
                }
                // data: and cid: only ever as an image.
                _ if lower.starts_with("data:") || lower.starts_with("cid:") => None,
                _ => Some(value.into()),
            }
        });
    let body = builder.clean(html).to_string();
    let has_remote_images = remote.load(Ordering::Relaxed) || body.contains("url(");
    Preview {
        body,
        has_remote_images,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str) -> Preview {
        sanitise(html, HashMap::new())
    }

    #[test]
    fn nothing_that_runs_survives() {
        let hostile = r#"<script>alert(1)</script>
            <img src="x" onerror="alert(2)">
            <a href="javascript:alert(3)">click</a>
            <svg><script>alert(4)</script></svg>
            <meta http-equiv="refresh" content="0;url=https://evil.example">
            <iframe src="https://evil.example"></iframe>
            <form action="https://evil.example"><input name=q></form>
            <object data="x.swf"></object>
            <body onload="alert(5)"><p>Hi</p></body>"#;
        let body = clean(hostile).body.to_ascii_lowercase();
        for gone in [
            "<script",
            "onerror",
            "javascript:",
            "<svg",
            "<meta",
            "<iframe",
            "<form",
            "<input",
            "<object",
            "onload",
            "alert(",
        ] {
            assert!(!body.contains(gone), "{gone} in {body}");
        }
        assert!(body.contains("<p>hi</p>"), "{body}");
    }

    #[test]
    fn remote_images_are_noticed_and_links_open_apart() {
        let preview = clean(
            r#"<img src="https://tracker.example/p.gif"><a href="https://example.com">x</a>"#,
        );
        assert!(preview.has_remote_images);
        assert!(
            preview.body.contains(r#"target="_blank""#),
            "{}",
            preview.body
        );
        assert!(preview.body.contains("noopener"), "{}", preview.body);
        assert!(!clean("<p>plain</p>").has_remote_images);
        assert!(
            clean(r#"<div style="background:url(https://t.example/x)">a</div>"#).has_remote_images
        );
    }

    #[test]
    fn inline_images_come_from_the_message() {
        let inline =
            HashMap::from([("logo@x".to_owned(), "data:image/png;base64,AAAA".to_owned())]);
        let body = sanitise(r#"<img src="cid:logo@x"><img src="cid:other">"#, inline).body;
        assert!(
            body.contains(r#"src="data:image/png;base64,AAAA""#),
            "{body}"
        );
        assert_eq!(body.matches("<img").count(), 2);
        assert_eq!(body.matches("src=").count(), 1, "{body}");
        let link = clean(r#"<a href="data:text/html,<script>alert(1)</script>">x</a>"#).body;
        assert!(!link.contains("data:"), "{link}");
    }
}

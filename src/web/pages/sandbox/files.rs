//! A sandbox message's bytes, each on its own URL so the message page
//! stays small whatever the message's size: the raw source (shown on
//! demand), the `.eml` download, attachments and their thumbnails.
//! Everything the sender chose is served as a download or as text, never
//! as a page: `Content-Disposition: attachment`, `nosniff` and the strict
//! CSP (from `web::security`) on every answer.

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::domain::MessageId;
use crate::error::{AppError, AppResult};
use crate::service::sandbox::{self, SandboxMessage, parts};
use crate::web::kit::{Item, WorkspacePage, htmx_target, render};

/// Attachment types served as what they say they are; any other is
/// served as `application/octet-stream`.
const SERVED_AS_IS: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
];

async fn message(cx: &WorkspacePage, id: MessageId) -> AppResult<SandboxMessage> {
    sandbox::get(&cx.state.db, &cx.access.workspace.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(
    source = r#"<pre class="message-body" id="message-raw" tabindex="0">{{ raw }}</pre>"#,
    ext = "html"
)]
struct RawFragment {
    raw: String,
}

/// The raw source: for htmx the `<pre>` the page's "Raw message" opens
/// into, else plain text.
pub async fn raw(cx: WorkspacePage, Item(id): Item<MessageId>) -> AppResult<HttpResponse> {
    let message = message(&cx, id).await?;
    if htmx_target(&cx.req).is_some() {
        let raw = String::from_utf8_lossy(&message.raw).into_owned();
        return render(actix_web::http::StatusCode::OK, &RawFragment { raw });
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(private_cache())
        .body(message.raw))
}

/// The message as an `.eml` file.
pub async fn download(cx: WorkspacePage, Item(id): Item<MessageId>) -> AppResult<HttpResponse> {
    let message = message(&cx, id).await?;
    let name = format!("message-{}.eml", message.id);
    Ok(HttpResponse::Ok()
        .content_type("message/rfc822")
        .insert_header(attachment_named(&name))
        .insert_header(private_cache())
        .body(message.raw))
}

/// The `{part}` of the path: an attachment's place in the message.
fn part_index(req: &HttpRequest) -> AppResult<usize> {
    req.match_info()
        .get("part")
        .and_then(|raw| raw.parse().ok())
        .ok_or(AppError::NotFound)
}

pub async fn attachment(cx: WorkspacePage, Item(id): Item<MessageId>) -> AppResult<HttpResponse> {
    let index = part_index(&cx.req)?;
    let message = message(&cx, id).await?;
    let (listed, bytes) = parts::attachment(&message.raw, index).ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(served_type(&listed.content_type))
        .insert_header(attachment_named(&listed.name))
        .insert_header(private_cache())
        .body(bytes))
}

/// A PNG thumbnail of an image attachment, made on the blocking pool with
/// bounded decoding (see `parts::thumbnail`); 404 for anything else.
pub async fn thumbnail(cx: WorkspacePage, Item(id): Item<MessageId>) -> AppResult<HttpResponse> {
    let index = part_index(&cx.req)?;
    let message = message(&cx, id).await?;
    let thumb = tokio::task::spawn_blocking(move || {
        let (listed, bytes) = parts::attachment(&message.raw, index)?;
        listed
            .is_image()
            .then(|| parts::thumbnail(&bytes))
            .flatten()
    })
    .await
    .map_err(AppError::unexpected)?
    .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(private_cache())
        .body(thumb))
}

/// The type an attachment is served as: its own when it is one of
/// [`SERVED_AS_IS`], else `application/octet-stream`.
pub fn served_type(content_type: &str) -> &str {
    if SERVED_AS_IS.contains(&content_type) {
        content_type
    } else {
        "application/octet-stream"
    }
}

/// `attachment` with the name as sent (UTF-8, RFC 5987) and an ASCII
/// fallback for old clients.
pub fn attachment_named(name: &str) -> ContentDisposition {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// Mail is not changed once stored: the browser may keep it, no one else.
fn private_cache() -> (header::HeaderName, &'static str) {
    (header::CACHE_CONTROL, "private, max-age=3600")
}

//! The HTML preview: the sanitised HTML part as a document of its own,
//! shown in an `<iframe sandbox>` on the message page. Its own
//! Content-Security-Policy allows no script, no form, no plugin, no frame,
//! no font or style sheet from elsewhere, and images only from the message
//! itself — from other servers only once asked (`?images=remote`).

use actix_web::HttpResponse;
use actix_web::http::header;
use serde::Deserialize;

use crate::domain::MessageId;
use crate::error::{AppError, AppResult};
use crate::service::sandbox::{self, preview};
use crate::web::kit::{Item, WorkspacePage};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PreviewParams {
    /// `remote`: load images from other servers too.
    pub images: Option<String>,
}

impl PreviewParams {
    pub fn remote_images(&self) -> bool {
        self.images.as_deref() == Some("remote")
    }
}

/// The `sandbox` attribute of the preview's iframe and the CSP directive:
/// links may open a new tab, nothing else is allowed (no scripts, no
/// forms, no same-origin access, no top navigation).
pub const SANDBOX: &str = "allow-popups allow-popups-to-escape-sandbox";

fn policy(remote_images: bool) -> String {
    let images = if remote_images {
        "data: https: http:"
    } else {
        "data:"
    };
    format!(
        "default-src 'none'; img-src {images}; style-src 'unsafe-inline'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox {SANDBOX}"
    )
}

pub async fn preview(
    cx: WorkspacePage,
    Item(id): Item<MessageId>,
    params: actix_web::web::Query<PreviewParams>,
) -> AppResult<HttpResponse> {
    let message = sandbox::get(&cx.state.db, &cx.access.workspace.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let raw = message.raw;
    let preview = tokio::task::spawn_blocking(move || preview::preview(&raw))
        .await
        .map_err(AppError::unexpected)?;
    let body = preview
        .map(|p| p.body)
        .unwrap_or_else(|| "<p style=\"color:#666\">This message has no HTML part.</p>".to_owned());
    let document = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Preview</title>\
         <style>body{{margin:12px;font-family:system-ui,sans-serif;background:#fff;color:#111}}\
         img{{max-width:100%;height:auto}}</style></head><body>{body}</body></html>"
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            policy(params.remote_images()),
        ))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(document))
}

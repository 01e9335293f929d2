//! One sandbox message's page: envelope, checks, text, HTML source,
//! headers and attachments. Its size does not follow the message's: the raw source
//! and the attachments have their own URLs (`files`), and the text, the
//! HTML source and the headers shown are capped.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::human_size;
use super::preview::{PreviewParams, SANDBOX};
use crate::domain::{MessageId, Role};
use crate::error::{AppError, AppResult};
use crate::service::sandbox::checks::{self, Level};
use crate::service::sandbox::{self, parts, preview};
use crate::web::forms::FieldErrors;
use crate::web::frame::Frame;
use crate::web::kit::{Item, Section, WorkspacePage, render};

/// Most characters of the text or the HTML source shown on the page.
const MAX_SHOWN_CHARS: usize = 64 * 1024;
/// Most header fields shown on the page.
const MAX_SHOWN_HEADERS: usize = 300;

#[derive(Template)]
#[template(path = "pages/sandbox/message.html")]
struct MessagePage {
    csrf_token: String,
    frame: Frame,
    base: String,
    id: MessageId,
    /// Delete and release (members and above).
    can_manage: bool,
    modal: Option<String>,
    flash: Option<String>,
    username: String,
    mail_from: String,
    recipients: Vec<String>,
    subject: String,
    size: String,
    received: String,
    headers: Vec<(String, String)>,
    headers_cut: bool,
    text: Shown,
    html: Option<Shown>,
    attachments: Vec<AttachmentRow>,
    preview: Option<PreviewFrame>,
    checks: Checks,
    /// The SpamAssassin score's fragment, when a spamd is configured.
    spam_href: Option<String>,
    /// (tag, link to the list filtered by it).
    tags: Vec<(String, String)>,
    tags_edit: TagsEdit,
}

/// The checks' findings as the page lists them.
struct Checks {
    html_size: Option<String>,
    findings: Vec<checks::Finding>,
}

impl Checks {
    fn errors(&self) -> usize {
        self.count(Level::Error)
    }

    fn warnings(&self) -> usize {
        self.count(Level::Warning)
    }

    fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }
}

/// The tags field as typed, and why it was refused.
#[derive(Debug, Default)]
pub struct TagsEdit {
    pub value: String,
    pub errors: FieldErrors,
}

/// The HTML preview's frame and its remote-images switch.
struct PreviewFrame {
    src: String,
    sandbox: &'static str,
    has_remote_images: bool,
    remote_images: bool,
}

/// Text shown on the page, and whether it was cut short.
struct Shown {
    text: String,
    cut: bool,
}

impl Shown {
    fn of(mut text: String) -> Self {
        let cut = match text.char_indices().nth(MAX_SHOWN_CHARS) {
            Some((at, _)) => {
                text.truncate(at);
                true
            }
            None => false,
        };
        Self { text, cut }
    }
}

struct AttachmentRow {
    attachment: parts::Attachment,
    size: String,
    href: String,
}

pub async fn show(
    cx: WorkspacePage,
    Item(id): Item<MessageId>,
    params: web::Query<PreviewParams>,
) -> AppResult<HttpResponse> {
    message_page(&cx, id, params.remote_images(), None).await
}

/// One message's page, with `modal` open over it.
pub(super) async fn message_page(
    cx: &WorkspacePage,
    id: MessageId,
    remote_images: bool,
    modal: Option<String>,
) -> AppResult<HttpResponse> {
    message_page_with(cx, id, remote_images, modal, None, StatusCode::OK).await
}

/// One message's page, with `modal` open over it and the tags field as
/// `tags_edit` holds it (refused), answered with `status`.
pub(super) async fn message_page_with(
    cx: &WorkspacePage,
    id: MessageId,
    remote_images: bool,
    modal: Option<String>,
    tags_edit: Option<TagsEdit>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let message = sandbox::get(&cx.state.db, &cx.access.workspace.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let raw = message.raw;
    let recipients = message.rcpt_to.lines().count();
    let (mut parts, has_remote_images, report) = tokio::task::spawn_blocking(move || {
        let remote = preview::preview(&raw).is_some_and(|p| p.has_remote_images);
        (parts::parts(&raw), remote, checks::check(&raw, recipients))
    })
    .await
    .map_err(AppError::unexpected)?;
    let headers_cut = parts.headers.len() > MAX_SHOWN_HEADERS;
    let base = cx.urls().sandbox();
    let files = format!("{base}/{}/attachments", message.id);
    let preview = parts.html.is_some().then(|| PreviewFrame {
        src: format!(
            "{base}/{}/preview{}",
            message.id,
            if remote_images { "?images=remote" } else { "" }
        ),
        sandbox: SANDBOX,
        has_remote_images,
        remote_images,
    });
    parts.headers.truncate(MAX_SHOWN_HEADERS);
    let spam_href = cx
        .state
        .spamd_addr
        .as_ref()
        .map(|_| format!("{base}/{}/spam-score", message.id));
    let tags = sandbox::tags(&cx.state.db, &message.id).await?;
    let tags_edit = tags_edit.unwrap_or_else(|| TagsEdit {
        value: tags.join(", "),
        errors: FieldErrors::default(),
    });
    let page = MessagePage {
        tags: tags
            .into_iter()
            .map(|tag| {
                let href = super::search::SearchState::tag_href(&base, &tag);
                (tag, href)
            })
            .collect(),
        tags_edit,
        csrf_token: cx.csrf_token(),
        frame: cx.frame(Section::Sandbox).await?,
        base,
        id: message.id,
        can_manage: Role::can_manage_sandbox_mail(cx.access.role),
        modal,
        flash: cx.take_flash(),
        username: message.username,
        mail_from: message.mail_from,
        recipients: message.rcpt_to.lines().map(str::to_owned).collect(),
        subject: message.subject,
        size: human_size(message.size),
        received: message
            .received_at
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        headers: parts.headers,
        headers_cut,
        text: Shown::of(parts.text),
        html: parts.html.map(Shown::of),
        preview,
        checks: Checks {
            html_size: report.html_bytes.map(|b| human_size(b as i64)),
            findings: report.findings,
        },
        spam_href,
        attachments: parts
            .attachments
            .into_iter()
            .map(|attachment| AttachmentRow {
                size: human_size(attachment.size as i64),
                href: format!("{files}/{}", attachment.index),
                attachment,
            })
            .collect(),
    };
    render(status, &page)
}

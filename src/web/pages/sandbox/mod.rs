//! The Sandbox: mail sent with sandbox credentials, newest first, and each
//! message's envelope, checks, headers and text. The list is searched and
//! filtered by credential, tag and date (`search`, a linkable query
//! string); members and above tag mail (`tags`), release it to real
//! addresses (`release`) and delete it, one, ticked or all matching a
//! search (`delete`); admins set how much is kept (`retention`).

pub mod delete;
pub mod files;
pub mod live;
pub mod message;
pub mod preview;
pub mod release;
pub mod retention;
pub mod search;
pub mod spam;
pub mod tags;

pub use message::show;
pub use search::SandboxParams;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use self::search::SearchState;
use crate::db::keyset::Cursor;
use crate::domain::{CredentialId, MessageId, Role, SandboxLimits, now, relative_time};
use crate::error::AppResult;
use crate::service::sandbox::search::credential_choices;
use crate::service::sandbox::{self, ListedMessage, MessageFilter, Tally};
use crate::web::frame::Frame;
use crate::web::kit::{Section, WorkspacePage, htmx_target, render};

const PAGE_SIZE: i64 = 50;

/// The id of the element that holds the search form and its results; htmx
/// swaps it.
pub const RESULTS_ID: &str = "sandbox-results";

pub struct MessageRow {
    pub message: ListedMessage,
    pub size: String,
    pub when: String,
    pub exact: String,
    /// (tag, link to the list filtered by it).
    pub tags: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "pages/sandbox/list.html")]
struct SandboxPage {
    csrf_token: String,
    frame: Frame,
    base: String,
    results: Results,
    held: Held,
    retention_href: String,
    modal: Option<String>,
    flash: Option<String>,
}

#[derive(Template)]
#[template(path = "partials/sandbox/_results.html")]
struct ResultsFragment<'a> {
    results: &'a Results,
}

/// The search form, what it found and the pages around it.
pub struct Results {
    pub base: String,
    pub csrf_token: String,
    pub search: SearchState,
    pub credentials: Vec<(CredentialId, String)>,
    pub messages: Vec<MessageRow>,
    pub older: Option<String>,
    pub newer: Option<String>,
    pub can_delete: bool,
    /// "12 messages match", when a search or filter is on.
    pub matches: Option<String>,
    /// Opens the delete-matching confirmation, for members and above.
    pub delete_matching_href: Option<String>,
    /// The workspace holds mail at all (else: "no sandbox mail yet").
    pub has_mail: bool,
}

/// What the workspace's sandbox holds, against its limits.
pub struct Held {
    /// "12 messages (4.1 kB)" or "more than 10,000 messages".
    pub text: String,
    pub limits: SandboxLimits,
}

/// A size as people read it: `512 B`, `12.3 kB`, `4.0 MB` (powers of 1000,
/// as the retention limit's megabytes).
pub fn human_size(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    match bytes {
        b if b < 1_000.0 => format!("{b} B"),
        b if b < 1_000_000.0 => format!("{:.1} kB", b / 1e3),
        b if b < 1_000_000_000.0 => format!("{:.1} MB", b / 1e6),
        b => format!("{:.1} GB", b / 1e9),
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// "1 message", "12 messages", "more than 1,000 messages".
pub fn tally_text(tally: Tally) -> String {
    match tally {
        Tally::Exactly { messages: 1, .. } => "1 message".to_owned(),
        Tally::Exactly { messages, .. } => format!("{} messages", thousands(messages)),
        Tally::MoreThan(cap) => format!("more than {} messages", thousands(cap)),
    }
}

pub async fn list(cx: WorkspacePage, params: web::Query<SandboxParams>) -> AppResult<HttpResponse> {
    let search = SearchState::new(&params);
    if htmx_target(&cx.req).as_deref() == Some(RESULTS_ID) {
        // The address bar shows the search as a link makes it, without
        // the form's empty fields.
        let address = search.href(&cx.urls().sandbox(), None);
        let results = results(&cx, search).await?;
        let mut response = render(StatusCode::OK, &ResultsFragment { results: &results })?;
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&address) {
            response.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("hx-push-url"),
                value,
            );
        }
        return Ok(response);
    }
    page(&cx, &params, None).await
}

/// The list, with `modal` open over it.
pub(super) async fn page(
    cx: &WorkspacePage,
    params: &SandboxParams,
    modal: Option<String>,
) -> AppResult<HttpResponse> {
    let workspace = &cx.access.workspace.id;
    let total = sandbox::count(&cx.state.db, workspace, MessageFilter::default()).await?;
    let held = Held {
        text: match total {
            Tally::Exactly { bytes, .. } => {
                format!("{} ({})", tally_text(total), human_size(bytes))
            }
            Tally::MoreThan(_) => tally_text(total),
        },
        limits: sandbox::retention::limits(&cx.state.db, workspace).await?,
    };
    let mut results = results(cx, SearchState::new(params)).await?;
    results.has_mail = total
        != Tally::Exactly {
            messages: 0,
            bytes: 0,
        };
    let page = SandboxPage {
        csrf_token: cx.csrf_token(),
        frame: cx.frame(Section::Sandbox).await?,
        base: cx.urls().sandbox(),
        results,
        held,
        retention_href: cx.urls().sandbox_retention(),
        modal,
        flash: cx.take_flash(),
    };
    render(StatusCode::OK, &page)
}

/// One page of what the search finds, with its form.
async fn results(cx: &WorkspacePage, search: SearchState) -> AppResult<Results> {
    let (db, workspace) = (&cx.state.db, &cx.access.workspace.id);
    let base = cx.urls().sandbox();
    let (filter, anchor) = (search.filter.clone(), search.anchor.clone());
    let (found, matches) = match search.is_filtered() {
        true => {
            let (found, matches) =
                sandbox::search_and_count(db, workspace, filter, anchor, PAGE_SIZE).await?;
            (found, Some(matches))
        }
        false => (
            sandbox::search(db, workspace, filter, anchor, PAGE_SIZE).await?,
            None,
        ),
    };
    let can_delete = Role::can_manage_sandbox_mail(cx.access.role);
    let link =
        |name: &str, cursor: &Cursor<MessageId>| search.href(&base, Some((name, cursor.encode())));
    let now = now();
    Ok(Results {
        older: found.next.as_ref().map(|c| link("before", c)),
        newer: found.previous.as_ref().map(|c| link("after", c)),
        matches: matches.map(|tally| match tally {
            Tally::Exactly { messages: 1, .. } => "1 message matches".to_owned(),
            tally => format!("{} match", tally_text(tally)),
        }),
        delete_matching_href: (can_delete && search.is_filtered() && !found.items.is_empty())
            .then(|| format!("{base}/delete-matching?{}", search.query())),
        credentials: credential_choices(db, workspace).await?,
        has_mail: !found.items.is_empty() || search.is_filtered(),
        messages: found
            .items
            .into_iter()
            .map(|message| MessageRow {
                size: human_size(message.summary.size),
                when: relative_time(message.summary.received_at, now),
                exact: message
                    .summary
                    .received_at
                    .format("%Y-%m-%d %H:%M:%S UTC")
                    .to_string(),
                tags: message
                    .tags
                    .iter()
                    .map(|t| (t.clone(), SearchState::tag_href(&base, t)))
                    .collect(),
                message,
            })
            .collect(),
        csrf_token: cx.csrf_token(),
        can_delete,
        search,
        base,
    })
}

#[cfg(test)]
mod tests {
    use super::{human_size, thousands};

    #[test]
    fn counts_read_with_thousands_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn sizes_read_in_powers_of_a_thousand() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(2_000), "2.0 kB");
        assert_eq!(human_size(6_250_000), "6.2 MB");
        assert_eq!(human_size(500_000_000_000), "500.0 GB");
        assert_eq!(human_size(-5), "0 B");
    }
}

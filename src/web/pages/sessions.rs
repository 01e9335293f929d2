//! Account → Sessions: the browsers signed in to one's own account, and
//! signing them out (one, or all but this one). Only one's own sessions:
//! any other id is 404.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::db::models::SessionSummary;
use crate::domain::{SessionId, now, relative_time};
use crate::error::{AppError, AppResult};
use crate::service::sessions::Revoke;
use crate::web::dialog::{self, ConfirmDialog};
use crate::web::kit::{Done, Item, UserPage};
use crate::web::pages::account;

/// One row of the Sessions table.
pub struct SessionRow {
    pub id: String,
    pub browser: String,
    pub ip: String,
    pub signed_in: String,
    pub last_seen: String,
    /// The session of the request showing the page.
    pub current: bool,
}

/// The signed-in user's sessions, this browser's first.
pub async fn rows(cx: &UserPage) -> AppResult<Vec<SessionRow>> {
    let current = cx.session.id();
    let now = now();
    let mut rows: Vec<SessionRow> = cx
        .state
        .sessions
        .of_user(&cx.user.id)
        .await?
        .into_iter()
        .map(|s: SessionSummary| SessionRow {
            current: current.as_ref() == Some(&s.id),
            id: s.id.to_string(),
            browser: describe_browser(s.user_agent.as_deref().unwrap_or_default()),
            ip: s.ip.unwrap_or_else(|| "unknown".to_owned()),
            signed_in: relative_time(s.created_at, now),
            last_seen: relative_time(s.last_seen_at, now),
        })
        .collect();
    rows.sort_by_key(|row| !row.current);
    Ok(rows)
}

/// "Firefox on Linux", "Chrome on Android", … from a user agent.
pub fn describe_browser(user_agent: &str) -> String {
    const BROWSERS: &[(&str, &str)] = &[
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    const SYSTEMS: &[(&str, &str)] = &[
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ];
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(marker, _)| user_agent.contains(marker))
            .map(|(_, name)| *name)
    };
    match (find(BROWSERS), find(SYSTEMS)) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => format!("A browser on {system}"),
        (None, None) if user_agent.trim().is_empty() => "Unknown browser".to_owned(),
        (None, None) => user_agent.chars().take(60).collect(),
    }
}

fn own_session(rows: &[SessionRow], id: &str) -> AppResult<String> {
    let id = SessionId::parse(id).ok_or(AppError::NotFound)?.to_string();
    rows.iter()
        .find(|row| row.id == id && !row.current)
        .map(|row| format!("{} ({})", row.browser, row.ip))
        .ok_or(AppError::NotFound)
}

/// Answers with a confirm dialog: the fragment for htmx, else the Account
/// page with the dialog open.
async fn confirm(cx: &UserPage, confirm: ConfirmDialog<'_>) -> AppResult<HttpResponse> {
    dialog::answer(&cx.req, StatusCode::OK, &confirm, |modal| {
        account::page(cx, account::Extras::default(), Some(modal), StatusCode::OK)
    })
    .await
}

pub async fn confirm_sign_out(cx: UserPage, path: web::Path<String>) -> AppResult<HttpResponse> {
    let rows = rows(&cx).await?;
    let subject = own_session(&rows, &path)?;
    let csrf_token = cx.csrf_token();
    let dialog = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Sign out this session?",
        subject: &subject,
        detail: "",
        warning: "That browser is signed out at once and must sign in again.",
        action: format!("/account/sessions/{}/sign-out", path.as_str()),
        cancel_href: "/account".to_owned(),
        button: "Sign out",
        danger: true,
    };
    confirm(&cx, dialog).await
}

pub async fn sign_out(cx: UserPage, Item(id): Item<SessionId>) -> AppResult<HttpResponse> {
    let (req, session, user) = (&cx.req, &cx.session, &cx.user);
    if session.id().as_ref() == Some(&id) {
        // This browser: an ordinary sign-out.
        session.log_out();
        return Ok(Done::silently("/login").redirect(req, session));
    }
    let ended = cx
        .state
        .sessions
        .sign_out(&user.id, Revoke::One(id))
        .await
        .map_err(unavailable)?;
    if ended == 0 {
        return Err(AppError::NotFound);
    }
    tracing::info!(user = %user.id, "a session was signed out from the Account page");
    let message = "That session was signed out.";
    Ok(Done::to("/account", message).redirect(req, session))
}

pub async fn confirm_sign_out_others(cx: UserPage) -> AppResult<HttpResponse> {
    let csrf_token = cx.csrf_token();
    let dialog = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Sign out everywhere else?",
        subject: "Every other browser signed in to your account",
        detail: "",
        warning: "They are signed out at once; this browser stays signed in.",
        action: "/account/sessions/sign-out-others".to_owned(),
        cancel_href: "/account".to_owned(),
        button: "Sign out everywhere else",
        danger: true,
    };
    confirm(&cx, dialog).await
}

pub async fn sign_out_others(cx: UserPage) -> AppResult<HttpResponse> {
    let (req, session, user) = (&cx.req, &cx.session, &cx.user);
    let which = match session.id() {
        Some(id) => Revoke::AllBut(id),
        None => Revoke::All,
    };
    let ended = cx
        .state
        .sessions
        .sign_out(&user.id, which)
        .await
        .map_err(unavailable)?;
    tracing::info!(user = %user.id, ended, "other sessions signed out from the Account page");
    let message = match ended {
        1 => "1 other session was signed out.".to_owned(),
        n => format!("{n} other sessions were signed out."),
    };
    Ok(Done::to("/account", &message).redirect(req, session))
}

fn unavailable(error: anyhow::Error) -> AppError {
    tracing::error!(%error, "could not sign sessions out");
    AppError::SessionsUnavailable
}

#[cfg(test)]
mod tests {
    use super::describe_browser;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            ("", "Unknown browser"),
            ("my-script/1.0", "my-script/1.0"),
        ];
        for (user_agent, expected) in cases {
            assert_eq!(describe_browser(user_agent), expected, "{user_agent}");
        }
    }
}

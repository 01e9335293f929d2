//! What the credential templates show: rows, the table, dialogs.

use askama::Template;
use chrono::NaiveDateTime;

use super::params::ListState;
use crate::domain::{CalendarDate, CredentialName, Description, ExactTime, RelativeTime, Username};
use crate::service::credentials::{
    Count, CredentialPage, CredentialView, Direction, EXPIRING_SOON_DAYS, Policies,
};
use crate::service::domains::Domain;
use crate::web::forms::FieldErrors;
use crate::web::frame::Frame;

/// What every credential template needs besides its own data.
pub struct Ctx {
    /// Members and above: create, edit, regenerate, (de)activate, delete.
    pub can_manage: bool,
    pub csrf_token: String,
    /// The list's query string, for returning to the same page without JS.
    pub back: String,
    /// `/w/{slug}/settings/smtp-credentials`
    pub base: String,
}

/// Where applications connect.
pub struct ConnectionSettings {
    pub host: String,
    pub port: u16,
    /// Production mail can be relayed.
    pub smarthost: bool,
}

/// One row of the table: the credential (its fields read through, e.g.
/// `c.name`) and what the row shows formatted.
pub struct Row {
    pub credential: CredentialView,
    pub scoped: bool,
    /// The domains' names.
    pub domains: Vec<String>,
    /// ("3 minutes ago", "2026-11-23 10:15:02 UTC"), or `None`: never used.
    pub last_used: Option<(RelativeTime, ExactTime)>,
    pub created: CalendarDate,
    pub created_exact: ExactTime,
    /// The policy badges: (CSS modifier, text), as [`badges`] gives them.
    pub badges: Vec<(&'static str, String)>,
}

/// "Expired", "Expires in N days" (within two weeks), "Limited" (a send
/// limit is set), "IP-bound" (an address allowlist is set).
pub fn badges(p: &Policies, now: NaiveDateTime) -> Vec<(&'static str, String)> {
    let mut badges = Vec::new();
    match p.expires_at {
        Some(at) if at <= now => badges.push(("expired", "Expired".to_owned())),
        Some(at) if at - now <= chrono::Duration::days(EXPIRING_SOON_DAYS) => {
            let days = ((at - now).num_hours() + 23) / 24;
            let unit = if days == 1 { "day" } else { "days" };
            badges.push(("expiring", format!("Expires in {days} {unit}")));
        }
        _ => {}
    }
    let limits = [
        p.max_per_minute,
        p.max_per_hour,
        p.max_per_day,
        p.max_recipients,
    ];
    if limits.iter().any(Option::is_some) {
        badges.push(("policy", "Limited".to_owned()));
    }
    if !p.allowed_ips.is_empty() {
        badges.push(("policy", "IP-bound".to_owned()));
    }
    badges
}

// Dates and times are digits, letters and spaces: nothing to escape.
impl askama::filters::HtmlSafe for RelativeTime {}
impl askama::filters::HtmlSafe for CalendarDate {}
impl askama::filters::HtmlSafe for ExactTime {}

impl std::ops::Deref for Row {
    type Target = CredentialView;

    fn deref(&self) -> &CredentialView {
        &self.credential
    }
}

fn count_label(count: Count) -> String {
    match count {
        Count::Exactly(1) => "1 credential".to_owned(),
        Count::Exactly(n) => format!("{} credentials", thousands(n)),
        Count::MoreThan(n) => format!("More than {} credentials", thousands(n)),
    }
}

/// 1000 → "1,000".
fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Row {
    /// The address it last authenticated from, or "".
    pub fn last_ip(&self) -> &str {
        self.credential.last_used_ip.as_deref().unwrap_or_default()
    }

    pub fn new(c: CredentialView, now: NaiveDateTime) -> Self {
        Self {
            scoped: c.is_scoped(),
            domains: c.domain_names(),
            last_used: c
                .last_used_at
                .map(|then| (RelativeTime { then, now }, ExactTime(then))),
            created: CalendarDate(c.created_at),
            created_exact: ExactTime(c.created_at),
            badges: badges(&c.policies, now),
            credential: c,
        }
    }
}

pub struct Table {
    pub rows: Vec<Row>,
    /// "1 credential", "120 credentials", "More than 1,000 credentials".
    pub total: String,
    pub list: ListState,
    /// (href, label) of the neighbouring pages.
    pub next: Option<(String, &'static str)>,
    pub previous: Option<(String, &'static str)>,
}

impl Table {
    pub fn new(page: CredentialPage, list: ListState, now: NaiveDateTime) -> Self {
        // Going forward in a newest-first list shows older rows, and the reverse.
        let (forward, backward) = match list.dir {
            Direction::Desc => ("Older", "Newer"),
            Direction::Asc => ("Newer", "Older"),
        };
        Self {
            rows: page.items.into_iter().map(|c| Row::new(c, now)).collect(),
            total: count_label(page.total.unwrap_or(Count::Exactly(0))),
            next: page.next.map(|c| (list.page_href("after", &c), forward)),
            previous: page
                .previous
                .map(|c| (list.page_href("before", &c), backward)),
            list,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/settings/smtp_credentials.html")]
pub struct CredentialsPage {
    pub csrf_token: String,
    pub frame: Frame,
    pub ctx: Ctx,
    pub table: Table,
    pub connection: ConnectionSettings,
    /// A dialog rendered open (the JavaScript-free flow).
    pub modal: Option<String>,
    pub flash: Option<String>,
}

#[derive(Template)]
#[template(path = "partials/credentials/_table.html")]
pub struct TableFragment<'a> {
    pub ctx: &'a Ctx,
    pub table: &'a Table,
}

#[derive(Template)]
#[template(path = "partials/credentials/_row.html")]
pub struct RowFragment<'a> {
    pub ctx: &'a Ctx,
    pub c: &'a Row,
}

/// The create and edit form.
#[derive(Template)]
#[template(path = "partials/credentials/_form.html")]
pub struct FormDialog<'a> {
    pub ctx: &'a Ctx,
    pub title: &'a str,
    pub action: String,
    pub submit: &'a str,
    /// The username of the credential being edited (it cannot change).
    pub fixed_username: Option<&'a str>,
    pub form: &'a super::actions::CredentialForm,
    pub errors: &'a FieldErrors,
    pub domains: &'a [Domain],
    pub limits: &'a FieldLimits,
    /// Besides "on a date": (value, label).
    pub expiry_choices: &'a [(&'a str, &'a str)],
}

/// The bounds the form states (`maxlength`, the username hint), taken from
/// the rules themselves.
pub struct FieldLimits {
    pub name_max: usize,
    pub username_max: usize,
    pub username_hint: String,
    pub description_max: usize,
}

impl Default for FieldLimits {
    fn default() -> Self {
        Self {
            name_max: CredentialName::MAX,
            username_max: Username::MAX,
            username_hint: Username::hint(),
            description_max: Description::MAX,
        }
    }
}

/// The password, shown once after create or regenerate.
#[derive(Template)]
#[template(path = "partials/credentials/_password.html")]
pub struct PasswordDialog<'a> {
    pub ctx: &'a Ctx,
    pub title: &'a str,
    pub name: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    pub connection: &'a ConnectionSettings,
}

#[cfg(test)]
mod tests {
    use askama::Template;

    use super::{Ctx, FieldLimits, FormDialog};
    use crate::domain::Username;
    use crate::web::forms::FieldErrors;

    #[test]
    fn the_form_states_the_username_rule_it_enforces() {
        let ctx = Ctx {
            can_manage: true,
            csrf_token: String::new(),
            back: String::new(),
            base: String::new(),
        };
        let html = FormDialog {
            ctx: &ctx,
            title: "Create",
            action: String::new(),
            submit: "Create",
            fixed_username: None,
            form: &Default::default(),
            errors: &FieldErrors::default(),
            domains: &[],
            limits: &FieldLimits::default(),
            expiry_choices: &[],
        }
        .render()
        .unwrap();
        assert!(html.contains(&format!(
            r#"name="username" type="text" maxlength="{}""#,
            Username::MAX
        )));
        assert!(html.contains(&Username::hint()));
    }
}

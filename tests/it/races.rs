//! Rules that are checked and then written, raced: many requests released
//! at the same moment against one app, then exactly one outcome in the
//! database. They mean something on both backends: SQLite serialises
//! writers with `BEGIN IMMEDIATE`, PostgreSQL runs at READ COMMITTED and
//! needs the locks of `db::lock_workspace` and `db::lock_global`.

use std::sync::Arc;

use postern::db::models::{User, Workspace};
use postern::domain::Role;
use reqwest::StatusCode;
use tokio::sync::Barrier;

use crate::helpers::{PASSWORD, TestApp, spawn_app_with};

mod domains;
mod invitations;
mod members;
mod rotations;
mod sandbox;
mod workspaces;

pub const MEMBERS: &str = "/w/acme-mail/settings/members";
pub const DOMAINS: &str = "/w/acme-mail/settings/domains";
pub const CREDENTIALS: &str = "/w/acme-mail/settings/smtp-credentials";

/// An app whose pool lets every raced request hold a connection at once.
pub async fn spawn_racing_app() -> TestApp {
    spawn_app_with(|config| config.database_pool_size = 20).await
}

/// A form post with its CSRF token already fetched, ready to go.
pub struct Ready {
    client: reqwest::Client,
    url: String,
    form: Vec<(String, String)>,
}

/// What a raced request got back.
#[derive(Debug)]
pub struct Outcome {
    pub status: StatusCode,
    pub location: Option<String>,
}

impl Outcome {
    pub fn redirected_to(&self, path: &str) -> bool {
        self.status == StatusCode::SEE_OTHER && self.location.as_deref() == Some(path)
    }
}

pub async fn ready(visitor: &TestApp, path: &str, fields: &[(&str, &str)]) -> Ready {
    let mut form: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    form.push(("csrf_token".into(), visitor.csrf_token().await));
    Ready {
        client: visitor.client.clone(),
        url: visitor.url(path),
        form,
    }
}

/// Sends every post at the same moment (a barrier releases them together)
/// and returns the outcomes in the same order. No request may fail with a
/// server error.
pub async fn all_at_once(posts: Vec<Ready>) -> Vec<Outcome> {
    let barrier = Arc::new(Barrier::new(posts.len()));
    let tasks: Vec<_> = posts
        .into_iter()
        .map(|post| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let response = post
                    .client
                    .post(&post.url)
                    .form(&post.form)
                    .send()
                    .await
                    .unwrap();
                let outcome = Outcome {
                    status: response.status(),
                    location: response
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                };
                let body = response.text().await.unwrap_or_default();
                assert!(
                    !outcome.status.is_server_error(),
                    "{} {}: {body}",
                    post.url,
                    outcome.status
                );
                outcome
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("the request task"));
    }
    outcomes
}

/// `n` users who own the workspace "Acme Mail" together, each signed in
/// in their own browser.
pub async fn owners(app: &TestApp, n: usize) -> (Workspace, Vec<(User, TestApp)>) {
    let first = app.create_user("owner0@example.com", "Owner 0").await;
    let workspace = app.create_workspace(&first, "Acme Mail").await;
    let mut owners = Vec::new();
    for i in 0..n {
        let user = match i {
            0 => first.clone(),
            _ => {
                let user = app
                    .create_user(&format!("owner{i}@example.com"), &format!("Owner {i}"))
                    .await;
                app.add_member(&workspace, &user, Role::Owner).await;
                user
            }
        };
        let browser = app.new_visitor();
        browser
            .login(&user.email, PASSWORD)
            .await
            .assert_redirect_to("/");
        owners.push((user, browser));
    }
    (workspace, owners)
}

/// How many rows of the query's single count.
pub async fn count(app: &TestApp, sql: String) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    app.db
        .query(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(sql).get_result::<Count>(conn)
        })
        .await
        .unwrap()
        .n
}

pub async fn count_owners(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) AS n FROM memberships WHERE role = 'owner'".into(),
    )
    .await
}

pub async fn count_audit(app: &TestApp, action: &str) -> i64 {
    count(
        app,
        format!("SELECT COUNT(*) AS n FROM audit_events WHERE action = '{action}'"),
    )
    .await
}

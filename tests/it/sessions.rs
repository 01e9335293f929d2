//! Server-side sessions: in the database by default, in Redis when
//! POSTERN_REDIS_URL is set; signing out (here, from another browser, or
//! everywhere else) ends them; and what happens while Redis is away.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::cookie::{Cookie, CookieJar, Key};
use diesel::prelude::*;
use postern::db::schema::sessions;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::api::helpers::{ALL_SCOPES, Api, make_key};
use crate::helpers::{
    PASSWORD, Page, TestApp, env_set, redis_url, skip_or_fail, spawn_app, spawn_app_with,
};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";

/// An app on this run's database with sessions in Redis, or `None` (after
/// [`skip_or_fail`]) without a Redis server.
async fn redis_app() -> Option<TestApp> {
    let redis = redis_url()?;
    Some(spawn_app_with(|config| config.redis_url = Some(redis.into())).await)
}

/// The `postern_session=…` pair a response set.
fn session_cookie(page: &Page) -> String {
    page.headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .find(|c| c.starts_with("postern_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// A new browser sending `user_agent`, signed in as `email`, and a copy of
/// its session cookie.
async fn signed_in_browser(app: &TestApp, email: &str, user_agent: &str) -> (TestApp, String) {
    let browser = app.new_browser(user_agent);
    let page = browser.login(email, PASSWORD).await;
    page.assert_redirect_to("/");
    (browser, session_cookie(&page))
}

/// GET `path` with nothing but `cookie`, as someone who copied it would.
async fn replay(app: &TestApp, cookie: &str, path: &str) -> Page {
    Page::from(
        crate::helpers::new_client()
            .get(app.url(path))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// What the cookie's value decrypts to, with the app's secret key.
fn cookie_content(app: &TestApp, cookie: &str) -> String {
    let secret = std::fs::read_to_string(app.data_dir().join("secret.key")).unwrap();
    let key = Key::derive_from(secret.trim().as_bytes());
    let mut jar = CookieJar::new();
    jar.add_original(Cookie::parse_encoded(cookie.to_owned()).unwrap());
    jar.private(&key)
        .get("postern_session")
        .expect("the cookie decrypts with the server's key")
        .value()
        .to_owned()
}

/// The ids of the sessions the Account page lists, and which is this browser's.
fn listed_sessions(page: &Page) -> (Vec<String>, Option<String>) {
    let ids = page.attrs("[data-testid=sessions] tr[data-session]", "data-session");
    let current = page
        .attrs(
            "[data-testid=sessions] tr[data-session]:has(.badge)",
            "data-session",
        )
        .pop();
    (ids, current)
}

async fn a_copied_cookie_is_dead_after_sign_out(app: TestApp) {
    app.create_user("ada@example.com", "Ada").await;
    let (browser, cookie) = signed_in_browser(&app, "ada@example.com", FIREFOX).await;
    assert_eq!(replay(&app, &cookie, "/account").await.status, 200);
    browser
        .post_form("/logout", &[])
        .await
        .assert_redirect_to("/login");
    replay(&app, &cookie, "/account")
        .await
        .assert_redirect_to("/login");
    // Nor can it act: the POST gets no further than the sign-in page.
    let token = browser.csrf_token().await;
    let create = crate::helpers::new_client()
        .post(app.url("/workspaces"))
        .header("cookie", &cookie)
        .form(&[("name", "Stolen"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_ne!(
        create.status(),
        303,
        "{:?}",
        create.headers().get("location")
    );
    let names: Vec<String> = app
        .db
        .query(|conn| {
            postern::db::schema::workspaces::table
                .select(postern::db::schema::workspaces::name)
                .load(conn)
        })
        .await
        .unwrap();
    assert!(names.is_empty(), "{names:?}");
}

#[tokio::test]
async fn a_copied_session_cookie_stops_working_after_sign_out() {
    a_copied_cookie_is_dead_after_sign_out(spawn_app().await).await;
}

#[tokio::test]
async fn a_copied_redis_session_cookie_stops_working_after_sign_out() {
    let Some(app) = redis_app().await else { return };
    a_copied_cookie_is_dead_after_sign_out(app).await;
}

async fn another_browser_can_be_signed_out(app: TestApp) {
    app.create_user("ada@example.com", "Ada").await;
    let (laptop, _) = signed_in_browser(&app, "ada@example.com", FIREFOX).await;
    let (_phone, phone_cookie) = signed_in_browser(&app, "ada@example.com", CHROME).await;

    let account = laptop.get("/account").await;
    assert_eq!(account.status, 200);
    let (ids, current) = listed_sessions(&account);
    assert_eq!(ids.len(), 2, "{}", account.body);
    let current = current.expect("this browser is marked");
    account.assert_contains("Firefox on Linux");
    account.assert_contains("Chrome on Windows");
    account.assert_contains("127.0.0.1");
    let phone = ids.iter().find(|id| **id != current).unwrap();

    let confirm = laptop
        .get(&format!("/account/sessions/{phone}/sign-out"))
        .await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Sign out this session?");
    laptop
        .post_form(&format!("/account/sessions/{phone}/sign-out"), &[])
        .await
        .assert_redirect_to("/account");

    replay(&app, &phone_cookie, "/account")
        .await
        .assert_redirect_to("/login");
    let account = laptop.get("/account").await;
    account.assert_contains("That session was signed out.");
    assert_eq!(listed_sessions(&account).0, [current]);
    // Signed out once is signed out: a second try finds nothing.
    let again = laptop
        .post_form(&format!("/account/sessions/{phone}/sign-out"), &[])
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn a_session_signed_out_from_another_browser_stops_working() {
    another_browser_can_be_signed_out(spawn_app().await).await;
}

#[tokio::test]
async fn a_redis_session_signed_out_from_another_browser_stops_working() {
    let Some(app) = redis_app().await else { return };
    another_browser_can_be_signed_out(app).await;
}

async fn everywhere_else_can_be_signed_out(app: TestApp) {
    app.create_user("ada@example.com", "Ada").await;
    let (laptop, laptop_cookie) = signed_in_browser(&app, "ada@example.com", FIREFOX).await;
    let (_phone, phone_cookie) = signed_in_browser(&app, "ada@example.com", CHROME).await;
    let (_tablet, tablet_cookie) = signed_in_browser(&app, "ada@example.com", SAFARI).await;
    // Someone else's session is not touched.
    app.create_user("bob@example.com", "Bob").await;
    let (_bob, bob_cookie) = signed_in_browser(&app, "bob@example.com", FIREFOX).await;
    assert_eq!(listed_sessions(&laptop.get("/account").await).0.len(), 3);

    let confirm = laptop.get("/account/sessions/sign-out-others").await;
    confirm.assert_contains("Sign out everywhere else?");
    laptop
        .post_form("/account/sessions/sign-out-others", &[])
        .await
        .assert_redirect_to("/account");

    for cookie in [&phone_cookie, &tablet_cookie] {
        replay(&app, cookie, "/account")
            .await
            .assert_redirect_to("/login");
    }
    assert_eq!(replay(&app, &bob_cookie, "/account").await.status, 200);
    let account = laptop.get("/account").await;
    account.assert_contains("2 other sessions were signed out.");
    assert_eq!(listed_sessions(&account).0.len(), 1);
    assert_eq!(replay(&app, &laptop_cookie, "/account").await.status, 200);
}

#[tokio::test]
async fn signing_out_everywhere_else_ends_every_other_session_of_that_user() {
    everywhere_else_can_be_signed_out(spawn_app().await).await;
}

#[tokio::test]
async fn with_redis_signing_out_everywhere_else_ends_every_other_session_of_that_user() {
    let Some(app) = redis_app().await else { return };
    everywhere_else_can_be_signed_out(app).await;
}

async fn twenty_browsers_at_once(app: TestApp) {
    app.create_user("ada@example.com", "Ada").await;
    let (laptop, _) = signed_in_browser(&app, "ada@example.com", FIREFOX).await;
    // Each from its own address: twenty sign-ins of one email from one
    // address at once are a guessing burst to the sign-in throttle (429).
    let browsers = (0..20u8).map(|i| {
        let browser = app.new_visitor_from(IpAddr::from([127, 0, 2, i + 1]));
        async move {
            let page = browser.login("ada@example.com", PASSWORD).await;
            page.assert_redirect_to("/");
            (browser, session_cookie(&page))
        }
    });
    let browsers = futures_util::future::join_all(browsers).await;
    let (ids, current) = listed_sessions(&laptop.get("/account").await);
    assert_eq!(ids.len(), 21);
    let current = current.unwrap();

    // Every other session signed out by twenty requests at once: each is
    // ended exactly once (303), then found gone (404); none fails.
    let others: Vec<&String> = ids.iter().filter(|id| **id != current).collect();
    let sign_outs = others.iter().map(|id| {
        let laptop = laptop.clone();
        let path = format!("/account/sessions/{id}/sign-out");
        async move { laptop.post_form(&path, &[]).await.status }
    });
    let statuses = futures_util::future::join_all(sign_outs).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    for (_, cookie) in &browsers {
        replay(&app, cookie, "/account")
            .await
            .assert_redirect_to("/login");
    }
    assert_eq!(listed_sessions(&laptop.get("/account").await).0, [current]);
}

#[tokio::test]
async fn twenty_browsers_signing_in_and_signed_out_at_once_are_all_handled() {
    twenty_browsers_at_once(spawn_app().await).await;
}

#[tokio::test]
async fn with_redis_twenty_browsers_signing_in_and_signed_out_at_once_are_all_handled() {
    let Some(app) = redis_app().await else { return };
    twenty_browsers_at_once(app).await;
}

#[tokio::test]
async fn another_users_session_cannot_be_seen_or_signed_out() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    app.create_user("bob@example.com", "Bob").await;
    let (ada, ada_cookie) = signed_in_browser(&app, "ada@example.com", FIREFOX).await;
    let (bob, _) = signed_in_browser(&app, "bob@example.com", CHROME).await;
    let (ada_ids, _) = listed_sessions(&ada.get("/account").await);
    let ada_session = &ada_ids[0];
    let bob_page = bob.get("/account").await;
    assert!(!bob_page.body.contains(ada_session.as_str()));

    let path = format!("/account/sessions/{ada_session}/sign-out");
    assert_eq!(bob.get(&path).await.status, 404);
    assert_eq!(bob.post_form(&path, &[]).await.status, 404);
    assert_eq!(
        bob.post_form("/account/sessions/not-an-id/sign-out", &[])
            .await
            .status,
        404
    );
    assert_eq!(replay(&app, &ada_cookie, "/account").await.status, 200);
}

#[tokio::test]
async fn changing_the_password_deletes_the_other_sessions() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let (laptop, laptop_cookie) = signed_in_browser(&app, "ada@example.com", FIREFOX).await;
    let (_phone, phone_cookie) = signed_in_browser(&app, "ada@example.com", CHROME).await;
    let new_password = "a-much-better-password";
    laptop
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await
        .assert_redirect_to("/account");
    replay(&app, &phone_cookie, "/account")
        .await
        .assert_redirect_to("/login");
    // This browser continues under a new key; its old one is gone too.
    replay(&app, &laptop_cookie, "/account")
        .await
        .assert_redirect_to("/login");
    assert_eq!(laptop.get("/account").await.status, 200);
    let rows: i64 = app
        .db
        .query(|conn| {
            sessions::table
                .filter(sessions::user_id.is_not_null())
                .count()
                .get_result(conn)
        })
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn the_database_keeps_only_a_hash_of_the_session_key() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let (_, cookie) = signed_in_browser(&app, "ada@example.com", FIREFOX).await;
    let key = cookie_content(&app, &cookie);
    // The cookie carries the key alone, no session data.
    assert!(
        key.len() >= 32
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{key}"
    );
    let stored: Vec<(String, String)> = app
        .db
        .query(|conn| {
            sessions::table
                .filter(sessions::user_id.is_not_null())
                .select((sessions::key_hash, sessions::state))
                .load(conn)
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    let (hash, state) = &stored[0];
    assert_eq!(*hash, postern::secrets::digest(&key));
    assert!(
        !state.contains(&key) && state.contains("user_id"),
        "{state}"
    );
}

#[tokio::test]
async fn expired_sessions_are_refused_and_cleaned_up() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let (_, cookie) = signed_in_browser(&app, "ada@example.com", FIREFOX).await;
    let past = postern::domain::now() - chrono::Duration::minutes(1);
    app.db
        .query(move |conn| {
            diesel::update(sessions::table)
                .set(sessions::expires_at.eq(past))
                .execute(conn)
        })
        .await
        .unwrap();
    replay(&app, &cookie, "/account")
        .await
        .assert_redirect_to("/login");
    // Any new session (here a visitor's sign-in page) sweeps expired rows.
    let restarted = crate::helpers::restart(app).await;
    assert_eq!(restarted.new_visitor().get("/login").await.status, 200);
    let expired: i64 = restarted
        .db
        .query(move |conn| {
            sessions::table
                .filter(sessions::expires_at.le(past))
                .count()
                .get_result(conn)
        })
        .await
        .unwrap();
    assert_eq!(expired, 0);
}

#[tokio::test]
async fn sessions_work_with_the_redis_store() {
    if !env_set("POSTERN_TEST_REDIS_URL") {
        return skip_or_fail("POSTERN_TEST_REDIS_URL (a Redis server)");
    }
    let redis = std::env::var("POSTERN_TEST_REDIS_URL").unwrap();
    let app = spawn_app_with(|config| config.redis_url = Some(redis.clone().into())).await;
    let owner = app.create_user("owner@example.com", "Olive Owner").await;
    let workspace = app.create_workspace(&owner, "Acme Mail").await;
    let signed_in = app.login("owner@example.com", PASSWORD).await;
    signed_in.assert_redirect_to("/");
    // The cookie holds only a session key; the state is in Redis, under
    // this app's prefix and a hash of the key.
    let key = cookie_content(&app, &session_cookie(&signed_in));
    assert!(!key.contains("user_id") && !key.contains('{'), "{key}");
    let redis_key = format!(
        "{}session:{}",
        app.redis_prefix,
        postern::secrets::digest(&key)
    );
    let mut connection = redis::Client::open(redis)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let state: Option<String> = redis::cmd("GET")
        .arg(&redis_key)
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!(state.expect("the state is in Redis").contains("user_id"));
    let path = format!("/w/{}/settings/smtp-credentials", workspace.slug);
    assert_eq!(app.get(&path).await.status, 200);

    app.post_form("/logout", &[])
        .await
        .assert_redirect_to("/login");
    app.get(&path).await.assert_redirect_to("/login");
    app.login("owner@example.com", PASSWORD)
        .await
        .assert_redirect_to("/");
    assert_eq!(app.get(&path).await.status, 200);
}

#[tokio::test]
async fn a_redis_session_cookie_is_dead_after_sign_out() {
    if !env_set("POSTERN_TEST_REDIS_URL") {
        return skip_or_fail("POSTERN_TEST_REDIS_URL (a Redis server)");
    }
    let redis = std::env::var("POSTERN_TEST_REDIS_URL").unwrap();
    let app = spawn_app_with(|config| config.redis_url = Some(redis.into())).await;
    app.create_user("ada@example.com", "Ada").await;
    let token = app.csrf_token().await;
    let response = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    app.post_form("/logout", &[])
        .await
        .assert_redirect_to("/login");
    // Replaying the old cookie after logout no longer signs anyone in.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/workspaces"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303);
}

/// A TCP relay to Redis that the test can cut and bring back on the same
/// port, as if Redis went away and returned.
struct RedisRelay {
    port: u16,
    upstream: String,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl RedisRelay {
    async fn start(redis: &str) -> RedisRelay {
        let upstream = redis
            .trim_start_matches("redis://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = RedisRelay {
            port: listener.local_addr().unwrap().port(),
            upstream,
            tasks: Arc::default(),
        };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, registry) = (self.upstream.clone(), self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                registry.lock().unwrap().push(relay.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Closes every relayed connection and stops listening.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Listens again on the same port.
    async fn resume(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener);
    }
}

#[tokio::test]
async fn while_redis_is_away_pages_get_503_the_api_keeps_serving_and_both_recover() {
    let Some(redis) = redis_url() else { return };
    let relay = RedisRelay::start(&redis).await;
    let app = spawn_app_with(|config| {
        config.redis_url = Some(relay.url().into());
        config.api_rate_limit = 2;
    })
    .await;
    let (_, workspace) = app.signed_in_owner().await;
    let credentials = format!("/w/{}/settings/smtp-credentials", workspace.slug);
    // The test's API client carries the browser's cookie too: the API must
    // not care.
    let api = Api::new(
        &app,
        &workspace,
        Some(make_key(&app, &workspace, "k", ALL_SCOPES).await),
    )
    .await;
    assert_eq!(api.get(&api.collection()).await.status, 200);

    relay.cut();
    let started = Instant::now();
    let during = api.get(&api.collection()).await;
    assert_eq!(during.status, 200, "{}", during.body);
    // Not held up by Redis (its calls give up after at most a second); the
    // bound is loose because this machine may be busy, not because the
    // answer may be slow: a request that waited on Redis would never come.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the API answered in {:?}",
        started.elapsed()
    );
    // Counted in this instance's memory meanwhile, still limited: 20 at
    // once exceed 2 a second (burst 4) however slowly they are served.
    assert_eq!(during.header("x-ratelimit-limit"), Some("2"));
    let collection = api.collection();
    let burst = (0..20).map(|_| api.get(&collection));
    let statuses: Vec<_> = futures_util::future::join_all(burst)
        .await
        .into_iter()
        .map(|page| page.status)
        .collect();
    assert!(statuses.contains(&429), "{statuses:?}");

    let started = Instant::now();
    let page = app.get(&credentials).await;
    assert_eq!(page.status, 503);
    page.assert_contains("cannot reach its session store");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the 503 page took {:?}",
        started.elapsed()
    );
    // A signed-out visitor's sign-in page needs a session (its CSRF token) too.
    assert_eq!(app.new_visitor().get("/login").await.status, 503);
    assert_eq!(app.get("/healthz").await.status, 200);

    relay.resume().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page = app.get(&credentials).await;
        if page.status == 200 {
            // The same session, still signed in.
            page.assert_contains("SMTP Credentials");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {} after Redis returned",
            page.status
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.new_visitor().get("/login").await.status, 200);
}

#[tokio::test]
async fn another_deployments_keys_on_the_same_redis_are_not_seen() {
    let Some(redis) = redis_url() else { return };
    // Another process on this Redis, with the default prefix, has recorded
    // enough failed sign-ins for this address to block it.
    let mut connection = redis::Client::open(redis.clone())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let (seconds, _): (u64, u64) = redis::cmd("TIME")
        .query_async(&mut connection)
        .await
        .unwrap();
    // (An address of this test's own: other checkouts of Postern whose
    // tests share this Redis must not be blocked by these entries.)
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    let foreign = format!("postern:login-failures:email:{email}");
    for n in 0..10 {
        let () = redis::cmd("ZADD")
            .arg(&foreign)
            .arg(seconds * 1000)
            .arg(format!("other-{n}"))
            .query_async(&mut connection)
            .await
            .unwrap();
    }
    let () = redis::cmd("PEXPIRE")
        .arg(&foreign)
        .arg(60_000)
        .query_async(&mut connection)
        .await
        .unwrap();

    let app = spawn_app_with(|config| config.redis_url = Some(redis.into())).await;
    assert_ne!(app.redis_prefix, "postern:");
    app.create_user(&email, "Olive Owner").await;
    app.login(&email, PASSWORD).await.assert_redirect_to("/");
}

/// When the session with this key hash expires, minus now.
async fn expires_in(app: &TestApp, key_hash: String) -> chrono::Duration {
    let expires_at: chrono::NaiveDateTime = app
        .db
        .query(move |conn| {
            sessions::table
                .filter(sessions::key_hash.eq(key_hash))
                .select(sessions::expires_at)
                .first(conn)
        })
        .await
        .unwrap();
    expires_at - postern::domain::now()
}

async fn count_sessions(app: &TestApp, signed_in: bool) -> i64 {
    app.db
        .query(move |conn| match signed_in {
            true => sessions::table
                .filter(sessions::user_id.is_not_null())
                .count()
                .get_result(conn),
            false => sessions::table
                .filter(sessions::user_id.is_null())
                .count()
                .get_result(conn),
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn an_anonymous_session_is_kept_an_hour_and_a_signed_in_one_fourteen_days() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let visitor = app.new_visitor();
    let form = visitor.get("/login").await;
    assert_eq!(form.status, 200);
    let key = cookie_content(&app, &session_cookie(&form));
    let left = expires_in(&app, postern::secrets::digest(&key)).await;
    assert!(
        left > chrono::Duration::minutes(55) && left <= chrono::Duration::hours(1),
        "an anonymous session expires in {left}"
    );
    let signed_in = visitor.login("ada@example.com", PASSWORD).await;
    signed_in.assert_redirect_to("/");
    let key = cookie_content(&app, &session_cookie(&signed_in));
    let left = expires_in(&app, postern::secrets::digest(&key)).await;
    assert!(
        left > chrono::Duration::days(14) - chrono::Duration::minutes(5)
            && left <= chrono::Duration::days(14),
        "a signed-in session expires in {left}"
    );
    // Signing in replaced the anonymous session.
    assert_eq!(count_sessions(&app, false).await, 0);
    assert_eq!(count_sessions(&app, true).await, 1);
}

/// The seconds Redis keeps the session whose cookie `page` set.
async fn redis_ttl(
    app: &TestApp,
    connection: &mut redis::aio::MultiplexedConnection,
    page: &Page,
) -> i64 {
    let key = cookie_content(app, &session_cookie(page));
    let redis_key = format!(
        "{}session:{}",
        app.redis_prefix,
        postern::secrets::digest(&key)
    );
    redis::cmd("TTL")
        .arg(&redis_key)
        .query_async(connection)
        .await
        .unwrap()
}

#[tokio::test]
async fn with_redis_an_anonymous_session_is_kept_an_hour_and_a_signed_in_one_fourteen_days() {
    let Some(app) = redis_app().await else { return };
    app.create_user("ada@example.com", "Ada").await;
    let mut connection = redis::Client::open(redis_url().unwrap())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let visitor = app.new_visitor();
    let form = visitor.get("/login").await;
    assert_eq!(form.status, 200);
    let anonymous = redis_ttl(&app, &mut connection, &form).await;
    assert!((3000..=3600).contains(&anonymous), "TTL {anonymous}");
    let signed_in = visitor.login("ada@example.com", PASSWORD).await;
    signed_in.assert_redirect_to("/");
    let fourteen_days = 14 * 24 * 3600;
    let signed_in = redis_ttl(&app, &mut connection, &signed_in).await;
    assert!(
        (fourteen_days - 300..=fourteen_days).contains(&signed_in),
        "TTL {signed_in}"
    );
}

#[tokio::test]
async fn a_flood_of_cookieless_sign_in_page_views_leaves_only_rows_that_expire_within_the_hour() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    // A bot that keeps no cookie: each view of the form makes a session
    // for its CSRF token (one row written per view).
    for _ in 0..50 {
        assert_eq!(app.new_visitor().get("/login").await.status, 200);
    }
    assert_eq!(count_sessions(&app, false).await, 50);
    let in_an_hour = postern::domain::now() + chrono::Duration::hours(1);
    let later: i64 = app
        .db
        .query(move |conn| {
            sessions::table
                .filter(sessions::expires_at.gt(in_an_hour))
                .count()
                .get_result(conn)
        })
        .await
        .unwrap();
    assert_eq!(later, 0, "anonymous rows kept beyond an hour");
    // Pages without a form make none.
    for path in ["/", "/healthz", "/static/css/app.css", "/no-such-page"] {
        app.new_visitor().get(path).await;
    }
    assert_eq!(count_sessions(&app, false).await, 50);
}

/// The signed-in session's stored (state, expiry).
async fn stored_session(app: &TestApp) -> (String, chrono::NaiveDateTime) {
    app.db
        .query(|conn| {
            sessions::table
                .filter(sessions::user_id.is_not_null())
                .select((sessions::state, sessions::expires_at))
                .first(conn)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn viewing_pages_writes_nothing_to_the_session_until_it_changes() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let list = crate::credentials::LIST;
    crate::credentials::create(&app, "Billing", "billing_app").await;
    let id = crate::credentials::id_of(&app, "billing_app").await;
    // The first view notes the workspace as the last one visited.
    assert_eq!(app.get(list).await.status, 200);
    let before = stored_session(&app).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    for path in [list, list, "/w/acme-mail/settings/domains", list] {
        assert_eq!(app.get(path).await.status, 200);
    }
    // Written back, the expiry would have moved on by the second slept.
    assert_eq!(stored_session(&app).await, before);

    // A message shown once is taken out: that is a change, written once.
    app.post_form(&format!("{list}/{id}/deactivate"), &[])
        .await
        .assert_redirect_to(&format!("{list}?sort=created_at&dir=desc"));
    let with_flash = stored_session(&app).await;
    assert!(with_flash.0.contains("flash"), "{}", with_flash.0);
    app.get(list).await.assert_contains("Deactivated Billing.");
    let taken = stored_session(&app).await;
    assert!(!taken.0.contains("flash"), "{}", taken.0);
    assert_eq!(app.get(list).await.status, 200);
    assert_eq!(stored_session(&app).await, taken);
}

//! The server-side (Redis) session store, used when POSTERN_REDIS_URL is set,
//! and what happens while Redis is away.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::api::helpers::{ALL_SCOPES, Api, make_key};
use crate::helpers::{PASSWORD, env_set, redis_url, skip_or_fail, spawn_app_with};

#[tokio::test]
async fn sessions_work_with_the_redis_store() {
    if !env_set("POSTERN_TEST_REDIS_URL") {
        return skip_or_fail("POSTERN_TEST_REDIS_URL (a Redis server)");
    }
    let redis = std::env::var("POSTERN_TEST_REDIS_URL").unwrap();
    let app = spawn_app_with(|config| config.redis_url = Some(redis)).await;
    let (_, workspace) = app.signed_in_owner().await;
    let path = format!("/w/{}/settings/smtp-credentials", workspace.slug);
    let page = app.get(&path).await;
    assert_eq!(page.status, 200);
    let cookie = page
        .headers
        .get("set-cookie")
        .map(|c| c.to_str().unwrap().to_owned());
    // The cookie holds only a session key; the state is in Redis.
    if let Some(cookie) = cookie {
        assert!(cookie.len() < 200, "{cookie}");
    }

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
    let app = spawn_app_with(|config| config.redis_url = Some(redis)).await;
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
        config.redis_url = Some(relay.url());
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
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the API answered in {:?}",
        started.elapsed()
    );
    // Counted in this instance's memory meanwhile, still limited.
    assert_eq!(during.header("x-ratelimit-limit"), Some("2"));
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(api.get(&api.collection()).await.status);
    }
    assert!(statuses.contains(&429), "{statuses:?}");

    let started = Instant::now();
    let page = app.get(&credentials).await;
    assert_eq!(page.status, 503);
    page.assert_contains("cannot reach its session store");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the 503 page took {:?}",
        started.elapsed()
    );
    // A signed-out visitor's sign-in page needs a session (its CSRF token) too.
    assert_eq!(app.new_visitor().get("/login").await.status, 503);
    assert_eq!(app.get("/healthz").await.status, 200);

    relay.resume().await;
    let deadline = Instant::now() + Duration::from_secs(15);
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

//! The server-side (Redis) session store, used when POSTERN_REDIS_URL is set.

use crate::helpers::{PASSWORD, env_set, skip_or_fail, spawn_app_with};

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

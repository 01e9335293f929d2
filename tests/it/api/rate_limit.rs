use super::helpers::{ALL_SCOPES, Api, make_key};
use crate::helpers::{another_instance, redis_url, spawn_app, spawn_app_with};

#[tokio::test]
async fn every_response_carries_the_default_limit_of_100_per_second() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let api = Api::new(
        &app,
        &workspace,
        Some(make_key(&app, &workspace, "k", ALL_SCOPES).await),
    )
    .await;
    let ok = api.get(&api.collection()).await;
    assert_eq!(ok.header("x-ratelimit-limit"), Some("100"));
    let remaining: u32 = ok.header("x-ratelimit-remaining").unwrap().parse().unwrap();
    assert!(
        (190..200).contains(&remaining),
        "a burst of 200: {remaining}"
    );
    let unauthorized = api.with_key(None).get(&api.collection()).await;
    assert_eq!(unauthorized.status, 401);
    assert_eq!(unauthorized.header("x-ratelimit-limit"), Some("100"));
}

#[tokio::test]
async fn a_key_beyond_its_burst_gets_429_with_retry_after_and_other_keys_are_unaffected() {
    let app = spawn_app_with(|config| config.api_rate_limit = 2).await;
    let (_, workspace) = app.signed_in_owner().await;
    let busy = Api::new(
        &app,
        &workspace,
        Some(make_key(&app, &workspace, "busy", ALL_SCOPES).await),
    )
    .await;
    let quiet = busy.with_key(Some(make_key(&app, &workspace, "quiet", ALL_SCOPES).await));

    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(busy.get(&busy.collection()).await);
    }
    let limited = statuses
        .iter()
        .find(|r| r.status == 429)
        .expect("a burst of 4 at 2/s is used up by 12 quick requests");
    assert_eq!(limited.header("retry-after"), Some("1"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("x-ratelimit-limit"), Some("2"));
    assert!(
        limited.body["message"]
            .as_str()
            .unwrap()
            .contains("Too many requests")
    );
    assert!(
        statuses[..4].iter().all(|r| r.status == 200),
        "the burst is served"
    );

    assert_eq!(quiet.get(&quiet.collection()).await.status, 200);
}

#[tokio::test]
async fn with_redis_every_instance_counts_against_the_same_limit() {
    let Some(redis) = redis_url() else { return };
    let settings = |config: &mut postern::config::Config| {
        config.redis_url = Some(redis.clone().into());
        config.api_rate_limit = 2;
    };
    let app = spawn_app_with(settings).await;
    let other = another_instance(&app, settings).await;
    let (_, workspace) = app.signed_in_owner().await;
    let secret = make_key(&app, &workspace, "shared", ALL_SCOPES).await;
    let here = Api::new(&app, &workspace, Some(secret)).await;
    let there = here.on(&other);

    let mut answers = Vec::new();
    for i in 0..8 {
        let api = if i % 2 == 0 { &here } else { &there };
        answers.push(api.get(&api.collection()).await);
    }
    let remaining: Vec<_> = answers
        .iter()
        .map(|a| a.header("x-ratelimit-remaining").unwrap().to_owned())
        .collect();
    // The second instance sees what the first used: one burst of 4 between them.
    assert_eq!(remaining[..2], ["3", "2"], "{remaining:?}");
    let served = answers.iter().filter(|a| a.status == 200).count();
    assert!(
        served <= 5,
        "8 quick requests over two instances, burst 4 at 2/s: {served} served ({remaining:?})"
    );
    assert!(answers.iter().any(|a| a.status == 429));
}

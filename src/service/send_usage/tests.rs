use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn per_minute(n: i64) -> SendLimits {
    SendLimits::from_numbers([Some(n), None, None, None]).unwrap()
}

/// The counters to test: in memory, and in Redis when there is one (two
/// counters on one Redis, as two instances would be).
fn counters() -> Vec<(&'static str, Arc<SendCounter>, Arc<SendCounter>)> {
    let local = Arc::new(SendCounter::new());
    let mut all = vec![("memory", local.clone(), local)];
    if let Some(pool) = crate::redis::test_pool() {
        let prefix = format!("postern-test:{}:", uuid::Uuid::new_v4());
        all.push((
            "redis",
            Arc::new(SendCounter::shared(pool.clone(), &prefix)),
            Arc::new(SendCounter::shared(pool, &prefix)),
        ));
    }
    all
}

#[tokio::test]
async fn a_limit_admits_that_many_then_says_when_to_retry() {
    for (kind, counter, _) in counters() {
        let id = CredentialId::generate();
        let now = at("2026-11-27T21:30:15Z");
        for _ in 0..3 {
            let reserved = counter.reserve(&id, per_minute(3), now).await;
            assert!(matches!(reserved, Ok(Some(_))), "{kind}");
        }
        let refused = counter.reserve(&id, per_minute(3), now).await.unwrap_err();
        assert_eq!(
            refused,
            Exceeded {
                window: Window::Minute,
                limit: 3,
                retry_at: at("2026-11-27T21:31:00Z"),
            },
            "{kind}"
        );
        let next_minute = at("2026-11-27T21:31:00Z");
        assert!(
            counter
                .reserve(&id, per_minute(3), next_minute)
                .await
                .is_ok(),
            "{kind}"
        );
        let other = CredentialId::generate();
        assert!(
            counter.reserve(&other, per_minute(3), now).await.is_ok(),
            "{kind}"
        );
    }
}

#[tokio::test]
async fn a_released_message_is_given_back_and_nothing_is_counted_without_limits() {
    for (kind, counter, _) in counters() {
        let id = CredentialId::generate();
        let now = at("2026-11-27T10:00:00Z");
        let limits = SendLimits::from_numbers([Some(10), Some(100), Some(1000), None]).unwrap();
        let first = counter.reserve(&id, limits, now).await.unwrap().unwrap();
        counter.reserve(&id, limits, now).await.unwrap();
        let used = |u: Vec<Usage>| u.iter().map(|u| u.used).collect::<Vec<_>>();
        assert_eq!(
            used(counter.usage(&id, limits, now).await),
            [2, 2, 2],
            "{kind}"
        );
        counter.release(first).await;
        let usage = counter.usage(&id, limits, now).await;
        assert_eq!(used(usage.clone()), [1, 1, 1], "{kind}");
        assert_eq!(usage[2].limit, 1000);
        assert_eq!(usage[2].to_string(), "1 / 1,000 today");
        assert_eq!(usage[0].to_string(), "1 / 10 this minute");
        assert_eq!(usage[2].resets_at, at("2026-11-28T00:00:00Z"));
        let none = SendLimits::default();
        assert!(
            matches!(counter.reserve(&id, none, now).await, Ok(None)),
            "{kind}"
        );
        assert!(counter.usage(&id, none, now).await.is_empty());
    }
}

#[tokio::test]
async fn the_first_full_window_is_named_and_nothing_is_counted_then() {
    for (kind, counter, _) in counters() {
        let id = CredentialId::generate();
        let now = at("2026-11-27T10:00:00Z");
        let limits = SendLimits::from_numbers([Some(5), None, Some(2), None]).unwrap();
        counter.reserve(&id, limits, now).await.unwrap();
        counter.reserve(&id, limits, now).await.unwrap();
        let refused = counter.reserve(&id, limits, now).await.unwrap_err();
        assert_eq!(refused.window, Window::Day, "{kind}");
        assert_eq!(refused.retry_at, at("2026-11-28T00:00:00Z"));
        let used: Vec<u32> = counter
            .usage(&id, limits, now)
            .await
            .iter()
            .map(|u| u.used)
            .collect();
        assert_eq!(used, [2, 2], "{kind}: the refused message counted nowhere");
    }
}

#[tokio::test]
async fn twenty_reservations_at_once_on_two_counters_never_pass_the_limit() {
    for (kind, one, two) in counters() {
        let id = CredentialId::generate();
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let counter = if i % 2 == 0 { one.clone() } else { two.clone() };
                let id = id.clone();
                tokio::spawn(async move { counter.reserve(&id, per_minute(7), now).await.is_ok() })
            })
            .collect();
        let mut admitted = 0;
        for task in tasks {
            admitted += usize::from(task.await.unwrap());
        }
        assert_eq!(admitted, 7, "{kind}");
    }
}

//! The user menu's theme switch, in the browser.

use std::time::{Duration, Instant};

use crate::e2e::Browser;
use crate::e2e::browser::owner_on;

const LIST: &str = "/w/acme-mail/settings/smtp-credentials";

/// The page's background colour as the browser computes it.
async fn background(browser: &Browser) -> String {
    let colour = browser
        .client
        .execute(
            "return getComputedStyle(document.body).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    colour.as_str().unwrap().to_owned()
}

/// Picks `theme` in the user menu and waits for the page it reloads to.
/// `data-theme` on `<html>` ("" when none), or `None` mid-navigation.
async fn theme_of(browser: &Browser) -> Option<String> {
    let js = "return document.documentElement.getAttribute('data-theme') || ''";
    let theme = browser.client.execute(js, vec![]).await.ok()?;
    theme.as_str().map(str::to_owned)
}

async fn choose_theme(browser: &Browser, theme: &str) {
    browser.click(".user-menu summary").await;
    browser
        .click(&format!(".theme-option[value={theme}]"))
        .await;
    let expected = if theme == "system" { "" } else { theme };
    let deadline = Instant::now() + Duration::from_secs(5);
    while theme_of(browser).await.as_deref() != Some(expected) {
        assert!(Instant::now() < deadline, "the page did not turn {theme}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_person_chooses_the_dark_theme_and_it_stays_after_a_reload() {
    let Some((_app, browser)) = owner_on(LIST).await else {
        return;
    };
    browser.set_theme(&"light".into()).await;
    let light = background(&browser).await;
    assert_eq!(light, "rgb(246, 247, 249)");
    browser.click(".user-menu summary").await;
    browser.screenshot("07-user-menu").await;
    browser.click(".user-menu summary").await;

    choose_theme(&browser, "dark").await;
    browser.goto(LIST).await;
    assert_eq!(
        theme_of(&browser).await.as_deref(),
        Some("dark"),
        "the choice is remembered"
    );
    assert_eq!(background(&browser).await, "rgb(15, 23, 42)");
    assert_eq!(
        browser
            .attr_all(".theme-option[aria-pressed=true]", "value")
            .await,
        ["dark"]
    );

    choose_theme(&browser, "system").await;
    choose_theme(&browser, "light").await;
    assert_eq!(background(&browser).await, light);
    browser.close().await;
}

#[tokio::test]
async fn with_reduced_motion_asked_for_nothing_on_the_page_moves() {
    // Browser::open starts Chromium with --force-prefers-reduced-motion.
    let Some((_app, browser)) = owner_on(LIST).await else {
        return;
    };
    let js = "return [...document.querySelectorAll('.button, input, .toast, .menu-item')] \
              .map((e) => getComputedStyle(e).transitionDuration + ' ' + getComputedStyle(e).animationName) \
              .filter((d) => d !== '0s none')";
    let moving = browser.client.execute(js, vec![]).await.unwrap();
    assert_eq!(moving, serde_json::json!([]));
    browser.close().await;
}

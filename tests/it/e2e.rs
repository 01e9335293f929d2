//! End-to-end tests: headless Chromium driven through WebDriver (fantoccini).
//!
//! The driver is POSTERN_WEBDRIVER_URL when set (scripts/test starts one),
//! else a chromedriver this test starts itself. Each test saves screenshots
//! under target/e2e-screenshots/ and checks each of those page states with
//! axe-core (e2e/axe.rs).

mod account;
mod api_keys;
mod axe;
mod browser;
mod credential_page;
mod credentials;
mod first_run;
mod keyboard;
mod members;
mod sandbox;
mod smtp;
mod theme;

pub use browser::Browser;

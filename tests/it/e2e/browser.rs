use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, skip_or_fail, spawn_app};

/// A headless Chromium session; `close()` it so Chromium quits.
pub struct Browser {
    pub client: Client,
    base: String,
    driver: Option<Child>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens a browser on the app at `base`, or `None` (skip) when no
    /// WebDriver is available outside CI.
    pub async fn open(base: &str) -> Option<Browser> {
        let (url, driver) = match std::env::var("POSTERN_WEBDRIVER_URL") {
            Ok(url) if !url.is_empty() => (url, None),
            _ => match start_chromedriver() {
                Some((url, child)) => (url, Some(child)),
                None => {
                    skip_or_fail("chromedriver (apt-get install chromium chromium-driver)");
                    return None;
                }
            },
        };
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": std::env::var("POSTERN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", "--window-size=1280,900",
                    // No transitions, so axe reads settled colours right after a theme change.
                    "--force-prefers-reduced-motion",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&url)
            .await
            .expect("WebDriver session starts");
        Some(Browser {
            client,
            base: base.to_owned(),
            driver,
            _profile: profile,
        })
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks the element, waiting (up to 5 s) for it to exist and retrying
    /// when htmx replaced it between finding and clicking.
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let clicked = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.click().await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match clicked {
                Ok(()) => return,
                Err(e) if Instant::now() >= deadline => panic!("cannot click {css}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Waits (up to 5 s) until htmx has no request in flight.
    pub async fn wait_htmx_idle(&self) {
        tokio::time::sleep(Duration::from_millis(60)).await;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let busy = self
                .client
                .execute("return document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping') !== null", vec![])
                .await
                .unwrap();
            if busy == serde_json::Value::Bool(false) {
                return;
            }
            assert!(Instant::now() < deadline, "htmx stayed busy");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits (up to 5 s) for an element and returns its text.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Waits (up to 5 s) until the page path is `path`.
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let now = self.path().await;
            if now == path {
                return;
            }
            assert!(Instant::now() < deadline, "expected {path}, still at {now}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to 5 s) until `css` matches nothing.
    pub async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap()
            .is_empty()
        {
            assert!(Instant::now() < deadline, "{css} is still there");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to 5 s) until the text of `css` is `expected`.
    pub async fn wait_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let found = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if found.trim() == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css}: expected {expected:?}, found {found:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to 5 s) until the page's polite live region (app.js) says
    /// `expected` to screen readers.
    pub async fn wait_announced(&self, expected: &str) {
        let js = "const r = document.getElementById('live-region'); return r ? r.textContent : ''";
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let said = self.client.execute(js, vec![]).await.unwrap();
            if said == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "announced {said}, not {expected:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The `data-username` of every table row, in order.
    pub async fn attr_all(&self, css: &str, attr: &str) -> Vec<String> {
        let mut out = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await.unwrap() {
            out.push(element.attr(attr).await.unwrap().unwrap_or_default());
        }
        out
    }

    /// Signs in through the form and waits for the dashboard.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.goto("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("form button[type=submit]").await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.path().await.starts_with("/login") {
            assert!(Instant::now() < deadline, "sign-in did not leave /login");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Checks the page with axe-core (see `assert_accessible`), then saves
    /// PNGs of the viewport in the page's own theme and in the dark one, as
    /// target/e2e-screenshots/{name}.png and {name}-dark.png.
    pub async fn screenshot(&self, name: &str) {
        self.assert_accessible(name).await;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
        let theme = self
            .client
            .execute(
                "return document.documentElement.getAttribute('data-theme')",
                vec![],
            )
            .await
            .unwrap();
        self.set_theme(&"dark".into()).await;
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-dark.png")), png).unwrap();
        self.set_theme(&theme).await;
    }

    pub async fn set_window_width(&self, width: u32) {
        self.client.set_window_size(width, 900).await.unwrap();
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        if let Some(mut driver) = self.driver.take() {
            let _ = driver.kill();
            let _ = driver.wait();
        }
    }
}

/// A new app whose owner (owner@example.com) is signed in in a browser on
/// `path`; `None` (skip) when no WebDriver is available outside CI.
pub async fn owner_on(path: &str) -> Option<(TestApp, Browser)> {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let browser = Browser::open(&app.address).await?;
    browser.sign_in("owner@example.com", PASSWORD).await;
    browser.goto(path).await;
    Some((app, browser))
}

pub fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots")
}

fn start_chromedriver() -> Option<(String, Child)> {
    let binary =
        std::env::var("POSTERN_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    if !std::path::Path::new(&binary).exists() {
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((format!("http://127.0.0.1:{port}"), child))
}

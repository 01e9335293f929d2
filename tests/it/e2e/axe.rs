//! axe-core in the browser: every page state the e2e tests save a screenshot
//! of is also checked against WCAG 2.0/2.1 A and AA and axe's best practices,
//! in both themes and at 1280 and 390 px wide. axe is a test fixture
//! (tests/fixtures/axe-core), injected through WebDriver, never served.

use serde_json::{Value, json};

use crate::e2e::Browser;

const AXE: &str = include_str!("../../fixtures/axe-core/axe.min.js");

/// Runs axe in the page and answers one line per violation node (rule,
/// impact, element, advice); an empty list when the page passes.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
  resultTypes: ["violations"],
}).then(
  (results) => done(results.violations.flatMap((v) => v.nodes.map((n) =>
    `${v.id} (${v.impact}) at ${n.target.join(" ")}\n      ${n.html}\n      ${v.help}: ${(n.failureSummary || "").replace(/\s+/g, " ")}`))),
  (error) => done([`axe failed: ${error}`]),
);
"#;

/// The widths every state is checked at: desktop and phone.
const WIDTHS: [u32; 2] = [1280, 390];

/// The explicit themes, set as `data-theme` on `<html>` like the user menu's switch.
const THEMES: [&str; 2] = ["light", "dark"];

impl Browser {
    /// Fails with every axe-core violation in the page as it is now, checked
    /// in both themes and at both widths; leaves theme and width as found.
    pub async fn assert_accessible(&self, state: &str) {
        let before_theme = self
            .script(
                "return document.documentElement.getAttribute('data-theme')",
                vec![],
            )
            .await;
        let before_size = self.client.get_window_size().await.unwrap();
        let mut found = Vec::new();
        for width in WIDTHS {
            self.client
                .set_window_size(width, before_size.1 as u32)
                .await
                .unwrap();
            for theme in THEMES {
                self.set_theme(&Value::from(theme)).await;
                for line in self.run_axe().await {
                    found.push(format!("  [{theme}, {width} px] {line}"));
                }
            }
        }
        self.set_theme(&before_theme).await;
        self.client
            .set_window_size(before_size.0 as u32, before_size.1 as u32)
            .await
            .unwrap();
        assert!(
            found.is_empty(),
            "axe-core finds {} violation(s) on {state}:\n{}",
            found.len(),
            found.join("\n")
        );
    }

    /// Sets `data-theme` on `<html>` to `theme`, or removes it for `null`.
    pub async fn set_theme(&self, theme: &Value) {
        self.script(
            "const [t] = arguments; const html = document.documentElement; \
             if (t === null) { html.removeAttribute('data-theme'); } else { html.setAttribute('data-theme', t); }",
            vec![theme.clone()],
        )
        .await;
    }

    async fn run_axe(&self) -> Vec<String> {
        let loaded = self
            .script("return typeof window.axe === 'object'", vec![])
            .await;
        if loaded != json!(true) {
            self.script(&format!("{AXE}\nreturn true;"), vec![]).await;
        }
        let lines = self
            .client
            .execute_async(RUN_AXE, vec![])
            .await
            .expect("axe-core runs in the page");
        serde_json::from_value(lines).expect("axe answers a list of strings")
    }

    async fn script(&self, js: &str, args: Vec<Value>) -> Value {
        self.client.execute(js, args).await.unwrap()
    }
}

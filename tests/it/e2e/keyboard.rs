//! The credentials page with the keyboard alone: Tab to reach, Enter and
//! Space to open, arrows in menus, Escape to close, focus back where it was.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use serde_json::json;

use crate::e2e::Browser;
use crate::e2e::browser::owner_on;
use crate::helpers::spawn_app;

const LIST: &str = "/w/acme-mail/settings/smtp-credentials";

impl Browser {
    /// Sends `keys` to whatever has focus.
    async fn press(&self, keys: &str) {
        let focused = self.client.active_element().await.unwrap();
        focused.send_keys(keys).await.unwrap();
    }

    /// Whether the focused element matches `css`.
    async fn focus_is(&self, css: &str) -> bool {
        let js = "return document.activeElement !== null && document.activeElement.matches(arguments[0])";
        self.client.execute(js, vec![json!(css)]).await.unwrap() == json!(true)
    }

    /// Waits (up to 5 s) until focus is on `css`.
    async fn wait_focus(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.focus_is(css).await {
            let js =
                "return document.activeElement && document.activeElement.outerHTML.slice(0, 120)";
            let at = self.client.execute(js, vec![]).await.unwrap();
            assert!(
                Instant::now() < deadline,
                "focus is not on {css} but on {at}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Presses Tab until `css` has focus, failing after 40 stops.
    async fn tab_to(&self, css: &str) {
        for _ in 0..40 {
            if self.focus_is(css).await {
                return;
            }
            self.press(&Key::Tab).await;
        }
        panic!("Tab never reaches {css}");
    }
}

#[tokio::test]
async fn a_credential_is_created_regenerated_and_deleted_with_the_keyboard_alone() {
    let Some((app, browser)) = owner_on(LIST).await else {
        return;
    };

    // The first Tab reaches the skip link.
    browser.press(&Key::Tab).await;
    browser.wait_focus(".skip-link").await;
    browser.screenshot("60-skip-link").await;

    // Create: Enter on the button, type, Enter submits, Escape closes.
    browser.tab_to("#create-credential").await;
    browser.press(&Key::Enter).await;
    browser.wait_focus("dialog[open] #credential-name").await;
    browser.press("Keyboard app").await;
    browser.press(&Key::Tab).await;
    browser.wait_focus("#credential-username").await;
    browser.press("keyboard_app").await;
    browser.press(&Key::Enter).await;
    let first = browser.text("#shown-password").await;
    browser.press(&Key::Escape).await;
    browser.wait_gone("dialog#modal[open]").await;
    browser.wait_focus("#create-credential").await;
    let summary = "tr[data-username=keyboard_app] .row-menu summary";
    browser
        .wait_text("tr[data-username=keyboard_app] .cell-name", "Keyboard app")
        .await;

    // Regenerate: Enter opens the row menu on its first item, ArrowDown
    // moves to the next, Escape on the dialog returns to the menu button.
    browser.tab_to(summary).await;
    browser.press(&Key::Enter).await;
    browser.wait_focus("[data-action=edit]").await;
    browser.screenshot("61-row-menu-keyboard").await;
    browser.press(&Key::Down).await;
    browser.wait_focus("[data-action=regenerate]").await;
    browser.press(&Key::Enter).await;
    browser
        .wait_focus("dialog[open] [data-testid=confirm]")
        .await;
    browser.press(&Key::Enter).await;
    let second = browser.text("#shown-password").await;
    assert_ne!(first, second);
    browser.press(&Key::Escape).await;
    browser.wait_gone("dialog#modal[open]").await;
    browser.wait_htmx_idle().await;
    browser.wait_focus(summary).await;

    // Tab out of an open menu closes it; Escape closes one and leaves
    // focus on its button.
    browser.press(" ").await;
    browser.wait_focus("[data-action=edit]").await;
    browser.press(&(Key::Shift + &Key::Tab)).await;
    browser.wait_gone(".row-menu[open]").await;
    browser
        .wait_focus("tr[data-username=keyboard_app] .copy-icon")
        .await;
    browser.press(&Key::Tab).await;
    browser.wait_focus(summary).await;
    browser.press(" ").await;
    browser.wait_focus("[data-action=edit]").await;
    browser.press(&Key::Escape).await;
    browser.wait_focus(summary).await;
    browser.wait_gone(".row-menu[open]").await;

    // Delete: Space opens the menu, ArrowUp wraps to the last item.
    browser.press(" ").await;
    browser.wait_focus("[data-action=edit]").await;
    browser.press(&Key::Up).await;
    browser.wait_focus("[data-action=delete]").await;
    browser.press(&Key::Enter).await;
    browser
        .wait_focus("dialog[open] [data-testid=confirm]")
        .await;
    browser.press(&Key::Enter).await;
    browser.wait_gone("tr[data-username=keyboard_app]").await;
    assert_eq!(app.count_rows("smtp_credentials").await, 0);
    browser.close().await;
}

#[tokio::test]
async fn a_refused_form_focuses_its_first_invalid_field_with_the_error_tied_to_it() {
    let app = spawn_app().await;
    let Some(browser) = Browser::open(&app.address).await else {
        return;
    };
    browser.goto("/setup").await;
    browser.fill("#name", "Ada Admin").await;
    browser.fill("#email", "ada@example.com").await;
    browser.fill("#password", "a-long-enough-password").await;
    browser
        .fill("#password_confirm", "another-long-password")
        .await;
    browser.fill("#workspace", "Acme Mail").await;
    browser.click("form button[type=submit]").await;
    browser.text("#password_confirm-error").await;
    browser.wait_focus("#password_confirm").await;
    assert_eq!(
        browser
            .attr_all("#password_confirm", "aria-describedby")
            .await,
        ["password_confirm-error"]
    );
    browser.screenshot("01-setup-errors").await;
    browser.close().await;
}

//! Where a workspace's pages live: every `/w/{slug}/…` link is built here,
//! by handlers and templates alike.

/// The links of one workspace's pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceUrls {
    root: String,
}

impl WorkspaceUrls {
    /// The pages of the workspace with this slug.
    pub fn new(slug: &str) -> Self {
        Self {
            root: format!("/w/{slug}"),
        }
    }

    /// `/w/{slug}`: the workspace's own address.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// `/w/{slug}/settings`; the settings pages sit below it.
    pub fn settings(&self) -> String {
        format!("{}/settings", self.root)
    }

    /// The page a workspace opens on: its SMTP credentials.
    pub fn credentials(&self) -> String {
        self.section("smtp-credentials")
    }

    /// Settings → Domains.
    pub fn domains(&self) -> String {
        self.section("domains")
    }

    /// Settings → API keys.
    pub fn api_keys(&self) -> String {
        self.section("api-keys")
    }

    /// Settings → Members (invitations below it).
    pub fn members(&self) -> String {
        self.section("members")
    }

    /// Settings → General.
    pub fn general(&self) -> String {
        self.section("general")
    }

    /// Settings → Activity.
    pub fn activity(&self) -> String {
        self.section("activity")
    }

    /// Leaving the workspace (its confirmation and the post).
    pub fn leave(&self) -> String {
        self.section("leave")
    }

    /// Deleting the workspace.
    pub fn delete(&self) -> String {
        self.section("delete")
    }

    /// The mail sandbox credentials capture.
    pub fn sandbox(&self) -> String {
        format!("{}/sandbox", self.root)
    }

    /// Settings → Sandbox retention.
    pub fn sandbox_retention(&self) -> String {
        self.section("sandbox")
    }

    /// A settings section by its URL segment (`domains`, `api-keys`, …).
    pub fn section(&self, segment: &str) -> String {
        format!("{}/settings/{segment}", self.root)
    }
}

/// `{list}/{id}/{verb}`: an action on one item of a list page.
pub fn item_action(list: &str, id: impl std::fmt::Display, verb: &str) -> String {
    format!("{list}/{id}/{verb}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_links_sit_below_their_slug() {
        let urls = WorkspaceUrls::new("acme");
        assert_eq!(urls.root(), "/w/acme");
        assert_eq!(urls.credentials(), "/w/acme/settings/smtp-credentials");
        assert_eq!(urls.api_keys(), "/w/acme/settings/api-keys");
        assert_eq!(urls.sandbox(), "/w/acme/sandbox");
        assert_eq!(
            item_action(&urls.domains(), "d1", "delete"),
            "/w/acme/settings/domains/d1/delete"
        );
    }
}

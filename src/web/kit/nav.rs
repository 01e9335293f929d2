//! The Settings navigation: one list of sections, each with the role it
//! needs. The layout shows what the viewer's role allows, and handlers ask
//! the same entry before serving a section that needs more than membership.

use crate::domain::Role;
use crate::web::kit::urls::WorkspaceUrls;

/// A page of the Settings navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    SmtpCredentials,
    Domains,
    Sandbox,
    SandboxRetention,
    General,
    Members,
    ApiKeys,
    Activity,
}

/// A heading of the navigation and the sections below it.
pub struct Group {
    pub title: &'static str,
    pub sections: &'static [Section],
}

/// The navigation, top to bottom.
pub const NAVIGATION: &[Group] = &[
    Group {
        title: "Email",
        sections: &[
            Section::SmtpCredentials,
            Section::Domains,
            Section::Sandbox,
            Section::SandboxRetention,
        ],
    },
    Group {
        title: "Workspace",
        sections: &[
            Section::General,
            Section::Members,
            Section::ApiKeys,
            Section::Activity,
        ],
    },
];

impl Section {
    /// What the link says.
    pub fn label(self) -> &'static str {
        match self {
            Self::SmtpCredentials => "SMTP Credentials",
            Self::Domains => "Domains",
            Self::Sandbox => "Sandbox",
            Self::SandboxRetention => "Sandbox retention",
            Self::General => "General",
            Self::Members => "Members",
            Self::ApiKeys => "API keys",
            Self::Activity => "Activity",
        }
    }

    /// Whether a member with `role` sees the section (and may open it).
    pub fn allows(self, role: Role) -> bool {
        match self {
            Self::ApiKeys => role.can_administer(),
            _ => true,
        }
    }

    /// Where the section lives in a workspace.
    pub fn href(self, urls: &WorkspaceUrls) -> String {
        match self {
            Self::SmtpCredentials => urls.credentials(),
            Self::Domains => urls.domains(),
            Self::Sandbox => urls.sandbox(),
            Self::SandboxRetention => urls.sandbox_retention(),
            Self::General => urls.general(),
            Self::Members => urls.members(),
            Self::ApiKeys => urls.api_keys(),
            Self::Activity => urls.activity(),
        }
    }

    /// The link's icon (inline SVG, drawn in the text colour).
    pub fn icon(self) -> &'static str {
        match self {
            Self::SmtpCredentials => {
                r#"<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M7 9V6.5a3 3 0 0 1 6 0V9M5.5 9h9v7h-9z" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/></svg>"#
            }
            Self::Domains => {
                r#"<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M3.5 10h13M10 3.5c-2.2 2.5-2.2 10.5 0 13M10 3.5c2.2 2.5 2.2 10.5 0 13" fill="none" stroke="currentColor" stroke-width="1.3"/></svg>"#
            }
            Self::Sandbox => {
                r#"<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M3.5 6h13v9h-13zM3.5 6l6.5 5 6.5-5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/></svg>"#
            }
            Self::SandboxRetention => {
                r#"<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M10 6v4l2.8 1.8" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"/></svg>"#
            }
            Self::General => {
                r#"<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="2.6" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M10 3v2.2M10 14.8V17M3 10h2.2M14.8 10H17M5 5l1.6 1.6M13.4 13.4 15 15M5 15l1.6-1.6M13.4 6.6 15 5" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/></svg>"#
            }
            Self::Members => {
                r#"<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="7.5" cy="7.5" r="2.7" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M2.8 16c.6-2.6 2.5-4 4.7-4s4.1 1.4 4.7 4M13 5.2a2.6 2.6 0 0 1 0 5M14.6 12.3c1.4.5 2.4 1.8 2.7 3.7" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/></svg>"#
            }
            Self::ApiKeys => {
                r#"<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="7" cy="10" r="3.2" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M10.2 10h6.3M14.5 10v2.5M16.5 10v2" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/></svg>"#
            }
            Self::Activity => {
                r#"<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M3 10h3l2-5 4 10 2-5h3" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/></svg>"#
            }
        }
    }
}

/// One link of the navigation as a page shows it.
pub struct NavLink {
    pub label: &'static str,
    pub href: String,
    pub icon: &'static str,
    /// The page being shown.
    pub active: bool,
}

/// A heading and the links below it that the viewer may open.
pub struct NavGroup {
    pub title: &'static str,
    pub links: Vec<NavLink>,
}

/// The navigation for a member with `role` on the page of `current`.
pub fn navigation(urls: &WorkspaceUrls, role: Role, current: Option<Section>) -> Vec<NavGroup> {
    NAVIGATION
        .iter()
        .map(|group| NavGroup {
            title: group.title,
            links: group
                .sections
                .iter()
                .filter(|section| section.allows(role))
                .map(|&section| NavLink {
                    label: section.label(),
                    href: section.href(urls),
                    icon: section.icon(),
                    active: current == Some(section),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_and_owners_see_api_keys() {
        let urls = WorkspaceUrls::new("acme");
        for role in Role::ALL {
            let shown = navigation(&urls, role, None)
                .iter()
                .flat_map(|group| group.links.iter().map(|link| link.label))
                .any(|label| label == "API keys");
            assert_eq!(shown, role.can_administer(), "{role:?}");
        }
    }

    #[test]
    fn the_current_section_is_the_one_active_link() {
        let urls = WorkspaceUrls::new("acme");
        let active: Vec<String> = navigation(&urls, Role::Owner, Some(Section::Domains))
            .into_iter()
            .flat_map(|group| group.links)
            .filter(|link| link.active)
            .map(|link| link.href)
            .collect();
        assert_eq!(active, ["/w/acme/settings/domains"]);
    }
}

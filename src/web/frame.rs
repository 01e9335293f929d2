//! What every signed-in page shows around its content: the top bar (workspace
//! switcher, user menu) and, inside a workspace, the Settings navigation.

use crate::domain::{Role, Theme};
use crate::error::AppResult;
use crate::service::accounts::User;
use crate::service::workspaces;
use crate::service::workspaces::WorkspaceWithRole;
use crate::startup::AppState;
use crate::web::kit::nav::{self, NavGroup, Section};
use crate::web::kit::urls::WorkspaceUrls;
use crate::web::workspace::WorkspaceAccess;

/// One entry of the workspace switcher.
pub struct WorkspaceLink {
    pub slug: String,
    pub name: String,
    pub role: Role,
}

/// The workspace the page belongs to.
pub struct CurrentWorkspace {
    pub slug: String,
    pub name: String,
    pub role: Role,
}

pub struct Frame {
    pub user_name: String,
    pub user_email: String,
    /// The user's colour choice, `data-theme` on `<html>` unless `System`.
    pub theme: Theme,
    pub workspaces: Vec<WorkspaceLink>,
    pub current: Option<CurrentWorkspace>,
    /// The Settings section to highlight.
    pub section: Option<Section>,
}

impl Frame {
    /// The frame of a page outside any workspace (e.g. the workspace list).
    pub async fn for_user(state: &AppState, user: &User) -> AppResult<Self> {
        let workspaces = workspaces::of_user(&state.db, &user.id).await?;
        Ok(Self::new(user, &workspaces))
    }

    /// The frame of a workspace page, with `section` highlighted; the
    /// switcher lists what the access check read already.
    pub fn for_workspace(access: &WorkspaceAccess, section: Section) -> Self {
        let mut frame = Self::new(&access.user, &access.workspaces);
        frame.current = Some(CurrentWorkspace {
            slug: access.workspace.slug.clone(),
            name: access.workspace.name.clone(),
            role: access.role,
        });
        frame.section = Some(section);
        frame
    }

    fn new(user: &User, workspaces: &[WorkspaceWithRole]) -> Self {
        Self {
            user_name: user.name.clone(),
            user_email: user.email.clone(),
            theme: Theme::parse(&user.theme).unwrap_or_default(),
            workspaces: workspaces.iter().map(link).collect(),
            current: None,
            section: None,
        }
    }

    /// Whether the page belongs to the workspace with this slug.
    pub fn is_current(&self, slug: &str) -> bool {
        self.current.as_ref().is_some_and(|c| c.slug == slug)
    }

    /// The `data-theme` value for `<html>`, `None` to follow the system.
    pub fn theme_attr(&self) -> Option<&'static str> {
        (self.theme != Theme::System).then(|| self.theme.as_str())
    }

    /// The Settings navigation the viewer's role allows; empty outside a
    /// workspace.
    pub fn settings_nav(&self) -> Vec<NavGroup> {
        self.current.as_ref().map_or_else(Vec::new, |current| {
            nav::navigation(&current.urls(), current.role, self.section)
        })
    }

    pub fn user_initial(&self) -> String {
        self.user_name
            .chars()
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_else(|| "?".into())
    }
}

fn link(w: &WorkspaceWithRole) -> WorkspaceLink {
    WorkspaceLink {
        slug: w.workspace.slug.clone(),
        name: w.workspace.name.clone(),
        role: w.role,
    }
}

impl WorkspaceLink {
    /// The links of this workspace's pages.
    pub fn urls(&self) -> WorkspaceUrls {
        WorkspaceUrls::new(&self.slug)
    }
}

impl CurrentWorkspace {
    /// The links of this workspace's pages.
    pub fn urls(&self) -> WorkspaceUrls {
        WorkspaceUrls::new(&self.slug)
    }
}

//! Members, invitations, roles, the account page and General settings.

mod account;
mod general;
mod invitations;
pub mod matrix;
mod roles;

use postern::db::models::{User, Workspace};
use postern::domain::Role;

use crate::helpers::{PASSWORD, Page, TestApp, spawn_app};

pub const MEMBERS: &str = "/w/acme-mail/settings/members";

/// A workspace with a signed-in owner (on `owner.client`) and a signed-in
/// admin, member and viewer, each in their own browser, plus an outsider.
pub struct Team {
    pub owner: TestApp,
    pub admin: TestApp,
    pub member: TestApp,
    pub viewer: TestApp,
    pub outsider: TestApp,
    pub workspace: Workspace,
    pub users: Vec<(Role, User)>,
    pub outsider_user: User,
}

impl Team {
    pub async fn new() -> Team {
        let owner = spawn_app().await;
        let (owner_user, workspace) = owner.signed_in_owner().await;
        let mut users = vec![(Role::Owner, owner_user)];
        let mut clients = Vec::new();
        let mut outsider_user = None;
        for (email, name, role) in [
            ("admin@example.com", "Ada Admin", Some(Role::Admin)),
            ("member@example.com", "Mo Member", Some(Role::Member)),
            ("viewer@example.com", "Vi Viewer", Some(Role::Viewer)),
            ("outsider@example.com", "Otto Outsider", None),
        ] {
            let user = owner.create_user(email, name).await;
            match role {
                Some(role) => {
                    owner.add_member(&workspace, &user, role).await;
                    users.push((role, user));
                }
                None => outsider_user = Some(user),
            }
            let client = owner.new_visitor();
            client.login(email, PASSWORD).await.assert_redirect_to("/");
            clients.push(client);
        }
        let mut clients = clients.into_iter();
        Team {
            owner,
            admin: clients.next().unwrap(),
            member: clients.next().unwrap(),
            viewer: clients.next().unwrap(),
            outsider: clients.next().unwrap(),
            workspace,
            users,
            outsider_user: outsider_user.unwrap(),
        }
    }

    pub fn user(&self, role: Role) -> &User {
        &self.users.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// The role the database holds for `user` in the workspace.
    pub async fn role_of(&self, user: &User) -> Option<Role> {
        let (workspace, user) = (self.workspace.id.clone(), user.id.clone());
        self.owner
            .db
            .query(move |conn| postern::db::models::Membership::role_of(conn, &workspace, &user))
            .await
            .unwrap()
    }
}

/// Invites `email` with `role` as `admin`; returns the link's path.
pub async fn invite(admin: &TestApp, email: &str, role: &str) -> String {
    let page = admin
        .post_form(
            &format!("{MEMBERS}/invitations"),
            &[("email", email), ("role", role)],
        )
        .await;
    assert_eq!(page.status, 201, "{}", page.body);
    invitation_path(&page)
}

/// The path of the invitation link shown on a members page.
pub fn invitation_path(page: &Page) -> String {
    let link = page.text_of("#invitation-link").expect("the link is shown");
    let at = link.find("/invitations/").expect("an invitation link");
    link[at..].to_owned()
}

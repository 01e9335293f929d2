//! Settings → Members: everyone sees who is in the workspace; admins and
//! owners invite people (a link shown once, to pass on), revoke pending
//! invitations, change roles and remove members, within the rules of
//! `service::members`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::models::{Invitation, Member};
use crate::domain::{EmailAddress, InvitationId, Role, UserId};
use crate::error::{AppError, AppResult};
use crate::service::invitations::{self, InvitationError, NewInvitation};
use crate::service::members::{self, MemberError, may_manage};
use crate::web::client::ClientInfo;
use crate::web::dialog::{self, ConfirmDialog};
use crate::web::forms::FieldErrors;
use crate::web::frame::Frame;
use crate::web::kit::urls::item_action;
use crate::web::kit::{Done, Item, Section, WorkspacePage, render_secret};

#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    pub email: String,
    pub role: String,
}

impl Default for InviteForm {
    fn default() -> Self {
        Self {
            email: String::new(),
            role: Role::Member.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    pub role: String,
}

/// A member's row: who, and which roles the viewer may give them.
pub struct MemberRow {
    pub member: Member,
    pub is_you: bool,
    pub role_choices: Vec<Role>,
    pub removable: bool,
}

#[derive(Template)]
#[template(path = "pages/settings/members.html")]
struct MembersPage<'a> {
    csrf_token: String,
    frame: Frame,
    base: String,
    /// Where one's own row leads: the leave confirmation.
    leave_href: String,
    can_admin: bool,
    rows: Vec<MemberRow>,
    invitations: Vec<Invitation>,
    invite_roles: Vec<Role>,
    form: &'a InviteForm,
    errors: FieldErrors,
    invited: Option<(NewInvitation, String)>,
    modal: Option<String>,
    flash: Option<String>,
}

/// What the page shows besides the list.
#[derive(Default)]
struct Extras<'a> {
    form: Option<&'a InviteForm>,
    errors: FieldErrors,
    invited: Option<NewInvitation>,
}

async fn page(
    cx: &WorkspacePage,
    extras: Extras<'_>,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (db, access) = (&cx.state.db, &cx.access);
    let workspace = &access.workspace.id;
    let actor = access.role;
    let rows = members::list(db, workspace)
        .await?
        .into_iter()
        .map(|member| MemberRow {
            is_you: member.user.id == access.user.id,
            role_choices: Role::ALL
                .into_iter()
                .filter(|to| may_manage(actor, member.role, Some(*to)))
                .collect(),
            removable: member.user.id != access.user.id && may_manage(actor, member.role, None),
            member,
        })
        .collect();
    let can_admin = Role::can_administer(actor);
    let invitations = if can_admin {
        invitations::pending(db, workspace).await?
    } else {
        Vec::new()
    };
    let shows_link = extras.invited.is_some();
    let invited = extras.invited.map(|new| {
        let base = ClientInfo::of(&cx.req).base_url();
        let link = format!("{base}/invitations/{}", new.token);
        (new, link)
    });
    let empty = InviteForm::default();
    let urls = cx.urls();
    let page = MembersPage {
        csrf_token: cx.csrf_token(),
        frame: cx.frame(Section::Members).await?,
        base: urls.members(),
        leave_href: urls.leave(),
        can_admin,
        rows,
        invitations,
        invite_roles: Role::ALL
            .into_iter()
            .filter(|to| may_manage(actor, Role::Viewer, Some(*to)))
            .collect(),
        form: extras.form.unwrap_or(&empty),
        errors: extras.errors,
        invited,
        modal,
        flash: cx.take_flash(),
    };
    render_secret(status, &page, shows_link)
}

pub async fn list(cx: WorkspacePage) -> AppResult<HttpResponse> {
    page(&cx, Extras::default(), None, StatusCode::OK).await
}

pub async fn invite(
    cx: WorkspacePage,
    web::Form(mut form): web::Form<InviteForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    form.email = form.email.trim().to_owned();
    let mut errors = FieldErrors::default();
    let email = EmailAddress::parse(&form.email)
        .map_err(|_| errors.add("email", "Enter a valid email address."))
        .ok();
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.add("role", "Choose a role.");
    }
    if let (Some(email), Some(role)) = (email, role) {
        let (workspace, actor_role) = (&cx.access.workspace.id, cx.access.role);
        match invitations::invite(&cx.state.db, workspace, actor_role, email, role, cx.actor())
            .await
        {
            Ok(new) => {
                let extras = Extras {
                    invited: Some(new),
                    ..Extras::default()
                };
                return page(&cx, extras, None, StatusCode::CREATED).await;
            }
            Err(InvitationError::Forbidden) => errors.add("role", "Only owners can invite owners."),
            Err(InvitationError::AlreadyMember) => {
                errors.add("email", "This person is already a member.")
            }
            Err(InvitationError::AlreadyInvited) => errors.add(
                "email",
                "An invitation for this email is pending. Revoke it to send a new one.",
            ),
            Err(other) => return Err(other.into()),
        }
    }
    let extras = Extras {
        form: Some(&form),
        errors,
        ..Extras::default()
    };
    page(&cx, extras, None, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Answers with a confirm dialog: the fragment for htmx, else the page
/// with the dialog open.
async fn confirm(cx: &WorkspacePage, confirm: ConfirmDialog<'_>) -> AppResult<HttpResponse> {
    dialog::answer(&cx.req, StatusCode::OK, &confirm, |modal| {
        page(cx, Extras::default(), Some(modal), StatusCode::OK)
    })
    .await
}

/// Back to the list with a message, for htmx and plain forms alike.
fn done(cx: &WorkspacePage, message: &str) -> HttpResponse {
    Done::to(&cx.urls().members(), message).redirect(&cx.req, &cx.session)
}

pub async fn confirm_revoke(
    cx: WorkspacePage,
    Item(id): Item<InvitationId>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let invitation = invitations::find(&cx.state.db, &cx.access.workspace.id, id).await?;
    let (csrf_token, base) = (cx.csrf_token(), cx.urls().members());
    let dialog = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Revoke invitation?",
        subject: &invitation.email,
        detail: "",
        warning: "The invitation link stops working at once.",
        action: item_action(&format!("{base}/invitations"), &invitation.id, "delete"),
        cancel_href: base.clone(),
        button: "Revoke invitation",
        danger: true,
    };
    confirm(&cx, dialog).await
}

pub async fn revoke(cx: WorkspacePage, Item(id): Item<InvitationId>) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let invitation =
        invitations::revoke(&cx.state.db, &cx.access.workspace.id, id, cx.actor()).await?;
    let message = format!("Revoked the invitation for {}.", invitation.email);
    Ok(done(&cx, &message))
}

/// The message for a refused change, or the error to answer with.
fn refusal(error: MemberError) -> AppResult<String> {
    match error {
        MemberError::LastOwner => Ok(
            "A workspace needs at least one owner. Make someone else an owner first.".to_owned(),
        ),
        other => Err(other.into()),
    }
}

pub async fn change_role(
    cx: WorkspacePage,
    Item(target): Item<UserId>,
    web::Form(form): web::Form<RoleForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let role =
        Role::parse(&form.role).ok_or_else(|| AppError::BadRequest("unknown role".into()))?;
    let (workspace, actor_role) = (&cx.access.workspace.id, cx.access.role);
    let changed = members::change_role(
        &cx.state.db,
        workspace,
        actor_role,
        target,
        role,
        cx.actor(),
    )
    .await;
    let message = match changed {
        Ok(user) => format!("{} is now {}.", user.name, role.label()),
        Err(e) => refusal(e)?,
    };
    Ok(done(&cx, &message))
}

pub async fn confirm_remove(
    cx: WorkspacePage,
    Item(target): Item<UserId>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let member = members::list(&cx.state.db, &cx.access.workspace.id)
        .await?
        .into_iter()
        .find(|m| m.user.id == target)
        .ok_or(AppError::NotFound)?;
    let (csrf_token, base) = (cx.csrf_token(), cx.urls().members());
    let dialog = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Remove member?",
        subject: &member.user.name,
        detail: &member.user.email,
        warning: "They lose access to this workspace with their very next request, in every browser they are signed in with.",
        action: item_action(&base, &member.user.id, "remove"),
        cancel_href: base.clone(),
        button: "Remove member",
        danger: true,
    };
    confirm(&cx, dialog).await
}

pub async fn remove(cx: WorkspacePage, Item(target): Item<UserId>) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let (workspace, actor_role) = (&cx.access.workspace.id, cx.access.role);
    let removed = members::remove(&cx.state.db, workspace, actor_role, target, cx.actor()).await;
    let message = match removed {
        Ok(user) => format!("Removed {}.", user.name),
        Err(e) => refusal(e)?,
    };
    Ok(done(&cx, &message))
}

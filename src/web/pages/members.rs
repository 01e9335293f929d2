//! Settings → Members: everyone sees who is in the workspace; admins and
//! owners invite people (a link shown once, to pass on), revoke pending
//! invitations, change roles and remove members, within the rules of
//! `service::members`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::models::{Invitation, Member};
use crate::domain::{EmailAddress, InvitationId, Role, UserId};
use crate::error::{AppError, AppResult};
use crate::service::invitations::{self, InvitationError, NewInvitation};
use crate::service::members::{self, MemberError, may_manage};
use crate::startup::AppState;
use crate::web::TypedSession;
use crate::web::client::ClientInfo;
use crate::web::dialog::{ConfirmDialog, Rendered};
use crate::web::forms::FieldErrors;
use crate::web::frame::Frame;
use crate::web::workspace::WorkspaceAccess;
use crate::web::{redirect_after, render};

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

fn base(access: &WorkspaceAccess) -> String {
    format!("/w/{}/settings/members", access.workspace.slug)
}

/// What the page shows besides the list.
#[derive(Default)]
struct Extras {
    errors: FieldErrors,
    invited: Option<NewInvitation>,
    modal: Option<String>,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    session: &TypedSession,
    access: &WorkspaceAccess,
    form: &InviteForm,
    extras: Extras,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let workspace = &access.workspace.id;
    let actor = access.role;
    let rows = members::list(&state.db, workspace)
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
        invitations::pending(&state.db, workspace).await?
    } else {
        Vec::new()
    };
    let shows_link = extras.invited.is_some();
    let invited = extras.invited.map(|new| {
        let link = format!(
            "{}/invitations/{}",
            ClientInfo::of(req).base_url(),
            new.token
        );
        (new, link)
    });
    let page = MembersPage {
        csrf_token: session.csrf_token(),
        frame: Frame::for_workspace(state, access, "members").await?,
        base: base(access),
        leave_href: format!("/w/{}/settings/leave", access.workspace.slug),
        can_admin,
        rows,
        invitations,
        invite_roles: Role::ALL
            .into_iter()
            .filter(|to| may_manage(actor, Role::Viewer, Some(*to)))
            .collect(),
        form,
        errors: extras.errors,
        invited,
        modal: extras.modal,
        flash: session.take_flash(),
    };
    let mut response = render(status, &page)?;
    if shows_link {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
) -> AppResult<HttpResponse> {
    let form = InviteForm::default();
    page(
        &req,
        &state,
        &session,
        &access,
        &form,
        Extras::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    web::Form(mut form): web::Form<InviteForm>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
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
        let actor = access.actor(&req);
        match invitations::invite(
            &state.db,
            &access.workspace.id,
            access.role,
            email,
            role,
            actor,
        )
        .await
        {
            Ok(new) => {
                let extras = Extras {
                    invited: Some(new),
                    ..Extras::default()
                };
                let empty = InviteForm::default();
                return page(
                    &req,
                    &state,
                    &session,
                    &access,
                    &empty,
                    extras,
                    StatusCode::CREATED,
                )
                .await;
            }
            Err(InvitationError::Forbidden) => errors.add("role", "Only owners can invite owners."),
            Err(InvitationError::AlreadyMember) => {
                errors.add("email", "This person is already a member.")
            }
            Err(InvitationError::AlreadyInvited) => errors.add(
                "email",
                "An invitation for this email is pending. Revoke it to send a new one.",
            ),
            Err(InvitationError::Db(e)) => return Err(e.into()),
            Err(other) => return Err(AppError::unexpected(other)),
        }
    }
    let extras = Extras {
        errors,
        ..Extras::default()
    };
    page(
        &req,
        &state,
        &session,
        &access,
        &form,
        extras,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Answers with a confirm dialog: the fragment for htmx, else the page
/// with the dialog open.
async fn confirm(
    req: &HttpRequest,
    state: &AppState,
    session: &TypedSession,
    access: &WorkspaceAccess,
    dialog: ConfirmDialog<'_>,
) -> AppResult<HttpResponse> {
    let html = match dialog.render_for(req)? {
        Rendered::Fragment(response) => return Ok(response),
        Rendered::OnPage(html) => html,
    };
    let extras = Extras {
        modal: Some(html),
        ..Extras::default()
    };
    let form = InviteForm::default();
    page(req, state, session, access, &form, extras, StatusCode::OK).await
}

/// Back to the list with a message, for htmx and plain forms alike.
fn done(
    req: &HttpRequest,
    session: &TypedSession,
    access: &WorkspaceAccess,
    message: &str,
) -> HttpResponse {
    session.flash(message);
    redirect_after(req, &base(access))
}

fn invitation_id(path: &(String, String)) -> AppResult<InvitationId> {
    InvitationId::parse(&path.1).ok_or(AppError::NotFound)
}

fn invitation_error(error: InvitationError) -> AppError {
    match error {
        InvitationError::NotFound => AppError::NotFound,
        InvitationError::Db(e) => e.into(),
        other => AppError::unexpected(other),
    }
}

pub async fn confirm_revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let invitation = invitations::find(&state.db, &access.workspace.id, invitation_id(&path)?)
        .await
        .map_err(invitation_error)?;
    let csrf_token = session.csrf_token();
    let dialog = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Revoke invitation?",
        subject: &invitation.email,
        detail: "",
        warning: "The invitation link stops working at once.",
        action: format!("{}/invitations/{}/delete", base(&access), invitation.id),
        cancel_href: base(&access),
        button: "Revoke invitation",
        danger: true,
    };
    confirm(&req, &state, &session, &access, dialog).await
}

pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let id = invitation_id(&path)?;
    let invitation = invitations::revoke(&state.db, &access.workspace.id, id, access.actor(&req))
        .await
        .map_err(invitation_error)?;
    let message = format!("Revoked the invitation for {}.", invitation.email);
    Ok(done(&req, &session, &access, &message))
}

fn user_id(path: &(String, String)) -> AppResult<UserId> {
    UserId::parse(&path.1).ok_or(AppError::NotFound)
}

/// The message for a refused change, or the error to answer with.
fn member_error(error: MemberError) -> Result<String, AppError> {
    match error {
        MemberError::LastOwner => Ok(
            "A workspace needs at least one owner. Make someone else an owner first.".to_owned(),
        ),
        MemberError::NotFound => Err(AppError::NotFound),
        MemberError::Forbidden => Err(AppError::Forbidden),
        MemberError::Db(e) => Err(e.into()),
    }
}

pub async fn change_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    web::Form(form): web::Form<RoleForm>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let target = user_id(&path)?;
    let role =
        Role::parse(&form.role).ok_or_else(|| AppError::BadRequest("unknown role".into()))?;
    let changed = members::change_role(
        &state.db,
        &access.workspace.id,
        access.role,
        target,
        role,
        access.actor(&req),
    )
    .await;
    let message = match changed {
        Ok(user) => format!("{} is now {}.", user.name, role.label()),
        Err(e) => member_error(e)?,
    };
    Ok(done(&req, &session, &access, &message))
}

pub async fn confirm_remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let target = user_id(&path)?;
    let member = members::list(&state.db, &access.workspace.id)
        .await?
        .into_iter()
        .find(|m| m.user.id == target)
        .ok_or(AppError::NotFound)?;
    let csrf_token = session.csrf_token();
    let dialog = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Remove member?",
        subject: &member.user.name,
        detail: &member.user.email,
        warning: "They lose access to this workspace with their very next request, in every browser they are signed in with.",
        action: format!("{}/{}/remove", base(&access), member.user.id),
        cancel_href: base(&access),
        button: "Remove member",
        danger: true,
    };
    confirm(&req, &state, &session, &access, dialog).await
}

pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let target = user_id(&path)?;
    let removed = members::remove(
        &state.db,
        &access.workspace.id,
        access.role,
        target,
        access.actor(&req),
    )
    .await;
    let message = match removed {
        Ok(user) => format!("Removed {}.", user.name),
        Err(e) => member_error(e)?,
    };
    Ok(done(&req, &session, &access, &message))
}

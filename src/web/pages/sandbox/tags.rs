//! A message's tags, edited on its page by members and above (viewers see
//! them): one comma-separated field; a refused entry is shown beside it,
//! with what was typed kept.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Deserialize;

use super::message::{TagsEdit, message_page_with};
use crate::domain::{MessageId, Role, Tags};
use crate::error::{AppError, AppResult};
use crate::service::sandbox;
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::kit::{Done, Item, WorkspacePage};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TagsForm {
    pub tags: String,
}

pub async fn save(
    cx: WorkspacePage,
    Item(id): Item<MessageId>,
    HtmlForm(form): HtmlForm<TagsForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_sandbox_mail)?;
    let tags = match Tags::parse(&form.tags) {
        Ok(tags) => tags,
        Err(problem) => {
            let mut errors = FieldErrors::default();
            errors.add("tags", problem.message());
            let edit = TagsEdit {
                value: form.tags,
                errors,
            };
            return message_page_with(
                &cx,
                id,
                false,
                None,
                Some(edit),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (db, workspace) = (&cx.state.db, &cx.access.workspace.id);
    if !sandbox::set_tags(db, workspace, id.clone(), tags, cx.actor()).await? {
        return Err(AppError::NotFound);
    }
    let page = format!("{}/{id}", cx.urls().sandbox());
    Ok(Done::to(&page, "Saved the tags.").redirect(&cx.req, &cx.session))
}

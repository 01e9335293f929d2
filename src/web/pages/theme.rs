//! `POST /account/theme`: the user menu's light / dark / system switch. The
//! choice is stored on the user and rendered as `data-theme` on `<html>`, so
//! it needs no script and follows the person to every browser.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::domain::Theme;
use crate::error::{AppError, AppResult};
use crate::service::accounts;
use crate::web::kit::{UserPage, see_other};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ThemeForm {
    pub theme: String,
}

pub async fn choose(
    cx: UserPage,
    web::Form(form): web::Form<ThemeForm>,
) -> AppResult<HttpResponse> {
    let theme = Theme::parse(&form.theme)
        .ok_or_else(|| AppError::BadRequest(format!("unknown theme {:?}", form.theme)))?;
    accounts::set_theme(&cx.state.db, &cx.user.id, theme).await?;
    Ok(see_other(&back_to(&cx.req)))
}

/// The page the switch was used on (its same-origin `Referer`, path and
/// query only, so it cannot point elsewhere), else the account page.
fn back_to(req: &HttpRequest) -> String {
    let referer = req
        .headers()
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| url::Url::parse(value).ok());
    match referer {
        Some(url) if !url.path().starts_with("//") => match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        },
        _ => "/account".to_owned(),
    }
}

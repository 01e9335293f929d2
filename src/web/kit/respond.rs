//! The dashboard's answers: an HTML page or fragment, a response kept out
//! of caches, and the answer to a finished action (a 303 for a plain form;
//! for htmx, a redirect or an in-place refresh with a toast).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};

use crate::error::{AppError, AppResult};
use crate::web::TypedSession;

/// The element an htmx request will swap (`HX-Target`), or `None` for a
/// plain browser request (which gets the whole page).
pub fn htmx_target(req: &HttpRequest) -> Option<String> {
    req.headers().get("HX-Request")?;
    Some(
        req.headers()
            .get("HX-Target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    )
}

/// HTML with the given status.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Renders a template into an HTML response with the given status.
pub fn render(status: StatusCode, page: &impl askama::Template) -> AppResult<HttpResponse> {
    let body = page.render().map_err(AppError::unexpected)?;
    Ok(html(status, body))
}

/// Marks a response that shows a secret (a password, a key, an invitation
/// link) so that no cache keeps it.
pub fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Renders a page that may show a secret; when `shows_secret`, it is
/// marked [`no_store`].
pub fn render_secret(
    status: StatusCode,
    page: &impl askama::Template,
    shows_secret: bool,
) -> AppResult<HttpResponse> {
    let response = render(status, page)?;
    Ok(if shows_secret {
        no_store(response)
    } else {
        response
    })
}

/// A 303 redirect, the answer to a successful plain form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The answer to a finished action: where the person goes next and what
/// they are told there.
pub struct Done<'a> {
    location: &'a str,
    message: Option<&'a str>,
}

impl<'a> Done<'a> {
    /// Back to `location`, saying `message` there.
    pub fn to(location: &'a str, message: &'a str) -> Self {
        Self {
            location,
            message: Some(message),
        }
    }

    /// Back to `location`, saying nothing.
    pub fn silently(location: &'a str) -> Self {
        Self {
            location,
            message: None,
        }
    }

    /// htmx follows an `HX-Redirect`, a plain form a 303; the next page
    /// shows the message.
    pub fn redirect(self, req: &HttpRequest, session: &TypedSession) -> HttpResponse {
        if let Some(message) = self.message {
            session.flash(message);
        }
        if htmx_target(req).is_some() {
            return HttpResponse::Ok()
                .insert_header(("HX-Redirect", self.location))
                .finish();
        }
        see_other(self.location)
    }

    /// After a change made in a dialog of a page htmx keeps: htmx closes
    /// the dialog, fires `event` (the page refreshes what changed) and
    /// shows the message as a toast; a plain form is redirected.
    pub fn in_place(self, req: &HttpRequest, session: &TypedSession, event: &str) -> HttpResponse {
        if htmx_target(req).is_none() {
            return self.redirect(req, session);
        }
        let mut trigger = serde_json::json!({ "closeModal": true, event: true });
        if let Some(message) = self.message {
            trigger["showToast"] = message.into();
        }
        HttpResponse::Ok()
            .insert_header(("HX-Trigger", ascii_json(&trigger)))
            .finish()
    }
}

/// JSON with every non-ASCII and every control character escaped (a name
/// stored before control characters were refused may hold DEL), as header
/// values must be.
fn ascii_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    for c in value.to_string().chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ascii_json;

    #[test]
    fn header_json_escapes_non_ascii_and_control_characters() {
        let toast = "Deleted Café 🚀\u{7f}\0\t.";
        let json = ascii_json(&serde_json::json!({ "showToast": toast }));
        assert!(
            actix_web::http::header::HeaderValue::from_str(&json).is_ok(),
            "{json}"
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["showToast"], toast);
    }
}

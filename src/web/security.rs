//! Headers on every response: a Content-Security-Policy without inline
//! script, framing and sniffing forbidden, a same-origin referrer, and the
//! session cookie marked `Secure` whenever the request came over TLS (as
//! [`ClientInfo`] decides). A header the handler set is kept; a page whose
//! URL carries a secret ([`crate::web::SECRET_ROUTES`]) is always
//! `no-referrer` and `no-store`, whoever answers it (handler, CSRF refusal,
//! error page).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use crate::web::client::ClientInfo;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
                   object-src 'none'";

pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let over_tls = ClientInfo::of(req.request()).over_tls();
    let secret_path = crate::web::has_secret_path(req.request());
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let defaults = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if secret_path {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if over_tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
        let cookies: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).cloned().collect();
        headers.remove(header::SET_COOKIE);
        for cookie in cookies {
            headers.append(header::SET_COOKIE, with_secure(cookie));
        }
    }
    Ok(res)
}

fn with_secure(cookie: HeaderValue) -> HeaderValue {
    match cookie.to_str() {
        Ok(text) if !text.to_ascii_lowercase().contains("; secure") => {
            HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie)
        }
        _ => cookie,
    }
}

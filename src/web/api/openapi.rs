//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! the response types, served at `/v2/openapi.json`.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Type,
};
use utoipa::{Modify, OpenApi};

use super::sandbox;
use super::smtp_credentials::{self, CredentialRules};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Postern REST API",
        version = "2",
        description = "Manage a workspace's SMTP credentials, and read, wait for and delete the mail its sandbox credentials captured (for end-to-end tests). Authenticate with an API key from Settings → API keys: `Authorization: Bearer postern_…`. Every response carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`."
    ),
    paths(
        smtp_credentials::list,
        smtp_credentials::create,
        smtp_credentials::get,
        smtp_credentials::edit::patch,
        smtp_credentials::edit::rotate,
        smtp_credentials::delete,
        sandbox::list,
        sandbox::delete_all,
        sandbox::wait::wait,
        sandbox::get,
        sandbox::delete,
        sandbox::raw,
        sandbox::attachment,
    ),
    modifiers(&BearerKeys, &BodyLimit, &RateLimitHeaders, &CredentialRules),
    security(("api_key" = [])),
    servers((url = "/", description = "This server")),
)]
pub struct ApiDoc;

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("postern_…")
                    .build(),
            ),
        );
    }
}

/// Documents the 413 of every operation that takes a body
/// ([`super::Body`]).
struct BodyLimit;

impl Modify for BodyLimit {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let description = format!("The body is larger than {} bytes", super::BODY_LIMIT);
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.post, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                if operation.request_body.is_none() {
                    continue;
                }
                let response = ResponseBuilder::new()
                    .description(&description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build();
                operation
                    .responses
                    .responses
                    .insert("413".into(), RefOr::T(response));
            }
        }
    }
}

/// Documents the headers the API's middleware adds to every response.
struct RateLimitHeaders;

impl Modify for RateLimitHeaders {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.post, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let mut headers = vec![
                        (
                            "X-RateLimit-Limit",
                            "Requests allowed per second for this key",
                        ),
                        (
                            "X-RateLimit-Remaining",
                            "Requests left in the current burst",
                        ),
                    ];
                    if status == "429" || status == "503" {
                        headers.push(("Retry-After", "Seconds to wait before retrying"));
                    }
                    for (name, description) in headers {
                        response
                            .headers
                            .insert(name.into(), integer_header(description));
                    }
                }
            }
        }
    }
}

fn integer_header(description: &str) -> RefOr<utoipa::openapi::Header> {
    let schema = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .build();
    RefOr::T(
        HeaderBuilder::new()
            .schema(Some(schema))
            .description(Some(description))
            .build(),
    )
}

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes")
});

pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.as_str())
}

#[cfg(test)]
mod tests {
    use regex::Regex;
    use utoipa::OpenApi;

    use super::ApiDoc;
    use crate::domain::{CredentialName, Description, Username, text};

    /// The patterns the document gives a client say what `domain::text`
    /// enforces, character for character.
    #[test]
    fn the_documented_text_patterns_agree_with_the_rules() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let fields = &doc["components"]["schemas"]["CreateSmtpCredential"]["properties"];
        let pattern = |field: &str| Regex::new(fields[field]["pattern"].as_str().unwrap()).unwrap();
        let (name, description) = (pattern("name"), pattern("description"));
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let sample = format!("a{c}b");
            assert_eq!(
                name.is_match(&sample),
                text::is_single_line(&sample),
                "{c:?}"
            );
            assert_eq!(
                description.is_match(&sample),
                text::is_multi_line(&sample),
                "{c:?}"
            );
        }
        assert!(name.is_match(" a "));
        assert!(!name.is_match("   "), "not only spaces");
    }

    /// The username's pattern and every stated bound come from the rules.
    #[test]
    fn the_documented_bounds_are_the_rules_own() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let fields = &doc["components"]["schemas"]["CreateSmtpCredential"]["properties"];
        assert_eq!(fields["username"]["pattern"], Username::pattern());
        let bounds = format!("{}–{}", Username::MIN, Username::MAX);
        assert!(
            fields["username"]["description"]
                .as_str()
                .unwrap()
                .starts_with(&bounds)
        );
        assert_eq!(fields["name"]["maxLength"], CredentialName::MAX);
        assert_eq!(fields["description"]["maxLength"], Description::MAX);
    }

    /// Generated clients name their methods after `operationId`s: each is
    /// unique (the handlers of two resources share function names).
    #[test]
    fn every_operation_id_is_unique() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|operation| operation["operationId"].as_str())
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "{ids:?}");
    }
}

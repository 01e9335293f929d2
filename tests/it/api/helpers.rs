//! An API client for tests that checks every response it gets against the
//! OpenAPI document the app serves: the status must be documented for the
//! operation, the documented headers present, and the body valid against
//! the documented schema.

use std::sync::Arc;

use postern::db::models::Workspace;
use postern::domain::{ApiScopes, DomainName};
use postern::service::audit::Actor;
use postern::service::{api_keys, domains};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub struct ApiResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl ApiResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A create's body as a later GET answers it: without the password.
    pub fn body_without_password(&self) -> Value {
        let mut body = self.body.clone();
        if let Some(object) = body.as_object_mut() {
            object.remove("password");
        }
        body
    }

    /// The `errors` messages for one field of a 422.
    pub fn field_errors(&self, field: &str) -> Vec<String> {
        self.body["errors"][field]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct Api {
    pub app: TestApp,
    pub key: Option<String>,
    pub account: String,
    document: Arc<Value>,
}

/// Creates an API key for the workspace with these scopes; returns its secret.
pub async fn make_key(
    app: &TestApp,
    workspace: &Workspace,
    label: &str,
    scopes: &[&str],
) -> String {
    let scopes = ApiScopes::parse(scopes.iter().copied()).unwrap();
    let actor = Actor {
        label: "owner@example.com".into(),
        user_id: None,
        ip: None,
    };
    api_keys::create(&app.db, &workspace.id, label.into(), scopes, actor)
        .await
        .unwrap()
        .secret
}

pub async fn add_domain(app: &TestApp, workspace: &Workspace, name: &str) {
    let actor = Actor {
        label: "owner@example.com".into(),
        user_id: None,
        ip: None,
    };
    domains::add(
        &app.db,
        &workspace.id,
        DomainName::parse(name).unwrap(),
        actor,
    )
    .await
    .unwrap();
}

pub const ALL_SCOPES: &[&str] = &[
    "smtp-credentials:read:all",
    "smtp-credentials:write:all",
    "smtp-credentials:delete:all",
];

impl Api {
    pub async fn new(app: &TestApp, workspace: &Workspace, key: Option<String>) -> Api {
        let document: Value = app
            .client
            .get(app.url("/v2/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Api {
            app: app.clone(),
            key,
            account: workspace.id.to_string(),
            document: Arc::new(document),
        }
    }

    /// The same client (key, account, document) talking to another instance.
    pub fn on(&self, app: &TestApp) -> Api {
        Api {
            app: app.clone(),
            ..self.clone()
        }
    }

    /// The same client with another key (or none).
    pub fn with_key(&self, key: Option<String>) -> Api {
        Api {
            key,
            ..self.clone()
        }
    }

    pub fn collection(&self) -> String {
        format!("/v2/accounts/{}/smtp-credentials", self.account)
    }

    pub fn item(&self, id: &str) -> String {
        format!("{}/{id}", self.collection())
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> ApiResponse {
        let mut request = self.app.client.request(method.clone(), self.app.url(path));
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            let typed = headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
            if !typed {
                request = request.header("Content-Type", "application/json");
            }
            request = request.body(body.to_owned());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if status == 204 && text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| {
                panic!("{method} {path} answered {status} with non-JSON ({e}): {text}")
            })
        };
        let response = ApiResponse {
            status,
            headers,
            body,
        };
        self.check_documented(&method, path, &response);
        response
    }

    /// A GET whose answer is not JSON (a raw message, an attachment): its
    /// status, headers and bytes, unchecked against the document.
    pub async fn get_bytes(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut request = self.app.client.get(self.app.url(path));
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    pub async fn get(&self, path: &str) -> ApiResponse {
        self.call(Method::GET, path, None, &[]).await
    }

    pub async fn delete(&self, path: &str) -> ApiResponse {
        self.call(Method::DELETE, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> ApiResponse {
        self.call(Method::POST, path, Some(&body.to_string()), &[])
            .await
    }

    /// Creates a global production credential; panics unless 201.
    pub async fn create(&self, name: &str) -> ApiResponse {
        let response = self
            .post(
                &self.collection(),
                &json!({"name": name, "scope": "global"}),
            )
            .await;
        assert_eq!(response.status, 201, "{}", response.body);
        response
    }

    /// Asserts that the response is what the OpenAPI document promises.
    #[track_caller]
    fn check_documented(&self, method: &Method, path: &str, response: &ApiResponse) {
        let path = path.split('?').next().unwrap();
        let Some((template, item)) = self.document["paths"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(template, _)| path_matches(template, path))
        else {
            panic!("{path} is not in the OpenAPI document");
        };
        let operation = &item[method.as_str().to_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {template} is not in the OpenAPI document"
        );
        let documented = &operation["responses"][response.status.to_string()];
        assert!(
            documented.is_object(),
            "{method} {template} answered {}, which is not documented: {}",
            response.status,
            response.body
        );
        for header in documented["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(h, _)| h)
        {
            assert!(
                response.headers.contains_key(header.as_str()),
                "{method} {template} {}: documented header {header} missing",
                response.status
            );
        }
        if response.status == 204 {
            assert!(
                documented["content"].is_null(),
                "{method} {template} 204: documented with a body"
            );
            return;
        }
        let schema = &documented["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} {}: no schema",
            response.status
        );
        let mut root = schema.clone();
        root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        root["components"] = self.document["components"].clone();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .expect("the documented schema compiles");
        let problems: Vec<String> = validator
            .iter_errors(&response.body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            problems.is_empty(),
            "{method} {template} {}: body does not match the document: {problems:?}\n{}",
            response.status,
            response.body
        );
    }
}

/// `/v2/accounts/{account_id}/smtp-credentials` matches `/v2/accounts/abc/smtp-credentials`.
fn path_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let page = app.get("/healthz").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, "ok\n");
}

#[tokio::test]
async fn readyz_answers_ok_while_the_database_answers() {
    let app = spawn_app().await;
    let page = app.get("/readyz").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, "ready\n");
}

#[tokio::test]
async fn an_unknown_path_gets_the_404_page() {
    let app = spawn_app().await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status, 404);
    page.assert_contains("Page not found");
}

#[tokio::test]
async fn head_is_answered_wherever_get_is_with_the_same_status_and_no_body() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let invitation = crate::members::invite(&app, "newbie@example.com", "member").await;
    let token = invitation.trim_start_matches("/invitations/");
    let mut paths: Vec<String> = postern::web::ROUTES
        .iter()
        .filter(|(method, _)| *method == "get")
        .map(|(_, pattern)| {
            pattern
                .replace("{slug}", "acme-mail")
                .replace("{id}", "00000000-0000-0000-0000-000000000000")
                .replace("{token}", token)
                .replace("{path:.*}", "css/app.css")
        })
        .collect();
    paths.extend([
        "/v2/openapi.json".to_owned(),
        "/static/js/htmx.min.js".to_owned(),
    ]);
    let mut answered = 0;
    for path in &paths {
        let get = app.client.get(app.url(path)).send().await.unwrap();
        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "HEAD {path}"
        );
        if get.status() == 200 {
            answered += 1;
        }
        assert_eq!(
            head.bytes().await.unwrap().len(),
            0,
            "HEAD {path} has no body"
        );
    }
    assert!(answered >= 15, "most GET routes answered 200: {answered}");
    for path in [
        "/healthz",
        "/readyz",
        "/v2/openapi.json",
        "/static/css/app.css",
    ] {
        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), 200, "HEAD {path}");
    }
}

#[tokio::test]
async fn a_method_the_path_does_not_answer_gets_405_with_allow() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let allow = |page: &crate::helpers::Page| {
        page.headers
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let post = app.post_form("/healthz", &[]).await;
    assert_eq!(post.status, 405, "{}", post.body);
    assert_eq!(allow(&post), "GET, HEAD");
    let get = app.get("/logout").await;
    assert_eq!(get.status, 405);
    assert_eq!(allow(&get), "POST");

    let request = |method: &str, path: &str| {
        app.client.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            app.url(path),
        )
    };
    let options = request("OPTIONS", "/login").send().await.unwrap();
    assert_eq!(options.status(), 405);
    assert_eq!(options.headers()["allow"], "GET, HEAD, POST");
    let delete = request("DELETE", "/v2/openapi.json").send().await.unwrap();
    assert_eq!(delete.status(), 405);
    assert_eq!(delete.headers()["allow"], "GET, HEAD");
    assert_eq!(
        delete.json::<serde_json::Value>().await.unwrap()["message"],
        "This method is not allowed on this endpoint."
    );

    assert_eq!(
        app.post_form("/no/such/page", &[]).await.status,
        404,
        "an unknown path is still 404"
    );
}

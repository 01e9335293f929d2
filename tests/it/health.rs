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

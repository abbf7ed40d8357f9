use crate::helpers::{scratch_dir, spawn_demo, spawn_with, test_config};
use carebook_server::startup::Mode;

#[tokio::test]
async fn health_answers_ok_while_the_process_is_alive() {
    let app = spawn_demo().await;
    let r = app.get("/health").await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn ready_answers_ok_when_the_store_is_migrated_and_reachable() {
    let app = spawn_demo().await;
    let r = app.get("/ready").await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["store"], "sqlite");
}

#[tokio::test]
async fn ready_answers_503_when_a_migration_is_missing() {
    let dir = scratch_dir();
    let app = spawn_with(test_config(&dir), Mode::Serve, dir.clone()).await;
    // Someone rolls the database back behind the server's back.
    let pool = tower_sessions_sqlx_store::sqlx::SqlitePool::connect(&format!("sqlite://{}/carebook.db", dir.display()))
        .await
        .unwrap();
    tower_sessions_sqlx_store::sqlx::query("delete from _sqlx_migrations").execute(&pool).await.unwrap();

    let r = app.get("/ready").await;

    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "not ready");
}

#[tokio::test]
async fn metrics_count_requests_and_latencies_by_route_template() {
    let app = spawn_demo().await;
    app.get("/health").await;
    app.get("/practices").await;
    let some = app.services.directory.find_practices("").await.unwrap();
    app.get(&format!("/practices/{}", some[0].ods_code)).await;

    let (status, text) = app.get_text("/metrics").await;

    assert_eq!(status, 200);
    assert!(text.contains("# TYPE carebook_http_requests_total counter"), "{text}");
    assert!(text.contains(r#"carebook_http_requests_total{method="GET",route="/health",status="200"} 1"#), "{text}");
    assert!(text.contains(r#"route="/practices/:ods""#) || text.contains(r#"route="/practices/{ods}""#), "{text}");
    assert!(
        text.contains("carebook_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\",status=\"200\",le=\"+Inf\"} 1"),
        "{text}"
    );
    // A route template, never the code or anything a person typed.
    assert!(!text.contains(some[0].ods_code.as_str()), "{text}");
}

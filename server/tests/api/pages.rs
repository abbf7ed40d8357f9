use crate::helpers::{between, spawn_demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_home_page_is_rendered_on_the_server_with_the_shell() {
    let app = spawn_demo().await;

    let (status, html) = app.get_text("/").await;

    assert_eq!(status, 200);
    assert!(html.contains("Your health and care in Hertfordshire and West Essex"));
    assert!(html.contains(r##"href="#maincontent""##), "skip link");
    assert!(html.contains(r#"id="maincontent""#));
    assert!(html.contains("nhsuk-header"));
    assert!(html.contains("nhsuk-footer"));
    assert!(html.contains("/pkg/carebook.css"));
    assert!(html.contains("/pkg/carebook.js"), "hydration script");
    assert!(html.to_lowercase().contains("demonstration"), "the demo banner");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_practice_list_is_filtered_by_the_server_without_javascript() {
    let app = spawn_demo().await;
    let all = app.services.directory.find_practices("").await.unwrap();
    let town = all[0].address.town.clone();
    let expected = all.iter().filter(|o| o.address.town == town).count();

    let (status, html) = app.get_text(&format!("/practices?q={}", town.replace(' ', "+"))).await;

    assert_eq!(status, 200);
    let list = between(&html, r#"id="practice-results""#, "</ul>").expect("a results list");
    assert!(list.matches("<li").count() >= expected, "{list}");
    assert!(list.matches("<li").count() < all.len(), "narrowed: {list}");
    let (_, everything) = app.get_text("/practices").await;
    let list = between(&everything, r#"id="practice-results""#, "</ul>").unwrap();
    assert_eq!(list.matches("<li").count(), all.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_practice_page_names_the_practice_and_its_federation() {
    let app = spawn_demo().await;
    let all = app.services.directory.find_practices("").await.unwrap();
    let member = all.iter().find(|o| o.federation_id.is_some()).expect("a federated practice");

    let (status, html) = app.get_text(&format!("/practices/{}", member.ods_code.as_str().to_lowercase())).await;

    assert_eq!(status, 200);
    let h1 = between(&html, "<h1", "</h1>").unwrap();
    assert!(h1.contains(&member.name.replace('\'', "&#x27;")) || h1.contains(&member.name), "{h1}");
    assert!(html.contains("share evening and weekend appointments"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unknown_page_or_practice_is_a_404_page() {
    let app = spawn_demo().await;
    for path in ["/no-such-page", "/practices/ZZ99999", "/practices/not%20a%20code"] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Page not found"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_store_failure_shows_the_service_error_page_with_status_500_and_no_detail() {
    let app = spawn_demo().await;
    let pool = tower_sessions_sqlx_store::sqlx::SqlitePool::connect(&format!("sqlite://{}/demo.db", app.dir.display()))
        .await
        .unwrap();
    tower_sessions_sqlx_store::sqlx::query("alter table organisation rename to organisation_gone")
        .execute(&pool)
        .await
        .unwrap();

    let (status, html) = app.get_text("/practices").await;

    assert_eq!(status, 500);
    assert!(html.contains("Sorry, there is a problem with the service"));
    assert!(!html.contains("no such table"), "the cause stays in the log");
}

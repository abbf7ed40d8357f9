use carebook_core::demo;
use carebook_server::startup::Mode;

use crate::helpers::{between, scratch_dir, spawn_demo, spawn_with, test_config, TestApp};

/// Open the demonstration page; return the session cookie and form token.
async fn open_demonstration_page(app: &TestApp) -> (String, String) {
    let r = app.get("/demonstration").await;
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    let html = r.text().await.unwrap();
    let token = between(&html, r#"name="csrf_token" value=""#, "\"").expect("a form token").to_string();
    (cookie.split(';').next().unwrap().to_string(), token)
}

async fn post_reset(app: &TestApp, cookie: &str, token: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/_server/demonstration/reset", app.address))
        .header("cookie", cookie)
        .header("origin", &app.address)
        // What a browser sends for a plain form post (JavaScript off).
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{}/demonstration", app.address))
        .form(&[("csrf_token", token)])
        .send()
        .await
        .unwrap()
}

async fn add_a_stranger(app: &TestApp) -> carebook_core::model::Patient {
    let store = app.services.store_for_tests();
    let population = demo::generate_with(demo::DEFAULT_SEED, 60);
    let mut stranger = population.patients[1].clone();
    stranger.patient_id = uuid::Uuid::from_u128(0xfeed);
    stranger.nhs_number = carebook_conformance::unused_nhs_number(&population);
    store.insert_patient(&stranger).await.unwrap();
    stranger
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_session_cookie_is_http_only_and_same_site_lax_and_lives_in_the_database() {
    let app = spawn_demo().await;

    let r = app.get("/demonstration").await;

    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("carebook_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP here: {cookie}");
    let pool = tower_sessions_sqlx_store::sqlx::SqlitePool::connect(&format!("sqlite://{}/demo.db", app.dir.display()))
        .await
        .unwrap();
    let (rows,): (i64,) = tower_sessions_sqlx_store::sqlx::query_as("select count(*) from tower_sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demonstration_page_lists_the_personas_with_test_range_numbers() {
    let app = spawn_demo().await;
    let (_, html) = app.get_text("/demonstration").await;
    for persona in demo::personas() {
        let n = carebook_core::NhsNumber::parse(persona.nhs_number).unwrap();
        assert!(n.is_test_range());
        assert!(html.contains(&n.to_string()), "{}", persona.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reset_puts_the_synthetic_world_back_as_it_was() {
    let app = spawn_demo().await;
    let (cookie, token) = open_demonstration_page(&app).await;
    let stranger = add_a_stranger(&app).await;

    let r = post_reset(&app, &cookie, &token).await;

    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(r.headers()["location"], "/demonstration?reset=done");
    assert!(app.services.store_for_tests().patient_by_id(stranger.patient_id).await.is_err());
    assert_eq!(app.services.directory.counts().await.unwrap(), demo::generate_with(demo::DEFAULT_SEED, 60).counts());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reset_without_the_form_token_changes_nothing() {
    let app = spawn_demo().await;
    let (cookie, _token) = open_demonstration_page(&app).await;
    let stranger = add_a_stranger(&app).await;

    let r = post_reset(&app, &cookie, "forged").await;

    assert!(!r.status().is_redirection() || r.headers()["location"] != "/demonstration?reset=done");
    assert!(app.services.store_for_tests().patient_by_id(stranger.patient_id).await.is_ok(), "nothing was reset");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outside_a_demonstration_there_is_no_demonstration_page_and_no_reset() {
    let dir = scratch_dir();
    let app = spawn_with(test_config(&dir), Mode::Serve, dir).await;
    let (status, html) = app.get_text("/demonstration").await;
    assert_eq!(status, 404);
    assert!(!html.to_lowercase().contains("this is a demonstration"));
    let r = post_reset(&app, "carebook_session=none", "none").await;
    let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert_ne!(location, "/demonstration?reset=done");
    assert_eq!(app.services.directory.counts().await.unwrap().patients, 0, "nothing was loaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_demonstration_starts_from_a_fresh_database() {
    let dir = scratch_dir();
    let first = spawn_with(test_config(&dir), Mode::Demo, dir.clone()).await;
    let stranger = add_a_stranger(&first).await;
    first.task_abort();

    let second = spawn_with(test_config(&dir), Mode::Demo, dir.clone()).await;

    assert!(second.services.store_for_tests().patient_by_id(stranger.patient_id).await.is_err());
    assert_eq!(second.services.directory.counts().await.unwrap(), demo::generate_with(demo::DEFAULT_SEED, 60).counts());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demonstration_has_a_week_of_slots_at_every_practice_and_hub_before_and_after_a_reset() {
    let app = spawn_demo().await;
    let now = time::OffsetDateTime::now_utc();
    let week = now + time::Duration::days(8);
    let population = demo::generate_with(demo::DEFAULT_SEED, 60);
    let bookable = |o: &&carebook_core::model::Organisation| {
        matches!(
            o.kind,
            carebook_core::model::OrganisationKind::GpPractice | carebook_core::model::OrganisationKind::Hub
        )
    };
    for org in population.organisations.iter().filter(bookable) {
        let slots = app
            .services
            .store_for_tests()
            .slots_between(org.organisation_id, now - time::Duration::days(1), week)
            .await
            .unwrap();
        assert!(slots.len() > 10, "{}: {}", org.name, slots.len());
    }
    let (cookie, token) = open_demonstration_page(&app).await;
    assert!(post_reset(&app, &cookie, &token).await.status().is_redirection());
    let first = population.organisations.iter().find(bookable).unwrap();
    let slots = app
        .services
        .store_for_tests()
        .slots_between(first.organisation_id, now - time::Duration::days(1), week)
        .await
        .unwrap();
    assert!(slots.len() > 10, "slots are back after the reset");
}

//! The same server on PostgreSQL, when CAREBOOK_TEST_POSTGRES_URL is set
//! (CI always sets it): a fresh database per test, dropped afterwards.

use carebook_server::startup::Mode;
use tower_sessions_sqlx_store::sqlx::{self, Connection, PgConnection};

use crate::helpers::{scratch_dir, secret, spawn_with, test_config};

pub struct FreshDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl FreshDatabase {
    pub async fn create() -> Option<Self> {
        let admin_url = std::env::var("CAREBOOK_TEST_POSTGRES_URL").ok()?;
        let name = format!("carebook_it_{}", uuid::Uuid::from_u128(rand_u128()).simple());
        let mut conn = PgConnection::connect(&admin_url).await.expect("PostgreSQL reachable");
        sqlx::query(&format!("create database {name}")).execute(&mut conn).await.unwrap();
        let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
        Some(Self { url: format!("{base}/{name}"), admin_url, name })
    }

    pub async fn drop_it(self) {
        let mut conn = PgConnection::connect(&self.admin_url).await.unwrap();
        sqlx::query(&format!("drop database if exists {} with (force)", self.name)).execute(&mut conn).await.unwrap();
    }
}

fn rand_u128() -> u128 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    t ^ ((std::process::id() as u128) << 64)
}

#[tokio::test]
async fn the_demonstration_runs_on_postgresql_with_sessions_in_the_database() {
    let Some(db) = FreshDatabase::create().await else {
        eprintln!("skipped: CAREBOOK_TEST_POSTGRES_URL is not set");
        return;
    };
    let dir = scratch_dir();
    let mut config = test_config(&dir);
    config.database_url = secret(&db.url);
    config.demo.database_url = secret(&db.url);
    let app = spawn_with(config, Mode::Demo, dir).await;

    let ready: serde_json::Value = app.get("/ready").await.json().await.unwrap();
    assert_eq!(ready["store"], "postgres");
    assert_eq!(ready["status"], "ready");
    let (status, html) = app.get_text("/practices").await;
    assert_eq!(status, 200);
    let all = app.services.directory.find_practices("").await.unwrap();
    assert!(html.contains(&format!("/practices/{}", all[0].ods_code)));
    let r = app.get("/demonstration").await;
    assert!(r.headers()["set-cookie"].to_str().unwrap().contains("HttpOnly"));

    let mut conn = PgConnection::connect(&db.url).await.unwrap();
    let (sessions,): (i64,) =
        sqlx::query_as("select count(*) from tower_sessions.session").fetch_one(&mut conn).await.unwrap();
    assert_eq!(sessions, 1);
    drop(conn);
    drop(app);
    db.drop_it().await;
}

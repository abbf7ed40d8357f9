use std::process::Command;
use std::time::{Duration, Instant};

use carebook_server::config::Environment;
use carebook_server::startup::{Application, Mode, StartupError};

use crate::helpers::{scratch_dir, secret, test_config};

#[tokio::test]
async fn the_demonstration_is_refused_in_production() {
    let dir = scratch_dir();
    let mut config = test_config(&dir);
    config.environment = Environment::Production;

    let result = Application::build(config, Mode::Demo).await;

    assert!(matches!(result, Err(StartupError::DemoInProduction)));
}

#[tokio::test]
async fn an_unknown_database_scheme_is_refused_with_a_clear_message() {
    let dir = scratch_dir();
    let mut config = test_config(&dir);
    config.database_url = secret("mysql://localhost/carebook");

    let err = Application::build(config, Mode::Serve).await.err().expect("refused");

    assert!(err.to_string().contains("sqlite:// or postgres://"), "{err}");
}

#[test]
fn carebook_migrate_creates_and_migrates_a_fresh_sqlite_file() {
    let dir = scratch_dir();
    let db = dir.join("sub/dir/carebook.db");

    let out = Command::new(env!("CARGO_BIN_EXE_carebook"))
        .arg("migrate")
        .env("CAREBOOK_DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .unwrap();

    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(db.exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn carebook_config_prints_the_effective_configuration_without_secrets() {
    let out = Command::new(env!("CARGO_BIN_EXE_carebook"))
        .args(["config", "--listen", "127.0.0.1:4321"])
        .env("CAREBOOK_DATABASE_URL", "postgres://carebook:s3cret@db.example.org/carebook")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("127.0.0.1:4321"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
}

#[test]
fn a_bad_flag_exits_2_with_a_pointer_to_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_carebook")).arg("--frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--help"));
}

#[test]
fn sigterm_stops_the_server_gracefully_with_exit_code_0() {
    let dir = scratch_dir();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carebook"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("CAREBOOK_DATABASE_URL", format!("sqlite://{}/carebook.db", dir.display()))
        .env("CAREBOOK_SITE_ROOT", dir.join("site"))
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();

    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(dir);
}

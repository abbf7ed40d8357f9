use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use carebook_core::services::Services;
use carebook_server::config::Config;
use carebook_server::startup::{Application, Mode};

pub struct TestApp {
    pub address: String,
    pub dir: PathBuf,
    pub services: Services,
    pub client: reqwest::Client,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn scratch_dir() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir =
        std::env::temp_dir().join(format!("carebook-it-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(dir.join("site/pkg")).unwrap();
    std::fs::write(dir.join("site/pkg/carebook.css"), "body { margin: 0 }\n").unwrap();
    dir
}

/// A config for one test: its own database file and site root, port 0.
pub fn test_config(dir: &std::path::Path) -> Config {
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.site_root = dir.join("site");
    config.database_url = secret(&format!("sqlite://{}/carebook.db", dir.display()));
    config.demo.database_url = secret(&format!("sqlite://{}/demo.db", dir.display()));
    config.demo.patients = 60;
    config
}

pub fn secret(s: &str) -> carebook_server::config::Secret {
    // Secret deserialises from a string: the only way to make one.
    serde_json::from_value(serde_json::Value::String(s.to_string())).unwrap()
}

/// The demonstration, as `carebook demo` runs it.
pub async fn spawn_demo() -> TestApp {
    let dir = scratch_dir();
    spawn_with(test_config(&dir), Mode::Demo, dir).await
}

/// The tests' HTTP client: no redirects followed, and a time limit, so that
/// an answer that never comes (see the Leptos streaming stall in README)
/// fails one test instead of hanging the run.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

pub async fn spawn_with(config: Config, mode: Mode, dir: PathBuf) -> TestApp {
    let app = Application::build(config, mode).await.expect("the app starts");
    let port = app.port();
    let services = app.services().clone();
    let task = tokio::spawn(app.run_until_stopped());
    let client = client();
    TestApp { address: format!("http://127.0.0.1:{port}"), dir, services, client, task }
}

/// As `spawn_with`, on an injected clock.
pub async fn spawn_with_clock(
    config: Config,
    mode: Mode,
    dir: PathBuf,
    clock: std::sync::Arc<dyn carebook_core::clock::Clock>,
) -> TestApp {
    let app = Application::build_with_clock(config, mode, clock).await.expect("the app starts");
    let port = app.port();
    let services = app.services().clone();
    let task = tokio::spawn(app.run_until_stopped());
    let client = client();
    TestApp { address: format!("http://127.0.0.1:{port}"), dir, services, client, task }
}

impl TestApp {
    /// Stop serving without removing the scratch folder.
    pub fn task_abort(&self) {
        self.task.abort();
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.expect("request")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }
}

/// The text between `start` and the next `end`, for plucking values out of
/// HTML without a parser.
pub fn between<'a>(haystack: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = haystack.find(start)? + start.len();
    let to = haystack[from..].find(end)? + from;
    Some(&haystack[from..to])
}

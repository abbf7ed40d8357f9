//! pgbench's simple-update workload, for the rush's ratio.

use std::process::Command;

use tower_sessions_sqlx_store::sqlx::{self, PgConnection};

/// pgbench's simple-update workload (-N) on a scratch database of the same
/// server: transactions per second.
pub async fn pgbench(admin: &mut PgConnection, admin_url: &str, clients: u32, seconds: u32) -> Option<f64> {
    let name = format!("carebook_rush_pgbench_{}", std::process::id());
    let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    let url = format!("{base}/{name}");
    sqlx::query(&format!("drop database if exists {name}")).execute(&mut *admin).await.unwrap();
    sqlx::query(&format!("create database {name}")).execute(&mut *admin).await.unwrap();
    let init = Command::new("pgbench").args(["-i", "-q", &url]).output();
    let tps = match init {
        Ok(o) if o.status.success() => {
            let run = Command::new("pgbench")
                .args(["-N", "-c", &clients.to_string(), "-j", "2", "-T", &seconds.to_string(), &url])
                .output()
                .expect("pgbench runs");
            let text = String::from_utf8_lossy(&run.stdout).to_string();
            if !run.status.success() {
                eprintln!("pgbench failed: {}{}", text, String::from_utf8_lossy(&run.stderr));
            }
            text.lines()
                .find_map(|l| l.trim().strip_prefix("tps = "))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        }
        Ok(o) => {
            eprintln!("pgbench -i failed: {}", String::from_utf8_lossy(&o.stderr));
            None
        }
        Err(e) => {
            eprintln!("pgbench is not installed ({e}); scripts/bench-rush.sh installs postgresql-client");
            None
        }
    };
    sqlx::query(&format!("drop database if exists {name} with (force)")).execute(&mut *admin).await.unwrap();
    tps
}
